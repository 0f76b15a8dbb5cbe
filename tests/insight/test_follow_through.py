"""Action items: `inc action done` stamps done_at, due dates default from the policy by
priority, and the share done on time is counted by quarter and by kind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from record_builder import commit, record, write

from incident_ledger.followup import on_time

INCIDENT = "INC-20261102-FTA1"  # P2 in the helpers' records


def committed_record(repo: Path, status: str = "reviewed") -> Path:
    file = write(repo, record(INCIDENT, status, "2026-11-02T08:00:00Z"))
    commit(repo)
    return file


def test_action_done_stamps_done_at(repo: Path, run_cli) -> None:
    file = committed_record(repo)
    result = run_cli(repo, "action", "done", INCIDENT, "A1", "--at", "2026-11-20T09:30:00Z")
    assert result.exit_code == 0, result
    text = file.read_text(encoding="utf-8")
    assert '  status: done\n  done_at: "2026-11-20T09:30:00Z"\n' in text
    # A reviewed record may take this change: inc check allows done_at as follow-through.
    check = run_cli(repo, "check", "--base", "HEAD~1")
    assert check.exit_code == 0, check


def test_wontfix_stamps_nothing(repo: Path, run_cli) -> None:
    file = committed_record(repo)
    assert run_cli(repo, "action", "done", INCIDENT, "A1", "--wontfix").exit_code == 0
    assert "done_at" not in file.read_text(encoding="utf-8")


def test_due_date_defaults_from_the_policy_by_priority(repo: Path, run_cli) -> None:
    file = committed_record(repo, "closed")
    result = run_cli(repo, "action", "add", INCIDENT, "Alert on pool use", "--owner", "SRE", "--at",
                     "2026-11-20T09:00:00Z")  # fmt: skip
    assert result.exit_code == 0, result
    # policy.yaml: action_item_due_days P2 = 56 days after the item is added.
    assert '  due: "2027-01-15"\n' in file.read_text(encoding="utf-8")


def test_no_default_without_a_priority(repo: Path, run_cli) -> None:
    write(repo, record(INCIDENT, "identified", "2026-11-02T08:00:00Z"))
    commit(repo)
    result = run_cli(repo, "action", "add", INCIDENT, "Alert on pool use", "--owner", "SRE")
    assert result.exit_code == 2
    assert "give the action item a due date with --due YYYY-MM-DD" in result.stderr


def item(kind: str, due: str, status: str, done_at: str | None = None) -> dict[str, str]:
    found = {"id": "A1", "title": "x", "kind": kind, "owner": "o", "due": due, "status": status}
    return found | ({"done_at": done_at} if done_at else {})


def test_share_done_on_time_by_quarter_and_kind() -> None:
    records = [
        {"action_items": [
            item("detect", "2026-02-10", "done", "2026-02-10T23:59:00Z"),  # on time, Q1 (the due day counts)
            item("prevent", "2026-03-01", "done", "2026-03-02T00:00:00Z"),  # late, Q1
            item("prevent", "2026-04-01", "open"),  # open past due: late, Q2
            item("process", "2026-05-01", "done"),  # done, when unknown, Q2
            item("mitigate", "2026-06-01", "wontfix"),  # decided against: not counted
            item("detect", "2026-12-01", "open"),  # not due yet: not counted
        ]},
        {"action_items": [item("detect", "2026-11-30", "done", "2026-11-01T10:00:00+02:00")]},  # on time, Q4
    ]  # fmt: skip
    result = on_time(records, date(2026, 11, 23))
    shares = {q: (v.on_time, v.late, v.unknown) for q, v in result.by_quarter.items()}
    assert shares == {"2026-Q1": (1, 1, 0), "2026-Q2": (0, 1, 1), "2026-Q4": (1, 0, 0)}
    kinds = {k: (v.on_time, v.late, v.unknown) for k, v in result.by_kind.items()}
    assert kinds == {"detect": (2, 0, 0), "prevent": (0, 2, 0), "process": (0, 0, 1)}
    assert (result.overall.on_time, result.overall.late, result.overall.share) == (2, 2, 0.5)
