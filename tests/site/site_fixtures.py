"""Incident records for the site tests, made from a few numbers so figures can be checked by hand.

`record(...)` writes a record valid at its status: every field the schema requires by
then, milestones `ack`, `resolve`, `recover` minutes after detection, a status timeline
entry for each stage. The set in `write_fixture_records` is described in FIXTURE below.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from incident_ledger.schema import Schema

MODELINE = "# yaml-language-server: $schema=../../schemas/incident.schema.json\n"
RESTRICTED_MARK = "RESTRICTEDMARK7Q"
# Service names are identifiers (lowercase): the restricted record's one carries the mark too.
RESTRICTED_SERVICE = f"svc-{RESTRICTED_MARK.lower()}"
INTERNAL_MARK = "INTERNALONLYMARK3"
LATEST_MARK = "LATESTUPDATEMARK9"
HOSTILE_TITLE = "Checkout down </title><script>alert('TITLEXSS')</script> &lt;/title&gt;&lt;script&gt;alert('ENTXSS')&lt;/script&gt;"
HOSTILE_TEXT = """Summary with <script>alert('SUMMARYXSS')</script> and
[click me](javascript:alert('LINKXSS')) and <img src=x onerror="alert('ONERRORXSS')">
and <a href="https://example.com" onclick="alert('CLICKXSS')">a link</a>, and [docs](https://docs.example.com/x).

<iframe src="https://evil.example.com/frame"></iframe>
<style>body { display: none }</style>
"""


def _at(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(
    schema: Schema,
    incident_id: str,
    status: str,
    detected: str,
    *,
    visibility: str = "internal",
    exercise: bool = False,
    severity: str = "SEV2",
    services: list[str] | None = None,
    category: str = "availability",
    ack: int = 10,
    resolve: int = 60,
    recover: int = 120,
    closed_days: float = 2,
    reviewed_days: float = 4,
    title: str | None = None,
    summary: str | None = None,
    actions: list[dict[str, Any]] | None = None,
    latest: str | None = None,
    duplicate_of: str | None = None,
) -> dict[str, Any]:
    t0 = datetime.fromisoformat(detected.replace("Z", "+00:00"))
    stages = schema.stages
    reached = stages[: stages.index(status) + 1] if status in stages else stages[:3]
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": incident_id,
        "title": title or f"Incident {incident_id}",
        "status": status,
        "visibility": visibility,
        "exercise": exercise,
        "summary": summary or f"What happened in {incident_id}.",
        "detected_at": _at(t0),
        "detected_by": "exercise" if exercise else "monitoring",
        "reported_by": "Alertmanager",
    }
    times = {
        "investigating": t0 + timedelta(minutes=ack),
        "resolved": t0 + timedelta(minutes=resolve),
        "recovered": t0 + timedelta(minutes=recover),
        "closed": t0 + timedelta(days=closed_days),
        "reviewed": t0 + timedelta(days=reviewed_days),
    }
    if "classified" in reached:
        impact, urgency = "high", "high"
        data |= {
            "severity": severity,
            "impact": impact,
            "urgency": urgency,
            "priority": schema.priority_for(impact, urgency),
            "category": category,
            "services": services or ["api"],
            "impact_assessment": "Customers could not pay.",
        }
    if "investigating" in reached:
        data |= {"commander": "Dana Whitfield", "acknowledged_at": _at(times["investigating"])}
    if "resolved" in reached:
        data |= {
            "resolved_at": _at(times["resolved"]),
            "resolution": {"summary": "Rolled back.", "steps": ["Rolled back the release."]},
        }
    if "recovered" in reached:
        data |= {
            "recovered_at": _at(times["recovered"]),
            "recovery": {"summary": "Back to normal.", "verification": "Success rate normal for an hour."},
        }
    if "closed" in reached:
        data |= {
            "closed_at": _at(times["closed"]),
            "root_cause": "A bad release.",
            "contributing_factors": ["No canary."],
        }
    if "reviewed" in reached:
        data |= {
            "reviewed_at": _at(times["reviewed"]),
            "postmortem": {
                "summary": "We learned to canary.",
                "what_went_well": ["Fast rollback."],
                "what_went_wrong": ["No canary."],
                "where_we_got_lucky": ["Low traffic."],
                "lessons_learned": ["Canary every release."],
            },
            "action_items": actions
            or [
                {
                    "id": "A1",
                    "title": "Add a canary",
                    "kind": "prevent",
                    "owner": "Ops",
                    "due": "2026-12-31",
                    "status": "open",
                }
            ],
        }
    timeline = []
    for stage in reached:
        moment = times.get(stage, t0 + timedelta(minutes=1) if stage == "classified" else t0)
        timeline.append(
            {"at": _at(moment), "kind": "status", "stage": stage, "author": "Dana", "text": f"Entered {stage}."}
        )
    if status not in stages:  # cancelled or duplicate, after investigating began
        timeline.append(
            {
                "at": _at(times["investigating"] + timedelta(minutes=1)),
                "kind": "status",
                "stage": status,
                "author": "Dana",
                "text": "Not an incident.",
            }
        )
        if status == "duplicate":
            data["duplicate_of"] = duplicate_of
        else:
            data["cancel_reason"] = "False positive."
    if latest:
        last = datetime.fromisoformat(timeline[-1]["at"].replace("Z", "+00:00"))
        timeline.append({"at": _at(last + timedelta(minutes=5)), "kind": "update", "author": "Dana", "text": latest})
    data["timeline"] = timeline
    return data


def write(root: Path, data: dict[str, Any]) -> Path:
    incident_id = data["id"]
    file = root / "incidents" / incident_id[4:8] / f"{incident_id}.yaml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(MODELINE + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return file


# The fixture set (clock: INC_NOW = 2026-11-23T12:00:00Z). Counted in metrics: P1, P2, P3,
# P4 and the hostile one (a real incident, still unclassified); not counted: the exercise
# and the cancelled one; never published: the restricted one.
P1 = "INC-20260105-AAA1"  # public, reviewed, SEV1, api; ack 10, resolve 60, recover 120
P2 = "INC-20260120-BBB2"  # internal, closed (awaiting review, overdue), SEV2, api+db
P3 = "INC-20260410-CCC3"  # internal, reviewed, SEV2, db
P4 = "INC-20261123-DDD4"  # public, investigating, SEV3, web (active)
RESTRICTED = "INC-20260301-EEE5"
EXERCISE = "INC-20260201-FFF6"
CANCELLED = "INC-20260302-GGG7"
HOSTILE = "INC-20261122-HHH8"  # public, identified
DUPLICATE = "INC-20260303-JJJ9"  # internal, a duplicate of the restricted one


def write_fixture_records(root: Path, schema: Schema) -> None:
    write(
        root,
        record(
            schema, P1, "reviewed", "2026-01-05T10:00:00Z", visibility="public", severity="SEV1", services=["api"],
            ack=10, resolve=60, recover=120,
            actions=[
                {"id": "A1", "title": "Add a canary", "kind": "prevent", "owner": "Ops", "due": "2026-01-15", "status": "done"},
                {"id": "A2", "title": "Alert on pool usage", "kind": "detect", "owner": "SRE", "due": "2026-01-20", "status": "open"},
            ],
        ),
    )  # fmt: skip
    write(
        root,
        record(
            schema, P2, "closed", "2026-01-20T08:00:00Z", severity="SEV2", services=["api", "db"],
            category="performance", ack=20, resolve=180, recover=240, summary=f"Internal detail {INTERNAL_MARK}.",
        ),
    )  # fmt: skip
    write(
        root,
        record(
            schema, P3, "reviewed", "2026-04-10T00:00:00Z", severity="SEV2", services=["db"], category="data",
            ack=30, resolve=300, recover=600, reviewed_days=10,
            actions=[
                {"id": "A1", "title": "Drop the index", "kind": "mitigate", "owner": "DBA", "due": "2026-05-01", "status": "wontfix"},
                {"id": "A2", "title": "Runbook", "kind": "process", "owner": "DBA", "due": "2026-12-31", "status": "open"},
            ],
        ),
    )  # fmt: skip
    write(
        root,
        record(
            schema, P4, "investigating", "2026-11-23T09:00:00Z", visibility="public", severity="SEV3",
            services=["web"], category="performance", ack=15, latest=f"Still looking {LATEST_MARK}.",
        ),
    )  # fmt: skip
    write(
        root,
        record(
            schema, RESTRICTED, "reviewed", "2026-03-01T10:00:00Z", visibility="restricted", severity="SEV1",
            services=[RESTRICTED_SERVICE], title=f"Breach {RESTRICTED_MARK}",
            summary=f"Secret {RESTRICTED_MARK}.", latest=f"Update {RESTRICTED_MARK}",
        ),
    )  # fmt: skip
    write(
        root, record(schema, EXERCISE, "reviewed", "2026-02-01T10:00:00Z", exercise=True, ack=5, services=["drill-svc"])
    )
    write(root, record(schema, CANCELLED, "cancelled", "2026-03-02T10:00:00Z", services=["api"]))
    write(
        root, record(schema, DUPLICATE, "duplicate", "2026-03-03T10:00:00Z", services=["api"], duplicate_of=RESTRICTED)
    )
    write(
        root,
        record(
            schema, HOSTILE, "identified", "2026-11-22T10:00:00Z", visibility="public", title=HOSTILE_TITLE,
            summary=HOSTILE_TEXT, latest="Timeline <script>alert('TIMELINEXSS')</script> [x](javascript:alert('TLXSS'))",
        ),
    )  # fmt: skip
