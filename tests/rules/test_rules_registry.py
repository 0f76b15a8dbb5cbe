"""The registry: one declaration per rule, each with a stable id and its documentation."""

from __future__ import annotations

import re

from incident_ledger.rules.base import Kind
from incident_ledger.rules.registry import BY_ID, RULES, close_matches


def test_every_rule_has_a_stable_unique_id() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)) == len(BY_ID)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", rule_id) for rule_id in ids)


def test_every_kind_has_rules_in_the_order_a_record_meets_them() -> None:
    kinds = list(dict.fromkeys(rule.kind for rule in RULES))
    assert kinds == [Kind.READER, Kind.SCHEMA, Kind.RECORD, Kind.SECRET, Kind.REPOSITORY, Kind.HISTORY]


def test_every_rule_documents_itself() -> None:
    for rule in RULES:
        assert rule.summary.endswith("."), rule.id
        assert len(rule.summary) <= 80, rule.id
        assert len(rule.details) > 40, f"rule {rule.id} needs a docstring that explains it"


def test_rules_have_their_check_next_to_them() -> None:
    # The reader and jsonschema check their rules in one pass each; every other rule
    # is its own function.
    for rule in RULES:
        assert (rule.check is None) == (rule.kind in (Kind.READER, Kind.SCHEMA)), rule.id


def test_close_matches_find_typos_and_parts() -> None:
    assert close_matches("timline-order")[0] == "timeline-order"
    assert "duplicate-key" in close_matches("duplicate")
    assert close_matches("zzzz") == []
