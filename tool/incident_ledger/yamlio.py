"""The only module that reads YAML: a strict reader for untrusted, hand-written records.

Records are typed by engineers under stress and read by CI, editors and the site. The
reader therefore refuses everything that would make those readers disagree or lose
data (duplicate keys, YAML 1.1 vs 1.2 typing, tags, aliases) and remembers the line and
column of every key and list item so each problem points at the spot.

Parsing uses libyaml's C parser when present; the Python values are built by our own
walk over the node graph, which is where the strictness lives. (The round-trip writer
for commands that edit records lives in `yamledit`, which needs ruamel.yaml.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Problem, RecordError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
# An integer longer than this is a typo or an attack, never a field of a record; Python
# would also refuse to convert one past 4,300 digits with a ValueError.
MAX_INT_DIGITS = 18

# The reader's rules and their user documentation (README's rule table is tested against it).
RULES = {
    "yaml-syntax": "The file is not valid YAML (an unclosed quote, bad indentation, a tab, text with "
    "`: ` left unquoted, an invisible control character); reported with the line and column where "
    "the parser stopped. The other files are still checked.",
    "duplicate-key": "A key appears twice in the same mapping. Most YAML readers silently keep only "
    "one of the two values, which loses data; the message names both lines.",
    "yaml-alias": "Anchors (`&name`) and aliases (`*name`) are not allowed: they share data between "
    "parts of a record that no reader of the file expects, and a self-referencing alias never ends. "
    "Quote text that starts with `*` or `&`.",
    "yaml-tag": "Explicit tags (`!!binary`, `!!set`, `!!python/...`, `!!str`, `!local`) are not allowed: "
    "a record holds only text, numbers, booleans, lists and mappings.",
    "yaml-value": "A value no record field can hold: a key that is not text (`1:`, `true:`), "
    "not-a-number or infinity, a number too large to be meant (more than 18 digits), a boolean spelled "
    "other than `true` or `false` (`True`, `FALSE`), or a NUL character written as an escape (`\\0`).",
    "yaml-ambiguous": "A plain value that YAML 1.1 and YAML 1.2 read differently: `yes`, `no`, `on`, `off`, "
    "`y`, `n` (booleans in 1.1, text in 1.2), `0777` (octal or decimal), `1e3` and `1:30` (number or text), "
    "and unquoted dates and timestamps (dates to YAML 1.1 readers). Editors and check-jsonschema read "
    "YAML 1.2, other tools 1.1: quote the value so every reader agrees.",
    "not-a-record": "The file cannot be a record at all: it is empty, holds several YAML documents, "
    "its root is not a mapping, it is larger than 1 MiB, it is not UTF-8, it contains a NUL "
    "character, it is nested absurdly deep, or it is a symbolic link.",
}

KeyPath = tuple[str | int, ...]
Location = tuple[int, int]

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LIBYAML = _Base is not yaml.SafeLoader

# Sentinel tags our resolver gives to untagged nodes: any other tag on a node was
# written explicitly in the file (`!!binary`, `!!python/object`, `!!str`...).
_PLAIN = "tag:incident-ledger:plain"
_QUOTED = "tag:incident-ledger:quoted"
_MAP = "tag:incident-ledger:map"
_SEQ = "tag:incident-ledger:seq"

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_YAML11_BOOLS = frozenset(
    ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]
)
# Every plain value starting with a letter that YAML 1.1 or 1.2 reads as other than text.
_WORDS = _NULLS | _TRUE | _FALSE | _YAML11_BOOLS
_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_OTHER_BASE = re.compile(r"0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(inf|Inf|INF)\Z|\.(nan|NaN|NAN)\Z")
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?\Z")
_UNDERSCORE_NUMBER = re.compile(r"[-+]?[0-9][0-9_]*_[0-9_]*(\.[0-9_]*)?\Z")
_DATE_LIKE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ]|\Z)")
# YAML's escapes for NUL inside double quotes; a cheap gate before looking for one.
_ESCAPED_NUL = re.compile(r"\\(0|x00|u0000|U00000000)")
_ANCHOR_OR_ALIAS = re.compile(r"(?:^|[\s\[{,])[&*][^\s,\[\]{}]", re.MULTILINE)
# The characters YAML 1.2 refuses in a stream (c-printable's complement).
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# YAML 1.1 wants a sign in a float's exponent: `1.5e3` is text to it, a number to YAML 1.2.
_UNSIGNED_EXPONENT = re.compile(r".*[eE][0-9]+\Z")


class _Loader(_Base):  # type: ignore[misc]
    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _QUOTED
        return _SEQ if kind is SequenceNode else _MAP


@dataclass
class Document:
    """A record's data, where each part of it stands, and what the reader objected to."""

    path: str
    data: dict[str, Any]
    locations: dict[KeyPath, Location]
    problems: list[Problem] = field(default_factory=list)
    first_line: str = ""
    text: str = field(default="", repr=False)  # the source, for scans the data cannot serve (secrets)

    def locate(self, keypath: KeyPath) -> Location:
        """Line and column of the deepest known part of `keypath` (the root is 1:1)."""
        for end in range(len(keypath), 0, -1):
            found = self.locations.get(tuple(keypath[:end]))
            if found:
                return found
        return (1, 1)


