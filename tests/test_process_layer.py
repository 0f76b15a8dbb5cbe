"""The process layer is the one place that names stages, side states, entry kinds, severities
and audiences; the names it gives roles to are the schema's own."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from project_paths import PROJECT, SCHEMAS

from incident_ledger import process
from incident_ledger.errors import LedgerError
from incident_ledger.process import Process
from incident_ledger.schema import Schema

PACKAGE = PROJECT / "tool" / "incident_ledger"
# The process layer spells the names; the schema loader reads them from the schema files.
ALLOWED = {PACKAGE / "process.py", PACKAGE / "schema.py"}
# Words of other vocabularies that happen to equal a process name, with where they are.
OTHER_VOCABULARIES = {
    ("exports/stix.py", "closed"),  # a STIX 2.1 investigation status, not the stage
    ("exports/columns.py", "reopened"),  # the name of an export column (a count)
    ("site/status.py", "investigating"),  # a Statuspage incident status in status.json, not the stage
    # Names of `inc`'s commands (inc update, inc duplicate, inc action), not the entry kinds or the side state.
    ("cli/main.py", "update"),
    ("cli/main.py", "duplicate"),
    ("cli/main.py", "action"),
}


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema(SCHEMAS)


def process_names(schema: Schema) -> set[str]:
    """Every stage, side state, entry kind, severity, visibility and audience."""
    defs = schema.document["$defs"]
    names = {*schema.stages, *schema.side_states, *defs["severity"]["enum"], *schema.severities}
    names |= set(defs["timeline_entry"]["properties"]["kind"]["enum"])
    names |= set(schema.document["properties"]["visibility"]["enum"]) | set(process.AUDIENCES)
    return names


def field_names(schema: Schema) -> set[str]:
    """Names of record, timeline-entry and action-item fields: `status` is both a field and
    an entry kind, and a field name in code is no process fact."""
    defs = schema.document["$defs"]
    return {*schema.document["properties"], *defs["timeline_entry"]["properties"], *defs["action_item"]["properties"]}


def literal_pattern(names: set[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    return re.compile(rf"""(["'])({alternatives})\1""")


def sources() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.html")])


def test_no_module_but_the_process_layer_spells_a_process_name(schema: Schema) -> None:
    names = process_names(schema) - field_names(schema)
    pattern = literal_pattern(names)
    found = []
    for file in sources():
        if file in ALLOWED:
            continue
        where = file.relative_to(PACKAGE).as_posix()
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            found += [
                f"{file.relative_to(PROJECT)}:{number}: {m.group(0)}"
                for m in pattern.finditer(line)
                if (where, m.group(2)) not in OTHER_VOCABULARIES
            ]
    assert found == []


def test_the_literal_search_finds_what_it_looks_for(schema: Schema) -> None:
    pattern = literal_pattern(process_names(schema) - field_names(schema))
    spelled = {m.group(2) for m in pattern.finditer((PACKAGE / "process.py").read_text(encoding="utf-8"))}
    assert {process.CLOSED, process.CANCELLED, process.REOPENED_ENTRY, process.DEFAULT_AUDIENCE} <= spelled
    assert pattern.search("if status == 'closed':") and pattern.search('kind = "reopened"')
    assert not pattern.search('help="Leave out closed, reviewed, cancelled and duplicate."')
    assert field_names(schema) & process_names(schema) == {"status"}


def test_every_role_names_a_name_of_the_schema(schema: Schema) -> None:
    flow = Process(schema)
    stages = {process.CLASSIFIED, process.INVESTIGATING, process.RESOLVED, process.RECOVERED, process.CLOSED}
    assert stages | {process.REVIEWED, process.ACTIVE_UNTIL, *process.REOPEN_FROM} <= set(schema.stages)
    assert {process.CANCELLED, process.DUPLICATE} == set(schema.side_states)
    assert flow.reopen_to == process.REOPEN_TO
    assert set(process.STAGE_ENTRY_KINDS) == set(flow.stage_entry_kinds)
    assert {process.NOTE_ENTRY, process.UPDATE_ENTRY} <= set(flow.log_kinds)
    assert process.bundled_log_kinds() == flow.log_kinds
    item_statuses = schema.document["$defs"]["action_item"]["properties"]["status"]["enum"]
    assert item_statuses == [process.ITEM_OPEN, process.ITEM_DONE, process.ITEM_WONTFIX]
    visibilities = schema.document["properties"]["visibility"]["enum"]
    assert {v for seen in process.AUDIENCES.values() for v in seen} | {process.RESTRICTED} == set(visibilities)
    assert all(process.RESTRICTED not in seen for seen in process.AUDIENCES.values())
    assert process.DEFAULT_VISIBILITY in visibilities and process.DEFAULT_AUDIENCE in process.AUDIENCES


def test_stage_queries(schema: Schema) -> None:
    flow = Process(schema)
    assert [s for s in flow.statuses if flow.ended(s)] == ["closed", "reviewed", "cancelled", "duplicate"]
    assert [s for s in flow.statuses if flow.active(s)] == ["identified", "classified", "investigating", "resolved"]
    assert [s for s in flow.statuses if flow.may_end_early(s)] == ["identified", "classified", "investigating"]
    assert flow.reached("reviewed", "closed") and not flow.reached("cancelled", "identified")
    assert flow.is_open("not-a-status") and not flow.active("not-a-status")
    assert flow.new_requirements("investigating") == ["commander", "acknowledged_at"]
    assert flow.new_requirements("cancelled") == ["cancel_reason"]


def test_deadlines_are_utc_days(schema: Schema) -> None:
    flow = Process(schema)
    # 00:30 at +01:00 on the 24th is still the 23rd in UTC.
    late_evening = datetime.fromisoformat("2026-11-24T00:30:00+01:00")
    assert process.today(late_evening) == date(2026, 11, 23)
    assert not process.item_overdue({"status": "open", "due": "2026-11-23"}, late_evening)
    assert process.item_overdue({"status": "open", "due": "2026-11-22"}, late_evening)
    assert not process.item_overdue({"status": "open", "due": "22 Nov"}, late_evening)
    closed = {"status": "closed", "severity": "SEV2", "closed_at": "2026-11-14T00:30:00+01:00"}
    assert flow.postmortem_due(closed) == date(2026, 11, 23)  # 13 Nov in UTC, plus ten days
    assert flow.postmortem_overdue(closed, late_evening) is None
    assert flow.postmortem_overdue(closed, datetime(2026, 11, 24, tzinfo=timezone.utc)) == date(2026, 11, 23)
    assert flow.postmortem_due({**closed, "severity": "SEV3"}) is None
    assert flow.postmortem_overdue({**closed, "status": "reviewed"}, datetime(2027, 1, 1, tzinfo=timezone.utc)) is None


def test_the_clock_reads_inc_now_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INC_NOW", "2026-11-23T12:00:00Z")
    assert process.now() == datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    monkeypatch.setenv("INC_NOW", "yesterday")
    with pytest.raises(LedgerError, match="INC_NOW='yesterday' is not an ISO-8601 time with a zone"):
        process.now()
