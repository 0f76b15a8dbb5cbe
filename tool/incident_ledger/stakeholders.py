"""What stakeholders are owed: update cadence, the next update's due time, service status.

Part of the process layer (with `process`): `schemas/policy.yaml` says, per severity, how
often stakeholders hear while an incident is active (`update_every_minutes`) and what an
active incident means for the services it affects (`service_status`). The CLI (`inc
update`, `inc list --stale`), the site's home and status pages and `status.json` ask here.

The next update is due at the last stakeholder update's `next_update_at` when it gave
one, else the severity's interval after that update (or after detection, before the
first update). Only an active incident (before normal operation is confirmed) owes one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from . import process as facts
from .process import Process
from .records import parse_time

Record = Mapping[str, Any]

# Statuspage's component statuses, best first; policy.yaml names one per severity.
SERVICE_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")
DEFAULT_SERVICE_STATUS = "degraded_performance"
OPERATIONAL = SERVICE_STATUSES[0]


class NextUpdate:
    """When stakeholders are next owed an update, and whether that is past. (A plain class:
    `inc update` reads one, and a dataclass would load `dataclasses`, ~2 ms.)"""

    __slots__ = ("due", "overdue")

    def __init__(self, due: datetime, overdue: bool) -> None:
        self.due = due
        self.overdue = overdue


def update_interval(process: Process, record: Record) -> timedelta | None:
    minutes = process.severity_policy(record).get("update_every_minutes")
    return timedelta(minutes=minutes) if isinstance(minutes, int) and minutes > 0 else None


def stakeholder_updates(record: Record) -> list[Mapping[str, Any]]:
    return [e for e in facts.timeline(record) if e.get("kind") == facts.UPDATE_ENTRY]


def latest_update(record: Record) -> Mapping[str, Any] | None:
    updates = stakeholder_updates(record)
    return updates[-1] if updates else None


def default_next(process: Process, record: Record, at: datetime) -> datetime | None:
    """When the update written at `at` makes the next one due, by the policy's cadence."""
    interval = update_interval(process, record)
    return at + interval if interval else None


def update_facts(record: Record) -> dict[str, Any] | None:
    """The last stakeholder update's `at` and `next_update_at`: all the cadence needs of a
    timeline (`inc list` keeps it in its cache instead of the whole timeline)."""
    last = latest_update(record)
    return {k: last[k] for k in ("at", "next_update_at") if k in last} if last else None


def next_update(process: Process, record: Record, moment: datetime) -> NextUpdate | None:
    """When stakeholders are next owed an update, or None (not active, no cadence)."""
    return next_update_of(process, record, update_facts(record), moment)


def next_update_of(
    process: Process, record: Record, last: Mapping[str, Any] | None, moment: datetime
) -> NextUpdate | None:
    """`next_update` for a record whose timeline is summed up as `update_facts` gives it."""
    if not process.active(facts.status_of(record)):
        return None
    promised = parse_time(last.get("next_update_at")) if last else None
    if promised is None:
        since = parse_time(last.get("at")) if last else parse_time(record.get("detected_at"))
        promised = default_next(process, record, since) if since else None
    if promised is None:
        return None
    return NextUpdate(promised, promised < moment)


def update_overdue(process: Process, record: Record, moment: datetime) -> bool:
    upcoming = next_update(process, record, moment)
    return upcoming is not None and upcoming.overdue


def stakeholder_entries(record: Record) -> list[Mapping[str, Any]]:
    """What stakeholders were told: stage changes and stakeholder updates, in order."""
    return [e for e in facts.timeline(record) if e.get("kind") in facts.PUBLIC_ENTRY_KINDS]


def entries_for(record: Record, audience: str) -> list[Mapping[str, Any]]:
    """The timeline as `audience` reads it: the public sees stage changes and stakeholder
    updates only; an audience that reads internal records sees the working entries too."""
    if facts.WORKING_ENTRIES_VISIBILITY in facts.AUDIENCES[audience]:
        return list(facts.timeline(record))
    return stakeholder_entries(record)


def service_status(process: Process, record: Record) -> str:
    """What this incident means for each service it affects, now."""
    if not process.active(facts.status_of(record)) or record.get("exercise") is True:
        return OPERATIONAL
    named = process.severity_policy(record).get("service_status")
    return named if named in SERVICE_STATUSES else DEFAULT_SERVICE_STATUS


def services_status(process: Process, records: Iterable[Record]) -> dict[str, str]:
    """{service: status} over every service the records name, the worst active incident winning."""
    found: dict[str, str] = {}
    for record in records:
        status = service_status(process, record)
        services = record.get("services")
        for service in services if isinstance(services, list) else []:
            if isinstance(service, str):
                current = found.get(service, OPERATIONAL)
                found[service] = max(current, status, key=SERVICE_STATUSES.index)
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))
