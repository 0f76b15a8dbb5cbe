"""What is known about each record file, kept between runs: one cache for every face.

`inc validate`, `inc list` / `inc actions` and the site build each need something about
every record that takes a parse to find out (its problems and id, the facts a listing
shows), and it changes only when the record's bytes do. Entries are keyed by the
record's path and git blob id: the index knows it for tracked files git finds
unchanged, so those are not even read; other files are hashed the way git would. The
cache as a whole is keyed by a fingerprint of the tool (its code and the libraries that
decide validity) and of the schema and policy files: when any of them changes, every
record is checked again.

Trust. The cache's files are under the git directory (`git rev-parse --git-dir`, so a
linked worktree has its own; never in the tracked tree), each signed with HMAC-SHA256
under a random key kept beside them but outside the cache folder. A file that is
corrupt, was edited, or was copied from another clone or machine (a restored CI cache,
say) fails the check and is ignored as a whole: a tampered entry cannot make an invalid
record pass. Whoever can write the key can also write the repository's git hooks.

Each use keeps its own section in its own file: `inc validate` does not pay for the
listing's facts, nor the reverse. A section holds one line per record, sorted by path,
and is read and rewritten in one pass beside the sorted list of records (`Entries`,
`Rewrite`): neither the old one nor the new one is ever held whole or parsed.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import weakref
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import gitrepo
from .errors import Problem
from .records import ALWAYS, INCIDENTS_DIR
from .rules.repository import Seen

FORMAT = "inc-record-cache 2"
KEY_FILE = "inc-cache.key"
FOLDER = "inc-cache"
# A section file ends with its HMAC-SHA256, in hex, on a line of its own.
SIGNATURE = 64 + 1
# Libraries whose version can change a record's result: the YAML parser, the schema
# validator and the credential detectors.
DEPENDENCIES = ("yaml", "jsonschema_rs", "jsonschema", "detect_secrets")


# hashlib, hmac and secrets load OpenSSL, which takes milliseconds: they are imported where
# they are used, so a command that checks one record (and needs FileResult, not the cache)
# does not load them.


def blob_id(raw: bytes) -> str:
    """The id git gives a file with these bytes (`git hash-object`)."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()


def tool_version() -> str:
    """This tool's code and the libraries that decide validity, as installed.

    Each source file's size and modification time, and where each library is installed:
    an upgrade, a reinstall or an edited checkout changes it. Stat only, no reading:
    this runs on every command that uses the cache.
    """
    import importlib.util

    package = Path(__file__).resolve().parent
    parts = [sys.version, FORMAT]
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = sorted(s for s in subfolders if s != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".json", ".yaml")):
                info = os.stat(os.path.join(folder, name))
                parts.append(
                    f"{os.path.relpath(os.path.join(folder, name), package)} {info.st_size} {info.st_mtime_ns}"
                )
    for dependency in DEPENDENCIES:
        spec = importlib.util.find_spec(dependency)
        origin = spec.origin if spec is not None else None
        installed = os.stat(origin) if origin and os.path.exists(origin) else None
        size, mtime = (installed.st_size, installed.st_mtime_ns) if installed else (0, 0)
        parts.append(f"{dependency} {origin} {size} {mtime}")
    return "\n".join(parts)


def fingerprint(schema_files: Iterable[Path]) -> str:
    """What every entry of a cache depends on besides the record itself."""
    import hashlib

    digest = hashlib.sha256(tool_version().encode("utf-8", "surrogateescape"))
    for file in schema_files:
        try:
            content = file.read_bytes()
        except OSError:
            content = b"(unreadable)"
        digest.update(b"\0%s\0%d\0" % (file.name.encode(), len(content)) + content)
    return digest.hexdigest()


@dataclass(slots=True)
class FileResult:
    problems: list[Problem]
    seen: Seen | None
    # The record itself, only when asked for (the site) and only when it has no problem:
    # `inc validate` keeps no records, so its memory does not grow with their number.
    data: dict[str, Any] | None = None
    # For the record cache: the blob id of the bytes checked (None when none were read),
    # and the clock readings over which the problems hold.
    blob: str | None = None
    window: tuple[int, int] = ALWAYS


def encode(result: FileResult) -> Line:
    """A result as a cache line: the stamp `blob from to` (the bytes checked, and the clock
    readings over which the problems hold) and the payload [problems, seen]."""
    seen = result.seen
    payload = [
        [[p.line, p.col, p.rule, p.message] for p in result.problems],
        [seen.id, seen.line, seen.col, seen.duplicate_of, *seen.duplicate_of_at, [list(r) for r in seen.related]]
        if seen
        else None,
    ]
    return Line(f"{result.blob} {result.window[0]} {result.window[1]}".encode("ascii"), dump(payload))


