"""What `inc list`, `inc actions` and `inc show` print: filtered rows, tables, one record.

The filters and the overdue marks are the process layer's answers, so these listings
say what the site says. Record text is untrusted: every cell and line shown in a
terminal goes through `safetext`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import insight
from .insight import Recurrence
from .process import Process, item_is_open, item_overdue, items_of
from .records import format_time, parse_time, relative_path
from .safetext import escape_unsafe, one_line
from .stakeholders import next_update_of
from .summaries import LATEST_UPDATE, summaries

INCIDENT_COLUMNS = ("id", "status", "severity", "priority", "detected_at", "title")
ACTION_COLUMNS = ("incident", "id", "status", "due", "owner", "title")
SHOWN_FIELDS = ("status", "severity", "priority", "visibility", "commander", "detected_at", "resolved_at")


@dataclass(frozen=True)
class IncidentFilter:
    """`inc list`'s options: each one left empty keeps every record."""

    statuses: tuple[str, ...] = ()
    only_open: bool = False
    severity: str | None = None
    service: str | None = None
    since: datetime | None = None
    # Only incidents that recur (another hit one of their services, same category, within
    # the policy's window): decided across records, so `select` applies it, not `keeps`.
    recurring: bool = False
    # `--stale`: only active incidents whose stakeholder update is overdue at this time.
    stale_at: datetime | None = None

    def keeps(self, process: Process, facts: Mapping[str, Any]) -> bool:
        status = str(facts.get("status"))
        if self.stale_at and not _stale(process, facts, self.stale_at):
            return False
        if (self.statuses and status not in self.statuses) or (self.only_open and not process.is_open(status)):
            return False
        if self.severity and facts.get("severity") != self.severity:
            return False
        if self.service and self.service not in facts.get("services", []):
            return False
        return self.since is None or _detected_since(facts, self.since)


def recurrences(process: Process, records: Iterable[Mapping[str, Any]]) -> dict[str, Recurrence]:
    """{id: recurrence} of the recurring incidents among `records` ({} when the policy sets no window)."""
    window = process.recurrence_window_days
    return insight.recurrences(records, process, window) if window else {}


def select(
    process: Process, keep: IncidentFilter, records: Iterable[Mapping[str, Any]]
) -> list[tuple[Mapping[str, Any], Recurrence | None]]:
    """The records the filter keeps, each with its recurrence (judged against all `records`)."""
    everything = list(records)
    found = recurrences(process, everything)
    return [
        (r, found.get(str(r.get("id"))))
        for r in everything
        if keep.keeps(process, r) and (not keep.recurring or str(r.get("id")) in found)
    ]


def _stale(process: Process, facts: Mapping[str, Any], moment: datetime) -> bool:
    upcoming = next_update_of(process, facts, facts.get(LATEST_UPDATE), moment)
    return upcoming is not None and upcoming.overdue


def parse_since(text: str) -> datetime | None:
    """`--since`: a time with a zone, or a date (midnight UTC); None when it is neither."""
    moment = parse_time(text)
    if moment is None:
        try:
            moment = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        except ValueError:
            return None
    return moment


def _detected_since(facts: Mapping[str, Any], start: datetime) -> bool:
    detected = parse_time(facts.get("detected_at"))
    return detected is not None and detected >= start


@dataclass(frozen=True)
class Listing:
    rows: list[dict[str, Any]]
    warnings: list[str]


def incident_rows(root: Path, process: Process, now: datetime, keep: IncidentFilter) -> Listing:
    """One row per record the filter keeps, oldest first; unreadable records become warnings."""
    rows = []
    warnings = []
    readable = []
    for summary in summaries(root):
        if summary.error:
            warnings.append(summary.error)
        else:
            readable.append({**summary.facts, "path": summary.path})
    for facts, recurrence in select(process, keep, readable):
        row = {k: v for k, v in facts.items() if k not in ("action_items", LATEST_UPDATE)}
        row = {"path": row.pop("path"), **row}
        late = process.postmortem_overdue(facts, now)
        if late:
            row["postmortem_overdue_since"] = late.isoformat()
        if recurrence:
            row["recurrence"] = recurrence.describe()
        if keep.stale_at:
            upcoming = next_update_of(process, facts, facts.get(LATEST_UPDATE), now)
            row["update_due"] = format_time(upcoming.due) if upcoming else None
        rows.append(row)
    rows.sort(key=lambda r: (str(r.get("detected_at", "")), str(r.get("id", ""))))
    return Listing(rows, warnings)