def _mark(node_or_mark: Any) -> Location:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Turns a node graph into plain Python values, collecting problems as it goes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.locations: dict[KeyPath, Location] = {}
        self.problems: list[Problem] = []
        self._active: set[int] = set()

    def problem(self, where: Location, rule: str, message: str) -> None:
        self.problems.append(Problem(self.path, where[0], where[1], rule, message))

    def build(self, node: Node, keypath: KeyPath) -> Any:
        if node.tag not in (_PLAIN, _QUOTED, _MAP, _SEQ):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!", 1)
            self.problem(
                _mark(node),
                "yaml-tag",
                f"YAML tag {tag} is not allowed in a record; remove it and write the value as plain text",
            )
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node) if node.tag == _PLAIN else node.value
        if len(keypath) > MAX_DEPTH:
            raise RecordError([Problem(self.path, *_mark(node), "not-a-record", "the YAML is nested too deeply")])
        if id(node) in self._active:
            # Only an alias can make a node its own descendant.
            raise RecordError([Problem(self.path, *_mark(node), "yaml-alias", "a YAML alias refers to itself")])
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self.sequence(node, keypath)
            return self.mapping(node, keypath)
        finally:
            self._active.discard(id(node))

    # sequence() and mapping() handle plain and quoted scalars inline: they are most of
    # a record's nodes, and this walk is most of the time `inc validate` takes.

    def sequence(self, node: SequenceNode, keypath: KeyPath) -> list[Any]:
        items = []
        locations = self.locations
        for index, child in enumerate(node.value):
            child_path = (*keypath, index)
            mark = child.start_mark
            locations[child_path] = (mark.line + 1, mark.column + 1)
            tag = child.tag
            if tag == _QUOTED:
                items.append(child.value)
            elif tag == _PLAIN:
                items.append(self.scalar(child))
            else:
                items.append(self.build(child, child_path))
        return items

    def mapping(self, node: MappingNode, keypath: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            where = (mark.line + 1, mark.column + 1)
            key = key_node.value
            tag = key_node.tag
            if not (tag == _QUOTED or (tag == _PLAIN and key[:1].isalpha() and key not in _WORDS)):
                key = self.key(key_node, where)
                if key is None:
                    continue
            child_path = (*keypath, key)
            if key in result:
                first = self.locations[child_path]
                self.problem(
                    where,
                    "duplicate-key",
                    f"key {key!r} appears twice (lines {first[0]} and {where[0]}); YAML readers "
                    "silently keep only one of them: merge the two into one",
                )
                continue
            self.locations[child_path] = where
            tag = value_node.tag
            if tag == _QUOTED:
                result[key] = value_node.value
            elif tag == _PLAIN:
                result[key] = self.scalar(value_node)
            else:
                result[key] = self.build(value_node, child_path)
        return result

    def key(self, node: Node, where: Location) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == _QUOTED:
            quoted: str = node.value
            return quoted
        if isinstance(node, ScalarNode) and node.tag == _PLAIN:
            reported = len(self.problems)
            value = self.scalar(node)
            if isinstance(value, str):
                return value
            if len(self.problems) > reported:
                return None  # scalar() said what is wrong with it (a too large number...)
            self.problem(
                where,
                "yaml-value",
                f"key {node.value!r} is read as {type(value).__name__}, not text; field names "
                f'are text: quote it ("{node.value}") or rename it',
            )
            return None
        if node.tag in (_MAP, _SEQ):
            self.problem(where, "yaml-value", "a key must be plain text, not a list or mapping")
            return None
        self.build(node, ())  # reports the tag
        return None

    def scalar(self, node: ScalarNode) -> Any:
        """Type a plain scalar as YAML 1.2's core schema does, flagging YAML 1.1 differences.

        Editors and check-jsonschema read YAML 1.2, PyYAML and many tools 1.1: a value the
        two type differently would mean different things to different readers.
        """
        text: str = node.value
        if text[:1].isalpha() and text not in _WORDS:
            # Most plain values are words and sentences: no YAML type starts with a
            # letter except the words in _WORDS, so skip the number and date checks.
            return text
        if text in _NULLS:
            return None
        if text in _TRUE or text in _FALSE:
            if text not in ("true", "false"):
                # YAML reads True and FALSE as booleans too, but the record format allows
                # only the one spelling every reader and every diff agrees on.
                self.problem(_mark(node), "yaml-value", f"write the boolean {text!r} as {text.lower()}")
            return text in _TRUE
        if text in _YAML11_BOOLS:
            return self.ambiguous(node, "a boolean in YAML 1.1 and text in YAML 1.2")
        if _INT.match(text):
            digits = text.lstrip("+-")
            if len(digits) > 1 and digits[0] == "0":
                return self.ambiguous(node, "an octal number in YAML 1.1 and decimal in YAML 1.2")
            if len(digits) > MAX_INT_DIGITS:
                self.problem(_mark(node), "yaml-value", f"number with {len(digits)} digits is too large")
                return None
            return int(text)
        if _INT_OTHER_BASE.match(text):
            if text.startswith("0o"):
                return self.ambiguous(node, "a number in YAML 1.2 and text in YAML 1.1")
            return int(text, 16)
        if _FLOAT.match(text):
            if "." not in text:
                return self.ambiguous(node, "a number in YAML 1.2 and text in YAML 1.1")
            if _UNSIGNED_EXPONENT.match(text):
                return self.ambiguous(node, "a number in YAML 1.2 and text in YAML 1.1")
            value = float(text)
            if value in (float("inf"), float("-inf")):
                self.problem(_mark(node), "yaml-value", f"number {text!r} is too large")
                return None
            return value
        if _SPECIAL_FLOAT.match(text):
            self.problem(
                _mark(node),
                "yaml-value",
                f"{text!r} is infinity or not-a-number, which no record field accepts; quote it if it is text",
            )
            return None
        if _SEXAGESIMAL.match(text) or _UNDERSCORE_NUMBER.match(text):
            return self.ambiguous(node, "a number in YAML 1.1 and text in YAML 1.2")
        if _DATE_LIKE.match(text):
            return self.ambiguous(node, "a date in YAML 1.1 readers and text in YAML 1.2")
        return text

    def ambiguous(self, node: ScalarNode, why: str) -> str:
        self.problem(
            _mark(node),
            "yaml-ambiguous",
            f'{node.value!r} is {why}; quote it ("{node.value}") so every reader agrees',
        )
        text: str = node.value
        return text


def _syntax_problem(path: str, text: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    where = _mark(mark) if mark is not None else (1, 1)
    lines = text.split("\n")
    tab = mark is not None and mark.line < len(lines) and lines[mark.line][mark.column : mark.column + 1] == "\t"
    what = error.problem or "invalid YAML"
    if error.context and "undefined alias" not in what:
        what = f"{error.context}: {what}"
    if "exceeded maximum nesting depth" in what:
        # libyaml 0.2.5 and newer stop at their own depth limit (1,000) while scanning, before
        # our own count of levels sees that many: the same refusal, whatever the version.
        return Problem(path, *where, "not-a-record", "the YAML is nested too deeply")
    if "undefined alias" in what:
        return Problem(
            path, *where, "yaml-alias", "YAML aliases (*name) are not allowed in a record; write the value out"
        )
    if "expected a single document" in (error.context or ""):
        return Problem(
            path,
            *where,
            "not-a-record",
            "several YAML documents in one file; a record is one document: remove the '---' line "
            "or move the second incident to its own file",
        )
    hint = ""
    if "mapping values are not allowed" in what or "could not find expected ':'" in what:
        hint = "; check the indentation, and quote text that contains ': '"
    elif "scanning an alias" in what or "scanning an anchor" in what:
        hint = "; quote text that starts with '*' or '&' (such as Markdown emphasis)"
    elif "did not find expected key" in what or "expected <block end>" in what:
        opened = _unclosed_quote_line(lines, where[0])
        hint = (
            f"; the double quote opened on line {opened} may not be closed"
            if opened
            else "; check the indentation and the quotes on this line and the lines above it"
        )
    elif tab or "tab character" in what or "found character '\\t'" in what:
        hint = "; indent with spaces, not tabs"
    return Problem(path, *where, "yaml-syntax", f"YAML syntax error: {what}{hint}")


def _unclosed_quote_line(lines: list[str], error_line: int) -> int | None:
    """The nearest line above `error_line` with an odd number of double quotes: a quoted
    value left open runs on until the next quote, so the parser stops far below it."""
    for number in range(min(error_line, len(lines)) - 1, 0, -1):
        line = lines[number - 1]
        if not line.lstrip().startswith("#") and line.replace('\\"', "").count('"') % 2 == 1:
            return number
    return None


def _unprintable_problem(path: str, text: str, error: Exception) -> Problem:
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return Problem(path, 1, 1, "yaml-syntax", f"YAML syntax error: {error}".split("\n")[0])
    at = found.start()
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return Problem(
        path,
        line,
        col,
        "yaml-syntax",
        f"control character U+{ord(found.group()):04X} is not allowed in YAML; delete it (it is invisible in most editors)",
    )


def _anchor_problems(path: str, text: str) -> list[Problem]:
    """Anchors and aliases share data between parts of a record; nothing else reads them the same."""
    problems = []
    try:
        for event in yaml.parse(text, Loader=_Loader):
            anchor = getattr(event, "anchor", None)
            if anchor is None:
                continue
            if isinstance(event, yaml.AliasEvent):
                message = (
                    f"YAML alias *{anchor} is not allowed in a record; write the value out "
                    "(quote text that starts with '*', such as Markdown emphasis)"
                )
            else:
                message = (
                    f"YAML anchor &{anchor} is not allowed in a record; remove it (quote text that starts with '&')"
                )
            problems.append(Problem(path, *_mark(event.start_mark), "yaml-alias", message))
    except (yaml.YAMLError, UnicodeEncodeError):
        pass  # the compose step reports syntax errors with better context
    return problems


# A line that starts with this many indentation or indicator characters may nest deeply.
_DEEP_LINE = re.compile(rf"^[ \t?:-]{{{MAX_DEPTH}}}", re.MULTILINE)


def _nesting_problem(path: str, text: str) -> Problem | None:
    """Refuse absurd nesting before composing: libyaml's composer recurses per level and
    crashes the whole process (a segmentation fault, not an exception) somewhere past
    ten thousand levels, which a 200 KB file of `[` reaches.

    Nesting needs either an opening bracket or more indentation per level, so records
    with few brackets and shallow lines skip the extra pass over the events."""
    if text.count("[") + text.count("{") <= MAX_DEPTH and not _DEEP_LINE.search(text):
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(path, *_mark(event.start_mark), "not-a-record", "the YAML is nested too deeply")
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except (yaml.YAMLError, UnicodeEncodeError):
        pass  # composing reports the syntax error with better context
    return None


def decode(path: str, raw: bytes) -> str:
    """Bytes to text, refusing what would not survive an editor or a diff."""
    if len(raw) > MAX_BYTES:
        raise RecordError(
            [
                Problem(
                    path,
                    1,
                    1,
                    "not-a-record",
                    f"file is {len(raw):,} bytes; a record may have at most {MAX_BYTES:,} (1 MiB)",
                )
            ]
        )
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
                    "not-a-record",
                    f"file is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8",
                )
            ]
        ) from None
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        raise RecordError([Problem(path, line, col, "not-a-record", "file contains a NUL character; a record is text")])
    return text.removeprefix("\ufeff")


