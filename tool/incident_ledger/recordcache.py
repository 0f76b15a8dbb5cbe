"""What is known about each record file, kept between runs: one cache for every face.

`inc validate`, `inc list` / `inc actions` and the site build each need something about
every record that takes a parse to find out (its problems and id, the facts a listing
shows), and it changes only when the record's bytes do. Entries are keyed by the
record's path and git blob id: the index knows it for tracked files git finds
unchanged, so those are not even read; other files are hashed the way git would. The
cache as a whole is keyed by a fingerprint of the tool (its code and the libraries that
decide validity) and of the schema and policy files: when any of them changes, every
record is checked again.

Trust. The cache is a file under the git directory (`git rev-parse --git-dir`, so a
linked worktree has its own; never in the tracked tree), signed with HMAC-SHA256 under
a random key kept beside it but outside the cache folder. A cache that is corrupt, was
edited, or was copied from another clone or machine (a restored CI cache, say) fails
the check and is ignored as a whole: a tampered entry cannot make an invalid record
pass. Whoever can write the key can also write the repository's git hooks.

Each use keeps its own section, stored on its own line and parsed only by the command
that reads it: `inc validate` does not pay for the listing's facts, nor the reverse.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import gitrepo
from .errors import Problem
from .records import ALWAYS, INCIDENTS_DIR
from .rules.repository import Seen

FORMAT = "inc-record-cache 1"
KEY_FILE = "inc-cache.key"
FOLDER = "inc-cache"
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


def encode(result: FileResult) -> list[Any]:
    """A result as a cache entry: [blob, window from, window to, problems, seen]."""
    seen = result.seen
    return [
        result.blob,
        *result.window,
        [[p.line, p.col, p.rule, p.message] for p in result.problems],
        [seen.id, seen.line, seen.col, seen.duplicate_of, *seen.duplicate_of_at, [list(r) for r in seen.related]]
        if seen
        else None,
    ]


def _current(entry: Any, clock: int) -> bool:
    """Whether a cache entry's findings hold at this clock reading (entries: see `encode`)."""
    if not (isinstance(entry, list) and len(entry) == 5):
        return False
    low, high = entry[1], entry[2]
    return isinstance(low, int) and isinstance(high, int) and low <= clock < high


def decode(path: str, entry: Any, clock: int) -> FileResult | None:
    """A cache entry back as the result for the record at `path`, when its findings hold at
    this clock reading; None otherwise, or when it is not an entry at all (the cache is
    signed, but an entry written by another version of this code may have another shape)."""
    if not _current(entry, clock):
        return None
    try:
        blob, low, high, problems, seen = entry
        return FileResult(
            [Problem(path, line, col, rule, message) for line, col, rule, message in problems],
            Seen(seen[0], path, seen[1], seen[2], seen[3], (seen[4], seen[5]), tuple(tuple(r) for r in seen[6]))
            if seen
            else None,
            None,
            blob,
            (low, high),
        )
    except (TypeError, ValueError, IndexError):
        return None


class RecordCache:
    """The cache of one repository's records (of one folder holding incidents/)."""

    def __init__(self, root: Path, git_dir: Path, fingerprint: str) -> None:
        self.root = root
        self.fingerprint = fingerprint
        import hashlib

        # A repository may hold several ledgers (folders with incidents/); each has its own file.
        name = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:16]
        self.file = git_dir / FOLDER / f"records-{name}"
        self.key_file = git_dir / KEY_FILE
        self._sections: dict[str, bytes] | None = None
        self._unchanged: dict[str, str] | None = None

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

    def section(self, name: str) -> dict[str, Any]:
        """One section's entries by path; empty when the cache is missing, foreign or damaged."""
        raw = self._load().get(name)
        if raw is None:
            return {}
        try:
            entries = json.loads(raw)
        except ValueError:
            return {}
        return entries if isinstance(entries, dict) else {}

    def save(self, name: str, entries: dict[str, Any]) -> None:
        """Replace one section (the others are kept as they are) and sign the whole file."""
        sections = dict(self._load())
        sections[name] = json.dumps(entries, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        body = b"".join(b"%s %s\n" % (n.encode(), sections[n]) for n in sorted(sections))
        key = self._key(create=True)
        if key is None:
            return
        header = f"{FORMAT} {self.fingerprint} {self._sign(key, body)}\n".encode()
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            import tempfile  # loaded when the cache is written, not by every command

            handle, temporary = tempfile.mkstemp(dir=self.file.parent, prefix=".records-", suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(header + body)
            os.replace(temporary, self.file)
        except OSError:
            return  # a cache that cannot be written only costs time
        self._sections = sections

    def _load(self) -> dict[str, bytes]:
        if self._sections is None:
            self._sections = self._read()
        return self._sections

    def _read(self) -> dict[str, bytes]:
        try:
            content = self.file.read_bytes()
        except OSError:
            return {}
        header, _, body = content.partition(b"\n")
        fields = header.decode("ascii", "replace").rsplit(" ", 2)
        key = self._key(create=False)
        if len(fields) != 3 or fields[0] != FORMAT or fields[1] != self.fingerprint or key is None:
            return {}
        import hmac

        if not hmac.compare_digest(fields[2], self._sign(key, body)):
            return {}
        sections = {}
        for line in body.split(b"\n"):
            name, _, raw = line.partition(b" ")
            if name:
                sections[name.decode("ascii", "replace")] = raw
        return sections

    def _sign(self, key: bytes, body: bytes) -> str:
        import hashlib
        import hmac

        return hmac.new(key, self.fingerprint.encode() + b"\n" + body, hashlib.sha256).hexdigest()

    def _key(self, create: bool) -> bytes | None:
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
            return self._key(create=False)
        except OSError:
            return None
        import secrets

        key = secrets.token_bytes(32)
        with os.fdopen(handle, "wb") as out:
            out.write(key)
        return key
