"""The real site: site/mkdocs.yml over the shipped records, built as users build it.

`mkdocs build -f site/mkdocs.yml` (the installed mkdocs, internal audience from the
config) and `inc site build --audience public`; both write outside the checkout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from project_paths import PROJECT
from site_helpers import files_containing, inc, page, table

from incident_ledger.process import Process
from incident_ledger.schema import Schema

RESTRICTED = "INC-20260122-9XDF"  # the credential-stuffing incident
RESTRICTED_TEXT = "Credential-stuffing"
PUBLIC = {"INC-20250914-4HQ2", "INC-20261120-3WKS", "INC-20261121-T4NB"}


@pytest.fixture(scope="module")
def mkdocs_site(shipped_internal: Path) -> Path:
    return shipped_internal


@pytest.fixture(scope="module")
def public_site(shipped_public: Path) -> Path:
    return shipped_public


def ids(site: Path) -> set[str]:
    return {p.parent.name for p in site.glob("incidents/*/INC-*/index.html")}


def test_mkdocs_build_publishes_every_record_but_the_restricted_one(mkdocs_site: Path) -> None:
    shipped = {p.stem for p in (PROJECT / "incidents").rglob("*.yaml")}
    assert ids(mkdocs_site) == shipped - {RESTRICTED}
    assert files_containing(mkdocs_site, RESTRICTED) == []
    assert files_containing(mkdocs_site, RESTRICTED_TEXT) == []
    for uri in ("", "incidents", "postmortems", "exercises", "metrics", "process", "about"):
        assert (mkdocs_site / uri / "index.html").is_file(), uri
    assert not (PROJECT / "site" / "build").exists() or "build" in (PROJECT / "site" / ".gitignore").read_text()


def test_public_build_publishes_public_records_only(public_site: Path) -> None:
    assert ids(public_site) == PUBLIC
    for hidden in ("INC-20260318-2BNW", "INC-20251204-R8VE", RESTRICTED, RESTRICTED_TEXT, "Tabletop exercise"):
        assert files_containing(public_site, hidden) == [], hidden


def test_side_states_and_exercises_are_said_plainly(mkdocs_site: Path) -> None:
    duplicate = page(mkdocs_site, "incidents/2026/INC-20261120-Z7YH")
    assert "This incident was a duplicate of" in duplicate
    assert '<a href="../INC-20261120-3WKS/">INC-20261120-3WKS: ' in duplicate
    assert "Cancelled: this turned out not to be an incident" in page(mkdocs_site, "incidents/2026/INC-20260709-M5GA")
    exercises = page(mkdocs_site, "exercises")
    assert [row[0] for row in table(exercises, "inc-list")[1:]] == ["INC-20261122-DR7X", "INC-20251204-R8VE"]
    assert "INC-20251204-R8VE" not in page(mkdocs_site, "postmortems")


def test_home_shows_the_active_incidents(mkdocs_site: Path) -> None:
    active = table(page(mkdocs_site, ""), "inc-active")
    assert [row[0].split()[0] for row in active[1:]] == [
        "INC-20261123-5FQD",
        "INC-20261122-8KMR",
        "INC-20261121-T4NB",
        "INC-20261120-3WKS",
    ]
    assert [row[1] for row in active[1:]] == ["identified", "classified", "investigating", "resolved"]


def test_home_shows_the_recovered_incident_awaiting_closure(mkdocs_site: Path) -> None:
    recovered = table(page(mkdocs_site, ""), "inc-recovered")
    assert recovered == [
        ["Incident", "Severity", "Resolved", "Recovered"],
        [
            "INC-20261014-P6JC Nightly invoice run finished six hours late",
            "SEV4",
            "2026-10-14 09:55 UTC",
            "2026-10-15 04:10 UTC",
        ],
    ]


def _inc_json(*args: str) -> list[dict[str, Any]]:
    code, out, err = inc(PROJECT, *args, "--format", "json")
    assert code == 0, err
    return list(json.loads(out))


def test_status_json_and_page_agree_with_inc_list(mkdocs_site: Path) -> None:
    process = Process(Schema(PROJECT / "schemas"))
    listed = _inc_json("list", "--open")
    active = {r["id"] for r in listed if process.active(r["status"]) and not r["exercise"]}
    stale = {r["id"] for r in _inc_json("list", "--stale")}
    summary = json.loads((mkdocs_site / "status.json").read_text())
    assert {i["id"] for i in summary["incidents"]} == active
    assert {i["id"] for i in summary["incidents"] if i["update_overdue"]} == stale
    assert stale == {"INC-20261120-3WKS", "INC-20261122-8KMR"}
    due = {i["id"]: i["next_update_at"] for i in summary["incidents"]}
    assert due["INC-20261121-T4NB"] == "2026-11-23T14:00:00Z"  # promised in its last update
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    components = {c["name"]: c["status"] for c in summary["components"]}
    assert components["cdn-edge"] == "partial_outage"  # SEV2 3WKS, resolved, not yet recovered
    assert components["mobile-bff"] == "degraded_performance"  # SEV3 T4NB
    assert components["checkout-api"] == "operational"
    rows = {row[0]: row[1] for row in table(page(mkdocs_site, "status"), "inc-services-status")[1:]}
    labels = {"operational": "Operational", "degraded_performance": "Degraded performance",
              "partial_outage": "Partial outage", "major_outage": "Major outage"}  # fmt: skip
    assert rows == {name: labels[state] for name, state in components.items()}
    updates = summary["incidents"][[i["id"] for i in summary["incidents"]].index("INC-20261121-T4NB")]
    assert updates["incident_updates"][0]["body"].startswith('Status page - "The app home screen can still be slow')


def test_home_shows_when_each_active_incident_updates_next(mkdocs_site: Path) -> None:
    active = {row[0].split()[0]: row for row in table(page(mkdocs_site, ""), "inc-active")[1:]}
    assert active["INC-20261121-T4NB"][5] == "2026-11-23 14:00 UTC"
    assert active["INC-20261120-3WKS"][5] == "2026-11-20 10:10 UTC update overdue"
    assert active["INC-20261123-5FQD"][5] == "–"  # not yet classified: no cadence yet
    assert active["INC-20261121-T4NB"][4].startswith('Status page - "The app home screen can still be slow')


def test_public_timeline_shows_stage_changes_and_stakeholder_updates_only(mkdocs_site: Path, public_site: Path) -> None:
    uri = "incidents/2026/INC-20261121-T4NB"
    working = "Scaled recommendations from 12 to 20 pods"  # an action entry
    assert working in page(mkdocs_site, uri)
    public = page(public_site, uri)
    assert working not in public
    assert "Latency back to normal after the peak" not in public  # a note
    assert "Two tracks today" not in public  # a decision
    assert "Pull to refresh if it does not load." in public  # a stakeholder update
    assert files_containing(public_site, working) == []


def test_status_json_updates_are_what_stakeholders_were_told(mkdocs_site: Path) -> None:
    summary = json.loads((mkdocs_site / "status.json").read_text())
    t4nb = next(i for i in summary["incidents"] if i["id"] == "INC-20261121-T4NB")
    bodies = [u["body"] for u in t4nb["incident_updates"]]
    assert len(bodies) == 5  # identified, classified, investigating and two status-page updates
    assert not [b for b in bodies if "Scaled recommendations" in b or "Two tracks today" in b]
    assert [u["status"] for u in t4nb["incident_updates"]] == ["investigating"] * 5
