"""`inc export` as JSON, NDJSON and CSV, read back as their consumers read them."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from project_paths import PROJECT
from record_builder import record, write

from incident_ledger.exports.columns import COLUMNS, NAMES
from incident_ledger.exports.tabular import FORMULA_STARTS, spreadsheet_safe

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
HOSTILE = {
    "INC-20261101-AAA1": '=HYPERLINK("https://evil.example.com","Click")',
    "INC-20261102-AAA2": '+1 checkout, "quoted", and a comma',
    "INC-20261103-AAA3": "-2 minutes of 503s",
    "INC-20261104-AAA4": "@SUM(A1:A9) in the title",
    "INC-20261106-AAA6": "Überlastung im Rechenzentrum — 東京 ✓",
}
MULTILINE = 'First line, with a comma.\nSecond line: "quoted".\n=not a formula here\n'


@pytest.fixture
def hostile_repo(repo: Path) -> Path:
    for incident_id, title in HOSTILE.items():
        write(repo, record(incident_id, "resolved", f"2026-11-{incident_id[10:12]}T08:00:00Z", title=title,
                           summary=MULTILINE, reported_by="=cmd|' /C calc'!A0", services=["api", "web"]))  # fmt: skip
    return repo


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    body = text.encode("utf-8").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == list(NAMES)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def assert_spreadsheet_safe(rows: list[dict[str, str]]) -> None:
    """No cell a spreadsheet would run as a formula; times as ISO text; numbers bare."""
    kinds = {c.name: c.kind for c in COLUMNS}
    for row in rows:
        for name, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (name, cell)
            if kinds[name] == "time" and cell:
                assert ISO_UTC.match(cell), (name, cell)
            if kinds[name] in ("minutes", "count") and cell:
                assert int(cell) >= 0


def test_csv_of_the_shipped_records_is_spreadsheet_safe(run_cli) -> None:
    result = run_cli(PROJECT, "export", "--format", "csv", "--include-restricted")
    assert result.exit_code == 0, result
    rows = read_csv(result.stdout)
    shipped = sorted(p.stem for p in (PROJECT / "incidents").rglob("*.yaml"))
    assert sorted(r["id"] for r in rows) == shipped
    assert_spreadsheet_safe(rows)
    first = next(r for r in rows if r["id"] == "INC-20250914-4HQ2")
    # detected 14:04, acknowledged 14:09, resolved 15:08, recovered 16:40; impact began 13:58
    assert (first["minutes_to_detect"], first["minutes_to_acknowledge"]) == ("6", "5")
    assert (first["minutes_to_resolve"], first["minutes_to_recover"]) == ("64", "156")
    assert first["services"] == "checkout-api; payments-gateway"
    assert first["exercise"] == "false"


def test_csv_neutralises_formulas_and_keeps_text_whole(run_cli, hostile_repo: Path) -> None:
    result = run_cli(hostile_repo, "export", "--format", "csv")
    assert result.exit_code == 0, result
    assert "\r\n" in result.stdout and result.stdout.count("\n") == result.stdout.count("\r\n")
    rows = {r["id"]: r for r in read_csv(result.stdout)}
    assert_spreadsheet_safe(list(rows.values()))
    for incident_id, title in HOSTILE.items():
        expected = "'" + title if title.startswith(FORMULA_STARTS) else title
        assert rows[incident_id]["title"] == expected
        assert rows[incident_id]["reported_by"] == "'=cmd|' /C calc'!A0"
        assert rows[incident_id]["services"] == "api; web"
    assert rows["INC-20261106-AAA6"]["title"] == "Überlastung im Rechenzentrum — 東京 ✓"


def test_json_and_ndjson_hold_the_same_rows(run_cli, hostile_repo: Path) -> None:
    as_json = run_cli(hostile_repo, "export", "--format", "json")
    as_ndjson = run_cli(hostile_repo, "export", "--format", "ndjson")
    assert as_json.exit_code == as_ndjson.exit_code == 0
    rows = json.loads(as_json.stdout)
    assert [json.loads(line) for line in as_ndjson.stdout.splitlines()] == rows
    assert [list(r) for r in rows] == [list(NAMES)] * len(HOSTILE)
    first = rows[0]
    # JSON keeps the text exactly as written (no spreadsheet quoting) and typed values.
    assert first["title"] == HOSTILE["INC-20261101-AAA1"]
    assert (first["reported_by"], first["services"]) == ("=cmd|' /C calc'!A0", ["api", "web"])
    assert (first["minutes_to_acknowledge"], first["minutes_to_resolve"], first["minutes_to_recover"]) == (10, 60, None)
    assert (first["exercise"], first["closed_at"], first["detected_at"]) == (False, None, "2026-11-01T08:00:00Z")


def test_restricted_records_stay_out_unless_asked_for(run_cli) -> None:
    restricted = "INC-20260122-9XDF"  # the shipped restricted record
    for fmt in ("json", "ndjson", "csv", "fourkeys", "stix"):
        assert restricted not in run_cli(PROJECT, "export", "--format", fmt).stdout
    assert restricted in run_cli(PROJECT, "export", "--format", "json", "--include-restricted").stdout


def test_filters_pick_what_inc_list_picks(run_cli) -> None:
    for filters in (["--open"], ["--status", "reviewed", "--status", "closed"], ["--service", "billing-batch"],
                    ["--severity", "SEV3"], ["--since", "2026-10-01"]):  # fmt: skip
        listed = json.loads(run_cli(PROJECT, "list", "--format", "json", *filters).stdout)
        exported = json.loads(run_cli(PROJECT, "export", "--include-restricted", *filters).stdout)
        assert [r["id"] for r in exported] == [r["id"] for r in listed], filters


def test_an_invalid_record_stops_the_export(run_cli, hostile_repo: Path) -> None:
    bad = write(hostile_repo, record("INC-20261107-BAD7", "resolved", "2026-11-07T08:00:00Z", severity="SEV9"))
    target = hostile_repo / "out.csv"
    result = run_cli(hostile_repo, "export", "--format", "csv", "-o", str(target))
    assert result.exit_code == 1
    assert "incidents/2026/INC-20261107-BAD7.yaml:" in result.stderr and "schema" in result.stderr
    assert result.stdout == "" and not target.exists()
    skipped = run_cli(hostile_repo, "export", "--format", "csv", "-o", str(target), "--skip-invalid")
    assert skipped.exit_code == 0, skipped
    assert "left out 1 invalid record(s): incidents/2026/INC-20261107-BAD7.yaml" in skipped.stderr
    assert sorted(r["id"] for r in read_csv(target.read_text(encoding="utf-8"))) == sorted(HOSTILE)
    assert bad.exists()


def test_a_left_out_record_is_named_with_its_unsafe_characters_escaped(run_cli, hostile_repo: Path) -> None:
    bad = write(hostile_repo, record("INC-20261107-BAD7", "resolved", "2026-11-07T08:00:00Z", severity="SEV9"))
    bad.rename(bad.with_name("INC-20261107-BAD7\x1b[2J.yaml"))  # a file name that clears a terminal
    skipped = run_cli(hostile_repo, "export", "--format", "csv", "--skip-invalid")
    assert skipped.exit_code == 0, skipped
    assert "left out 1 invalid record(s): incidents/2026/INC-20261107-BAD7\\x1b[2J.yaml" in skipped.stderr
    assert "\x1b" not in skipped.stderr


def test_every_formula_start_is_neutralised() -> None:
    # Tabs and carriage returns cannot reach a one-line field through the schema, but the
    # rule is the spreadsheet's, not the schema's: every such start is quoted.
    for start in FORMULA_STARTS:
        assert spreadsheet_safe(f"{start}1+1") == f"'{start}1+1"
    assert spreadsheet_safe("Plain, with = inside") == "Plain, with = inside"
