"""Reading what git holds without writing anything: the index's blob ids, the files a
range of commits changed, blobs in bulk, and the log with its patches (for `inc check`,
the record cache and the audit trail)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .. import interrupts
from ..errors import LedgerError
from .command import git, git_path, git_text

_REGULAR_MODES = (b"100644", b"100755")
# `ls-files -z --stage -v` writes TAG MODE OBJECT STAGE<tab>PATH<nul> for each entry.
_ENTRY = re.compile(rb"(\S+) ([0-7]+) ([0-9a-f]+) ([0-3])\t([^\0]*)\0")
# Where an entry whose tag is not H starts, after the one before it (C: modified or
# deleted, h: assume-unchanged, S: skip-worktree, M: unmerged).
_AFTER_NOT_CACHED = re.compile(rb"\0(?=[^H])")
# How much of git's listing is read at a time.
_PIECE = 64 * 1024


def git_dir(root: Path) -> Path | None:
    """The git directory of the work tree holding `root` (a linked worktree has its own), or None outside git."""
    done = git(root, "rev-parse", "--git-dir", check=False)
    if done.returncode != 0:
        return None
    return git_path(root, done.stdout.decode("utf-8", "surrogateescape").strip())


class IndexBlobs:
    """The blob id of each tracked regular file git finds unchanged: what the file holds,
    without reading it.

    `ls-files --modified` compares each file's stat data with the index and, where that
    cannot tell (a file changed in the second the index was written), its content: the
    test `git status` makes. Files marked assume-unchanged or skip-worktree are left
    out, since git does not look at them; so are conflicted ones.

    git's listing (some 90 bytes a file) stays in the file git wrote it to and is read
    forward, a piece at a time, as the records are asked for in the order git sorts
    paths: held whole, it was the largest part of `inc validate`'s memory that grew with
    the number of records.
    """

    def __init__(self, listing: IO[bytes] | None, piece: int = _PIECE) -> None:
        # Few entries are not H. git before 2.31 lists the modified ones after all others,
        # so a first pass finds them all.
        if listing is not None:
            listing.seek(0)
        self._changed = _not_cached(listing, piece)
        self._windows = _read_then_close(listing, piece)
        if listing is not None:  # closed once read to its end, or with this object
            weakref.finalize(self, listing.close)
        self._window = b""
        self._at = 0  # where the next ask starts looking in the window

    def get(self, path: str) -> str | None:
        """The blob id of `path` (relative to the root, as git lists it), or None when git
        has none for it or cannot vouch for the file. Ask in path order: a path asked
        after one git sorts after it has None (its file is read instead)."""
        wanted = path.encode("utf-8", "surrogateescape")
        while True:
            window, at = self._window, self._at
            while (tab := window.find(b"\t", at)) >= 0:
                end = window.find(b"\0", tab)
                if end < 0:  # never so (a window holds whole entries); never a loop either
                    break
                name = window[tab + 1 : end]
                if name == wanted:
                    self._at = at
                    fields = window[at:tab].split(b" ")
                    if len(fields) != 4 or wanted in self._changed:
                        return None
                    tag, mode, blob, stage = fields
                    return blob.decode("ascii") if tag == b"H" and mode in _REGULAR_MODES and stage == b"0" else None
                if name > wanted:
                    self._at = at
                    return None
                at = end + 1
            following = next(self._windows, None)
            if following is None:
                self._window, self._at = b"", 0
                return None
            self._window, self._at = following, 0


def _windows(listing: IO[bytes] | None, piece: int) -> Iterator[bytes]:
    """git's listing in pieces that hold whole entries (each ends with its NUL); what
    follows the last NUL is no entry, and is left out."""
    if listing is None:
        return
    rest = b""
    while chunk := listing.read(piece):
        window = rest + chunk
        last = window.rfind(b"\0") + 1
        rest = window[last:]
        if last:
            yield window[:last]


def _not_cached(listing: IO[bytes] | None, piece: int) -> set[bytes]:
    """The names of the listing's entries whose tag is not H."""
    names: set[bytes] = set()
    for window in _windows(listing, piece):
        starts = [0] if window[:1] != b"H" else []
        starts += [found.end() for found in _AFTER_NOT_CACHED.finditer(window)]
        names.update(entry[5] for entry in (_ENTRY.match(window, at) for at in starts) if entry)
    return names


def _read_then_close(listing: IO[bytes] | None, piece: int) -> Iterator[bytes]:
    """`_windows` from the start of the listing, which is closed once read."""
    if listing is None:
        return
    with listing:
        listing.seek(0)
        yield from _windows(listing, piece)


def unchanged_blobs(root: Path, pathspec: str) -> IndexBlobs:
    """What git's index says of the files under `pathspec` (relative to `root`); nothing
    when git cannot list them."""
    listing = interrupts.anonymous_file()
    try:
        done = git(root, "ls-files", "-z", "--stage", "--modified", "-v", "--", pathspec, check=False, stdout=listing)
    except BaseException:
        listing.close()
        raise
    if done.returncode != 0:
        listing.close()
        return IndexBlobs(None)
    return IndexBlobs(listing)


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
