"""Gates: a cheap test on the whole text that every line-level match of a pattern implies.

Scanning every line with every pattern is most of `inc validate`'s time; a pattern whose
gate does not open on the text cannot match any of its lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any

# The regular-expression parser and compiler (private, but stable since Python 3.5
# under two names). Only used to derive faster gates; without them every pattern is its
# own gate.
try:
    from re import _compiler as _sre_compile  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_compile as _sre_compile
    import sre_parse as _sre_parse

_LITERAL = _sre_parse.LITERAL
_NEWLINE = ord("\n")


class Gate:
    """A pattern in a form tried once on the whole text instead of on every line.

    It must match the text whenever the pattern matches one of its lines. It does when
    compiled with MULTILINE (`^` and `$` then hold at each line's ends) unless the
    pattern asserts the start or end of the whole string or looks around for something
    a line break could satisfy; such a pattern is tried line by line (`regex` None).
    Where the pattern has a literal part, only the pattern from that literal on is
    tried (every match contains a match of it), which lets the regex engine skip to
    the literal instead of trying every position; text without the literal (compared
    in lower case for case-insensitive patterns) is not searched at all. The regex is
    compiled when first tried: the literal test alone costs only the parse.

    A part that matches only a few strings longer than the literal (`(ghp|gho)_`, whose
    literal is `_`) gives `choices`: a scan that tests literals only, without compiling
    the regex, admits no text holding none of them.
    """

    def __init__(
        self,
        pattern: Any,  # a compiled pattern, or a detector's `_LazyPattern`
        literal: bytes = b"",  # UTF-8: one pass of the bytes per literal, whatever the text holds
        ignore_case: bool = False,
        make_regex: Callable[[], re.Pattern[str]] | None = None,
        choices: tuple[bytes, ...] = (),  # every match holds one of these (encoded as `literal` is)
    ) -> None:
        self.pattern = pattern
        self.literal = literal
        self.choices = choices
        self.ignore_case = ignore_case
        self.make_regex = make_regex

    @cached_property
    def regex(self) -> re.Pattern[str] | None:
        if self.make_regex is None:
            return None
        try:
            return self.make_regex()
        except Exception:  # a surprise from the private compiler: the pattern alone, line by line
            self.literal = b""
            return None

    def opens(self, text: Text) -> bool:
        _ = self.regex  # made first: a regex that cannot be made leaves no literal to test
        if self.literal:  # text without the literal every match holds: no line can match
            folded = text.lowered if self.ignore_case else text.data
            if folded is not None and self.literal not in folded:
                return False
        return self.searched(text)

    def holds_a_choice(self, text: Text) -> bool:
        """Whether the text holds one of the `choices` (any text, when there are none)."""
        folded = text.lowered if self.ignore_case else text.data
        return folded is None or not self.choices or any(choice in folded for choice in self.choices)

    def searched(self, text: Text) -> bool:
        """`opens` once the literal is known to be in the text: the pattern's search."""
        regex = self.regex
        if regex is not None:
            return regex.search(text.whole) is not None
        return any(self.pattern.search(line) for line in text.lines)


# Line breaks str.splitlines() knows besides "\n", and a search for them in UTF-8.
_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ASCII_BREAKS = tuple(c.encode() for c in _BREAKS if c.isascii())  # one byte each: memchr
_OTHER_BREAKS = tuple(c.encode() for c in _BREAKS if not c.isascii())
# The characters beyond ASCII that a case-insensitive pattern matches to an ASCII letter
# (the dotted and dotless i, the long s, the Kelvin sign), where lower-casing the ASCII
# bytes does not give that letter: text holding one gets no case-insensitive literal test.
CASE_TWINS = "\u0130\u0131\u017f\u212a"
_TWIN_BYTES = tuple(c.encode() for c in CASE_TWINS)


class Text:
    """One text as the gates look at it, each view made once and only when asked for."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Literals are looked for in the UTF-8 bytes: an ASCII literal is in the text
        # exactly when its bytes are in these (no multi-byte character holds an ASCII
        # byte), and bytes.find() is one fast pass where str.find() over non-ASCII text
        # is several times slower.
        self.data = text.encode("utf-8", "surrogatepass")

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def whole(self) -> str:
        """The text for MULTILINE gates: its lines joined with "\n"."""
        data = self.data
        other = any(b in data for b in _ASCII_BREAKS) or (not data.isascii() and _holds(data, _OTHER_BREAKS))
        return "\n".join(self.lines) if other else self.text

    @cached_property
    def lowered(self) -> bytes | None:
        """The bytes with ASCII letters in lower case: every case-insensitive match of an
        ASCII literal shows there as the literal in lower case, unless a case twin is in
        the text (then None)."""
        if not self.data.isascii() and _holds(self.data, _TWIN_BYTES):
            return None
        return self.data.lower()


def _holds(data: bytes, sequences: tuple[bytes, ...]) -> bool:
    """Whether `data` holds one of the multi-byte `sequences`. One byte is looked for
    first (memchr): a search for several bytes is five times slower, and most texts
    lack the byte."""
    return any(sequence[-1:] in data and sequence in data for sequence in sequences)


# How a pattern is gated: on its own, line by line; the whole pattern on the whole text;
# or the pattern from its longest literal on (the tail) on the whole text.
LINES, WHOLE, TAIL = 0, 1, 2
# What `facts` finds in a pattern: how it is gated, its literal (UTF-8; lower case when
# the pattern ignores case), whether it ignores case, where its literal starts, and its
# choices (encoded alike).
Facts = tuple[int, bytes, bool, int, tuple[bytes, ...]]


def gate_for(pattern: Any, facts: Facts | None = None) -> Gate:
    """The gate of one pattern; `facts` are what `facts(pattern)` said of it (kept
    between runs by the caller: parsing 37 patterns costs more than a record's scan)."""
    how, literal, ignore_case, start, choices = facts if facts is not None else gate_facts(pattern)
    if how == LINES:
        return Gate(pattern)
    source, flags = pattern.pattern, pattern.flags
    if how == WHOLE:
        return Gate(pattern, literal, ignore_case, lambda: re.compile(source, flags | re.MULTILINE), choices)
    return Gate(pattern, literal, ignore_case, lambda: _compile_tail(source, flags, start), choices)


def gate_facts(pattern: Any) -> Facts:
    """How `pattern` is gated (see `Gate`), from its parse."""
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
        if not _line_safe(parsed.data):
            return (LINES, b"", False, 0, ())
        ignore_case = bool((pattern.flags | parsed.state.flags) & re.IGNORECASE)
        start, strings = _literal_part(parsed.data, 1)
        literal = next(iter(_gated(strings, ignore_case)), b"")
        choices = _gated(_literal_part(parsed.data, _MOST_CHOICES)[1], ignore_case)
        if len(choices) < 2 or min(map(len, choices)) <= len(literal):
            choices = ()  # no better than the literal
        if not literal or _refers_back(parsed.data[start:]):
            return (WHOLE, literal, ignore_case, 0, choices)
        return (TAIL, literal, ignore_case, start, choices)
    except Exception:  # any surprise from the private parser: the pattern gates itself, line by line
        return (LINES, b"", False, 0, ())


def _gated(strings: tuple[str, ...], ignore_case: bool) -> tuple[bytes, ...]:
    """The strings as a gate looks for them (UTF-8, in lower case when the pattern ignores
    case); none when that cannot be (beyond ASCII ignoring case, a line break)."""
    if ignore_case:
        if not all(s.isascii() for s in strings):
            return ()
        strings = tuple(s.lower() for s in strings)
    if any(c in _BREAKS or c == "\n" for s in strings for c in s):
        return ()  # the gates look at the lines joined with "\n"
    return tuple(dict.fromkeys(s.encode() for s in strings if s))


def _compile_tail(source: str, flags: int, start: int) -> re.Pattern[str]:
    parsed = _sre_parse.parse(source, flags)
    tail = _sre_parse.SubPattern(parsed.state, parsed.data[start:])
    compiled: re.Pattern[str] = _sre_compile.compile(tail, flags | parsed.state.flags | re.MULTILINE)
    return compiled


# The most strings a literal part may stand for (`(ghp|gho|ghu|ghs|ghr)_` stands for five).
_MOST_CHOICES = 16


def _literal_part(items: list[tuple[Any, Any]], most: int) -> tuple[int, tuple[str, ...]]:
    """The run of the pattern's top-level sequence that matches at most `most` strings,
    the shortest of them as long as can be (then the fewest), and where it starts; no
    strings when the pattern has no such run."""
    best: tuple[int, int, int, tuple[str, ...]] = (0, 0, 0, ())  # shortest, -count, start, strings
    each = [_strings([item]) for item in items]
    for start in range(len(items)):
        strings: tuple[str, ...] | None = ("",)
        for end in range(start, len(items)):
            strings = _joined(strings, each[end])
            if strings is None or len(strings) > most:
                break
            rank = (min(map(len, strings)), -len(strings))
            if rank > best[:2]:
                best = (*rank, start, strings)
    return best[2], best[3]


def _strings(items: Any) -> tuple[str, ...] | None:
    """The strings a parsed sequence matches when they are few: plain characters,
    classes of plain characters, alternatives and groups of these; else None."""
    found: tuple[str, ...] | None = ("",)
    for op, value in items:
        options: tuple[str, ...] | None
        if op is _LITERAL:
            options = (chr(value),)
        elif op is _sre_parse.IN and all(kind is _LITERAL for kind, _ in value):
            options = tuple(chr(member) for _, member in value)
        elif op is _sre_parse.BRANCH:
            parts = [_strings(alternative.data) for alternative in value[1]]
            options = None if None in parts else tuple(s for part in parts if part is not None for s in part)
        elif op is _sre_parse.SUBPATTERN and not value[1] and not value[2]:  # a group, no flags of its own
            options = _strings(value[3].data)
        else:
            return None
        found = _joined(found, options)
    return found


def _joined(before: tuple[str, ...] | None, after: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Each string of `before` followed by each of `after`; None when either is unknown
    or they make too many."""
    if before is None or not after or len(before) * len(after) > _MOST_CHOICES:
        return None
    return tuple(b + a for b in before for a in after)


def _walk(items: Any) -> Iterator[tuple[Any, Any]]:
    """Every (op, value) of a parsed pattern, nested ones included."""
    for op, value in items:
        yield op, value
        parts = [value] if isinstance(value, _sre_parse.SubPattern) else value if isinstance(value, tuple) else ()
        for part in parts:
            if isinstance(part, _sre_parse.SubPattern):
                yield from _walk(part.data)
            elif isinstance(part, list):  # a branch's alternatives
                yield from (pair for alternative in part for pair in _walk(alternative.data))


def _line_safe(items: Any) -> bool:
    """Whether a match on a line implies a MULTILINE match on the text holding the line."""
    for op, value in _walk(items):
        if op is _sre_parse.AT and value in (_sre_parse.AT_BEGINNING_STRING, _sre_parse.AT_END_STRING):
            return False
        if op is _sre_parse.ASSERT_NOT and not _never_newline(value[1].data):
            return False
    return True


def _never_newline(items: Any) -> bool:
    """A negative lookaround of one character class that cannot be a line break (`(?!\\w)`)."""
    if len(items) != 1:
        return False
    op, value = items[0]
    if op is _LITERAL:
        return bool(value != _NEWLINE)
    if op is not _sre_parse.IN:
        return False
    for kind, member in value:
        if kind is _LITERAL:
            ok = member != _NEWLINE
        elif kind is _sre_parse.RANGE:
            ok = not member[0] <= _NEWLINE <= member[1]
        elif kind is _sre_parse.CATEGORY:
            ok = member in (_sre_parse.CATEGORY_WORD, _sre_parse.CATEGORY_DIGIT)
        else:
            ok = False
        if not ok:
            return False
    return True


def _refers_back(items: Any) -> bool:
    refs = (_sre_parse.GROUPREF, _sre_parse.GROUPREF_EXISTS)
    return any(op in refs for op, _ in _walk(items))
