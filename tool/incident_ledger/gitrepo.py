"""The only module that talks to git, through the `git` command line.

The command line (not GitPython's object API) because it is what the user's hooks,
signing and identity settings apply to, and because it is fast: one `git diff` plus
`git show` takes ~13 ms, the same through GitPython ~144-209 ms; and the audit trail of
1,000 records in 11,941 commits is one `git log --patch` of 2.8 s CPU, against 54 s
(`Commit.stats`) to 90 s (`Commit.diff`) through GitPython, which runs git once per
commit (tests/benchmarks/bench_history.py).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from . import interrupts
from .errors import LedgerError, UsageError


class GitError(LedgerError):
    """git refused; the message carries git's own reason."""


class GitMissing(LedgerError):
    """No git program to run."""


def git(
    root: Path,
    *args: str,
    stdin: bytes | None = None,
    check: bool = True,
    stoppable: bool = False,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git -C root args...`; raise GitError with git's stderr when it fails.

    git is never killed, which would leave its lock files behind: a signal reaches it as
    `interrupts.run` says (`stoppable`: even inside a step), and is raised here once git
    has ended. `env` adds to the environment git gets.
    """
    return _run(root, list(args), {**_environment(root), **(env or {})}, stdin, check, stoppable)


def _run(
    root: Path,
    args: list[str],
    env: dict[str, str],
    stdin: bytes | None = None,
    check: bool = False,
    stoppable: bool = False,
) -> subprocess.CompletedProcess[bytes]:
    try:
        done = interrupts.run(["git", "-C", str(root), *args], stdin=stdin, env=env, stoppable=stoppable)
    except FileNotFoundError:
        raise GitMissing("git is not installed or not on PATH; install git first") from None
    if check and done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip() or done.stdout.decode("utf-8", "replace").strip()
        raise GitError(f"git {_show(args)} failed: {reason}")
    return done


def git_text(root: Path, *args: str) -> str:
    return git(root, *args).stdout.decode("utf-8", "replace")


def _show(args: Sequence[str]) -> str:
    return " ".join(args[:2])


# Variables that tell git which repository, index and objects to use. A user or a
# wrapper sets GIT_DIR with GIT_WORK_TREE for a git directory kept apart from its work
# tree; git itself exports GIT_DIR to the hooks of linked worktrees and submodules and
# GIT_INDEX_FILE to commit hooks, where they name the repository whose hook runs.
_LOCATING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PREFIX",  # only informs hooks and aliases; git never reads it
)


@dataclass(frozen=True)
class Location:
    """Where git finds the repository for a folder, as `git rev-parse` says."""

    git_dir: Path
    common_dir: Path
    bare: bool
    inside_git_dir: bool
    top: Path | None  # the work tree's top folder; None in a bare repository or a git dir


def locate(directory: Path) -> Location | None:
    """The repository git works on from `directory` (None outside any, or without git)."""
    try:
        return _rev_parse(directory, _environment(directory))
    except GitMissing:
        return None


def _plain_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LOCATING}
    env["LC_ALL"] = "C"  # stable messages to parse
    return env


def _environment(root: Path) -> dict[str, str]:
    """The environment for git commands about the repository holding `root`.

    git's own rules decide which repository that is, GIT_DIR and GIT_WORK_TREE included;
    the variables are then given to git as absolute paths so every command, from any
    folder, works on that same repository. Variables that describe another repository
    (a hook's, when `inc -C` names a folder elsewhere) are left out.
    """
    env = _plain_environment()
    given = tuple((name, os.environ[name]) for name in _LOCATING if os.environ.get(name))
    if given:
        env.update(_honoured(str(root), given))
    return env


@lru_cache(maxsize=32)
def _honoured(directory: str, given: tuple[tuple[str, str], ...]) -> dict[str, str]:
    variables = dict(given)
    variables.pop("GIT_PREFIX", None)
    plain = _plain_environment()
    if "GIT_DIR" in variables or "GIT_WORK_TREE" in variables:
        named = {k: v for k, v in variables.items() if k in ("GIT_DIR", "GIT_WORK_TREE")}
        found = _rev_parse(Path(directory), {**plain, **named})
        if found is None:
            shown = " and ".join(f"{k}={v}" for k, v in named.items())
            raise UsageError(
                f"{shown} name no git repository for {directory}; correct or unset them "
                "(git itself would refuse to run here)"
            )
        ours, top = _work_tree(found, Path(directory), named)
        if ours:
            pinned = {"GIT_DIR": str(found.git_dir)}
            if top is not None:
                pinned["GIT_WORK_TREE"] = str(top)
            return {**pinned, **_same_repository(variables, found, top)}
        # git exported them to a hook of another repository, which `directory` is not in.
        variables = {k: v for k, v in variables.items() if k not in named}
    found = _rev_parse(Path(directory), plain)
    return _same_repository(variables, found, found.top) if found is not None else {}


def _work_tree(found: Location, directory: Path, named: dict[str, str]) -> tuple[bool, Path | None]:
    """Whether the variables describe the repository `directory` is in, and its work tree."""
    if "GIT_WORK_TREE" in named:
        if found.top is None or not _inside(directory, found.top):
            raise UsageError(
                f"{directory} is outside the work tree GIT_WORK_TREE={named['GIT_WORK_TREE']} names; "
                "run inc inside that work tree, or unset GIT_WORK_TREE"
            )
        return True, found.top
    own = _own_work_tree(found.git_dir)
    if own is None:
        # A git directory with no work tree of its own (a wrapper's): git takes the
        # current folder as the top of the work tree.
        return True, found.top
    # A linked worktree's or a submodule's git directory, as git exports it to their
    # hooks: it describes `directory` only inside that work tree, whose top is the top
    # whichever subfolder inc runs in.
    return _inside(directory, own), own


def _own_work_tree(git_dir: Path) -> Path | None:
    """The work tree a git directory belongs to by itself, if it has one: a linked
    worktree's, a submodule's (core.worktree), or the folder around a `.git`."""
    link = git_dir / "gitdir"
    if link.is_file() and (git_dir / "commondir").is_file():
        return Path(link.read_text(encoding="utf-8", errors="replace").strip()).parent
    done = _run(git_dir, ["config", "--get", "core.worktree"], _plain_environment() | {"GIT_DIR": str(git_dir)})
    if done.returncode == 0 and done.stdout.strip():
        return (git_dir / done.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    return git_dir.parent if git_dir.name == ".git" else None


def _same_repository(variables: dict[str, str], found: Location, top: Path | None) -> dict[str, str]:
    """GIT_INDEX_FILE and the object directories, kept when they lie in this repository's
    git directory (a commit hook's temporary index) and left out when they name another's."""
    kept: dict[str, str] = {}
    base = top or found.git_dir
    for name in ("GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        if name in variables:
            path = (base / variables[name]).resolve()  # git reads a relative one from the top
            if any(_inside(path, d) for d in (found.git_dir, found.common_dir)):
                kept[name] = str(path)
    if "GIT_OBJECT_DIRECTORY" in kept and "GIT_ALTERNATE_OBJECT_DIRECTORIES" in variables:
        kept["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = variables["GIT_ALTERNATE_OBJECT_DIRECTORIES"]
    return kept


def _inside(path: Path, folder: Path) -> bool:
    real, container = os.path.realpath(path), os.path.realpath(folder)
    return real == container or real.startswith(container.rstrip(os.sep) + os.sep)


def _rev_parse(directory: Path, env: dict[str, str]) -> Location | None:
    args = ["rev-parse", "--absolute-git-dir", "--git-common-dir", "--is-bare-repository", "--is-inside-git-dir"]
    done = _run(directory, [*args, "--show-toplevel"], env)
    lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 4:
        return None  # not a repository (a bare one stops before --show-toplevel)
    common = Path(lines[1])
    return Location(
        git_dir=Path(lines[0]),
        common_dir=common if common.is_absolute() else (directory / common).resolve(),
        bare=lines[2] == "true",
        inside_git_dir=lines[3] == "true",
        top=Path(lines[4]) if done.returncode == 0 and len(lines) > 4 else None,
    )


def no_work_tree(root: Path, otherwise: str) -> str:
    """Why `root` has no work tree to write records in, and what to do (`otherwise`: when
    it is in no repository at all)."""
    found = locate(root)
    if found is not None and found.bare:
        return (
            f"{found.git_dir} is a bare repository: it has no work tree for the record files, "
            f"which inc needs; clone it (git clone {found.git_dir} DIR) and run inc in the clone"
        )
    if found is not None and found.inside_git_dir:
        return f"{root} is inside the git directory {found.git_dir}; run inc in the work tree instead"
    return f"{root} is not inside a git repository; {otherwise}"


def toplevel(path: Path) -> Path | None:
    """The work tree's top folder containing `path`, or None outside a git repository."""
    done = git(path, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode().strip())


# ---------------------------------------------------------------------------------------
# Commits and repository state, for the lifecycle commands (`inc new`, `inc resolve`, ...).
# Everything below goes through `git` itself so the user's hooks, identity and signing
# apply; nothing here reorganises the functions above.
# ---------------------------------------------------------------------------------------

# Operations that leave the index and HEAD half-way; committing in the middle of one
# would mix an incident change into the user's merge or rebase.
_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge is in progress"),
    ("rebase-merge", "a rebase is in progress"),
    ("rebase-apply", "a rebase or `git am` is in progress"),
    ("CHERRY_PICK_HEAD", "a cherry-pick is in progress"),
    ("REVERT_HEAD", "a revert is in progress"),
)


# What `exclusive` and `check_can_commit` look at, found with one `git rev-parse`.
_STATE_PATHS = ("inc.lock", *(name for name, _ in _IN_PROGRESS), "index.lock", "HEAD")


@dataclass(frozen=True)
class Layout:
    """Where a work tree's top is and where git keeps the files that say what it is doing."""

    top: Path
    paths: dict[str, Path]


def layout(root: Path) -> Layout | None:
    """The layout of the repository holding `root`, or None outside one."""
    args = ["rev-parse", "--show-toplevel"]
    for name in _STATE_PATHS:
        args += ["--git-path", name]
    done = git(root, *args, check=False)
    if done.returncode != 0:
        return None
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return Layout(Path(lines[0]), {n: _git_path(root, line) for n, line in zip(_STATE_PATHS, lines[1:], strict=True)})


@contextmanager
def exclusive(root: Path) -> Iterator[Layout | None]:
    """Serialise `inc` commands in one repository: each reads, writes and commits as one step.

    Without it, two commands at once (two terminals, a script in a loop) both read the
    same record, and the second commit silently drops the first one's entry. Yields the
    repository's layout (None outside one), for `check_can_commit`.
    """
    found = layout(root)
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: run unserialised
        yield found
        return
    if found is None:  # not a repository: check_can_commit says so
        yield None
        return
    path = found.paths["inc.lock"]
    handle = _lock(path, fcntl)
    try:
        yield found
    finally:
        _unlock(handle, path, fcntl)


def _lock(path: Path, fcntl: Any) -> IO[str]:
    """Hold an exclusive lock on the file at `path` (made if missing)."""
    while True:
        handle = None
        try:
            with interrupts.deferred():  # a signal now comes after `handle` is set
                handle = path.open("a")
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed, or inc ends
            if _same_file(handle.fileno(), path):
                return handle
        except BaseException:  # a signal while waiting for the command before
            if handle is not None:
                _unlock(handle, path, fcntl, held=False)
            raise
        handle.close()  # the holder before us removed this file: lock the new one


def _unlock(handle: IO[str], path: Path, fcntl: Any, held: bool = True) -> None:
    """Remove the lock file while holding it, so none of ours outlives the command; a
    command waiting on the removed file sees that and locks the path anew. Not known to
    be held: removed only when nobody else holds it (whoever does removes it when done)."""
    with interrupts.deferred():
        try:
            if not held:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if _same_file(handle.fileno(), path):
                path.unlink()
        except OSError:
            pass
        finally:
            handle.close()


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


def check_can_commit(root: Path, found: Layout | None = None) -> None:
    """Refuse, before anything is written, when a commit now would fail or mix in other work."""
    found = found or layout(root)
    if found is None:
        raise LedgerError(no_work_tree(root, "run `git init` there first, or pass --no-commit to only write the file"))
    paths = found.paths
    for name, why in _IN_PROGRESS:
        if paths[name].exists():
            raise LedgerError(
                f"{why} in {found.top}; finish or abort it first (`git status` says how), "
                "or pass --no-commit to only write the file"
            )
    if paths["index.lock"].exists():
        raise LedgerError(
            f"{paths['index.lock']} exists: another git process is running, or one crashed; "
            "wait for it, or remove the file if no git command is running"
        )
    try:
        head = paths["HEAD"].read_text(encoding="utf-8", errors="replace")
    except OSError:
        head = ""
    if not head.startswith("ref:"):
        raise LedgerError(
            "HEAD is detached (no branch is checked out); run `git switch BRANCH` or "
            "`git switch -c BRANCH` first, or pass --no-commit to only write the file"
        )


def _git_path(root: Path, line: str) -> Path:
    path = Path(line)
    return path if path.is_absolute() else root / path


def config_value(root: Path, key: str) -> str | None:
    done = git(root, "config", "--get", key, check=False)
    value = done.stdout.decode("utf-8", "replace").strip()
    return value if done.returncode == 0 and value else None


def index_entry(root: Path, path: str) -> str:
    """The index's entry for one path (`mode sha stage\\tpath` lines; empty when untracked)."""
    # --full-name: the form `update-index --index-info` reads back, whatever folder inc runs in.
    return git(root, "ls-files", "--stage", "--full-name", "--", path).stdout.decode("utf-8", "surrogateescape")


def restore_index_entry(root: Path, path: str, entry: str) -> None:
    """Put one path's index entry back as `index_entry` saw it."""
    if index_entry(root, path) == entry:
        return
    git(root, "update-index", "--force-remove", "--", path, check=False)
    if entry:
        git(root, "update-index", "--index-info", stdin=entry.encode("utf-8", "surrogateescape"))


def commit_one(root: Path, path: str, message: str, new: bool, when: datetime | None = None) -> None:
    """Commit exactly this one file as it is in the work tree, whatever else is staged.

    `git commit --only -- PATH` commits PATH from the work tree through a temporary
    index, so other staged changes stay staged and out of the commit, and hooks,
    identity and signing apply. A new file must be known to the index first. `when` is
    the command's clock: the commit carries the time the change was made (the audit trail
    compares it with the timeline), the same time under a fixed INC_NOW.
    """
    if new:
        git(root, "add", "--intent-to-add", "--", path)
    dates = {"GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()} if when else None
    # Stoppable: a signal reaches git and its hooks, which may run for long; whether the
    # commit happened is then read from HEAD (committed_on).
    done = git(
        root, "commit", "--only", "--quiet", "--no-edit", "-F", "-", "--", path, stdin=message.encode(),
        check=False, stoppable=True, env=dates,
    )  # fmt: skip
    if done.returncode != 0:
        reason = (done.stderr.decode("utf-8", "replace") + done.stdout.decode("utf-8", "replace")).strip()
        raise GitError(f"git refused the commit: {reason or f'git commit exited with {done.returncode}'}")


# The branch records land on when nothing else says: `inc init` creates it, the workflows
# it writes run on pushes to it, and `inc check` compares against it without --base.
DEFAULT_BRANCH = "main"
# Where a repository made by `inc init` remembers its branch (a clone learns it from the
# remote's HEAD instead: the branch pushed first is the remote's default).
BRANCH_KEY = "incident-ledger.branch"


def head_commit(root: Path) -> str | None:
    done = git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
    return done.stdout.decode().strip() if done.returncode == 0 else None


def committed_on(root: Path, parent: str | None) -> bool:
    """Whether HEAD is now a new commit made on `parent` (None: on a branch yet unborn).

    How a commit attempt ended is read here, from HEAD, never from git's exit status: a
    signal can stop git after it moved the branch (in a post-commit hook) or before.
    """
    done = git(root, "rev-list", "--parents", "--max-count=1", "HEAD", "--", check=False)
    ids = done.stdout.decode().split()
    if done.returncode != 0 or not ids or ids[0] == parent:
        return False
    return ids[1:2] == ([parent] if parent else [])


def match_head(root: Path, path: str) -> bytes | None:
    """Set one path's index entry to HEAD's; return HEAD's content when the index held
    something else (None when it was in step).

    A pre-commit hook that reformats the file and stages it again changes what is
    committed, but `git commit --only` leaves the index holding the file from before the
    hook: the path would show as changed both ways (`MM`) right after its own commit.
    """
    tree = git(root, "ls-tree", "--full-name", "HEAD", "--", path).stdout.decode("utf-8", "surrogateescape")
    if not tree:
        return None
    info, _, _ = tree.partition("\t")
    mode, _, oid = info.split(" ")
    if index_entry(root, path).startswith(f"{mode} {oid} 0\t"):
        return None
    # `update-index --index-info` reads ls-tree's own lines.
    git(root, "update-index", "--index-info", stdin=tree.encode("utf-8", "surrogateescape"))
    return read_blobs(root, [oid])[oid]


def initialise(directory: Path, branch: str) -> None:
    """`git init` a new repository on `branch`, and remember that branch for `inc check`.

    Whatever GIT_DIR or GIT_WORK_TREE say: they name an existing repository, and the one
    made here is a new one (git init would otherwise set up the one GIT_DIR names).
    """
    _run(directory, ["init", "--quiet", f"--initial-branch={branch}"], _plain_environment(), check=True)
    _run(directory, ["config", BRANCH_KEY, branch], _plain_environment(), check=True)


def is_branch_name(root: Path, name: str) -> bool:
    """Whether git accepts `name` as a branch name."""
    # About no repository in particular (it runs before `inc init` makes one): whatever
    # GIT_DIR and GIT_WORK_TREE name is not asked.
    if name.startswith("-"):
        return False
    return _run(root, ["check-ref-format", "--branch", name], _plain_environment()).returncode == 0


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
    return tracking if resolve_commit(root, tracking) is not None else branch


def commit_all(root: Path, message: str) -> None:
    """Commit everything in the repository `initialise` just made."""
    _run(root, ["add", "--all"], _plain_environment(), check=True)
    done = _run(root, ["commit", "--quiet", "-F", "-"], _plain_environment(), stdin=message.encode())
    if done.returncode != 0:
        reason = (done.stderr.decode("utf-8", "replace") + done.stdout.decode("utf-8", "replace")).strip()
        raise GitError(f"git refused the commit: {reason}")


# ---------------------------------------------------------------------------------------
# What the index knows without reading the work tree: the record cache's keys.
# ---------------------------------------------------------------------------------------

_REGULAR_MODES = ("100644", "100755")
_LS_FILES = re.compile(r"(\S+) ([0-7]+) ([0-9a-f]+) ([0-3])\t([^\0]*)\0")


def git_dir(root: Path) -> Path | None:
    """The git directory of the work tree holding `root` (a linked worktree has its own), or None outside git."""
    done = git(root, "rev-parse", "--git-dir", check=False)
    if done.returncode != 0:
        return None
    return _git_path(root, done.stdout.decode("utf-8", "surrogateescape").strip())


def unchanged_blobs(root: Path, pathspec: str) -> dict[str, str]:
    """The blob id of each tracked regular file under `pathspec` whose work-tree copy git
    finds unchanged, by path relative to `root`: what the file holds, without reading it.

    `ls-files --modified` compares each file's stat data with the index and, where that
    cannot tell (a file changed in the second the index was written), its content: the
    test `git status` makes. Files marked assume-unchanged or skip-worktree are left
    out, since git does not look at them; so are conflicted ones.
    """
    done = git(root, "ls-files", "-z", "--stage", "--modified", "-v", "--", pathspec, check=False)
    if done.returncode != 0:
        return {}
    blobs: dict[str, str] = {}
    changed = set()
    # TAG MODE OBJECT STAGE<tab>PATH<nul>; C: modified or deleted, h: assume-unchanged,
    # S: skip-worktree, M: unmerged.
    for tag, mode, blob, stage, path in _LS_FILES.findall(done.stdout.decode("utf-8", "surrogateescape")):
        if tag == "H" and mode in _REGULAR_MODES and stage == "0":
            blobs[path] = blob
        else:
            changed.add(path)
    for path in changed:
        blobs.pop(path, None)
    return blobs


# ---------------------------------------------------------------------------------------
# Diff and read: what `inc check` needs (issue 4). Cost follows the change: git's own
# tree diff names the changed files, one `git cat-file --batch` reads them at both ends.
# ---------------------------------------------------------------------------------------

WORKTREE = "WORKTREE"
SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"  # a submodule's commit
TREE_MODE = "040000"
_NO_MODE = "000000"


@dataclass(frozen=True)
class Change:
    """One file changed between two trees, as `git diff --raw` reports it.

    `status` is git's letter (A, D, M, R, T, C, U); `old_path` is None for an added file
    and `new_path` None for a deleted one; modes are git's octal strings; the object ids
    let `read_blobs` fetch the contents without walking the trees again (all zeros for
    a side that does not exist or is only in the work tree).
    """

    status: str
    old_path: str | None
    new_path: str | None
    old_mode: str
    new_mode: str
    old_oid: str = ""
    new_oid: str = ""


def resolve_commit(root: Path, ref: str) -> str | None:
    """The full id of the commit `ref` names, or None when it names none."""
    if ref.startswith("-"):
        return None  # never let a ref be read as an option
    done = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    return done.stdout.decode().strip() if done.returncode == 0 else None


def merge_base(root: Path, one: str, other: str) -> str | None:
    """The best common ancestor of two commits, or None when their histories are unrelated."""
    done = git(root, "merge-base", one, other, check=False)
    return done.stdout.decode().strip() if done.returncode == 0 else None


def is_shallow(root: Path) -> bool:
    """Whether this clone holds only part of the history (`git clone --depth N`)."""
    done = git(root, "rev-parse", "--is-shallow-repository", check=False)
    return done.returncode == 0 and done.stdout.strip() == b"true"


def prefix(root: Path) -> str:
    """`root` relative to its work tree's top ('' at the top, else 'sub/dir/')."""
    return git_text(root, "rev-parse", "--show-prefix").strip()


def changed_files(root: Path, base: str, head: str, pathspec: str) -> list[Change]:
    """Files under `pathspec` that differ between commit `base` and `head` (a commit or
    WORKTREE for the working tree's tracked files), renames detected, paths from the top."""
    args = ["diff", "--raw", "-z", "-M", "--no-ext-diff", "--no-textconv", base]
    if head != WORKTREE:
        args.append(head)
    raw = git(root, *args, "--", f":(top){pathspec}").stdout.decode("utf-8", "surrogateescape")
    return _parse_raw(raw)


def _parse_raw(raw: str) -> list[Change]:
    fields = raw.split("\0")
    changes = []
    index = 0
    while index < len(fields) and fields[index].startswith(":"):
        old_mode, new_mode, old_oid, new_oid, status = fields[index][1:].split(" ")
        letter = status[0]
        if letter in ("R", "C"):
            old, new = fields[index + 1], fields[index + 2]
            index += 3
        else:
            old = new = fields[index + 1]
            index += 2
        if letter == "U":
            # Unmerged (a merge in progress): both modes read 000000, the file is in the
            # work tree with its conflict markers, and that is what must be reported.
            changes.append(Change(letter, old, new, old_mode, new_mode, old_oid, new_oid))
            continue
        changes.append(
            Change(
                letter,
                None if letter == "A" or old_mode == _NO_MODE else old,
                None if letter == "D" or new_mode == _NO_MODE else new,
                old_mode,
                new_mode,
                old_oid,
                new_oid,
            )
        )
    return changes


def read_blobs(root: Path, specs: Sequence[str]) -> dict[str, bytes | None]:
    """The contents of files named `rev:path` or by id, read in one `git cat-file --batch`
    (None if missing or not a file). Ids are cheaper: `rev:path` walks the trees down to the file."""
    if not specs:
        return {}
    unique = list(dict.fromkeys(specs))
    if any("\n" in spec for spec in unique):
        raise LedgerError("a file name holds a line break; rename it")
    out = git(root, "cat-file", "--batch", stdin="".join(f"{s}\n" for s in unique).encode()).stdout
    result: dict[str, bytes | None] = {}
    at = 0
    for spec in unique:
        end = out.index(b"\n", at)
        header = out[at:end].split(b" ")
        if header[-1] == b"missing" or len(header) != 3:
            result[spec] = None
            at = end + 1
            continue
        size = int(header[2])
        # Only a file's content: a submodule's entry names a commit, which is no record.
        result[spec] = out[end + 1 : end + 1 + size] if header[1] == b"blob" else None
        at = end + 1 + size + 1  # the content is followed by a newline
    return result


# History of the records: one `git log --patch` over every commit that touched a path, for
# the audit trail (`inc history`, the site's change history, the back-dating warning).
# ---------------------------------------------------------------------------------------

# Starts each commit's header in the log output. A patch line always starts with a
# diff marker (+, -, space, @, d, i, n, ...), so a line starting with it is a header.
_COMMIT_MARK = "\x1e"
_LOG_FORMAT = f"{_COMMIT_MARK}%H%x00%aI%x00%an%x00%s%x00"


@dataclass(frozen=True)
class FilePatch:
    """One file's change in one commit: the lines it added and removed (no context)."""

    path: str
    created: bool
    deleted: bool
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class LoggedCommit:
    """A commit that touched the paths asked for, with its patch to them."""

    sha: str
    authored: str  # ISO-8601 with the author's zone, as git stores it
    author: str
    subject: str
    files: tuple[FilePatch, ...]


def log_patches(root: Path, pathspec: str, revisions: Sequence[str] = ("HEAD",)) -> list[LoggedCommit]:
    """Every commit reachable from `revisions` touching `pathspec` (from the top), newest first,
    with the lines each added to and removed from each file, read in one `git log` call.

    A repository without commits has no history: an empty list.
    """
    if not revisions or any(r.startswith("-") for r in revisions):
        raise LedgerError("a revision must not start with '-'")
    if git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode != 0:
        return []
    args = [
        "-c",
        "core.quotePath=false",
        "log",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--no-color",
        "--unified=0",
        "--patch",
        f"--format={_LOG_FORMAT}",
        *revisions,
        "--",
        f":(top){pathspec}",
    ]
    raw = git(root, *args).stdout.decode("utf-8", "replace")
    return _parse_log(raw)


def _parse_log(raw: str) -> list[LoggedCommit]:
    commits: list[LoggedCommit] = []
    for chunk in raw.split(f"\n{_COMMIT_MARK}") if raw else []:
        header, _, patch = chunk.lstrip(_COMMIT_MARK).partition("\x00\n")
        fields = header.split("\x00")
        if len(fields) != 4:
            continue
        sha, authored, author, subject = fields
        commits.append(LoggedCommit(sha, authored, author, subject, tuple(_parse_patch(patch))))
    return commits


def _parse_patch(patch: str) -> Iterator[FilePatch]:
    path: str | None = None
    created = deleted = False
    added: list[str] = []
    removed: list[str] = []
    in_hunk = False
    for line in patch.split("\n"):
        if line.startswith("diff --git "):
            if path is not None:
                yield FilePatch(path, created, deleted, tuple(added), tuple(removed))
            path, created, deleted, added, removed, in_hunk = None, False, False, [], [], False
        elif in_hunk and line[:1] == "+":
            added.append(line[1:])
        elif in_hunk and line[:1] == "-":
            removed.append(line[1:])
        elif line.startswith("@@"):
            in_hunk = True
        elif not in_hunk and line.startswith("+++ "):
            name = _diff_path(line[4:])
            path = name if name is not None else path
        elif not in_hunk and line.startswith("--- "):
            name = _diff_path(line[4:])
            path = path or name
            created = name is None
        elif not in_hunk and line.startswith("deleted file mode"):
            deleted = True
    if path is not None:
        yield FilePatch(path, created, deleted, tuple(added), tuple(removed))


def _diff_path(text: str) -> str | None:
    """The path of a `--- a/PATH` or `+++ b/PATH` line; None for /dev/null."""
    if text == "/dev/null":
        return None
    if text.startswith('"') and text.endswith('"'):  # git quotes names with odd characters
        text = (
            text[1:-1]
            .encode("latin-1", "backslashreplace")
            .decode("unicode_escape")
            .encode("latin-1")
            .decode("utf-8", "replace")
        )
    return text[2:] if text[:2] in ("a/", "b/") else text
