"""Related, recurring and drill facts across records (pure functions, worked out by hand)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from project_paths import SCHEMAS

from incident_ledger.insight import drill_coverage, ordinal, patterns, recurrences, related_both_ways
from incident_ledger.process import Process
from incident_ledger.schema import Schema

PROCESS = Process(Schema(SCHEMAS))


def incident(incident_id: str, detected: str, services: list[str], category: str = "availability",
             **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"id": incident_id, "detected_at": detected, "services": services, "category": category,
            "status": "resolved", "exercise": False, **extra}  # fmt: skip


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"
    ]  # fmt: skip


def test_recurring_within_the_window_for_the_same_service_and_category() -> None:
    records = [
        incident("A", "2026-01-01T00:00:00Z", ["payments-api"]),
        incident("B", "2026-02-01T00:00:00Z", ["payments-api", "web"]),  # 31 days after A
        incident("C", "2026-03-31T00:00:00Z", ["payments-api"]),  # 89 days after A: A and B in the window
        incident("D", "2026-07-01T00:00:00Z", ["payments-api"]),  # 92 days after C: alone again
        incident("E", "2026-03-01T00:00:00Z", ["payments-api"], category="security"),  # another category
        incident("F", "2026-03-02T00:00:00Z", ["web"], exercise=True),  # a drill does not count
        incident("G", "2026-03-03T00:00:00Z", ["web"], status="cancelled"),  # nor a cancelled one
    ]
    found = recurrences(records, PROCESS, 90)
    assert sorted(found) == ["B", "C"]
    assert (found["B"].service, found["B"].ordinal, found["B"].earlier) == ("payments-api", 2, ("A",))
    assert found["C"].describe() == "3rd time in 90 days for payments-api"
    assert found["C"].earlier == ("A", "B")
    [pattern] = patterns(records, PROCESS, found)
    assert (pattern.service, pattern.category, pattern.incidents, pattern.recurring) == (
        "payments-api", "availability", ("A", "B", "C", "D"), 2
    )  # fmt: skip


def test_the_service_with_most_earlier_incidents_is_named() -> None:
    records = [
        incident("A", "2026-01-01T00:00:00Z", ["db"]),
        incident("B", "2026-01-02T00:00:00Z", ["db", "api"]),
        incident("C", "2026-01-03T00:00:00Z", ["api"]),
        incident("D", "2026-01-04T00:00:00Z", ["api", "db"]),
    ]
    found = recurrences(records, PROCESS, 30)
    assert found["D"].describe() == "3rd time in 30 days for api"  # api: B, C before; db: A, B: tie, by name


def test_related_shows_both_ways() -> None:
    records = [{"id": "A", "related": ["B", "C"]}, {"id": "B"}, {"id": "C", "related": ["A"]}, {"id": "D"}]
    assert related_both_ways(records) == {"A": ["B", "C"], "B": ["A"], "C": ["A"]}


def test_drill_coverage() -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    records = [
        incident("X1", "2026-03-01T10:00:00Z", ["db", "api"], exercise=True),
        incident("I1", "2026-02-01T00:00:00Z", ["db"]),  # before the drill
        incident("I2", "2026-10-01T00:00:00Z", ["db"]),  # after it, in the 180-day window
        incident("I3", "2026-11-01T00:00:00Z", ["web"]),  # web never drilled
        incident("I4", "2025-01-01T00:00:00Z", ["old"]),  # outside the window: no drill needed
    ]
    coverage = {c.service: c for c in drill_coverage(records, PROCESS, 180, now)}
    assert list(coverage) == ["api", "db", "old", "web"]
    db = coverage["db"]
    assert (db.last_exercise, db.incidents_since, db.incidents_in_window, db.needs_drill) == (
        date(2026, 3, 1), 1, 1, True  # the drill was 267 days ago, outside the window
    )  # fmt: skip
    assert (coverage["web"].last_exercise, coverage["web"].needs_drill) == (None, True)
    assert (coverage["api"].incidents_since, coverage["api"].needs_drill) == (0, False)
    assert coverage["old"].needs_drill is False


def test_shipped_records_show_what_learning_needs() -> None:
    from project_paths import SHIPPED

    from incident_ledger import yamlio
    from incident_ledger.followup import outcome

    records = [yamlio.read(f).data for f in sorted(SHIPPED.rglob("*.yaml"))]
    now = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    found = recurrences(records, PROCESS, PROCESS.recurrence_window_days or 0)
    assert found["INC-20261120-3WKS"].describe() == "2nd time in 90 days for cdn-edge"
    assert related_both_ways(records)["INC-20261009-C4DN"] == ["INC-20261122-DR7X"]
    assert any(r.get("caused_by") for r in records)
    outcomes = {outcome(item, now.date()) for r in records for item in r.get("action_items", [])}
    assert {"on_time", "late"} <= outcomes
    drills = drill_coverage(records, PROCESS, PROCESS.drill_window_days or 0, now)
    assert {"billing-batch", "mobile-bff"} <= {d.service for d in drills if d.needs_drill}
    assert not next(d for d in drills if d.service == "cdn-edge").needs_drill
