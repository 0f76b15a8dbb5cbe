"""What the site shows about learning across incidents: related and recurring incidents,
the changes that caused them (DORA), follow-through on time, drills, and the audit trail.

Computed once per build from the published records only, so no figure counts, and no
link names, an incident the audience may not read. The change history and the drill
coverage are for the internal audience: commit authors are staff, and drills are
internal exercises a public site does not list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import insight, metrics
from ..audit import RecordCommit
from ..exports import fourkeys
from ..followup import on_time
from ..process import DEFAULT_AUDIENCE, STAFF_AUDIENCE, Process, today
from .model import Incident
from .render import safe_url

HEADINGS_METRICS = ["Changes that caused incidents", "Trends and recurring incidents", "Action items done on time"]
HEADING_DRILLS = "Drill coverage"


@dataclass(frozen=True)
class Change:
    kind: str
    ref: str
    url: str | None


class Learning:
    """The cross-incident facts of one build."""

    def __init__(
        self,
        incidents: Sequence[Incident],
        process: Process,
        now: datetime,
        audience: str = DEFAULT_AUDIENCE,
        histories: Mapping[str, list[RecordCommit]] | None = None,
    ) -> None:
        self.incidents = list(incidents)
        self.process = process
        self.now = now
        self.internal = audience == STAFF_AUDIENCE
        self.histories = histories or {}
        self.by_id = {i.id: i for i in self.incidents}
        records = [i.data for i in self.incidents]
        self.records = records
        self.related = insight.related_both_ways(records)
        window = process.recurrence_window_days
        self.recurrences = insight.recurrences(records, process, window) if window else {}

    # -- an incident's page ----------------------------------------------------------------

    def for_incident(self, incident: Incident) -> dict[str, Any]:
        """The incident page's extra context: related, recurrence, caused_by, change history."""
        recurrence = self.recurrences.get(incident.id)
        return {
            "related": [self.by_id[i] for i in self.related.get(incident.id, []) if i in self.by_id],
            "recurrence": recurrence,
            "recurrence_earlier": [self.by_id[i] for i in recurrence.earlier if i in self.by_id] if recurrence else [],
            "caused_by": self.changes(incident),
            "history": self.history(incident) if self.internal else None,
        }

    def headings(self, incident: Incident) -> list[str]:
        context = self.for_incident(incident)
        found = [("Related incidents", bool(context["related"])), ("Caused by", bool(context["caused_by"]))]
        found.append(("Change history", bool(context["history"])))
        return [name for name, present in found if present]

    def changes(self, incident: Incident) -> list[Change]:
        found = incident.data.get("caused_by")
        entries = found if isinstance(found, list) else []
        return [
            Change(str(e["kind"]), str(e["ref"]), safe_url(e.get("url"))) for e in entries if isinstance(e, Mapping)
        ]

    def history(self, incident: Incident) -> list[dict[str, Any]]:
        path = f"incidents/{incident.id[4:8]}/{incident.id}.yaml"
        return [
            {"when": c.authored, "sha": c.sha[:10], "author": c.author, "what": c.summary(), "subject": c.subject}
            for c in self.histories.get(path, [])
        ]

    # -- the metrics page ------------------------------------------------------------------

    def metrics_context(self) -> dict[str, Any]:
        counted = metrics.counted(self.records, self.process)
        dora = [fourkeys.row(r) for r in counted if fourkeys.caused_by_refs(r)]
        recovery = [m for m in (_recovery(row) for row in dora) if m is not None]
        patterns = insight.patterns(self.records, self.process, self.recurrences)
        context: dict[str, Any] = {
            "dora": [{**row, "minutes": _recovery(row)} for row in dora],
            "dora_recovery": metrics.stats(recovery),
            "dora_share": (len(dora), len(counted)),
            "window_days": self.process.recurrence_window_days,
            "patterns": patterns,
            "recurring_by_quarter": insight.recurring_share_by_quarter(self.records, self.process, self.recurrences),
            "on_time": on_time(counted, today(self.now)),
            "drills": None,
        }
        drill_window = self.process.drill_window_days
        if self.internal and drill_window:
            context["drills"] = insight.drill_coverage(self.records, self.process, drill_window, self.now)
            context["drill_window_days"] = drill_window
        return context

    def metrics_headings(self) -> list[str]:
        return HEADINGS_METRICS + ([HEADING_DRILLS] if self.internal and self.process.drill_window_days else [])


def _recovery(row: Mapping[str, Any]) -> float | None:
    """Minutes from the incident's start to normal operation: DORA's recovery time."""
    return metrics.minutes_between(row["time_created"], row["time_resolved"])
