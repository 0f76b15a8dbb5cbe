"""Learning across incidents: related ones, recurring ones, and which services need a drill.

Pure functions over record mappings (as read by `yamlio`), so the CLI, the exports, the
metrics and the site compute these facts the same way. Which records count as real
incidents is the process layer's rule (no exercises, cancellations or duplicates); the
windows come from the policy through it (`recurrence_window_days`, `drill_window_days`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from . import metrics
from .process import Process
from .records import parse_time

Record = Mapping[str, Any]


def _services(record: Record) -> list[str]:
    found = record.get("services")
    return [s for s in dict.fromkeys(found) if isinstance(s, str)] if isinstance(found, list) else []


def _detected(record: Record) -> datetime | None:
    return parse_time(record.get("detected_at"))


# -- related ---------------------------------------------------------------------------


def related_both_ways(records: Iterable[Record]) -> dict[str, list[str]]:
    """{id: ids related to it}: a relation written on either record shows on both."""
    links: dict[str, set[str]] = defaultdict(set)
    for record in records:
        own = record.get("id")
        found = record.get("related")
        for other in found if isinstance(found, list) else []:
            if isinstance(own, str) and isinstance(other, str) and other != own:
                links[own].add(other)
                links[other].add(own)
    return {key: sorted(values) for key, values in links.items()}


# -- recurring -------------------------------------------------------------------------


@dataclass(frozen=True)
class Recurrence:
    """An incident that hit `service` with the same category as `earlier` ones in the window."""

    service: str
    category: str
    ordinal: int  # this incident is the ordinal-th within the window (2 = second time)
    window_days: int
    earlier: tuple[str, ...]  # the earlier incidents' ids, oldest first

    def describe(self) -> str:
        """`3rd time in 90 days for payments-api`."""
        return f"{ordinal(self.ordinal)} time in {self.window_days} days for {self.service}"


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def recurrences(records: Iterable[Record], process: Process, window_days: int) -> dict[str, Recurrence]:
    """{id: its recurrence} for every real incident that is recurring.

    An incident is recurring when an earlier real incident hit one of its services with
    the same category at most `window_days` before it was detected. Of its services, the
    one with the most earlier incidents in the window is named (ties: by name).
    """
    groups: dict[tuple[str, str], list[tuple[datetime, str]]] = defaultdict(list)
    for record in metrics.counted(records, process):
        detected, category = _detected(record), record.get("category")
        if detected is None or not isinstance(category, str):
            continue
        for service in _services(record):
            groups[(service, category)].append((detected, str(record["id"])))
    window = timedelta(days=window_days)
    found: dict[str, Recurrence] = {}
    for (service, category), hits in groups.items():
        hits.sort()
        times = [moment for moment, _ in hits]
        for index, (moment, incident_id) in enumerate(hits):
            first = bisect_left(times, moment - window)
            earlier = tuple(other for _, other in hits[first:index])
            if not earlier:
                continue
            candidate = Recurrence(service, category, len(earlier) + 1, window_days, earlier)
            best = found.get(incident_id)
            if best is None or (candidate.ordinal, best.service) > (best.ordinal, candidate.service):
                found[incident_id] = candidate
    return found


@dataclass(frozen=True)
class Pattern:
    """A service and category that keep coming back: every real incident of the pair."""

    service: str
    category: str
    incidents: tuple[str, ...]  # oldest first
    recurring: int  # how many of them were recurring (within the window of an earlier one)
    latest: datetime


def patterns(records: Iterable[Record], process: Process, found: Mapping[str, Recurrence]) -> list[Pattern]:
    """The (service, category) pairs with at least one recurring incident, most recurring first."""
    groups: dict[tuple[str, str], list[tuple[datetime, str]]] = defaultdict(list)
    for record in metrics.counted(records, process):
        detected, category = _detected(record), record.get("category")
        if detected is not None and isinstance(category, str):
            for service in _services(record):
                groups[(service, category)].append((detected, str(record["id"])))
    result = []
    for (service, category), hits in groups.items():
        hits.sort()
        ids = [incident_id for _, incident_id in hits]
        repeats = sum(1 for i in ids[1:] if _recurs_in(found.get(i), service, category, ids))
        if repeats:
            result.append(Pattern(service, category, tuple(ids), repeats, hits[-1][0]))
    return sorted(result, key=lambda p: (-p.recurring, -len(p.incidents), p.service, p.category))


def _recurs_in(recurrence: Recurrence | None, service: str, category: str, ids: list[str]) -> bool:
    # An incident recurs for this pair when an earlier incident of the pair is in its window,
    # even if another of its services is the one its recurrence names.
    return recurrence is not None and recurrence.category == category and any(e in ids for e in recurrence.earlier)


def recurring_share_by_quarter(
    records: Iterable[Record], process: Process, found: Mapping[str, Recurrence]
) -> dict[str, tuple[int, int]]:
    """{quarter: (recurring incidents, all real incidents)} in quarter order."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for record in metrics.counted(records, process):
        quarter = metrics.quarter_of(record)
        if quarter is None:
            continue
        counts[quarter][1] += 1
        counts[quarter][0] += str(record.get("id")) in found
    return {quarter: (counts[quarter][0], counts[quarter][1]) for quarter in sorted(counts)}


# -- drills ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillCoverage:
    """One service: its last exercise, the real incidents since, and whether a drill is due."""

    service: str
    last_exercise: date | None
    incidents_since: int  # real incidents detected after the last exercise (all, if none)
    incidents_in_window: int  # real incidents within the policy's window before now
    needs_drill: bool  # incidents in the window, and no exercise in it


def drill_coverage(records: Iterable[Record], process: Process, window_days: int, now: datetime) -> list[DrillCoverage]:
    """Every service that had an incident or an exercise, by name."""
    everything = list(records)
    exercises: dict[str, datetime] = {}
    for record in everything:
        detected = _detected(record)
        if record.get("exercise") is True and detected is not None:
            for service in _services(record):
                exercises[service] = max(detected, exercises.get(service, detected))
    incidents: dict[str, list[datetime]] = defaultdict(list)
    for record in metrics.counted(everything, process):
        detected = _detected(record)
        if detected is not None:
            for service in _services(record):
                incidents[service].append(detected)
    start = now - timedelta(days=window_days)
    result = []
    for service in sorted({*exercises, *incidents}, key=str.lower):
        last = exercises.get(service)
        hits = incidents.get(service, [])
        since = sum(1 for moment in hits if last is None or moment > last)
        recent = sum(1 for moment in hits if start <= moment <= now)
        drilled = last is not None and last >= start
        result.append(DrillCoverage(service, last.date() if last else None, since, recent, recent > 0 and not drilled))
    return result