# A line's stamp read back: the blob id checked, and the clock readings over which its
# problems hold.
Stamp = tuple[str, int, int]


def stamp(line: Line) -> Stamp | None:
    """The stamp of a line of `encode`, read without JSON; None when it is not one."""
    fields = line.stamp.split(b" ")
    if len(fields) != 3:
        return None
    try:
        return fields[0].decode("ascii"), int(fields[1]), int(fields[2])
    except ValueError:
        return None


def decode(path: str, line: Line, stamped: Stamp) -> FileResult | None:
    """A line of `encode`, whose stamp is `stamped`, back as the result for the record at
    `path`; None when it is not one (the cache is signed, but a line written by another
    version of this code may have another shape)."""
    blob, low, high = stamped
    try:
        problems, seen = _parse(line.payload.decode("ascii"))[0]
        if seen and not (type(seen[0]) is str and type(seen[1]) is int and type(seen[2]) is int):
            return None  # the rules across records keep an id and its place as they are
        return FileResult(
            [Problem(path, at, col, rule, message) for at, col, rule, message in problems],
            Seen(seen[0], path, seen[1], seen[2], seen[3], _place(seen[4], seen[5]), tuple(map(tuple, seen[6])))
            if seen
            else None,
            None,
            blob,
            (low, high),
        )
    except (TypeError, ValueError, IndexError):
        return None


# Where a record without `duplicate_of` has it: Seen's default.
_NOWHERE = Seen._field_defaults["duplicate_of_at"]


def _place(line: int, col: int) -> tuple[int, int]:
    """A place read back; the default is shared rather than made again for every record
    (a cached run keeps one Seen a record: about 0.5 MiB at 10,000 records)."""
    return _NOWHERE if line == _NOWHERE[0] and col == _NOWHERE[1] else (line, col)


# The JSON scanner itself: a payload is one short ASCII document, parsed 10,000 times a run.
_parse = json.JSONDecoder().raw_decode


def dump(payload: Any) -> bytes:
    """A payload as a line holds it: compact JSON, ASCII only, so no raw tab or newline."""
    return json.dumps(payload, separators=(",", ":")).encode("ascii")


@dataclass(frozen=True, slots=True)
class Line:
    """One record's line in a section: a stamp its user reads without parsing JSON (the
    blob id first, no tab, no newline), and a JSON payload (`dump`)."""

    stamp: bytes
    payload: bytes

    def written(self, path: str) -> bytes:
        """The line as the section file holds it: `"path"<tab>stamp<tab>payload<newline>`,
        the path as a JSON string (ASCII, so no raw tab or newline either)."""
        return b"%s\t%s\t%s\n" % (json.dumps(path).encode("ascii"), self.stamp, self.payload)


# Where a line is in a section's body: [start, end). Where a record has no line, the
# empty span where its line would go.
Span = tuple[int, int]


# How much of a section file is read at a time.
_PIECE = 1 << 16


class Body:
    """A section's lines as its file holds them, once the file's signature is checked: read
    from the file as a pass needs them, never held whole (about 160 bytes a record).

    The file stays open for the pass, so a section another command puts in place meanwhile
    (a new file, never an edited one) does not change what this pass reads and copies.
    Offsets are from the first line; no file is an empty body."""

    def __init__(self, descriptor: int | None = None, start: int = 0, size: int = 0) -> None:
        self._descriptor = descriptor
        self._start = start
        self.size = size
        if descriptor is not None:
            weakref.finalize(self, os.close, descriptor)

    def read(self, start: int, end: int) -> bytes:
        """The bytes from `start` to `end` (fewer if the file is shorter)."""
        found = b""
        while self._descriptor is not None and start + len(found) < end:
            piece = os.pread(self._descriptor, end - start - len(found), self._start + start + len(found))
            if not piece:
                break
            found += piece
        return found

    def pieces(self, start: int, end: int) -> Iterator[bytes]:
        """The bytes from `start` to `end`, a piece at a time."""
        while start < end and (piece := self.read(start, min(end, start + _PIECE))):
            yield piece
            start += len(piece)

    def lines(self) -> Iterator[bytes]:
        """Each line, with its newline."""
        rest = b""
        for piece in self.pieces(0, self.size):
            *lines, rest = (rest + piece).split(b"\n")
            for line in lines:
                yield line + b"\n"
        if rest:
            yield rest


