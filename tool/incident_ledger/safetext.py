"""Untrusted record text made safe to show: in a terminal, a commit subject, a message, a page.

Records are written by anyone with commit access and may be pasted from a hostile ticket.
Shown as they are, control characters drive the reader's terminal (`ESC [2J` clears it,
`ESC ]8;;` forges links) and bidirectional overrides reorder what a reviewer sees
(Trojan Source: the text on screen is not the text in the file). One function decides
which characters are unsafe and how they are shown: as a visible escape (`\\x1b`,
`\\u202e`), so the reader sees that something was there and what.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL and the C1 controls, the line and paragraph
# separators (line breaks to some readers, not to others) and every bidirectional
# control: embeddings, overrides, isolates and the invisible direction marks.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile(f"[\t\n{_UNSAFE.pattern[1:-1]}]")


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_unsafe(text: str) -> str:
    """`text` with every unsafe character shown as an escape; newlines and tabs kept."""
    return _UNSAFE.sub(_escape, text)


def cut(text: str, limit: int) -> str:
    """At most about `limit` characters, with a marker saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[{len(text) - limit:,} more characters]"


def one_line(value: object, limit: int = 200) -> str:
    """One line for a table cell or a commit subject: every unsafe character, line break
    and tab escaped, cut at `limit` characters."""
    return cut(_UNSAFE_ONE_LINE.sub(_escape, str(value)), limit)


def shown(value: object, limit: int = 60) -> str:
    """A value quoted inside a message: `'text'`, escaped and cut, whatever its length."""
    text = value if isinstance(value, str) else repr(value)
    return f"'{cut(_UNSAFE_ONE_LINE.sub(_escape, text), limit)}'"
