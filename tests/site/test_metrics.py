"""metrics.py: pure figures over record mappings, checked against numbers worked by hand."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from project_paths import SCHEMAS

from incident_ledger import metrics
from incident_ledger.process import Process
from incident_ledger.schema import Schema


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        ([], None, None),
        ([7], 7, 7),
        ([20, 10], 15, 20),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9),
        (list(range(1, 12)), 6, 10),  # 11 values: rank ceil(9.9) = 10
    ],
)
def test_median_and_nearest_rank_p90(values: list[float], median: float | None, p90: float | None) -> None:
    assert metrics.median(values) == median
    assert metrics.percentile(values, 0.9) == p90


def rec(**fields: object) -> dict[str, object]:
    return {"exercise": False, "status": "closed", "detected_at": "2026-01-05T10:00:00Z", **fields}


def test_exercises_cancellations_and_duplicates_are_not_counted() -> None:
    kept = rec(id="a")
    records = [kept, rec(exercise=True), rec(status="cancelled"), rec(status="duplicate")]
    assert metrics.counted(records, Process(Schema(SCHEMAS))) == [kept]


def test_durations_by_severity_and_quarter() -> None:
    records = [
        rec(severity="SEV1", acknowledged_at="2026-01-05T10:10:00Z", resolved_at="2026-01-05T11:00:00Z"),
        rec(severity="SEV1", detected_at="2026-04-01T00:00:00Z", acknowledged_at="2026-04-01T00:30:00+00:00"),
        rec(detected_at="2026-04-02T00:00:00Z"),
    ]
    by_severity = metrics.durations_by(records, "severity")
    assert list(by_severity) == ["SEV1", "unclassified"]
    assert by_severity["SEV1"]["acknowledge"] == metrics.Stats(2, 20, 30)
    assert by_severity["SEV1"]["resolve"] == metrics.Stats(1, 60, 60)
    assert by_severity["SEV1"]["recover"] == metrics.Stats(0, None, None)
    by_quarter = metrics.durations_by(records, "quarter")
    assert list(by_quarter) == ["2026-Q1", "2026-Q2"]
    assert by_quarter["2026-Q2"]["acknowledge"] == metrics.Stats(1, 30, 30)


def test_counts_per_month_service_and_category() -> None:
    records = [
        rec(severity="SEV2", services=["api", "db"], category="data"),
        rec(severity="SEV2", services=["api"], detected_at="2026-02-01T00:00:00Z"),
        rec(detected_at="2026-02-03T00:00:00Z"),
    ]
    months = metrics.counts_by_month(records)
    assert {m: dict(c) for m, c in months.items()} == {
        "2026-01": {"SEV2": 1},
        "2026-02": {"SEV2": 1, "unclassified": 1},
    }
    assert metrics.counts_by_service(records) == {"api": 2, "db": 1}
    assert metrics.counts_by_category(records) == {"data": 1, "unclassified": 2}


def test_action_item_follow_through() -> None:
    items = [
        {"status": "done", "due": "2026-01-01"},
        {"status": "open", "due": "2026-11-22"},  # overdue
        {"status": "open", "due": "2026-11-23"},  # due today: not yet overdue
        {"status": "wontfix", "due": "2026-01-01"},
    ]
    follow = metrics.follow_through([rec(action_items=items), rec()], datetime(2026, 11, 23, 12, tzinfo=timezone.utc))
    assert follow == metrics.FollowThrough(done=1, open_on_track=1, overdue=1, wontfix=1)
    assert follow.total == 4
    assert follow.done_share == 0.25


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (None, "–"),
        (0, "0 min"),
        (59.6, "1 h"),
        (61, "1 h 1 min"),
        (47 * 60, "47 h"),
        (49 * 60, "2 d 1 h"),
        (72 * 60, "3 d"),
    ],
)
def test_format_minutes(minutes: float | None, text: str) -> None:
    assert metrics.format_minutes(minutes) == text
