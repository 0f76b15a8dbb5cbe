"""Stakeholder updates: `inc update` and `inc list --stale`, with policy.yaml's cadence.

The fixed clock is 2026-11-23T12:00:00Z; the policy owes SEV1 stakeholders an update
every 30 minutes, SEV2 every hour, SEV4 never.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lifecycle_helpers import commits, last_commit_files, last_message, new_incident, record_path, snapshot


def classified(inc_ok: Any, repo: Path, severity: str) -> str:
    incident_id = new_incident(inc_ok, repo, "--service", "checkout-api")
    inc_ok(repo, "classify", incident_id, "--severity", severity, "--impact", "high", "--urgency", "high",
           "--category", "availability", "--impact-assessment", "Some payments fail.", "--at", "2026-11-23T10:05:00Z")  # fmt: skip
    return incident_id


def test_update_writes_an_update_entry_due_again_after_the_policy_interval(repo: Path, inc_ok: Any) -> None:
    incident_id = classified(inc_ok, repo, "SEV1")
    before = commits(repo)
    result = inc_ok(
        repo, "update", incident_id, "Payments failing for 30% of customers.", "--at", "2026-11-23T11:00:00Z"
    )
    assert result.stderr.splitlines()[-1] == "next update due 2026-11-23T11:30:00Z"
    text = record_path(repo, incident_id).read_text()
    assert text.endswith(
        '  - at: "2026-11-23T11:00:00Z"\n    kind: update\n    author: Dana Whitfield\n'
        '    text: Payments failing for 30% of customers.\n    next_update_at: "2026-11-23T11:30:00Z"\n'
    )
    assert commits(repo) == before + 1
    assert last_commit_files(repo) == [f"incidents/2026/{incident_id}.yaml"]
    # The subject says what stakeholders were told, as every timeline entry's commit does.
    assert last_message(repo).splitlines()[0] == f"{incident_id}: update: Payments failing for 30% of customers."


def test_update_next_takes_a_span_or_a_time(repo: Path, inc_ok: Any) -> None:
    incident_id = classified(inc_ok, repo, "SEV2")
    inc_ok(repo, "update", incident_id, "Fix deploying.", "--next", "1h30m", "--at", "2026-11-23T11:00:00Z")
    assert record_path(repo, incident_id).read_text().endswith('next_update_at: "2026-11-23T12:30:00Z"\n')
    inc_ok(repo, "update", incident_id, "Fix deployed.", "--next", "2026-11-23T17:00:00+01:00")
    assert record_path(repo, incident_id).read_text().endswith('next_update_at: "2026-11-23T16:00:00Z"\n')


def test_update_without_a_cadence_promises_nothing(repo: Path, inc_ok: Any) -> None:
    incident_id = classified(inc_ok, repo, "SEV4")
    result = inc_ok(repo, "update", incident_id, "Cosmetic only.")
    assert result.stderr.splitlines()[-1] == "no next update due"
    assert record_path(repo, incident_id).read_text().endswith("    text: Cosmetic only.\n")


def test_update_refuses_a_next_update_not_after_it_and_changes_nothing(repo: Path, inc_ok: Any, inc_fails: Any) -> None:
    incident_id = classified(inc_ok, repo, "SEV1")
    before = snapshot(repo)
    for given, message in [
        ("0m", "inc: error: --next 0m is not after the update itself (2026-11-23T12:00:00Z); say when stakeholders hear next\n"),
        ("soon", "inc: error: --next 'soon' is neither a time span (30m, 2h, 1h30m, 1d) nor an ISO-8601 time with a zone\n"),
    ]:  # fmt: skip
        result = inc_fails(repo, "update", incident_id, "x", "--next", given, code=2)
        assert result.stderr == message
    assert snapshot(repo) == before


def test_list_stale_lists_the_incidents_that_owe_an_update(repo: Path, inc_ok: Any) -> None:
    late = classified(inc_ok, repo, "SEV1")  # no update since detection at 10:00: due 10:30
    on_time = classified(inc_ok, repo, "SEV2")
    inc_ok(repo, "update", on_time, "Fix deploying.", "--next", "2h", "--at", "2026-11-23T11:00:00Z")
    quiet = classified(inc_ok, repo, "SEV4")
    rows = json.loads(inc_ok(repo, "list", "--stale", "--format", "json").stdout)
    assert [(r["id"], r["update_due"]) for r in rows] == [(late, "2026-11-23T10:30:00Z")]
    table = inc_ok(repo, "list", "--stale").stdout.splitlines()
    assert table[1].endswith("[stakeholder update overdue since 2026-11-23T10:30:00Z]")
    everything = {r["id"] for r in json.loads(inc_ok(repo, "list", "--format", "json").stdout)}
    assert everything == {late, on_time, quiet}
