"""The registry: every rule any command can report, in the order a record meets them.

The reader's rules first (the file must be YAML), then the schema, the record's own
rules and the secret scan (`inc validate` on each record), the rules across records,
and the history rules (`inc check`). `inc rules`, README's tables and the tests read
this list; nothing else lists rules.
"""

from __future__ import annotations

import difflib

from .base import Kind, Rule
from .history import HISTORY_RULES
from .reader import READER_RULES
from .record import RECORD_RULES
from .repository import REPOSITORY_RULES
from .schema import SCHEMA
from .secret import SECRET_RULES

RULES: tuple[Rule, ...] = (
    *READER_RULES,
    SCHEMA,
    *RECORD_RULES,
    *SECRET_RULES,
    *REPOSITORY_RULES,
    *HISTORY_RULES,
)
BY_ID = {rule.id: rule for rule in RULES}
# What `inc validate` reports (and `inc check`, which also validates what a change touches).
VALIDATE_KINDS = (Kind.READER, Kind.SCHEMA, Kind.RECORD, Kind.SECRET, Kind.REPOSITORY)


def of_kind(*kinds: Kind) -> list[Rule]:
    return [rule for rule in RULES if rule.kind in kinds]


def close_matches(text: str) -> list[str]:
    """Rule ids that look like `text` (a typo, a partial id), best first."""
    ids = list(BY_ID)
    found = difflib.get_close_matches(text, ids, n=3, cutoff=0.6)
    found += [rule_id for rule_id in ids if text and text in rule_id and rule_id not in found]
    return found[:5]
