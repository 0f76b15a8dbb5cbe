"""Valid incident records at any stage, written as files: for the tests that compare faces.

A record is built the way the commands build one: each stage entered in order by a
`status` entry, its milestone time stamped, the fields it requires filled in. Times are
spaced `step` apart from detection unless a closure time is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from project_paths import SCHEMAS

from incident_ledger.schema import Schema

SCHEMA = Schema(SCHEMAS)
MODELINE = "# yaml-language-server: $schema=../../schemas/incident.schema.json\n"


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Item:
    due: str
    status: str = "open"


# What each stage's command writes, besides the milestone time.
STAGE_FIELDS: dict[str, dict[str, Any]] = {
    "classified": {
        "severity": "SEV2",
        "impact": "high",
        "urgency": "medium",
        "priority": "P2",
        "category": "availability",
        "services": ["api"],
        "impact_assessment": "Some customers saw errors.",
    },
    "investigating": {"commander": "Dana Whitfield"},
    "resolved": {"resolution": {"summary": "Rolled back.", "steps": ["Rolled back the deploy."]}},
    "recovered": {"recovery": {"summary": "Caches warmed.", "verification": "Error rate normal for an hour."}},
    "closed": {"root_cause": "A bad deploy."},
    "reviewed": {
        "postmortem": {
            "summary": "We shipped a bad deploy.",
            "what_went_well": ["Fast rollback."],
            "what_went_wrong": ["No canary."],
            "lessons_learned": ["Use canaries."],
        }
    },
}


def record(
    incident_id: str,
    status: str,
    *,
    detected: datetime,
    severity: str = "SEV2",
    visibility: str = "internal",
    exercise: bool = False,
    step: timedelta = timedelta(hours=1),
    closed_at: datetime | None = None,
    reopened: bool = False,
    items: Sequence[Item] = (),
    duplicate_of: str | None = None,
) -> dict[str, Any]:
    """A valid record at `status`; `reopened` goes back once from resolved on the way."""
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": incident_id,
        "title": f"Incident {incident_id}",
        "status": status,
        "visibility": visibility,
        "exercise": exercise,
        "summary": f"What happened in {incident_id}.",
        "detected_at": stamp(detected),
        "detected_by": "monitoring",
        "reported_by": "Alert manager",
    }
    timeline = [_entry(detected, "status", SCHEMA.stages[0])]
    if status in SCHEMA.side_states:
        data.update({"cancel_reason": "A false positive."} if status == "cancelled" else {"duplicate_of": duplicate_of})
        timeline.append(_entry(detected + step, "status", status))
        data["timeline"] = timeline
        return data
    path = SCHEMA.stages[1 : SCHEMA.stages.index(status) + 1]
    if reopened:
        # Resolved, then the impact came back: investigating again, then onwards.
        back = SCHEMA.stages.index("resolved")
        path = [*SCHEMA.stages[1 : back + 1], "reopened", *path[back - 1 :]]
    moment = detected
    for number, stage in enumerate(path, start=1):
        moment = detected + number * step
        if stage == "closed" and closed_at is not None:
            moment = closed_at
        elif closed_at is not None and stage == "reviewed":
            moment = closed_at + step
        if stage == "reopened":
            timeline.append(_entry(moment, "reopened", "investigating"))
            continue
        data.update(STAGE_FIELDS.get(stage, {}))
        milestone = SCHEMA.milestone_of(stage)
        if milestone:
            data[milestone] = stamp(moment)
        timeline.append(_entry(moment, "status", stage))
    if "severity" in data:
        data["severity"] = severity
    if items:
        data["action_items"] = [
            {
                "id": f"A{n}",
                "title": f"Follow-up {n}",
                "kind": "prevent",
                "owner": "SRE",
                "due": i.due,
                "status": i.status,
            }
            for n, i in enumerate(items, start=1)
        ]
    data["timeline"] = timeline
    return data


def _entry(moment: datetime, kind: str, stage: str) -> dict[str, Any]:
    return {"at": stamp(moment), "kind": kind, "stage": stage, "author": "Dana Whitfield", "text": f"Now {stage}."}


def write(root: Path, data: dict[str, Any]) -> Path:
    """Write a record where it belongs under root/incidents/, as a record file starts."""
    file = root / "incidents" / data["id"][4:8] / f"{data['id']}.yaml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(MODELINE + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return file
