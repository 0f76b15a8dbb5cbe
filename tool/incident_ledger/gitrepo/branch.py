"""The branch records land on: set up by `inc init`, the base `inc check` compares with."""

from __future__ import annotations

from pathlib import Path

from .command import GitError, git, git_plain
from .commit import config_value

# The branch records land on when nothing else says: `inc init` creates it, the workflows
# it writes run on pushes to it, and `inc check` compares against it without --base.
DEFAULT_BRANCH = "main"
# Where a repository made by `inc init` remembers its branch (a clone learns it from the
# remote's HEAD instead: the branch pushed first is the remote's default).
BRANCH_KEY = "incident-ledger.branch"


def initialise(directory: Path, branch: str) -> None:
    """`git init` a new repository on `branch`, and remember that branch for `inc check`.

    Whatever GIT_DIR or GIT_WORK_TREE say: they name an existing repository, and the one
    made here is a new one (git init would otherwise set up the one GIT_DIR names).
    """
    git_plain(directory, "init", "--quiet", f"--initial-branch={branch}", check=True)
    git_plain(directory, "config", BRANCH_KEY, branch, check=True)


def is_branch_name(root: Path, name: str) -> bool:
    """Whether git accepts `name` as a branch name."""
    # About no repository in particular (it runs before `inc init` makes one): whatever
    # GIT_DIR and GIT_WORK_TREE name is not asked.
    if name.startswith("-"):
        return False
    return git_plain(root, "check-ref-format", "--branch", name).returncode == 0


def default_base(root: Path) -> str:
    """The branch a change goes into when none is named: the repository's own setting,
    else the remote's default branch, else DEFAULT_BRANCH; its remote-tracking branch
    (origin/NAME) when there is one, else the local branch."""
    branch = config_value(root, BRANCH_KEY)
    if branch is None:
        done = git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", check=False)
        remote_head = done.stdout.decode("utf-8", "replace").strip()
        if done.returncode == 0 and remote_head:
            return remote_head
        branch = DEFAULT_BRANCH
    tracking = f"origin/{branch}"
    from .history import resolve_commit

    return tracking if resolve_commit(root, tracking) is not None else branch


def commit_all(root: Path, message: str) -> None:
    """Commit everything in the repository `initialise` just made."""
    git_plain(root, "add", "--all", check=True)
    done = git_plain(root, "commit", "--quiet", "-F", "-", stdin=message.encode())
    if done.returncode != 0:
        reason = (done.stderr.decode("utf-8", "replace") + done.stdout.decode("utf-8", "replace")).strip()
        raise GitError(f"git refused the commit: {reason}")
