"""Every rule's examples, table-like as yamllint tests its rules: the failing example
triggers exactly that rule, the passing one triggers nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_examples import problems

from incident_ledger.rules.base import Kind, Rule
from incident_ledger.rules.registry import BY_ID, RULES


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_failing_example_triggers_exactly_its_rule(rule: Rule, tmp_path: Path) -> None:
    found = problems(rule, rule.failing, tmp_path)
    if rule.kind is Kind.REPOSITORY:
        # Two records with one id cannot both be where their id says (path-mismatch):
        # among the rules across records, only this one fires.
        found = [p for p in found if BY_ID[p.rule].kind is Kind.REPOSITORY]
    assert found, f"{rule.id}'s failing example triggers nothing"
    assert {p.rule for p in found} == {rule.id}, found


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_passing_example_triggers_nothing(rule: Rule, tmp_path: Path) -> None:
    assert problems(rule, rule.passing, tmp_path) == []
