"""Durations and aggregates over incident records, for the site's metrics page. Pure.

Every function takes record mappings (as read by `yamlio`) and returns plain numbers, so
the charts and the tables beside them are drawn from the same figures and tests can
compute them by hand.

Which records count: exercises (drills, tabletops) never do, and neither do cancelled
incidents (they turned out not to be incidents) nor duplicates (they would count one
incident twice). `counted()` applies that rule (`process.Process.counted`); every
aggregate here expects its output.

Durations are measured from `detected_at`, the one time every record has:
time to acknowledge = acknowledged_at - detected_at, to resolve = resolved_at -
detected_at (impact stopped), to recover = recovered_at - detected_at (normal operation
confirmed). Percentiles use the nearest-rank method, so every figure shown is a duration
that one incident really had.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .process import ITEM_DONE, ITEM_OPEN, ITEM_WONTFIX, Process, item_overdue, items_of
from .records import parse_time

Record = Mapping[str, Any]

# (label, field): the milestone each duration runs to from detected_at.
MEASURES: tuple[tuple[str, str], ...] = (
    ("acknowledge", "acknowledged_at"),
    ("resolve", "resolved_at"),
    ("recover", "recovered_at"),
)
UNCLASSIFIED = "unclassified"


def counted(records: Iterable[Record], process: Process) -> list[Record]:
    """The records metrics count: real incidents, not exercises, cancellations or duplicates."""
    return [r for r in records if process.counted(r)]


def minutes_between(start: object, end: object) -> float | None:
    """Minutes from one timestamp to another, or None when either is missing or unreadable."""
    begin, finish = parse_time(start), parse_time(end)
    if begin is None or finish is None:
        return None
    return (finish - begin).total_seconds() / 60


def duration(record: Record, field: str) -> float | None:
    """Minutes from detection to the milestone `field`, None when it is not reached yet."""
    return minutes_between(record.get("detected_at"), record.get(field))


def percentile(values: Iterable[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class Stats:
    count: int
    median: float | None
    p90: float | None


def stats(values: list[float]) -> Stats:
    return Stats(len(values), median(values), percentile(values, 0.9))


def severity_of(record: Record) -> str:
    severity = record.get("severity")
    return severity if isinstance(severity, str) else UNCLASSIFIED


def quarter_of(record: Record) -> str | None:
    detected = parse_time(record.get("detected_at"))
    if detected is None:
        return None
    return f"{detected.year}-Q{(detected.month - 1) // 3 + 1}"


def month_of(record: Record) -> str | None:
    detected = parse_time(record.get("detected_at"))
    return f"{detected.year}-{detected.month:02d}" if detected else None


def durations_by(records: Iterable[Record], group: str) -> dict[str, dict[str, Stats]]:
    """{group value: {measure: Stats}} with group 'severity' or 'quarter', groups sorted."""
    key = severity_of if group == "severity" else quarter_of
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: {label: [] for label, _ in MEASURES})
    for record in records:
        name = key(record)
        if name is None:
            continue
        bucket = values[name]
        for label, field in MEASURES:
            minutes = duration(record, field)
            if minutes is not None:
                bucket[label].append(minutes)
    return {name: {label: stats(v) for label, v in values[name].items()} for name in sorted(values)}


def counts_by_month(records: Iterable[Record]) -> dict[str, Counter[str]]:
    """{YYYY-MM: Counter(severity)} for the months with incidents, in month order."""
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        month = month_of(record)
        if month:
            months[month][severity_of(record)] += 1
    return {month: months[month] for month in sorted(months)}


def counts_by_service(records: Iterable[Record]) -> Counter[str]:
    """Incidents per affected service (an incident affecting two services counts for both)."""
    counts: Counter[str] = Counter()
    for record in records:
        services = record.get("services")
        if isinstance(services, list):
            counts.update(s for s in dict.fromkeys(services) if isinstance(s, str))
    return counts


def counts_by_category(records: Iterable[Record]) -> Counter[str]:
    return Counter(r["category"] if isinstance(r.get("category"), str) else UNCLASSIFIED for r in records)


@dataclass(frozen=True)
class FollowThrough:
    """Action items by outcome. Items record no completion date, so `done` cannot be split
    into on time and late; `overdue` is an open item whose due date has passed."""

    done: int
    open_on_track: int
    overdue: int
    wontfix: int

    @property
    def total(self) -> int:
        return self.done + self.open_on_track + self.overdue + self.wontfix

    @property
    def done_share(self) -> float | None:
        return self.done / self.total if self.total else None


def follow_through(records: Iterable[Record], now: datetime) -> FollowThrough:
    counts: Counter[str] = Counter()
    for record in records:
        for item in items_of(record):
            status = item.get("status")
            if status == ITEM_OPEN:
                counts["overdue" if item_overdue(item, now) else "open_on_track"] += 1
            elif status in (ITEM_DONE, ITEM_WONTFIX):
                counts[str(status)] += 1
    return FollowThrough(counts[ITEM_DONE], counts["open_on_track"], counts["overdue"], counts[ITEM_WONTFIX])


def format_minutes(minutes: float | None) -> str:
    """Durations as people say them: 45 min, 3 h 20 min, 2 d 4 h."""
    if minutes is None:
        return "–"
    total = round(minutes)
    if total < 60:
        return f"{total} min"
    hours, rest = divmod(total, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
