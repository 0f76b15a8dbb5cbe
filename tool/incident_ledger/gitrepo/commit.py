"""Committing one record: repository state checks, the command lock, the commit itself,
and reading back what HEAD holds after it (for the lifecycle commands).

Everything goes through `git` itself so the user's hooks, identity and signing apply.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from .. import interrupts
from ..errors import LedgerError
from .command import GitError, Location, checked, git, git_path, git_start, no_work_tree

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
STATE_PATHS = ("inc.lock", *(name for name, _ in _IN_PROGRESS), "index.lock", "HEAD")


class Layout:
    """Where a work tree's top is and where git keeps the files that say what it is doing."""

    __slots__ = ("paths", "top")

    def __init__(self, top: Path, paths: dict[str, Path]) -> None:
        self.top = top
        self.paths = paths


def layout(root: Path) -> Layout | None:
    """The layout of the repository holding `root`, or None outside one."""
    args = ["rev-parse", "--show-toplevel"]
    for name in STATE_PATHS:
        args += ["--git-path", name]
    done = git(root, *args, check=False)
    if done.returncode != 0:
        return None
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return Layout(Path(lines[0]), {n: git_path(root, line) for n, line in zip(STATE_PATHS, lines[1:], strict=True)})


def layout_of(found: Location) -> Layout | None:
    """The layout `locate(root, STATE_PATHS)` found for `root`, as `layout(root)` says it."""
    if found.top is None or len(found.git_paths) != len(STATE_PATHS):
        return None
    return Layout(found.top, dict(zip(STATE_PATHS, found.git_paths, strict=True)))


@contextmanager
def exclusive(root: Path, known: Layout | None = None) -> Iterator[Layout | None]:
    """Serialise `inc` commands in one repository: each reads, writes and commits as one step.

    Without it, two commands at once (two terminals, a script in a loop) both read the
    same record, and the second commit silently drops the first one's entry. Yields the
    repository's layout (None outside one), for `check_can_commit`; `known` is the
    layout already found for `root`, if any.
    """
    found = known if known is not None else layout(root)
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


def config_value(root: Path, key: str) -> str | None:
    return _value_of(git(root, "config", "--get", key, check=False))


def asking_config(root: Path, key: str) -> Callable[[], str | None]:
    """`config_value`, with git started now to run beside what inc does next; the
    function given waits for the answer."""
    started = git_start(root, "config", "--get", key)
    return lambda: _value_of(started.wait())


def _value_of(done: subprocess.CompletedProcess[bytes]) -> str | None:
    value = done.stdout.decode("utf-8", "replace").strip()
    return value if done.returncode == 0 and value else None


# --full-name: the form `update-index --index-info` reads back, whatever folder inc runs in.
_INDEX_ENTRY = ("ls-files", "--stage", "--full-name", "--")
_HEAD = ("rev-parse", "--verify", "--quiet", "HEAD")


def index_entry(root: Path, path: str) -> str:
    """The index's entry for one path (`mode sha stage\\tpath` lines; empty when untracked)."""
    return _entry_of(git(root, *_INDEX_ENTRY, path))