class Entries:
    """A section's lines, read in path order beside the sorted records: one pass, nothing
    held parsed. After `find`, `span` is where the record's line is (or would go), and
    `passed_over` gives the lines no record asked for, so a rewrite can drop them (kept
    only when `passed`: a pass over some records only passes over the others)."""

    def __init__(self, body: Body, passed: bool = True) -> None:
        self.body = body
        self._keep_passed = passed
        self._lines = body.lines()
        self._at = 0  # where the next line starts in the body
        self._next: tuple[str, bytes, list[bytes]] | None = None  # its path, bytes and fields
        self.span: Span = (0, 0)
        self._passed: list[Span] = []

    def find(self, path: str) -> Line | None:
        """The line for `path`, passing over those before it; ask for paths in increasing order."""
        while following := self._next or self._read():
            key, raw, fields = following
            if key >= path:
                if key != path:
                    break
                self._next = None
                self.span = (self._at, self._at + len(raw))
                self._at += len(raw)
                return Line(fields[1], fields[2])
            self._next = None
            if self._keep_passed:
                self._passed.append((self._at, self._at + len(raw)))
            self._at += len(raw)
        self.span = (self._at, self._at)
        return None

    def passed_over(self) -> list[Span]:
        """The lines passed over since this was last asked (no record asked for them)."""
        found, self._passed = self._passed, []
        return found

    def rest(self) -> list[Span]:
        """The lines no record asked for: those passed over, and those after the last asked."""
        if self._at < self.body.size:
            if self._keep_passed:
                self._passed.append((self._at, self.body.size))
            self._at = self.body.size
        return self.passed_over()

    def _read(self) -> tuple[str, bytes, list[bytes]] | None:
        raw = next(self._lines, b"")
        if not raw:
            return None
        fields = raw[:-1].split(b"\t")
        quoted = fields[0]
        key: Any = None
        with suppress(ValueError):
            key = quoted[1:-1].decode("ascii") if b"\\" not in quoted else json.loads(quoted)
        if not (len(fields) == 3 and quoted[:1] == b'"' and isinstance(key, str)):
            key = ""  # damaged: sorts first, is never found, and is passed over
        self._next = (key, raw, fields)
        return self._next


class Rewrite:
    """A section's new body, streamed to a file as edits of the old one: `replace(span,
    line)` puts a line (None: none) where the span was, spans in increasing order.

    Nothing is written until an edit changes something; from then on the old body is
    copied between edits as the pass goes, so the new section is never held whole.
    `close` signs it and puts it in place; a pass that does not close (an error, an
    interrupt) leaves the old one as it was."""

    def __init__(self, cache: RecordCache, name: str, body: Body) -> None:
        self._cache, self._name, self._body = cache, name, body
        self._copied = 0  # the old body is written (or kept) up to here
        self._out: Any = None
        self._temporary = ""
        self._mac: Any = None
        self._failed = False

    def replace(self, span: Span, line: bytes | None) -> None:
        start, end = span
        if start < self._copied:
            self.discard()  # out of order: the new section would not be sorted
            return
        if start == end if line is None else line == self._body.read(start, end):
            return  # no line where there was none, or the same line
        self._begin()
        self._copy(start)
        if line is not None:
            self._write(line)
        self._copied = end

    def close(self) -> None:
        if self._out is None:
            return
        self._copy(self._body.size)
        try:
            self._out.write(b"%s\n" % self._mac.hexdigest().encode("ascii"))
            self._out.close()
            os.replace(self._temporary, self._cache.section_file(self._name))
        except OSError:
            self.discard()  # a cache that cannot be written only costs time
            return
        self._out = None
        with suppress(OSError):
            # The file of every section at once, which version 1 wrote: nothing reads it now.
            os.unlink(self._cache.folder / f"records-{self._cache.name}")

    def discard(self) -> None:
        """Leave the old section as it was."""
        if self._out is not None:
            self._out.close()
            self._out = None
            with suppress(OSError):
                os.unlink(self._temporary)
        self._failed = True

    def _begin(self) -> None:
        if self._out is not None or self._failed:
            return
        key = self._cache.key(create=True)
        if key is None:
            self._failed = True
            return
        import hashlib
        import hmac
        import tempfile  # loaded when the cache is written, not by every command

        file = self._cache.section_file(self._name)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            _remove_abandoned(file)
            handle, self._temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}-", suffix=".tmp")
        except OSError:
            self._failed = True
            return
        self._out = os.fdopen(handle, "wb")
        self._mac = hmac.new(key, digestmod=hashlib.sha256)
        self._write(self._cache.header(self._name))

    def _copy(self, end: int) -> None:
        """Copy the old body from where it was copied up to `end`."""
        for piece in self._body.pieces(self._copied, end):
            self._write(piece)

    def _write(self, data: bytes) -> None:
        if self._out is None or not data:
            return
        try:
            self._out.write(data)
        except OSError:
            self.discard()
            return
        self._mac.update(data)

    def __enter__(self) -> Rewrite:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


