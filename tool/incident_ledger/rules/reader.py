"""The reader's rules: what a record file must be as YAML before its fields mean anything.

Records are typed by hand under stress and read by several programs (CI, editors,
check-jsonschema, the site) that must all see the same data. The reader (`yamlio`, the
only module that parses YAML) checks these rules in its one pass over the file and
reports each problem under the id declared here; this module imports nothing so the
reader can.
"""

from __future__ import annotations

from .base import Example, Kind, Rule, clean_doc

READER_RULES: list[Rule] = []


def _declare(rule_id: str, doc: str, failing: Example, passing: Example) -> Rule:
    rule = Rule(rule_id, Kind.READER, clean_doc(doc), failing, passing)
    READER_RULES.append(rule)
    return rule


YAML_SYNTAX = _declare(
    "yaml-syntax",
    """The file is valid YAML.

    An unclosed quote, bad indentation, a tab, text with `: ` left unquoted or an
    invisible control character is reported at the line and column where the parser
    stopped. The other files are still checked.""",
    failing=Example("title: Checkout down: card payments fail\n"),
    passing=Example('title: "Checkout down: card payments fail"\n'),
)

DUPLICATE_KEY = _declare(
    "duplicate-key",
    """No key appears twice in one mapping.

    Most YAML readers silently keep only one of the two values, which loses data; the
    message names both lines.""",
    failing=Example("commander: Priya Natarajan\ncommander: Tom Becker\n"),
    passing=Example("commander: Tom Becker\n"),
)

YAML_ALIAS = _declare(
    "yaml-alias",
    """No YAML anchors or aliases.

    Anchors (`&name`) and aliases (`*name`) share data between parts of a record that no
    reader of the file expects, and a self-referencing alias never ends. Quote text that
    starts with `*` or `&`.""",
    failing=Example("commander: &ic Priya Natarajan\nreported_by: *ic\n"),
    passing=Example("commander: Priya Natarajan\nreported_by: Priya Natarajan\n"),
)

YAML_TAG = _declare(
    "yaml-tag",
    """No explicit YAML tags.

    Tags (`!!binary`, `!!set`, `!!python/...`, `!!str`, `!local`) are refused: a record
    holds only text, numbers, booleans, lists and mappings.""",
    failing=Example("summary: !!str Card payments failed at checkout.\n"),
    passing=Example("summary: Card payments failed at checkout.\n"),
)

YAML_VALUE = _declare(
    "yaml-value",
    """Every value is one a record field can hold.

    Refused: a key that is not text (`1:`, `true:`), not-a-number or infinity, a number
    too large to be meant (more than 18 digits), a boolean spelled other than `true` or
    `false` (`True`, `FALSE`), a NUL character written as an escape (`\\0`).""",
    failing=Example("exercise: True\n"),
    passing=Example("exercise: true\n"),
)

YAML_AMBIGUOUS = _declare(
    "yaml-ambiguous",
    """No plain value that YAML 1.1 and YAML 1.2 read differently.

    Refused: `yes`, `no`, `on`, `off`, `y`, `n` (booleans in 1.1, text in 1.2), `0777`
    (octal or decimal), `1e3` and `1:30` (number or text), and unquoted dates and timestamps (dates
    to YAML 1.1 readers). Editors and check-jsonschema read YAML 1.2, other tools 1.1:
    quote the value so every reader agrees.""",
    failing=Example("detected_at: 2026-11-03T10:15:00Z\n"),
    passing=Example('detected_at: "2026-11-03T10:15:00Z"\n'),
)

NOT_A_RECORD = _declare(
    "not-a-record",
    """The file can be a record: one YAML mapping of fields, as UTF-8 text.

    Refused: an empty file, several YAML documents in one file, a root that is not a
    mapping, more than 1 MiB, text that is not UTF-8 or holds a NUL character, absurdly
    deep nesting, a symbolic link.""",
    failing=Example("- title: Checkout down\n- status: identified\n"),
    passing=Example("title: Checkout down\nstatus: identified\n"),
)
