"""Writing one record file, and committing it alone: one step that finishes or is undone.

The file is written atomically (a temporary file renamed over it), its folders made and,
on failure, removed again. With a commit message the write and `git commit` are one
step: whatever stops it (a refused commit, a signal, a full disk), either the commit
exists and the file and its index entry are as the commit has them, or both are byte
for byte as they were. Only when HEAD cannot be read after `git commit` (a hook broke it)
is nothing put back: the written file stays, and the command says it cannot tell.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from . import gitrepo, interrupts
from .errors import Interrupted, LedgerError


def _make_folder(folder: Path, root: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        where = _shown_path(error.filename or folder, root)
        if isinstance(error, (FileExistsError, NotADirectoryError)):
            raise LedgerError(
                f"{where} is a file where the folder for records should be; move it away and try again"
            ) from None
        raise LedgerError(f"cannot create the folder {where}: {error.strerror}; check its permissions") from None


def _shown_path(path: str | os.PathLike[str], root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def write_and_commit(
    root: Path,
    relative: str,
    content: bytes,
    before: bytes | None,
    message: str | None,
    when: datetime,
    state: Callable[[], gitrepo.Before] | None = None,
) -> None:
    """Write the record (`before`: its bytes now, None for a new one) and, given a commit
    message, commit it alone: one step that ends either way, never half-way.

    Either the commit exists and the file and its index entry are as the commit has
    them, or the file and its index entry are byte for byte as they were; when HEAD
    cannot be read after `git commit`, the file stays written and the error says so
    (putting it back could undo a change a commit holds). A signal
    (Ctrl-C, SIGTERM) meanwhile is held until the step has ended one way or the other
    (see `interrupts`), then reported with what was done. `state` gives the index entry
    and HEAD to go back to, when the caller started reading them (`gitrepo.reading_before`).
    """
    done = _Done()
    try:
        with interrupts.deferred():
            interrupts.checkpoint()
            if message is None:
                _write_new_folders(root, relative, content)
                done.written = True
            else:
                _commit_alone(root, relative, content, before, message, when, done, state)
    except Interrupted as stop:
        stop.note = done.describe(relative)
        raise


class _Done:
    def __init__(self) -> None:
        self.written = False
        self.committed = False
        self.unknown = False

    def describe(self, relative: str) -> str:
        if self.committed:
            return f"{relative} was committed before inc stopped"
        if self.unknown:
            return f"{relative} was written; whether it was committed could not be read from HEAD"
        return f"{relative} was written, not committed" if self.written else "nothing was changed"


def _commit_alone(
    root: Path,
    relative: str,
    content: bytes,
    before: bytes | None,
    message: str,
    when: datetime,
    done: _Done,
    state: Callable[[], gitrepo.Before] | None,
) -> None:
    file = root / relative
    before_commit = state() if state else gitrepo.Before(gitrepo.index_entry(root, relative), gitrepo.head_commit(root))
    entry, parent = before_commit.entry, before_commit.parent
    branch = gitrepo.unborn_branch(root) if parent is None else None  # the first commit's branch
    interrupts.checkpoint()  # the last moment to stop with nothing written
    created = [folder for folder in reversed(file.parents) if not folder.exists()]
    failure: BaseException | None = None
    written = started = False
    try:
        _write_new_folders(root, relative, content)
        written = True
        interrupts.checkpoint()  # written but git not started: put back below
        started = True
        gitrepo.commit_one(root, relative, message, new=not entry, when=when)
    except BaseException as error:  # a refused commit, a signal, a full disk
        failure = error
    compared: interrupts.Started | None = None
    made: bool | None = False  # git never started: nothing was committed
    if started:
        # Whether the commit happened is read from HEAD, whatever ended git: a signal during
        # a post-commit hook stops git after the commit, one during a pre-commit hook before.
        compared = gitrepo.comparing_with_head(root, relative)  # beside committed_on: read only if it did
        try:
            made = gitrepo.committed_on(root, parent, branch)
        finally:
            compared.wait()
    if made is None:
        done.unknown = True
        _cannot_tell(relative, failure)
    if made:
        done.committed = True
        committed = gitrepo.match_head(root, relative, compared)
        if committed is not None and _read(file) != committed:
            _write_atomic(file, committed)
        return
    if written and before is None:
        file.unlink()
    elif written and before is not None:
        _write_atomic(file, before)
    gitrepo.restore_index_entry(root, relative, entry)
    _remove_folders(created)
    if failure is None:  # pragma: no cover - git said it committed, HEAD says not
        failure = LedgerError("git ended without making the commit; nothing was changed")
    raise failure


def _cannot_tell(relative: str, failure: BaseException | None) -> NoReturn:
    """HEAD could not be read after `git commit`: put nothing back, since a commit that
    was made would then hold a change the work tree no longer has, and say so."""
    if isinstance(failure, Interrupted):
        raise failure
    why = f"{failure}; " if failure is not None else ""  # what git said, when it refused
    raise LedgerError(
        f"{why}{relative} was written, but HEAD could not be read after `git commit`, so inc cannot tell whether"
        f" the commit was made; nothing was put back. See `git status` and `git log -1 -- {relative}`"
    ) from None


def _read(file: Path) -> bytes | None:
    try:
        return file.read_bytes()
    except OSError:
        return None


def _write_new_folders(root: Path, relative: str, content: bytes) -> None:
    """Write the record, making its folders; a failure leaves none of them behind."""
    file = root / relative
    created = [folder for folder in reversed(file.parents) if not folder.exists()]
    try:
        _make_folder(file.parent, root)
        _write_atomic(file, content)
    except BaseException:
        _remove_folders(created)
        raise


def _remove_folders(created: list[Path]) -> None:
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _write_atomic(file: Path, content: bytes) -> None:
    """Write through a temporary file in the same folder and rename it over the record.

    A crash or a full disk then leaves either the old record or the new one, never half.
    """
    try:
        mode = file.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    try:
        handle, temporary = _temporary_beside(file)
    except OSError as error:
        # A read-only folder (or a full disk): say where, as a user error, not a bug.
        raise LedgerError(f"cannot write a record in {file.parent}: {error.strerror}; check its permissions") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, mode)
        os.replace(temporary, file)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise LedgerError(f"cannot write {file}: {error.strerror}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# How a temporary file is opened: made here or not at all, never through a link, private
# until renamed (what tempfile.mkstemp does, without the ~4 ms of importing tempfile).
_TEMPORARY_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _temporary_beside(file: Path) -> tuple[int, str]:
    """A new file next to `file` with a random name (`.NAME.RANDOM.tmp`): descriptor and path."""
    for _ in range(100):
        temporary = str(file.parent / f".{file.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(temporary, _TEMPORARY_FLAGS | getattr(os, "O_BINARY", 0), 0o600), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(file.parent))


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
