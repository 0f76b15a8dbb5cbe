"""The columns of `inc export`: one row per incident, each column defined once, here.

The README's column table is generated from `COLUMNS` (and tested against it), so the
documentation, the JSON keys and the CSV header can never disagree. Columns are only
ever added at the end: scripts and spreadsheets that read an export by position keep
working.

Durations are whole minutes from one milestone to another, measured as the metrics do
(`metrics.minutes_between`), empty when either end is not reached yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import metrics
from ..insight import Recurrence
from ..process import Process, item_overdue, items_of, reopenings
from ..records import format_time, parse_time
from .fourkeys import caused_by_refs

Record = Mapping[str, Any]

TEXT, LIST, TIME, MINUTES, COUNT, FLAG = "text", "list", "time", "minutes", "count", "true/false"


@dataclass(frozen=True)
class Subject:
    """One record and what the other records and the process say about it."""

    record: Record
    process: Process
    now: datetime
    related: tuple[str, ...] = ()  # both ways: named here, or naming this one
    recurrence: Recurrence | None = None

    def get(self, name: str) -> Any:
        return self.record.get(name)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # how the value is written: TEXT, LIST, TIME, MINUTES, COUNT or FLAG
    doc: str
    value: Callable[[Subject], Any]


def _field(name: str) -> Callable[[Subject], Any]:
    def value(record: Subject) -> Any:
        found = record.get(name)
        return found if isinstance(found, (str, bool, int)) else None

    return value


def _list(name: str) -> Callable[[Subject], list[str]]:
    def value(record: Subject) -> list[str]:
        found = record.get(name)
        return [str(v) for v in found] if isinstance(found, list) else []

    return value


def _time(name: str) -> Callable[[Subject], str | None]:
    def value(record: Subject) -> str | None:
        moment = parse_time(record.get(name))
        return format_time(moment) if moment else None

    return value


def _minutes(start: str, end: str) -> Callable[[Subject], int | None]:
    def value(record: Subject) -> int | None:
        minutes = metrics.minutes_between(record.get(start), record.get(end))
        return round(minutes) if minutes is not None else None

    return value


def _links(record: Subject) -> list[str]:
    found = record.get("links")
    return [str(link.get("url")) for link in found if isinstance(link, Mapping)] if isinstance(found, list) else []


def _reopenings(subject: Subject) -> int:
    return len(reopenings(subject.record))


def _action_items(subject: Subject) -> int:
    return len(items_of(subject.record))


def _overdue_items(subject: Subject) -> int:
    return sum(1 for item in items_of(subject.record) if item_overdue(item, subject.now))


def _postmortem_overdue(subject: Subject) -> bool:
    return subject.process.postmortem_overdue(subject.record, subject.now) is not None


def _related(subject: Subject) -> list[str]:
    return list(subject.related)


def _caused_by(subject: Subject) -> list[str]:
    return caused_by_refs(subject.record)


def _recurrence(subject: Subject) -> str | None:
    return subject.recurrence.describe() if subject.recurrence else None


COLUMNS: tuple[Column, ...] = (
    Column("id", TEXT, "The incident id, `INC-<YYYYMMDD>-<XXXX>`.", _field("id")),
    Column("title", TEXT, "One line saying what users saw.", _field("title")),
    Column("status", TEXT, "The stage, or the side state that ended it.", _field("status")),
    Column(
        "visibility",
        TEXT,
        "Who may read the record (restricted ones only with `--include-restricted`).",
        _field("visibility"),
    ),
    Column("exercise", FLAG, "`true` for drills and tabletop exercises.", _field("exercise")),
    Column("severity", TEXT, "SEV1 to SEV4, once classified.", _field("severity")),
    Column("priority", TEXT, "P1 to P4, from the policy's impact x urgency matrix.", _field("priority")),
    Column("impact", TEXT, "high, medium or low.", _field("impact")),
    Column("urgency", TEXT, "high, medium or low.", _field("urgency")),
    Column("category", TEXT, "availability, performance, security, data or other.", _field("category")),
    Column("services", LIST, "The affected services.", _list("services")),
    Column(
        "detected_by",
        TEXT,
        "How it was detected: monitoring, user-report, staff, third-party, exercise.",
        _field("detected_by"),
    ),
    Column("reported_by", TEXT, "Who reported it.", _field("reported_by")),
    Column("commander", TEXT, "The incident commander.", _field("commander")),
    Column("started_at", TIME, "When the impact began, if known.", _time("started_at")),
    Column("detected_at", TIME, "When it was detected.", _time("detected_at")),
    Column("acknowledged_at", TIME, "When a responder took it on.", _time("acknowledged_at")),
    Column("resolved_at", TIME, "When the impact stopped.", _time("resolved_at")),
    Column("recovered_at", TIME, "When normal operation was confirmed.", _time("recovered_at")),
    Column("closed_at", TIME, "When the closure documentation was complete.", _time("closed_at")),
    Column("reviewed_at", TIME, "When the post-mortem was reviewed.", _time("reviewed_at")),
    Column(
        "minutes_to_detect",
        MINUTES,
        "started_at to detected_at (empty when the start is unknown).",
        _minutes("started_at", "detected_at"),
    ),
    Column(
        "minutes_to_acknowledge", MINUTES, "detected_at to acknowledged_at.", _minutes("detected_at", "acknowledged_at")
    ),
    Column("minutes_to_resolve", MINUTES, "detected_at to resolved_at.", _minutes("detected_at", "resolved_at")),
    Column(
        "minutes_to_recover",
        MINUTES,
        "detected_at to recovered_at (DORA's recovery time runs to it).",
        _minutes("detected_at", "recovered_at"),
    ),
    Column("minutes_to_close", MINUTES, "detected_at to closed_at.", _minutes("detected_at", "closed_at")),
    Column("reopened", COUNT, "How many times it was reopened.", _reopenings),
    Column("duplicate_of", TEXT, "The incident this one duplicates.", _field("duplicate_of")),
    Column("action_items", COUNT, "How many action items it has.", _action_items),
    Column("links", LIST, "The URLs of its links.", _links),
    Column("related", LIST, "Related incidents, named on either record.", _related),
    Column(
        "caused_by",
        LIST,
        "The refs of the changes that caused it (commit SHAs, pull requests, deployments).",
        _caused_by,
    ),
    Column(
        "recurrence", TEXT, "When it recurs: `3rd time in 90 days for payments-api` (the policy's window).", _recurrence
    ),
    Column("action_items_overdue", COUNT, "How many of its action items are open past their due date.", _overdue_items),
    Column(
        "postmortem_overdue", FLAG, "`true` when its post-mortem is past the policy's due date.", _postmortem_overdue
    ),
)

NAMES = tuple(column.name for column in COLUMNS)


def row(subject: Subject) -> dict[str, Any]:
    """One record's row: every column, in order."""
    return {column.name: column.value(subject) for column in COLUMNS}
