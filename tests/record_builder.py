"""Records built from a few facts (a stage, a detection time), valid at their stage, for tests
whose expected output is worked out by hand (exports, follow-through, insight)."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

MODELINE = "# yaml-language-server: $schema=../../schemas/incident.schema.json\n"
# (stage, minutes after detection) in lifecycle order; the milestone each stage stamps.
STEPS = (
    ("identified", 0, None),
    ("classified", 3, None),
    ("investigating", 10, "acknowledged_at"),
    ("resolved", 60, "resolved_at"),
    ("recovered", 120, "recovered_at"),
    ("closed", 2 * 1440, "closed_at"),
    ("reviewed", 4 * 1440, "reviewed_at"),
)


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(incident_id: str, status: str, detected: str, **extra: Any) -> dict[str, Any]:
    """A record valid at `status` (a stage, or cancelled/duplicate after investigating)."""
    t0 = datetime.fromisoformat(detected.replace("Z", "+00:00"))
    names = [s[0] for s in STEPS]
    reached = STEPS[: names.index(status) + 1] if status in names else STEPS[:3]
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": incident_id,
        "title": extra.pop("title", f"Incident {incident_id}"),
        "status": status,
        "visibility": extra.pop("visibility", "internal"),
        "exercise": extra.pop("exercise", False),
        "summary": extra.pop("summary", f"What happened in {incident_id}."),
        "detected_at": stamp(t0),
        "detected_by": extra.pop("detected_by", "monitoring"),
        "reported_by": extra.pop("reported_by", "Alertmanager"),
    }
    if len(reached) > 1:
        data |= {
            "severity": extra.pop("severity", "SEV2"),
            "impact": "high",
            "urgency": "medium",
            "priority": "P2",
            "category": extra.pop("category", "availability"),
            "services": extra.pop("services", ["api"]),
            "impact_assessment": "Customers could not pay.",
        }
    fills = {
        "investigating": {"commander": "Dana Whitfield"},
        "resolved": {"resolution": {"summary": "Rolled back.", "steps": ["Rolled back the release."]}},
        "recovered": {"recovery": {"summary": "Normal again.", "verification": "Success rate normal for an hour."}},
        "closed": {"root_cause": "A bad release."},
        "reviewed": {
            "postmortem": {
                "summary": "We learned to canary.",
                "what_went_well": ["Fast rollback."],
                "what_went_wrong": ["No canary."],
                "lessons_learned": ["Canary every release."],
            },
            "action_items": extra.pop(
                "action_items",
                [{"id": "A1", "title": "Add a canary", "kind": "prevent", "owner": "Ops", "due": "2026-12-31",
                  "status": "open"}],
            ),
        },
    }  # fmt: skip
    timeline = []
    for stage, minutes, milestone in reached:
        moment = t0 + timedelta(minutes=minutes)
        if milestone:
            data[milestone] = stamp(moment)
        data |= fills.get(stage, {})
        timeline.append({"at": stamp(moment), "kind": "status", "stage": stage, "author": "Dana", "text": f"{stage}."})
    if status not in names:
        timeline.append({"at": stamp(t0 + timedelta(minutes=11)), "kind": "status", "stage": status,
                         "author": "Dana", "text": "Not a new incident."})  # fmt: skip
        if status == "duplicate":
            data["duplicate_of"] = extra.pop("duplicate_of")
        else:
            data["cancel_reason"] = "A false alarm."
    data |= extra
    data["timeline"] = timeline
    return data


def write(root: Path, data: dict[str, Any]) -> Path:
    incident_id = data["id"]
    file = root / "incidents" / incident_id[4:8] / f"{incident_id}.yaml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(MODELINE + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return file


def commit(root: Path, message: str = "Add records") -> None:
    """Commit everything under incidents/ (the records written with `write`)."""
    subprocess.run(["git", "-C", str(root), "add", "incidents"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True)