def incident_table(rows: list[dict[str, Any]]) -> list[str]:
    cells = [[str(r.get(c) or "-") for c in INCIDENT_COLUMNS] for r in rows]
    for line, row in zip(cells, rows, strict=True):
        if row.get("postmortem_overdue_since"):
            line[-1] += f"  [post-mortem overdue since {row['postmortem_overdue_since']}]"
        if row.get("recurrence"):
            line[-1] += f"  [{row['recurrence']}]"
        if row.get("update_due"):
            line[-1] += f"  [stakeholder update overdue since {row['update_due']}]"
    return table(INCIDENT_COLUMNS, cells)


def action_rows(
    root: Path, now: datetime, only_open: bool = False, overdue: bool = False, owner: str | None = None
) -> list[dict[str, Any]]:
    """Every action item across all records that the filters keep, with its overdue mark."""
    rows = []
    for summary in summaries(root):
        for item in items_of(summary.facts):
            late = item_overdue(item, now)
            if (only_open and not item_is_open(item)) or (overdue and not late):
                continue
            if owner and item.get("owner") != owner:
                continue
            rows.append({"incident": summary.facts.get("id"), **item, "overdue": late})
    return rows


def action_table(rows: list[dict[str, Any]]) -> list[str]:
    cells = [
        [str(r.get(c, "")) + (" OVERDUE" if c == "due" and r["overdue"] else "") for c in ACTION_COLUMNS] for r in rows
    ]
    return table(ACTION_COLUMNS, cells)


@dataclass(frozen=True)
class Shown:
    """One record as `inc show` presents it, with what is late."""

    incident_id: str
    path: str
    record: dict[str, Any]
    postmortem_overdue_since: str | None
    overdue_actions: list[Any]

    def as_json(self) -> str:
        aging = {"postmortem_overdue_since": self.postmortem_overdue_since, "overdue_actions": self.overdue_actions}
        return json.dumps({"path": self.path, "record": self.record, "aging": aging}, indent=2)

    def text(self) -> str:
        # Records are untrusted: an escape sequence or a bidirectional override in them
        # must not drive the reader's terminal or reorder what it shows. One-line values
        # stay one line; entry texts keep their lines.
        data = self.record
        out = [f"{self.incident_id}  {one_line(data.get('title'))}", f"  {self.path}"]
        for name in SHOWN_FIELDS:
            if data.get(name) is not None:
                out.append(f"  {name + ':':<14}{one_line(data[name])}")
        if data.get("services"):
            out.append(f"  {'services:':<14}{one_line(', '.join(map(str, data['services'])))}")
        if self.postmortem_overdue_since:
            out.append(f"  post-mortem overdue: due {self.postmortem_overdue_since}")
        out.append("\nTimeline:")
        for entry in data.get("timeline", []):
            stage = f" -> {one_line(entry['stage'])}" if entry.get("stage") else ""
            out.append(
                f"  {one_line(entry.get('at'))}  {one_line(entry.get('kind'))}{stage}  ({one_line(entry.get('author'))})"
            )
            for line in str(entry.get("text", "")).splitlines():
                out.append(f"      {line}")
        found = data.get("action_items")
        items: list[Any] = found if isinstance(found, list) else []
        if items:
            out.append("\nAction items:")
            for item in items:
                late = " OVERDUE" if item.get("id") in self.overdue_actions else ""
                line = f"{item.get('id')}  {item.get('status')}{late}  due {item.get('due')}  {item.get('owner')}"
                out.append(f"  {one_line(line)}")
                out.append(f"      {one_line(item.get('title'))}")
        return escape_unsafe("\n".join(out))


def shown(process: Process, incident_id: str, data: dict[str, Any], now: datetime) -> Shown:
    late_pm = process.postmortem_overdue(data, now)
    late_items = [i.get("id") for i in items_of(data) if item_overdue(i, now)]
    relative = relative_path(incident_id).as_posix()
    return Shown(incident_id, relative, data, late_pm.isoformat() if late_pm else None, late_items)


def json_rows(rows: Iterable[dict[str, Any]]) -> str:
    """A JSON array with one row per line: readable, and json's fast C encoder does the work."""
    lines = [json.dumps(row) for row in rows]
    if not lines:
        return "[]"
    return "[\n" + ",\n".join(lines) + "\n]"


def table(columns: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    """Left-aligned columns under upper-case headings, trailing spaces trimmed."""
    rows = [[one_line(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return lines
