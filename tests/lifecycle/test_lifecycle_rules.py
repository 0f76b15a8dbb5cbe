"""The lifecycle's pure functions, and that their facts come from the repository's schema."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from lifecycle_helpers import git, new_incident

from incident_ledger import lifecycle, process
from incident_ledger.errors import UsageError
from incident_ledger.rules.base import Kind
from incident_ledger.rules.registry import BY_ID
from incident_ledger.schema import Schema

PROJECT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema(PROJECT / "schemas")


def test_forward_moves_follow_the_schema_order(schema: Schema) -> None:
    for here, there in zip(schema.stages, schema.stages[1:], strict=False):
        lifecycle.check_forward(schema, here, there)
    with pytest.raises(lifecycle.Refusal, match="cannot move backwards from recovered to investigating; to take it"):
        lifecycle.check_forward(schema, "recovered", "investigating")
    with pytest.raises(lifecycle.Refusal, match="already closed"):
        lifecycle.check_forward(schema, "closed", "closed")


def test_missing_fields_come_from_the_schema(schema: Schema) -> None:
    missing = lifecycle.missing_fields(schema, {"status": "investigating"}, "resolved", {}, ["resolved_at"])
    names = [m.field for m in missing]
    assert "resolution.summary" in names and "resolution.steps" in names and "resolved_at" not in names
    assert all(name in schema.requirements("resolved") for name in names)


def test_times(schema: Schema) -> None:
    assert lifecycle.parse_moment(None, NOW) == NOW
    assert lifecycle.parse_moment("2026-11-23T13:00:00+01:00", NOW) == NOW
    # Whether a time fits the record (future, order) is for the rules on the written record:
    # tests/lifecycle/test_lifecycle_refusals.py::test_times_are_refused_by_the_rules.
    with pytest.raises(UsageError, match="is not an ISO-8601 time with a zone"):
        lifecycle.parse_moment("2026-11-23 12:06", NOW)


def test_every_rule_the_refusals_name_is_a_registered_record_rule() -> None:
    for rule_id, fix in lifecycle.FIXED_BY.items():
        assert BY_ID[rule_id].kind is Kind.RECORD, rule_id
        assert fix.options and all(option.startswith("--") for option in fix.options)


def test_action_ids_and_aging() -> None:
    assert lifecycle.next_action_id(None) == "A1"
    assert lifecycle.next_action_id([{"id": "A1"}, {"id": "A7"}, {"id": "junk"}]) == "A8"
    assert process.item_overdue({"status": "open", "due": "2026-11-22"}, NOW)
    assert not process.item_overdue({"status": "open", "due": "2026-11-23"}, NOW)
    assert not process.item_overdue({"status": "done", "due": "2026-01-01"}, NOW)


def test_a_team_requirement_in_its_own_schema_is_enforced(repo: Path, inc_ok: Any, inc_fails: Any) -> None:
    file = repo / "schemas" / "incident.schema.json"
    document = json.loads(file.read_text())
    block = next(b for b in document["allOf"] if "commander" in b["then"].get("required", []))
    block["then"]["required"].append("investigation")
    file.write_text(json.dumps(document, indent=2))
    git(repo, "commit", "-qam", "Require findings when investigating")
    incident = new_incident(inc_ok, repo)
    inc_ok(repo, "classify", incident, "--severity", "SEV4", "--impact", "low", "--urgency", "low",
           "--category", "other", "--service", "wiki", "--impact-assessment", "None.")  # fmt: skip
    result = inc_fails(repo, "investigate", incident, "--commander", "Ann")
    assert result.stderr.endswith("missing:\n  - investigation (write 'investigation' in the record)\n")


def test_reopen_target_is_read_from_the_schema(schema: Schema) -> None:
    assert process.Process(schema).reopen_to == "investigating"