def parse(path: str, text: str) -> Document:
    """Parse one record's text; raise RecordError when nothing usable can be read."""
    early: list[Problem] = []
    if ("&" in text or "*" in text) and _ANCHOR_OR_ALIAS.search(text):
        early = _anchor_problems(path, text)
    deep = _nesting_problem(path, text)
    if deep is not None:
        raise RecordError([deep])
    loader = None
    try:
        loader = _Loader(text)  # the pure-Python reader checks the characters here
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise RecordError(early or [_syntax_problem(path, text, error)]) from None
    except (yaml.YAMLError, UnicodeEncodeError) as error:
        # A reader error has no mark (libyaml gives a byte offset, PyYAML a character
        # one), so find the offending character ourselves.
        raise RecordError([_unprintable_problem(path, text, error)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if early:
        raise RecordError(early)
    if node is None or (isinstance(node, ScalarNode) and node.tag == _PLAIN and node.value == ""):
        raise RecordError([Problem(path, 1, 1, "not-a-record", "file is empty; a record is a YAML mapping of fields")])
    builder = _Builder(path)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        kind = "a list" if isinstance(node, SequenceNode) else "a single value"
        raise RecordError(
            builder.problems
            or [
                Problem(
                    path,
                    *_mark(node),
                    "not-a-record",
                    f"the file holds {kind}; a record is a mapping of fields (`key: value` lines)",
                )
            ]
        )
    problems = builder.problems
    if _ESCAPED_NUL.search(text):
        problems = [*problems, *_nul_problems(path, data, builder.locations)]
    first_line = text.split("\n", 1)[0].rstrip("\r")
    return Document(path, data, builder.locations, problems, first_line, text)


def _nul_problems(path: str, value: Any, locations: dict[KeyPath, Location], keypath: KeyPath = ()) -> list[Problem]:
    """NUL characters written as escapes in double-quoted text (a raw NUL byte is refused earlier)."""
    if isinstance(value, str):
        if "\x00" not in value:
            return []
        line, col = locations.get(keypath, (1, 1))
        return [Problem(path, line, col, "yaml-value", "text contains a NUL character (\\0); remove it")]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [p for key, child in items for p in _nul_problems(path, child, locations, (*keypath, key))]


def read(file: Path, display: str | None = None) -> Document:
    """Read and parse one record file, refusing symlinks (they could point anywhere)."""
    path = display if display is not None else str(file)
    if file.is_symlink():
        raise RecordError(
            [Problem(path, 1, 1, "not-a-record", "record is a symbolic link; replace it with the file itself")]
        )
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise RecordError(
                [
                    Problem(
                        path,
                        1,
                        1,
                        "not-a-record",
                        f"file is {size:,} bytes; a record may have at most {MAX_BYTES:,} (1 MiB)",
                    )
                ]
            )
        raw = file.read_bytes()
    except OSError as error:
        raise RecordError([Problem(path, 1, 1, "not-a-record", f"cannot read file: {error.strerror}")]) from None
    return parse(path, decode(path, raw))
