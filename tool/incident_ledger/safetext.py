"""Untrusted record text made safe to show: in a terminal, a commit subject, a message, a page.

Records are written by anyone with commit access and may be pasted from a hostile ticket.
Shown as they are, control characters drive the reader's terminal (`ESC [2J` clears it,
`ESC ]8;;` forges links) and bidirectional overrides reorder what a reviewer sees
(Trojan Source: the text on screen is not the text in the file). One function decides
which characters are unsafe and how they are shown: as a visible escape (`\\x1b`,
`\\u202e`), so the reader sees that something was there and what.
"""

from __future__ import annotations

# C0 controls but tab and newline, DEL and the C1 controls, the line and paragraph
# separators (line breaks to some readers, not to others) and every bidirectional
# control: embeddings, overrides, isolates and the invisible direction marks.
_UNSAFE = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029]
_UNSAFE += [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(code: int) -> str:
    char = chr(code)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


# Tables for `str.translate`, which replaces each character in one pass (a regular
# expression over these ranges cost more to compile than most commands spend showing text).
_ESCAPES = {code: _escape(code) for code in _UNSAFE}
_ESCAPES_ONE_LINE = {code: _escape(code) for code in [ord("\t"), ord("\n"), *_UNSAFE]}


def escape_unsafe(text: str) -> str:
    """`text` with every unsafe character shown as an escape; newlines and tabs kept."""
    return text.translate(_ESCAPES)


def cut(text: str, limit: int) -> str:
    """At most about `limit` characters, with a marker saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[{len(text) - limit:,} more characters]"


def one_line(value: object, limit: int = 200) -> str:
    """One line for a table cell or a commit subject: every unsafe character, line break
    and tab escaped, cut at `limit` characters."""
    return cut(str(value).translate(_ESCAPES_ONE_LINE), limit)


def shown(value: object, limit: int = 60) -> str:
    """A value quoted inside a message: `'text'`, escaped and cut, whatever its length."""
    text = value if isinstance(value, str) else repr(value)
    return f"'{cut(text.translate(_ESCAPES_ONE_LINE), limit)}'"
