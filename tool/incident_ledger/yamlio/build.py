"""The reader's walk over the node graph: plain Python values, typed strictly.

This is where the reader's rules about values live: duplicate keys, tags, keys that are
not text, YAML 1.1 vs 1.2 typing, numbers no record means. Each problem is reported
under the id `rules.reader` declares.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Problem, RecordError
from ..rules.reader import DUPLICATE_KEY, NOT_A_RECORD, YAML_ALIAS, YAML_AMBIGUOUS, YAML_TAG, YAML_VALUE
from ..safetext import one_line, shown
from .loader import MAP, MAX_DEPTH, PLAIN, QUOTED, SEQ, KeyPath, Location, mark

# An integer longer than this is a typo or an attack, never a field of a record; Python
# would also refuse to convert one past 4,300 digits with a ValueError.
MAX_INT_DIGITS = 18

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_YAML11_BOOLS = frozenset(
    ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]
)
# Every plain value starting with a letter that YAML 1.1 or 1.2 reads as other than text.
_WORDS = _NULLS | _TRUE | _FALSE | _YAML11_BOOLS
# The forms of the values that do not start with a letter, rare in records: `re` compiles
# each pattern the first time a value gets that far.
_INT = r"[-+]?[0-9]+\Z"
_INT_OTHER_BASE = r"0o[0-7]+\Z|0x[0-9a-fA-F]+\Z"
_FLOAT = r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z"
_SPECIAL_FLOAT = r"[-+]?\.(inf|Inf|INF)\Z|\.(nan|NaN|NAN)\Z"
_SEXAGESIMAL = r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?\Z"
_UNDERSCORE_NUMBER = r"[-+]?[0-9][0-9_]*_[0-9_]*(\.[0-9_]*)?\Z"
_DATE_LIKE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ]|\Z)"
# YAML 1.1 wants a sign in a float's exponent: `1.5e3` is text to it, a number to YAML 1.2.
_UNSIGNED_EXPONENT = r".*[eE][0-9]+\Z"


class Builder:
    """Turns a node graph into plain Python values, collecting problems as it goes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.locations: dict[KeyPath, Location] = {}
        self.problems: list[Problem] = []
        self._active: set[int] = set()

    def problem(self, where: Location, rule: str, message: str) -> None:
        self.problems.append(Problem(self.path, where[0], where[1], rule, message))

    def build(self, node: Node, keypath: KeyPath) -> Any:
        if node.tag not in (PLAIN, QUOTED, MAP, SEQ):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!", 1)
            self.problem(
                mark(node),
                YAML_TAG.id,
                f"YAML tag {tag} is not allowed in a record; remove it and write the value as plain text",
            )
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node) if node.tag == PLAIN else node.value
        if len(keypath) > MAX_DEPTH:
            raise RecordError([Problem(self.path, *mark(node), NOT_A_RECORD.id, "the YAML is nested too deeply")])
        if id(node) in self._active:
            # Only an alias can make a node its own descendant.
            raise RecordError([Problem(self.path, *mark(node), YAML_ALIAS.id, "a YAML alias refers to itself")])
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
            start = child.start_mark
            locations[child_path] = (start.line + 1, start.column + 1)
            tag = child.tag
            if tag == QUOTED:
                items.append(child.value)
            elif tag == PLAIN:
                items.append(self.scalar(child))
            else:
                items.append(self.build(child, child_path))
        return items

    def mapping(self, node: MappingNode, keypath: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            start = key_node.start_mark
            where = (start.line + 1, start.column + 1)
            key = key_node.value
            tag = key_node.tag
            if not (tag == QUOTED or (tag == PLAIN and key[:1].isalpha() and key not in _WORDS)):
                key = self.key(key_node, where)
                if key is None:
                    continue
            child_path = (*keypath, key)
            if key in result:
                first = self.locations[child_path]
                self.problem(
                    where,
                    DUPLICATE_KEY.id,
                    f"key {shown(key)} appears twice (lines {first[0]} and {where[0]}); YAML readers "
                    "silently keep only one of them: merge the two into one",
                )
                continue
            self.locations[child_path] = where
            tag = value_node.tag
            if tag == QUOTED:
                result[key] = value_node.value
            elif tag == PLAIN:
                result[key] = self.scalar(value_node)
            else:
                result[key] = self.build(value_node, child_path)
        return result

    def key(self, node: Node, where: Location) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == QUOTED:
            quoted: str = node.value
            return quoted
        if isinstance(node, ScalarNode) and node.tag == PLAIN:
            reported = len(self.problems)
            value = self.scalar(node)
            if isinstance(value, str):
                return value
            if len(self.problems) > reported:
                return None  # scalar() said what is wrong with it (a too large number...)
            self.problem(
                where,
                YAML_VALUE.id,
                f"key {shown(node.value)} is read as {type(value).__name__}, not text; field names "
                f'are text: quote it ("{node.value}") or rename it',
            )
            return None
        if node.tag in (MAP, SEQ):
            self.problem(where, YAML_VALUE.id, "a key must be plain text, not a list or mapping")
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
                self.problem(mark(node), YAML_VALUE.id, f"write the boolean {shown(text)} as {text.lower()}")
            return text in _TRUE
        if text in _YAML11_BOOLS:
            return self.ambiguous(node, "a boolean in YAML 1.1 and text in YAML 1.2")
        if re.match(_INT, text):
            digits = text.lstrip("+-")
            if len(digits) > 1 and digits[0] == "0":
                return self.ambiguous(node, "an octal number in YAML 1.1 and decimal in YAML 1.2")
            if len(digits) > MAX_INT_DIGITS:
                self.problem(mark(node), YAML_VALUE.id, f"number with {len(digits)} digits is too large")
                return None
            return int(text)
        if re.match(_INT_OTHER_BASE, text):
            if text.startswith("0o"):
                return self.ambiguous(node, "a number in YAML 1.2 and text in YAML 1.1")
            return int(text, 16)
        if re.match(_FLOAT, text):
            if "." not in text:
                return self.ambiguous(node, "a number in YAML 1.2 and text in YAML 1.1")
            if re.match(_UNSIGNED_EXPONENT, text):
                return self.ambiguous(node, "a number in YAML 1.2 and text in YAML 1.1")
            value = float(text)
            if value in (float("inf"), float("-inf")):
                self.problem(mark(node), YAML_VALUE.id, f"number {shown(text)} is too large")
                return None
            return value
        if re.match(_SPECIAL_FLOAT, text):
            self.problem(
                mark(node),
                YAML_VALUE.id,
                f"{shown(text)} is infinity or not-a-number, which no record field accepts; quote it if it is text",
            )
            return None
        if re.match(_SEXAGESIMAL, text) or re.match(_UNDERSCORE_NUMBER, text):
            return self.ambiguous(node, "a number in YAML 1.1 and text in YAML 1.2")
        if re.match(_DATE_LIKE, text):
            return self.ambiguous(node, "a date in YAML 1.1 readers and text in YAML 1.2")
        return text

    def ambiguous(self, node: ScalarNode, why: str) -> str:
        self.problem(
            mark(node),
            YAML_AMBIGUOUS.id,
            f'{shown(node.value)} is {why}; quote it ("{one_line(node.value, 60)}") so every reader agrees',
        )
        text: str = node.value
        return text


def nul_problems(path: str, value: Any, locations: dict[KeyPath, Location], keypath: KeyPath = ()) -> list[Problem]:
    """NUL characters written as escapes in double-quoted text (a raw NUL byte is refused earlier)."""
    if isinstance(value, str):
        if "\x00" not in value:
            return []
        line, col = locations.get(keypath, (1, 1))
        return [Problem(path, line, col, YAML_VALUE.id, "text contains a NUL character (\\0); remove it")]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [p for key, child in items for p in nul_problems(path, child, locations, (*keypath, key))]
