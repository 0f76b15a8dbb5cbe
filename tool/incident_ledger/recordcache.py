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
`Rewrite`): it is never held parsed, and a new one is never held whole.
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from collections.abc import Iterable
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


def current_blob(line: Line, clock: int) -> str | None:
    """The blob id a line of `encode` was found for, when its findings hold at this clock
    reading; None otherwise. Reads the stamp only: no JSON."""
    fields = line.stamp.split(b" ")
    if len(fields) != 3:
        return None
    try:
        low, high = int(fields[1]), int(fields[2])
    except ValueError:
        return None
    return fields[0].decode("ascii") if low <= clock < high else None


def decode(path: str, line: Line) -> FileResult | None:
    """A line of `encode` back as the result for the record at `path`; None when it is not
    one (the cache is signed, but a line written by another version of this code may have
    another shape)."""
    try:
        blob, low, high = line.stamp.decode("ascii").split(" ")
        problems, seen = _parse(line.payload.decode("ascii"))[0]
        return FileResult(
            [Problem(path, at, col, rule, message) for at, col, rule, message in problems],
            Seen(seen[0], path, seen[1], seen[2], seen[3], (seen[4], seen[5]), tuple(map(tuple, seen[6])))
            if seen
            else None,
            None,
            blob,
            (int(low), int(high)),
        )
    except (TypeError, ValueError, IndexError):
        return None


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


