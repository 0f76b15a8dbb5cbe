"""The status summary: each service's status now, and `status.json` in Statuspage's shape.

The facts (which incidents are active, what each means for its services, when the next
update is due) come from the process layer (`stakeholders`); this module only speaks
Statuspage's vocabulary, so status widgets and scripts that read a Statuspage
`/api/v2/summary.json` can read `status.json`. Made from the published incidents only:
restricted records never, internal ones not for the public audience. Exercises are
drills, not outages: they are left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .. import process as facts
from .. import stakeholders
from ..records import format_time
from .model import Incident
from .render import markdown_html, plain

# Statuspage's page indicator and its words, by the worst component status.
INDICATORS = {
    "operational": ("none", "All Systems Operational"),
    "degraded_performance": ("minor", "Minor Service Outage"),
    "partial_outage": ("major", "Partial System Outage"),
    "major_outage": ("critical", "Major System Outage"),
}
LABELS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}


def summary(incidents: list[Incident]) -> dict[str, Any]:
    """{services: {name: status}, worst, incidents (active, newest first)} for the status page."""
    real = [i for i in incidents if not i.exercise]
    process = real[0].process if real else None
    services = stakeholders.services_status(process, (i.data for i in real)) if process else {}
    worst = max(services.values(), key=stakeholders.SERVICE_STATUSES.index, default=stakeholders.OPERATIONAL)
    active = sorted((i for i in real if i.active), key=lambda i: i.detected, reverse=True)
    return {"services": services, "worst": worst, "incidents": active}


# Statuspage's incident statuses (its API's words, not this process's stages).
INVESTIGATING, MONITORING = "investigating", "monitoring"


def _incident_state(incident: Incident) -> str:
    """Statuspage's incident status: monitoring once the impact stopped, else investigating."""
    return MONITORING if incident.process.reached(incident.status, facts.RESOLVED) else INVESTIGATING


def _updates(incident: Incident) -> list[dict[str, Any]]:
    found = []
    state = INVESTIGATING
    # A status page's updates are what stakeholders were told, whatever the audience.
    for n, entry in enumerate(stakeholders.stakeholder_entries(incident.data)):
        stage = entry.get("stage")
        if isinstance(stage, str) and incident.process.is_stage(stage):
            state = MONITORING if incident.process.reached(stage, facts.RESOLVED) else INVESTIGATING
        found.append(
            {
                "id": f"{incident.id}-{n + 1}",
                "status": state,
                # Rendered, then reduced to text: a link keeps its words, an unsafe target is gone.
                "body": plain(markdown_html(entry["text"])),
                "incident_id": incident.id,
                "created_at": entry["at"],
                "updated_at": entry["at"],
                "display_at": entry["at"],
            }
        )
    return found[::-1]  # newest first, as Statuspage lists them


def status_json(
    incidents: list[Incident], site_name: str, site_url: str, now: datetime, link: Callable[[str], str]
) -> bytes:
    facts_now = summary(incidents)
    indicator, description = INDICATORS[facts_now["worst"]]
    components = [
        {"id": name, "name": name, "status": status, "position": n + 1, "group": False, "only_show_if_degraded": False}
        for n, (name, status) in enumerate(facts_now["services"].items())
    ]
    listed = []
    for incident in facts_now["incidents"]:
        url = link(incident.uri)
        upcoming = incident.next_update
        listed.append(
            {
                "id": incident.id,
                "name": incident.title,
                "status": _incident_state(incident),
                "impact": INDICATORS[incident.service_status][0],
                "created_at": incident.data["detected_at"],
                "started_at": incident.data.get("started_at") or incident.data["detected_at"],
                "updated_at": incident.data["timeline"][-1]["at"],
                "resolved_at": None,
                "shortlink": url,
                "next_update_at": format_time(upcoming.due) if upcoming else None,
                "update_overdue": bool(upcoming and upcoming.overdue),
                "incident_updates": _updates(incident),
                "components": [c for c in components if c["name"] in incident.services],
            }
        )
    document = {
        "page": {"id": site_url or site_name, "name": site_name, "url": site_url, "updated_at": format_time(now)},
        "status": {"indicator": indicator, "description": description},
        "components": components,
        "incidents": listed,
        "scheduled_maintenances": [],
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
