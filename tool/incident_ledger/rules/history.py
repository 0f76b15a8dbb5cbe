"""History rules: what a change to a record may not do, comparing the base with the head.

A record is the incident's legal memory: once written, its identity and its timeline
are never rewritten, and a closed incident is only refined by its review. `inc check`
runs these rules on every record a pull request touches: first those about the file
(`history_files`), then those about its content (`history_fields`).
"""

from __future__ import annotations

from ..errors import Problem
from .base import Rule
from .change import Finding, HistoryContext, RecordChange, place
from .history_fields import FIELD_RULES
from .history_files import FILE_RULES

__all__ = ["HISTORY_RULES", "WARNINGS", "HistoryContext", "RecordChange", "run_history_rules"]

HISTORY_RULES: list[Rule] = [*FILE_RULES, *FIELD_RULES]
# The ids of the rules whose findings are warnings: shown, never failing the check.
WARNINGS = frozenset(rule.id for rule in HISTORY_RULES if rule.warning)


def run_history_rules(change: RecordChange, context: HistoryContext) -> list[Problem]:
    """Every history problem of one changed record, placed in the head (or the base when gone)."""
    problems = []
    for each in HISTORY_RULES:
        assert each.check is not None
        findings: list[Finding] = list(each.check(change, context))
        problems += [place(change, where, each.id, message) for where, message in findings]
    return problems