class Entries:
    """A section's lines, read in path order: one pass, nothing held parsed.

    A line is `"path"<tab>stamp<tab>payload<newline>`, the path as a JSON string; lines are
    sorted by path."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self._lines = io.BytesIO(body)  # shares the bytes; readline is a C loop
        self.at = 0  # where the next line starts in the body
        self._next: tuple[str, bytes, list[bytes]] | None = None  # its path, bytes and fields

    def peek(self) -> str | None:
        """The path of the next line; None at the end. A damaged line reads as "" (it sorts
        first and is never found)."""
        following = self._next or self._read()
        return following[0] if following else None

    def take(self) -> Line | None:
        """The next line (None when damaged), and move past it."""
        following = self._next or self._read()
        if following is None:
            return None
        key, raw, fields = following
        self._next = None
        self.at += len(raw)
        return Line(fields[1], fields[2]) if key else None

    def count(self) -> int:
        """How many lines the section has."""
        return self.body.count(b"\n")

    def find(self, path: str) -> Line | None:
        """The line for `path`, passing over those before it; ask for paths in increasing order."""
        while following := self._next or self._read():
            if following[0] >= path:
                return self.take() if following[0] == path else None
            self._next = None
            self.at += len(following[1])
        return None

    def _read(self) -> tuple[str, bytes, list[bytes]] | None:
        raw = self._lines.readline()
        if not raw:
            return None
        fields = raw[:-1].split(b"\t")
        quoted = fields[0]
        key: Any = None
        with suppress(ValueError):
            key = quoted[1:-1].decode("ascii") if b"\\" not in quoted else json.loads(quoted)
        if not (len(fields) == 3 and quoted[:1] == b'"' and isinstance(key, str)):
            key = ""
        self._next = (key, raw, fields)
        return self._next


class Rewrite:
    """One pass over a section beside the sorted records: `old(path)` is the line the cache
    holds for a record, `put(path, line)` the line it holds from now on (None, or no
    `put` before the next `old`: none).

    Nothing is written while every line stays as it was; at the first change the lines
    kept so far are copied from the old file, and the rest follow as the pass goes, so the
    new section is never held whole. `close` signs it and puts it in place. With
    `complete` (the pass sees every record), lines of records it did not see are dropped;
    otherwise they are kept."""

    def __init__(self, cache: RecordCache, name: str, complete: bool) -> None:
        self._cache, self._name, self._complete = cache, name, complete
        self._old = cache.entries(name)
        # Old lines kept and not written yet, as one stretch of the old body: before the first
        # change, every line so far; after it, those since the last line written.
        self._kept = (0, 0)
        # The path old() was last asked, its line and where that began.
        self._held: tuple[str, Line | None, int] | None = None
        self._out: Any = None
        self._temporary = ""
        self._mac: Any = None
        self._failed = False
        self._last: str | None = None

    def old(self, path: str) -> Line | None:
        if self._held is not None:
            self.put(self._held[0], None)  # a record given no line keeps none
        if self._last is not None and path <= self._last:
            self.discard()  # out of order: a section written now would not be sorted
        self._last = path
        key = self._pass_over(path)
        start = self._old.at
        line = self._old.take() if key == path else None
        self._held = (path, line, start if key == path else -1)
        return line

    def put(self, path: str, line: Line | None) -> None:
        if self._held is None or self._held[0] != path:
            self.old(path)
        assert self._held is not None
        _, old, start = self._held
        self._held = None
        if old is not None and line == old:
            self._keep(start)
            return
        if old is None and line is None:
            return
        self._change()
        if line is not None:
            self._write_kept()
            self._write(b"%s\t%s\t%s\n" % (json.dumps(path).encode("ascii"), line.stamp, line.payload))

    def close(self) -> None:
        """Finish the pass: sign and put the new section in place, if anything changed."""
        if self._held is not None:
            self.put(self._held[0], None)
        self._pass_over(None)
        self._write_kept()
        if self._out is None:
            return
        try:
            self._out.write(b"%s\n" % self._mac.hexdigest().encode("ascii"))
            self._out.close()
            os.replace(self._temporary, self._cache.section_file(self._name))
        except OSError:
            self.discard()  # a cache that cannot be written only costs time
        self._out = None
        with suppress(OSError):
            # The file of every section at once, which version 1 wrote: nothing reads it now.
            os.unlink(self._cache.folder / f"records-{self._cache.name}")

    def discard(self) -> None:
        """Leave the old section as it was (a pass that did not finish)."""
        if self._out is not None:
            self._out.close()
            self._out = None
            with suppress(OSError):
                os.unlink(self._temporary)
        self._failed = True

    def _pass_over(self, path: str | None) -> str | None:
        """Move past the old lines before `path` (None: all that are left); the next one's path."""
        while (key := self._old.peek()) is not None and (path is None or key < path):
            start = self._old.at
            self._old.take()
            if self._complete:
                self._change()  # a record that is gone
            else:
                self._keep(start)
        return key

    def _keep(self, start: int) -> None:
        """The old line that began at `start`, just taken, stays."""
        if start != self._kept[1]:  # a line between was dropped or replaced: writing has begun
            self._write_kept()
            self._kept = (start, start)
        self._kept = (self._kept[0], self._old.at)

    def _write_kept(self) -> None:
        begin, end = self._kept
        if self._out is not None and end > begin:
            self._write(self._old.body[begin:end])
            self._kept = (end, end)

    def _change(self) -> None:
        """The new section differs from the old one from here on: start writing, if not yet."""
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
            handle, self._temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}-", suffix=".tmp")
        except OSError:
            self._failed = True
            return
        self._out = os.fdopen(handle, "wb")
        self._mac = hmac.new(key, digestmod=hashlib.sha256)
        self._write(self._cache.header(self._name))
        self._write_kept()

    def _write(self, data: bytes) -> None:
        if self._out is None:
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
        self._unchanged: dict[str, str] | None = None
        self._bodies: dict[str, bytes] = {}

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

    def entries(self, name: str) -> Entries:
        """One section's lines; none when the section is missing, foreign or damaged."""
        if name not in self._bodies:
            self._bodies[name] = self._verified(name)
        return Entries(self._bodies[name])

    def rewrite(self, name: str, complete: bool) -> Rewrite:
        return Rewrite(self, name, complete)

    def _verified(self, name: str) -> bytes:
        """A section file's lines, once its header and signature are checked; none when
        they do not fit."""
        header = self.header(name)
        key = self.key(create=False)
        if key is None:
            return b""
        import hashlib
        import hmac

        try:
            with self.section_file(name).open("rb") as file:
                if file.read(len(header)) != header:
                    return b""
                body = file.read(max(0, os.fstat(file.fileno()).st_size - len(header) - SIGNATURE))
                signature = file.read()
        except OSError:
            return b""
        mac = hmac.new(key, header, hashlib.sha256)
        mac.update(body)
        return body if hmac.compare_digest(mac.hexdigest().encode("ascii") + b"\n", signature) else b""

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