# A writer's temporary file is written to as its pass goes; one untouched for this long
# was left by a writer that was killed (SIGKILL, a power cut) and is never finished.
ABANDONED_AFTER = 3600


def _remove_abandoned(file: Path) -> None:
    """Remove the temporary files of killed writers of this section (`Rewrite`)."""
    import time

    for left in file.parent.glob(f".{file.name}-*.tmp"):
        with suppress(OSError):
            if left.lstat().st_mtime < time.time() - ABANDONED_AFTER:
                left.unlink()


class RecordCache:
    """The cache of one repository's records (of one folder holding incidents/)."""

    def __init__(self, root: Path, git_dir: Path, fingerprint: str) -> None:
        self.root = root
        self.fingerprint = fingerprint
        import hashlib

        # A repository may hold several ledgers (folders with incidents/); each has its own files.
        self.name = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:16]
        self.folder = git_dir / FOLDER
        self.key_file = git_dir / KEY_FILE
        self._unchanged: gitrepo.IndexBlobs | None = None
        self._bodies: dict[str, Body] = {}

    @classmethod
    def open(cls, root: Path, schema_files: Iterable[Path]) -> RecordCache | None:
        """The cache of the records under `root`, or None outside a git work tree."""
        git_dir = gitrepo.git_dir(root)
        if git_dir is None:
            return None
        return cls(root, git_dir, fingerprint(schema_files))

    # -- keys ---------------------------------------------------------------------------

    def blob(self, path: str, file: str) -> str | None:
        """The blob id of the record at `path` (relative to the root, as problems show it),
        from the index when git finds the file unchanged, else hashed; None when it is
        not a regular file that can be read."""
        if self._unchanged is None:
            self._unchanged = gitrepo.unchanged_blobs(self.root, INCIDENTS_DIR)
        known = self._unchanged.get(path)
        if known is not None:
            return known
        try:
            # Not following links and not waiting on a FIFO: only a regular file is read.
            handle = os.open(file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        with os.fdopen(handle, "rb") as opened:
            try:
                if not stat.S_ISREG(os.fstat(opened.fileno()).st_mode):
                    return None
                return blob_id(opened.read())
            except OSError:
                return None

    # -- sections -----------------------------------------------------------------------

    def section_file(self, name: str) -> Path:
        return self.folder / f"records-{self.name}.{name}"

    def header(self, name: str) -> bytes:
        return f"{FORMAT} {name} {self.fingerprint}\n".encode()

    def entries(self, name: str, passed: bool = True) -> Entries:
        """One section's lines; none when the section is missing, foreign or damaged.
        `passed`: keep the lines passed over (`Entries.passed_over`)."""
        return Entries(self._body(name), passed)

    def rewrite(self, name: str) -> Rewrite:
        """A new body for a section, as edits of the one `entries` gives."""
        return Rewrite(self, name, self._body(name))

    def _body(self, name: str) -> Body:
        if name not in self._bodies:
            self._bodies[name] = self._verified(name)
        return self._bodies[name]

    def _verified(self, name: str) -> Body:
        """A section file's lines, once its header and signature are checked; none when
        they do not fit."""
        header = self.header(name)
        key = self.key(create=False)
        if key is None:
            return Body()
        import hashlib
        import hmac

        try:
            descriptor = os.open(self.section_file(name), os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return Body()
        opened = Body(descriptor, len(header))  # it closes the file when it is dropped
        try:
            opened.size = os.fstat(descriptor).st_size - len(header) - SIGNATURE
            if opened.size < 0 or os.pread(descriptor, len(header), 0) != header:
                return Body()
            mac = hmac.new(key, header, hashlib.sha256)
            for piece in opened.pieces(0, opened.size):
                mac.update(piece)
            signature = opened.read(opened.size, opened.size + SIGNATURE)
        except OSError:
            return Body()
        return opened if hmac.compare_digest(mac.hexdigest().encode("ascii") + b"\n", signature) else Body()

    def key(self, create: bool) -> bytes | None:
        try:
            key = self.key_file.read_bytes()
            return key if len(key) >= 32 else None
        except FileNotFoundError:
            if not create:
                return None
        except OSError:
            return None
        try:
            # O_EXCL: two commands creating the key at once keep the first one's.
            handle = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self.key(create=False)
        except OSError:
            return None
        import secrets

        key = secrets.token_bytes(32)
        with os.fdopen(handle, "wb") as out:
            out.write(key)
        return key
