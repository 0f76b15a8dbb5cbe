"""The round-trip writer: commands edit records without destroying what engineers wrote.

Records are edited by hand in pull requests and by `inc` on the command line. ruamel.yaml's
round-trip mode keeps comments, key order, quoting, block styles and flow mappings of
everything a command does not touch, so `git diff` after a command shows only its lines.

What a command writes must read back unchanged with the strict reader (`yamlio`): text
that YAML 1.1 reads as something else (`no`, `on`, `2026-11-03`, `1e3`, `0777`) is
written double-quoted, and timestamps are always quoted, as the schema's docs ask.

ruamel.yaml is loaded only by what needs it (~35 ms, more than a command's own work): a
new entry is plain data (`Entry`, whose values say how they are written: `Quoted`,
`Block` or plain), which `appended` writes as text itself when every value is one it
writes exactly as ruamel does. A command's edit runs first on a plain copy of the record
(`plain_values`), and `spliced` writes the difference into the text where ruamel would;
the round trip (`Editable`, `editable` turning plain data into ruamel's types) is the way
for what those two do not write. Tests hold both ways to the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import yamlio
from .errors import Problem, RecordError

if TYPE_CHECKING:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

# Wide enough that ruamel never folds a long line a person wrote on one line.
_WIDTH = 1 << 16
_SEQUENCE_UNDER_KEY = r"(?m)^( *)[^\s#][^\n]*:[ \t]*\n( *)-( +)\S"
# Characters a literal block cannot carry as they are (YAML folds other line breaks
# into newlines, and control characters need escapes): such text is written quoted.
_BLOCK_UNSAFE = frozenset(
    map(chr, [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, 0xFEFF])
)
_MAPPING_UNDER_KEY = r"(?m)^([^\s#-][^\n:]*):[ \t]*\n( +)[^\s#-][^\n]*:"


def _yaml(text: str) -> YAML:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = _WIDTH
    layout = _Layout(text)
    yaml.indent(mapping=layout.mapping, sequence=layout.content, offset=layout.offset)
    return yaml


def _sequence_indent(text: str) -> tuple[int, int]:
    """Where this file puts a list's dash under its key, and where the item's content starts.

    The shipped records use `key:` / `  - item` (2 and 4); indentless lists are 0 and 2.
    """
    match = re.search(_SEQUENCE_UNDER_KEY, text)
    if match is None:
        return 2, 4
    offset = max(0, len(match.group(2)) - len(match.group(1)))
    return offset, offset + 1 + len(match.group(3))


class Editable:
    """One record loaded for editing; `text()` writes it back with only the changes."""

    def __init__(self, path: str, text: str) -> None:
        from ruamel.yaml.comments import CommentedMap
        from ruamel.yaml.error import YAMLError

        self.path = path
        self._yaml = _yaml(text)
        try:
            data = self._yaml.load(text)
        except YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            raise RecordError([Problem(path, line, col, "yaml-syntax", f"cannot edit this record: {error}")]) from None
        if not isinstance(data, CommentedMap):
            raise RecordError([Problem(path, 1, 1, "not-a-record", "a record is a mapping of fields")])
        self.data: CommentedMap = data

    def text(self) -> str:
        out = io.StringIO()
        self._yaml.dump(self.data, out)
        return out.getvalue()


class Quoted(str):
    """A value written double-quoted (timestamps, and text plain YAML would misread)."""


class Block(str):
    """A value written as a literal block (text of several lines)."""


# A new timeline entry (or other mapping) as plain data, keys in the order written; its
# values are `str`, `Quoted` or `Block`.
Entry = dict[str, str]


def appended(text: str, document: yamlio.Document, key: str, item: Entry) -> str | None:
    """`text` with `item` written at the end of the block list under the top-level `key`.

    Only the item is written (as `Editable.text()` would write it, indented like the
    list's last item); the rest of the text stays byte for byte, so a long record costs
    no round trip. None when the list is not the last part of the file, or not a block
    list of its own lines: the caller then round-trips. The caller reads the result back.
    """
    items = document.data.get(key)
    if not isinstance(items, list) or not items or list(document.data)[-1] != key or _breaks_lines_unseen(text):
        return None
    key_at = document.locations.get((key,))
    if key_at is None or key_at[1] != 1:
        return None
    lines = text.split("\n")
    if not re.fullmatch(rf"{re.escape(key)}:[ \t]*(#.*)?\r?", lines[key_at[0] - 1]):
        return None  # a flow list, or a key written quoted
    dash = _dash(document, lines, (key, len(items) - 1))
    if dash is None:
        return None
    block = item_lines(dash, item)
    if block is None:
        block = _dumped_item(text, key, dash, item)
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text if text.endswith("\n") else text + newline
    return body + block.replace("\n", newline)


# Line breaks YAML counts besides "\n" and "\r": the lines it reports are not the lines
# of `text.split("\n")` in a text that holds one (in a quoted value, say).
_UNSEEN_BREAKS = frozenset("\x85\u2028\u2029")


def _breaks_lines_unseen(text: str) -> bool:
    return not text.isascii() and not _UNSEEN_BREAKS.isdisjoint(text)


def _dumped_item(text: str, key: str, dash: str, item: Entry) -> str:
    """The item as ruamel writes it in a list whose items start with `dash`."""
    yaml = _yaml(text)
    yaml.indent(mapping=yaml.map_indent, sequence=len(dash), offset=dash.index("-"))
    out = io.StringIO()
    yaml.dump(mapping([("item", sequence([editable(item)]))]), out)
    return out.getvalue().split("\n", 1)[1]


# Text ruamel writes plain and as it is, as a value in a block mapping: a letter first,
# then printable ASCII but `:` and `#` (which can end a plain value) and `"`, no space
# last. ruamel writes more than this plain (`a"b`, `a#b`); such text is left to it, which
# knows when those characters need quotes. Among such words ruamel's reader takes only
# true, false and null (any case) for something other than text.
_WRITTEN_PLAIN = re.compile(r"[A-Za-z](?:[ !$-9;-~]*[!$-9;-~])?")
_NOT_TEXT = ("true", "false", "null")
# Text ruamel writes between double quotes as it is: printable ASCII but `"` and `\`.
_WRITTEN_QUOTED = re.compile(r"[ !#-\[\]-~]*")
_KEY = re.compile(r"[a-z_]+")


def item_lines(dash: str, item: Entry) -> str | None:
    """The lines ruamel writes for a mapping `item` in a block list whose items start with
    `dash` (`  - `): its first key after the dash, the others under it. None when a value
    is not one written here exactly as ruamel writes it (a block, an escape, quotes): the
    caller then asks ruamel."""
    indent = " " * len(dash)
    lines = []
    for index, (key, value) in enumerate(item.items()):
        if not _KEY.fullmatch(key) or type(value) not in (str, Quoted):
            return None
        if isinstance(value, Quoted):
            if not _WRITTEN_QUOTED.fullmatch(value):
                return None
            shown = f'"{value}"'
        elif _WRITTEN_PLAIN.fullmatch(value) and "#" not in value and value.lower() not in _NOT_TEXT:
            shown = value
        else:
            return None
        if len(indent) + len(key) + len(shown) >= _WIDTH // 2:
            return None  # ruamel folds a line longer than its width
        lines.append(f"{dash if index == 0 else indent}{key}: {shown}\n")
    return "".join(lines) if lines else None


def spliced(text: str, document: yamlio.Document, new: dict[str, Any]) -> str | None:
    """`text` with the changes from `document.data` to `new` (the same record after a
    command's edit, as plain data) written where `Editable.text()` would write them; every
    other byte stays. None when a change is not one written here: a key removed or moved,
    a list item replaced, a value not written exactly as ruamel writes it, a layout other
    than one key per line, a new key after a comment inside a mapping. The caller then
    round-trips, and reads the result back either way.

    What is written here: a top-level key whose one-line value changes (`status`), a new
    top-level key with a text, a list or a mapping of those (`resolved_at`, `resolution`),
    placed before the key that follows it, items added at the end of a top-level list
    (the timeline entry), and the same inside mappings, in a top-level key's value and in
    a list's items: a one-line value that changes, a new key with a text or a list, items
    added to a list (an action item's `status` and `done_at`, `resolution` written again
    after a reopen). A comment after a changed value stays where ruamel keeps it.
    ruamel costs a stage command ~35 ms to load, before its round trip of the whole record.
    """
    if "\r" in text or _breaks_lines_unseen(text) or not text.endswith("\n"):
        return None
    splice = _Splice(text, document)
    if not splice.keys_at_margin() or not splice.mapping((), (document.data, new), len(splice.lines), top=True):
        return None
    return splice.text()


class _Splice:
    """One `spliced` text: its lines, where the parser found each value, how the file
    indents, and what is written into it: lines replaced (by index), and lines inserted
    before a line."""

    def __init__(self, text: str, document: yamlio.Document) -> None:
        self.document = document
        self.lines = text.split("\n")[:-1]
        self.layout = _Layout(text)
        self.replaced: dict[int, str] = {}
        self.inserted: dict[int, list[str]] = {}

    def text(self) -> str:
        out: list[str] = []
        for number, line in enumerate(self.lines):
            out += self.inserted.get(number, [])
            out.append(self.replaced.get(number, line))
        out += self.inserted.get(len(self.lines), [])
        return "\n".join(out) + "\n"

    def keys_at_margin(self) -> bool:
        """Whether each top-level key starts a line at the margin, written plainly."""
        for key in self.document.data:
            at = self.document.locations.get((key,))
            if at is None or at[1] != 1 or not self.lines[at[0] - 1].startswith(f"{key}:"):
                return False
        return True

    def mapping(self, path: tuple[str | int, ...], mappings: tuple[Any, Any], end: int, top: bool = False) -> bool:
        """Write the change of the block mapping at `path`, one key per line (ending before
        line `end`): values of one line replaced, nested mappings and lists changed alike,
        new keys inserted before the key that follows them. False when it cannot be
        written so.

        In the record's `top` mapping a new key, or an item added to a list, also goes
        after a comment or a blank line that ends the part before it (nested, where ruamel
        puts it there is its own: the round trip writes it)."""
        was, now = mappings
        if (
            not (isinstance(was, dict) and isinstance(now, dict))
            or not was
            or [k for k in now if k in was] != list(was)
        ):
            return False
        rows: dict[str, int] = {}  # the line each key starts
        columns = set()
        for name in was:
            at = self.document.locations.get((*path, name))
            if at is None:
                return False
            rows[name] = at[0] - 1
            columns.add(at[1] - 1)
        if len(columns) != 1 or list(rows.values()) != sorted(set(rows.values())):
            return False  # keys not in one column, or not each on a line of its own
        column = columns.pop()
        names = list(now)
        for position, name in enumerate(names):
            later = next((n for n in names[position + 1 :] if n in was), None)
            ends = rows[later] if later is not None else end  # where this key's lines end
            if name not in was:
                block = self.layout.block(name, now[name], " " * column)
                if block is None or not (top or _ends_a_value(self.lines[ends - 1])):
                    return False
                self.inserted.setdefault(ends, []).extend(block)
            elif now[name] == was[name]:
                continue
            elif isinstance(was[name], (dict, list)):
                if not self.nested((*path, name), (was[name], now[name]), ends, top):
                    return False
            else:
                row = rows[name]
                written = _changed_line(self.lines[row], name, was[name], now[name], column)
                if ends != row + 1 or written is None:
                    return False
                self.replaced[row] = written
        return True

    def nested(self, path: tuple[str | int, ...], values: tuple[Any, Any], end: int, top: bool = False) -> bool:
        """Write the change of a mapping or a list that is a value in a block mapping (its
        lines end before line `end`; `top`: the record's own mapping); items added to a
        list go at its end."""
        was, now = values
        if isinstance(was, dict) and isinstance(now, dict):
            return self.mapping(path, values, end)
        if not (isinstance(was, list) and isinstance(now, list)) or not (top or _ends_a_value(self.lines[end - 1])):
            return False
        added = self.list_items(path, values, end)
        if added is None:
            return False
        self.inserted.setdefault(end, []).extend(added)
        return True

    def list_items(self, path: tuple[str | int, ...], lists: tuple[list[Any], list[Any]], end: int) -> list[str] | None:
        """The lines of the items added at the end of the block list at `path` (which ends
        before line `end`), after writing the changes inside its items (mappings). None
        when a change is not one written here."""
        old, new = lists
        if len(new) < len(old):
            return None
        for index, (was, now) in enumerate(zip(old, new, strict=False)):
            if now == was:
                continue
            following = self.document.locations.get((*path, index + 1)) if index + 1 < len(old) else None
            item_end = following[0] - 1 if following is not None else end
            if not self.mapping((*path, index), (was, now), item_end):
                return None
        if len(new) == len(old):
            return []
        return _added_items(self.document, self.lines, path, len(old), new[len(old) :])


def _changed_line(line: str, key: str, was: Any, now: Any, column: int = 0) -> str | None:
    """The line `key: was` (its key at `column`, the value plain or double-quoted, perhaps
    a comment after it) with `now` for the value, as ruamel writes it: a comment stays at
    its column, or follows one space after a value that reaches it. None when the line
    is not written so."""
    after = _written(now)
    if after is None:
        return None
    forms = [_written(was)]  # how the value stands in the line
    if isinstance(was, str) and after.startswith('"'):
        forms.append(_written(Quoted(was)))  # ruamel keeps a double-quoted value quoted: only a quoted one replaces it
    prefix = line[:column]
    written = next((f"{prefix}{key}: {f}" for f in forms if f and line.startswith(f"{prefix}{key}: {f}")), None)
    if written is None:
        return None
    changed = f"{prefix}{key}: {after}"
    comment = line[len(written) :].lstrip(" ")
    at = len(line) - len(comment)  # the comment's column
    if not comment:
        return changed if at == len(written) else None  # (no space after a value ruamel writes)
    if not comment.startswith("#") or at == len(written):
        return None
    return changed.ljust(at) + comment if len(changed) < at else f"{changed} {comment}"


def _ends_a_value(line: str) -> bool:
    """Whether a line holds YAML content (not a comment or a blank line)."""
    content = line.lstrip(" ")
    return bool(content) and not content.startswith("#")


def _added_items(
    document: yamlio.Document, lines: list[str], path: tuple[str | int, ...], before: int, added: list[Any]
) -> list[str] | None:
    """The lines of the items `added` at the end of the block list at `path` of `before`
    items, indented like its last item."""
    if not before or not added:
        return None
    dash = _dash(document, lines, (*path, before - 1))
    return None if dash is None else _items(dash, added)


def _dash(document: yamlio.Document, lines: list[str], item: tuple[str | int, ...]) -> str | None:
    """What comes before the list item at path `item` on its line (`  - `), when that is
    spaces, a dash and its separation; else None (the item does not start its line)."""
    at = document.locations.get(item)
    if at is None:
        return None
    dash = lines[at[0] - 1][: at[1] - 1]
    if dash.strip() != "-" or not dash.startswith(" " * dash.index("-")):
        return None
    return dash


def _items(dash: str, items: list[Any]) -> list[str] | None:
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            written = item_lines(dash, item)
            if written is None:
                return None
            out += written.rstrip("\n").split("\n")
        else:
            shown = _written(item)
            if shown is None:
                return None
            out.append(f"{dash}{shown}")
    return out


def _written(value: Any) -> str | None:
    """A scalar as ruamel writes it in a block mapping, when written here; else None."""
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) not in (Quoted, str) or len(value) >= _WIDTH // 4:
        return None  # (ruamel folds a long line: the round trip writes it)
    if type(value) is Quoted:
        return f'"{value}"' if _WRITTEN_QUOTED.fullmatch(value) else None
    text: str = value
    if _WRITTEN_PLAIN.fullmatch(text) and "#" not in text and text.lower() not in _NOT_TEXT:
        return text
    return None


class _Layout:
    """How this file indents what is nested: what `_yaml` tells ruamel, and how `spliced`
    writes new keys alike."""

    def __init__(self, text: str) -> None:
        match = re.search(_MAPPING_UNDER_KEY, text)
        self.mapping = len(match.group(2)) if match else 2  # how far nested keys are indented
        # Where a list item's dash stands, and where its content starts.
        self.offset, self.content = _sequence_indent(text)

    def block(self, key: str, value: Any, indent: str = "") -> list[str] | None:
        shown = _written(value)
        if shown is not None:
            return [f"{indent}{key}: {shown}"]
        if isinstance(value, list) and value:
            dash = indent + " " * self.offset + "-" + " " * (self.content - self.offset - 1)
            items = _items(dash, value)
            return None if items is None else [f"{indent}{key}:", *items]
        if isinstance(value, dict) and value and not indent:
            out = [f"{key}:"]
            for name, nested in value.items():
                lines = self.block(name, nested, " " * self.mapping) if _KEY.fullmatch(name) else None
                if lines is None:
                    return None
                out += lines
            return out
        return None


def text_scalar(value: str) -> str:
    """A string as a command writes it: plain when every reader agrees, else quoted or a block."""
    if "\n" in value.rstrip("\n") and _BLOCK_UNSAFE.isdisjoint(value):
        return Block(value)
    if _plain_reads_back(value):
        return value
    return Quoted(value)


# Set while a command's edit runs on plain data (`plain_values`).
_plain = False


@contextmanager
def plain_values() -> Iterator[None]:
    """While an edit runs on a plain copy of the record (for `spliced`): the value makers
    below give `str`, `Quoted`, `Block`, dicts and lists instead of ruamel's types, so the
    edit loads no ruamel. One command edits one record at a time, in one thread."""
    global _plain
    before, _plain = _plain, True
    try:
        yield
    finally:
        _plain = before


def text_value(value: str) -> Any:
    """`text_scalar` as ruamel's type, to set in a document being edited."""
    return _ruamel_scalar(text_scalar(value))


def time_value(value: str) -> Any:
    """Timestamps and dates are always quoted: unquoted, YAML 1.1 readers turn them into dates."""
    return _ruamel_scalar(Quoted(value))


def _ruamel_scalar(value: Any) -> Any:
    if _plain:
        return value
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    if isinstance(value, Quoted):
        return DoubleQuotedScalarString(value)
    if isinstance(value, Block):
        return LiteralScalarString(value)
    return value


def editable(item: Mapping[str, Any]) -> CommentedMap:
    """A new mapping made of plain data (an `Entry`) in ruamel's types, to add to a document."""
    return mapping((key, _ruamel_scalar(value)) for key, value in item.items())


def _plain_reads_back(value: str) -> bool:
    """True when `value` written plain is read by the strict reader as the same text, silently."""
    if not value or value != value.strip():
        return False
    try:
        document = yamlio.parse("<value>", f"v: {value}\n")
    except RecordError:
        return False
    return not document.problems and document.data == {"v": value}


def mapping(pairs: Iterable[tuple[str, Any]]) -> CommentedMap:
    """A new mapping (timeline entry, action item) with its keys in the order given."""
    if _plain:
        return dict(pairs)  # type: ignore[return-value]
    from ruamel.yaml.comments import CommentedMap

    result = CommentedMap()
    for key, value in pairs:
        result[key] = value
    return result


def sequence(items: Iterable[Any]) -> CommentedSeq:
    if _plain:
        return list(items)  # type: ignore[return-value]
    from ruamel.yaml.comments import CommentedSeq

    return CommentedSeq(list(items))


def set_field(data: CommentedMap, key: str, value: Any, order: list[str]) -> None:
    """Set `key`, placing a new key after the last present key that comes before it in `order`.

    `order` is the schema's property order, so a field added by a command lands where an
    engineer reading the record expects it (acknowledged_at after commander, ...), and an
    existing field keeps its place. (A comment line written after the previous key's value
    stays above the new key, where the engineer wrote it above the next field.)
    """
    if key in data:
        data[key] = value
        return
    keys = list(data.keys())
    position = len(keys)
    if key in order:
        rank = order.index(key)
        earlier = [i for i, k in enumerate(keys) if k in order and order.index(k) < rank]
        later = [i for i, k in enumerate(keys) if k in order and order.index(k) > rank]
        if earlier:
            position = earlier[-1] + 1
        elif later:
            position = later[0]
    if position >= len(keys):
        data[key] = value
    elif hasattr(data, "insert"):  # ruamel's mapping
        data.insert(position, key, value)
    else:  # a plain dict (`plain_values`): the same place, by rebuilding its order
        pairs = list(data.items())
        pairs.insert(position, (key, value))
        data.clear()
        data.update(pairs)


def plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (for checks and JSON output)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
