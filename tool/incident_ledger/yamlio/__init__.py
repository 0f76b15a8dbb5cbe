"""The reader, the only code that parses YAML: strict, for untrusted, hand-written records.

Records are typed by engineers under stress and read by CI, editors and the site. The
reader therefore refuses everything that would make those readers disagree or lose
data (duplicate keys, YAML 1.1 vs 1.2 typing, tags, aliases) and remembers the line and
column of every key and list item so each problem points at the spot.

Parsing uses libyaml's C parser when present; the Python values are built by our own
walk over the node graph, which is where the strictness lives. (The round-trip writer
for commands that edit records lives in `yamledit`, which needs ruamel.yaml.)

`loader` wraps the parser, `build` is the walk, `diagnose` explains what the parser
refuses; every problem is reported under a rule id `rules.reader` declares.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode, SequenceNode

from ..errors import Problem, RecordError
from ..rules.reader import NOT_A_RECORD
from .build import Builder, nul_problems
from .diagnose import anchor_problems, nesting_problem, syntax_problem, unprintable_problem
from .loader import LIBYAML, PLAIN, KeyPath, Loader, Location, mark

__all__ = ["LIBYAML", "MAX_BYTES", "Document", "KeyPath", "Location", "decode", "parse", "read", "read_bytes"]

MAX_BYTES = 1024 * 1024

# YAML's escapes for NUL inside double quotes; a cheap gate before looking for one.
_ESCAPED_NUL = re.compile(r"\\(0|x00|u0000|U00000000)")
_ANCHOR_OR_ALIAS = r"(?m)(?:^|[\s\[{,])[&*][^\s,\[\]{}]"


class Document:
    """A record's data, where each part of it stands, and what the reader objected to."""

    def __init__(
        self,
        path: str,
        data: dict[str, Any],
        locations: dict[KeyPath, Location],
        problems: list[Problem] | None = None,
        first_line: str = "",
        text: str = "",
    ) -> None:
        self.path = path
        self.data = data
        self.locations = locations
        self.problems = problems if problems is not None else []
        self.first_line = first_line
        self.text = text  # the source, for scans the data cannot serve (secrets)

    def locate(self, keypath: KeyPath) -> Location:
        """Line and column of the deepest known part of `keypath` (the root is 1:1)."""
        for end in range(len(keypath), 0, -1):
            found = self.locations.get(tuple(keypath[:end]))
            if found:
                return found
        return (1, 1)


def decode(path: str, raw: bytes) -> str:
    """Bytes to text, refusing what would not survive an editor or a diff."""
    if len(raw) > MAX_BYTES:
        raise RecordError([_too_large(path, len(raw))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        col = error.start - (before.rfind(b"\n") + 1) + 1
        raise RecordError(
            [
                Problem(
                    path,
                    line,
                    col,
                    NOT_A_RECORD.id,
                    f"file is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8",
                )
            ]
        ) from None
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        raise RecordError(
            [Problem(path, line, col, NOT_A_RECORD.id, "file contains a NUL character; a record is text")]
        )
    return text.removeprefix("\ufeff")


def parse(path: str, text: str) -> Document:
    """Parse one record's text; raise RecordError when nothing usable can be read."""
    early: list[Problem] = []
    if ("&" in text or "*" in text) and re.search(_ANCHOR_OR_ALIAS, text):
        early = anchor_problems(path, text)
    deep = nesting_problem(path, text)
    if deep is not None:
        raise RecordError([deep])
    loader = None
    try:
        loader = Loader(text)  # the pure-Python reader checks the characters here
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise RecordError(early or [syntax_problem(path, text, error)]) from None
    except (yaml.YAMLError, UnicodeEncodeError) as error:
        # A reader error has no mark (libyaml gives a byte offset, PyYAML a character
        # one), so find the offending character ourselves.
        raise RecordError([unprintable_problem(path, text, error)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if early:
        raise RecordError(early)
    if node is None or (isinstance(node, ScalarNode) and node.tag == PLAIN and node.value == ""):
        raise RecordError([Problem(path, 1, 1, NOT_A_RECORD.id, "file is empty; a record is a YAML mapping of fields")])
    builder = Builder(path)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        kind = "a list" if isinstance(node, SequenceNode) else "a single value"
        raise RecordError(
            builder.problems
            or [
                Problem(
                    path,
                    *mark(node),
                    NOT_A_RECORD.id,
                    f"the file holds {kind}; a record is a mapping of fields (`key: value` lines)",
                )
            ]
        )
    problems = builder.problems
    if _ESCAPED_NUL.search(text):
        problems = [*problems, *nul_problems(path, data, builder.locations)]
    first_line = text.split("\n", 1)[0].rstrip("\r")
    return Document(path, data, builder.locations, problems, first_line, text)


def read(file: Path, display: str | None = None) -> Document:
    """Read and parse one record file (a regular file: see read_bytes)."""
    path = display if display is not None else str(file)
    return parse(path, decode(path, read_bytes(file, path)))


# Opening never waits: a FIFO (or a device) named like a record would block a plain open()
# until something writes to it, and every command that reads records would hang.
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | _NO_FOLLOW


def read_bytes(file: Path, path: str) -> bytes:
    """A record file's bytes: only a regular file (never a link, a FIFO or a device), at
    most MAX_BYTES (a larger one is refused before it is read); `path` names it in problems."""
    if not _NO_FOLLOW and file.is_symlink():
        raise RecordError([_linked(path)])
    try:
        handle = os.open(file, _OPEN_FLAGS)
    except OSError as error:
        if error.errno == errno.ELOOP and file.is_symlink():  # O_NOFOLLOW refused it
            raise RecordError([_linked(path)]) from None
        raise RecordError([Problem(path, 1, 1, NOT_A_RECORD.id, f"cannot read file: {error.strerror}")]) from None
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            kind = (
                "a FIFO"
                if stat.S_ISFIFO(status.st_mode)
                else "a folder"
                if stat.S_ISDIR(status.st_mode)
                else "a device or socket"
            )
            raise RecordError(
                [Problem(path, 1, 1, NOT_A_RECORD.id, f"is {kind}, not a regular file; a record is a file: remove it")]
            )
        if status.st_size > MAX_BYTES:
            raise RecordError([_too_large(path, status.st_size)])
        return _read_to_end(handle, status.st_size)
    except OSError as error:
        raise RecordError([Problem(path, 1, 1, NOT_A_RECORD.id, f"cannot read file: {error.strerror}")]) from None
    finally:
        os.close(handle)


def _read_to_end(handle: int, size: int) -> bytes:
    """At most MAX_BYTES + 1 bytes (one more tells a file grown past the limit), asked for
    in the size the file had: a read of MAX_BYTES at once would set aside a mebibyte for
    each 5 KiB record, which costs more than reading it."""
    parts = []
    left = MAX_BYTES + 1
    while left > 0:
        part = os.read(handle, min(max(size + 1, 1 << 16), left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _linked(path: str) -> Problem:
    return Problem(path, 1, 1, NOT_A_RECORD.id, "record is a symbolic link; replace it with the file itself")


def _too_large(path: str, size: int) -> Problem:
    return Problem(
        path, 1, 1, NOT_A_RECORD.id, f"file is {size:,} bytes; a record may have at most {MAX_BYTES:,} (1 MiB)"
    )