def _entry_of(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stdout.decode("utf-8", "surrogateescape")


class Before:
    """What a commit of one path goes back to when it does not happen."""

    __slots__ = ("entry", "parent")

    def __init__(self, entry: str, parent: str | None) -> None:
        self.entry = entry  # the path's index entry (`index_entry`)
        self.parent = parent  # HEAD's commit (`head_commit`)


@contextmanager
def reading_before(root: Path, path: str) -> Iterator[Callable[[], Before]]:
    """Start reading what a commit of `path` must be able to go back to, beside what the
    caller does next (reading and checking the record); the function given waits for the
    answer. Both git processes are waited for however the block ends."""
    entry = git_start(root, *_INDEX_ENTRY, path)
    try:
        head = git_start(root, *_HEAD)
    except BaseException:
        entry.wait()
        raise
    try:
        yield lambda: Before(_entry_of(checked(entry.wait())), _head_of(head.wait()))
    finally:
        try:
            entry.wait()
        finally:  # a signal held while waiting is raised by the first wait: wait for both
            head.wait()


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
    ended = time.time_ns()  # before another process can have been given git's id
    if done.returncode == 0:
        return
    reason = (done.stderr.decode("utf-8", "replace") + done.stdout.decode("utf-8", "replace")).strip()
    if done.returncode < 0:  # not a refusal: something stopped git (a signal inc got too is reported as such)
        _remove_partial_index(root, done.pid, ended)
        stopped = f"git commit was stopped by {interrupts.signal_name(-done.returncode)}"
        raise GitError(f"{stopped}: {reason}" if reason else stopped)
    raise GitError(f"git refused the commit: {reason or f'git commit exited with {done.returncode}'}")


def _remove_partial_index(root: Path, pid: int, ended: int) -> None:
    """Remove the index a `git commit --only` that a signal stopped may leave behind.

    git builds such a commit in `next-index-PID.lock` in its git directory, and removes it
    as it stops; but a signal that comes while git is still creating the file (before it
    has noted it as its own) stops git with the file left. Its name carries that git's
    process id: one of that name made before git ended (`ended`, ns) is that git's; one
    made later belongs to a process given the id again, and is left. `index.lock`, which
    any git command may hold, is left alone (git's own message says what to do with one
    left behind).
    """
    from .history import git_dir  # rarely needed: loaded here

    folder = git_dir(root)
    if folder is None:
        return
    left = folder / f"next-index-{pid}.lock"
    with suppress(OSError):
        if left.stat().st_mtime_ns <= ended:
            left.unlink()


def head_commit(root: Path) -> str | None:
    return _head_of(git(root, *_HEAD, check=False))


def _head_of(done: subprocess.CompletedProcess[bytes]) -> str | None:
    return done.stdout.decode().strip() if done.returncode == 0 else None


def committed_on(root: Path, parent: str | None, branch: str | None = None) -> bool | None:
    """Whether HEAD is now a new commit made on `parent` (None: on a branch yet unborn,
    `branch`, as `unborn_branch` named it before the commit); None when nobody can tell.

    How a commit attempt ended is read here, from HEAD, never from git's exit status: a
    signal can stop git after it moved the branch (in a post-commit hook) or before.
    A read that fails is not an answer: a hook may have left HEAD unreadable, or
    something may have killed this very read, after a commit that was made.
    """
    done = git(root, "rev-list", "--parents", "--max-count=1", "HEAD", "--", check=False)
    ids = done.stdout.decode().split()
    if done.returncode == 0 and ids:
        return ids[0] != parent and ids[1:2] == ([parent] if parent else [])
    if parent is None and done.returncode > 0 and branch is not None:
        # A branch still unborn is one git made no commit on; one that exists now, with
        # HEAD unreadable, may hold it.
        found = git(root, "rev-parse", "--verify", "--quiet", branch, check=False)
        if found.returncode == 1 and not found.stdout.strip():
            return False
    return None


def unborn_branch(root: Path) -> str | None:
    """The branch HEAD names (`refs/heads/main`), read before a first commit on it; None
    when HEAD is detached or cannot be read."""
    done = git(root, "symbolic-ref", "--quiet", "HEAD", check=False)
    name = done.stdout.decode("utf-8", "surrogateescape").strip()
    return name if done.returncode == 0 and name else None


def comparing_with_head(root: Path, path: str) -> interrupts.Started:
    """Start the `git diff-index` that `match_head` reads, beside `committed_on`."""
    return git_start(root, *_DIFF_INDEX, path)


_DIFF_INDEX = ("diff-index", "--cached", "-z", "HEAD", "--")


def match_head(root: Path, path: str, compared: interrupts.Started | None = None) -> bytes | None:
    """Set one path's index entry to HEAD's; return HEAD's content when the index held
    something else (None when it was in step).

    A pre-commit hook that reformats the file and stages it again changes what is
    committed, but `git commit --only` leaves the index holding the file from before the
    hook: the path would show as changed both ways (`MM`) right after its own commit.
    One `git diff-index` says whether the index and HEAD differ there and, when they
    do, HEAD's mode and blob (`compared`: that command, started by `comparing_with_head`).
    """
    done = checked(compared.wait()) if compared is not None else git(root, *_DIFF_INDEX, path)
    raw = done.stdout.decode("utf-8", "surrogateescape")
    if not raw:
        return None  # in step (or in neither)
    info, _, name = raw.partition("\0")
    mode, _, oid, _, status = info.lstrip(":").split(" ")
    name = name.rstrip("\0")
    if status == "U" or "\0" in name:  # an unmerged entry, or more than one path: ask the tree
        return _match_head_tree(root, path)
    if set(mode) == {"0"}:
        return None  # HEAD does not hold the path
    # `update-index --index-info` reads `mode SP oid TAB path` lines, paths from the top.
    git(root, "update-index", "--index-info", stdin=f"{mode} {oid}\t{name}\n".encode("utf-8", "surrogateescape"))
    return _blob(root, oid)


def _match_head_tree(root: Path, path: str) -> bytes | None:
    tree = git(root, "ls-tree", "--full-name", "HEAD", "--", path).stdout.decode("utf-8", "surrogateescape")
    if not tree:
        return None
    info, _, _ = tree.partition("\t")
    mode, _, oid = info.split(" ")
    if index_entry(root, path).startswith(f"{mode} {oid} 0\t"):
        return None
    # `update-index --index-info` reads ls-tree's own lines.
    git(root, "update-index", "--index-info", stdin=tree.encode("utf-8", "surrogateescape"))
    return _blob(root, oid)


def _blob(root: Path, oid: str) -> bytes | None:
    from .history import read_blobs  # rarely needed: loaded here

    return read_blobs(root, [oid])[oid]
