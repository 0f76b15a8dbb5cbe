"""`inc list --recurring`, `inc export`'s related and recurrence columns, and rule `related`."""

from __future__ import annotations

import json
from pathlib import Path

from record_builder import record, write

FIRST, SECOND, THIRD, LATER, OTHER = (
    "INC-20260101-RCA1",
    "INC-20260201-RCA2",
    "INC-20260331-RCA3",
    "INC-20260701-RCA4",
    "INC-20260315-RCA5",
)


def make(repo: Path) -> None:
    pay = {"services": ["payments-api"], "category": "availability"}
    write(repo, record(FIRST, "resolved", "2026-01-01T08:00:00Z", **pay))
    write(repo, record(SECOND, "resolved", "2026-02-01T08:00:00Z", related=[FIRST], **pay))
    write(repo, record(THIRD, "resolved", "2026-03-31T08:00:00Z", **pay))
    write(repo, record(LATER, "resolved", "2026-07-01T08:00:00Z", **pay))  # 92 days after THIRD
    write(repo, record(OTHER, "resolved", "2026-03-15T08:00:00Z", services=["payments-api"], category="security"))


def test_list_recurring(run_cli, repo: Path) -> None:
    make(repo)
    result = run_cli(repo, "list", "--recurring", "--format", "json")
    assert result.exit_code == 0, result
    rows = json.loads(result.stdout)
    assert [(r["id"], r["recurrence"]) for r in rows] == [
        (SECOND, "2nd time in 90 days for payments-api"),
        (THIRD, "3rd time in 90 days for payments-api"),
    ]
    table = run_cli(repo, "list").stdout
    third = next(line for line in table.splitlines() if line.startswith(THIRD))
    assert third.endswith(f"Incident {THIRD}  [3rd time in 90 days for payments-api]")


def test_export_columns_related_both_ways_and_recurrence(run_cli, repo: Path) -> None:
    make(repo)
    rows = {r["id"]: r for r in json.loads(run_cli(repo, "export").stdout)}
    assert (rows[FIRST]["related"], rows[SECOND]["related"], rows[THIRD]["related"]) == ([SECOND], [FIRST], [])
    assert (rows[FIRST]["recurrence"], rows[THIRD]["recurrence"]) == (None, "3rd time in 90 days for payments-api")
    recurring = json.loads(run_cli(repo, "export", "--recurring").stdout)
    assert [r["id"] for r in recurring] == [SECOND, THIRD]


def test_related_must_name_an_existing_incident(run_cli, repo: Path) -> None:
    make(repo)
    file = write(
        repo, record("INC-20260401-RCA6", "resolved", "2026-04-01T08:00:00Z", related=[FIRST, "INC-20260402-N0NE"])
    )
    line = file.read_text(encoding="utf-8").splitlines().index("- INC-20260402-N0NE") + 1
    result = run_cli(repo, "validate")
    assert result.exit_code == 1
    assert result.stdout == (
        f"incidents/2026/INC-20260401-RCA6.yaml:{line}:3: related: related names an incident that does not exist "
        "in this repository (INC-20260402-N0NE); remove it or correct the id\n"
    )
