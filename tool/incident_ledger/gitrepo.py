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
from datetime import datetime
from pathlib import Path

from .errors import LedgerError

# git exports these while running hooks; inherited by our subprocesses they would
# point every command at the hook's repository instead of the one we mean.
_GIT_ENV_LEAKS = (
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_WORK_TREE",
    "GIT_PREFIX",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
)


class GitError(LedgerError):
    """git refused; the message carries git's own reason."""


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_LEAKS}
    env["LC_ALL"] = "C"  # stable messages to parse
    return env


def git(
    root: Path, *args: str, stdin: bytes | None = None, check: bool = True, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `git -C root args...`; raise GitError with git's stderr when it fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            input=stdin,
            capture_output=True,
            env={**_environment(), **(env or {})},
            check=False,
        )
    except FileNotFoundError:
        raise LedgerError("git is not installed or not on PATH; install git first") from None
    if check and done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip() or done.stdout.decode("utf-8", "replace").strip()
        raise GitError(f"git {_show(args)} failed: {reason}")
    return done


def git_text(root: Path, *args: str) -> str:
    return git(root, *args).stdout.decode("utf-8", "replace")


def _show(args: Sequence[str]) -> str:
    return " ".join(args[:2])


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


@contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """Serialise `inc` commands in one repository: each reads, writes and commits as one step.

    Without it, two commands at once (two terminals, a script in a loop) both read the
    same record, and the second commit silently drops the first one's entry.
    """
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: run unserialised
        yield
        return
    done = git(root, "rev-parse", "--git-path", "inc.lock", check=False)
    if done.returncode != 0:  # not a repository: check_can_commit says so
        yield
        return
    path = _git_path(root, done.stdout.decode("utf-8", "replace").strip())
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield


def check_can_commit(root: Path) -> None:
    """Refuse, before anything is written, when a commit now would fail or mix in other work."""
    names = [name for name, _ in _IN_PROGRESS] + ["index.lock", "HEAD"]
    args = ["rev-parse", "--show-toplevel"]
    for name in names:
        args += ["--git-path", name]
    done = git(root, *args, check=False)
    if done.returncode != 0:
        raise LedgerError(
            f"{root} is not inside a git repository; run `git init` there first, "
            "or pass --no-commit to only write the file"
        )
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    top = Path(lines[0])
    paths = {name: _git_path(root, line) for name, line in zip(names, lines[1:], strict=True)}
    for name, why in _IN_PROGRESS:
        if paths[name].exists():
            raise LedgerError(
                f"{why} in {top}; finish or abort it first (`git status` says how), "
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
    done = git(
        root, "commit", "--only", "--quiet", "--no-edit", "-F", "-", "--", path, stdin=message.encode(), check=False,
        env=dates,
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


def initialise(directory: Path, branch: str) -> None:
    """`git init` a new repository on `branch`, and remember that branch for `inc check`."""
    git(directory, "init", "--quiet", f"--initial-branch={branch}")
    git(directory, "config", BRANCH_KEY, branch)


def is_branch_name(root: Path, name: str) -> bool:
    """Whether git accepts `name` as a branch name."""
    return not name.startswith("-") and git(root, "check-ref-format", "--branch", name, check=False).returncode == 0


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
    git(root, "add", "--all")
    done = git(root, "commit", "--quiet", "-F", "-", stdin=message.encode(), check=False)
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

# Imported here, not at the top, so this section stays one appended block.
from dataclasses import dataclass  # noqa: E402

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
