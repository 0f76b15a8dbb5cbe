"""Every face gives the same answer: `inc list`, `inc show`, `inc actions`, the metrics and the site.

On the shipped records plus a generated set (every stage and side state, reopened
incidents, public, internal and restricted records, an exercise, post-mortems and
action items on both sides of their deadline), each face is asked for: the status,
whether the incident is active or ended, whether its post-mortem is overdue, which
action items are overdue, and which audiences it is published to. The site is built
once per audience and shared by every assertion.

The clock is late on 23 November UTC, written with a +01:00 offset (already the 24th
locally): a face that used the local date, or a due time instead of a due day, differs.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from process_records import Item, record, write
from project_paths import SHIPPED
from site_helpers import build_environment, inc, new_site_repo, page, search_fragments, table

from incident_ledger.process import AUDIENCE_NAMES, Process, audiences_of
from incident_ledger.schema import Schema

NOW = "2026-11-24T00:30:00+01:00"
DAY = timedelta(days=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def generated() -> list[dict[str, Any]]:
    """One record per situation; ids carry their detection date, as the rules require."""
    made: list[dict[str, Any]] = []

    def add(number: int, status: str, detected: str, **options: Any) -> str:
        moment = utc(detected)
        incident_id = f"INC-{moment:%Y%m%d}-G{number:03d}"
        made.append(record(incident_id, status, detected=moment, **options))
        return incident_id

    add(1, "identified", "2026-11-20T08:00:00", visibility="public")
    add(2, "classified", "2026-11-20T09:00:00")
    add(3, "investigating", "2026-11-20T10:00:00", visibility="restricted")
    resolved = add(4, "resolved", "2026-11-19T08:00:00", visibility="public")
    add(5, "recovered", "2026-11-18T08:00:00", items=[Item("2026-11-22")])
    add(6, "closed", "2026-10-30T08:00:00", closed_at=utc("2026-11-01T09:00:00"))  # post-mortem due 11 Nov
    add(7, "closed", "2026-11-18T08:00:00", severity="SEV1", visibility="public", closed_at=utc("2026-11-20T09:00:00"))
    add(8, "closed", "2026-08-30T08:00:00", severity="SEV3", closed_at=utc("2026-09-01T09:00:00"))  # none needed
    items = [Item("2026-11-22"), Item("2026-11-23"), Item("2026-11-01", "done"), Item("2026-11-02", "wontfix")]
    add(9, "reviewed", "2026-10-01T08:00:00", visibility="public", items=items)
    add(10, "reviewed", "2026-10-02T08:00:00", severity="SEV1", visibility="restricted", items=[Item("2026-11-01")])
    add(11, "cancelled", "2026-11-21T08:00:00")
    add(12, "duplicate", "2026-11-19T09:00:00", visibility="public", duplicate_of=resolved)
    add(13, "investigating", "2026-11-17T08:00:00", visibility="public", reopened=True)
    add(14, "recovered", "2026-11-16T08:00:00", reopened=True, items=[Item("2026-11-24")])
    # Closed at 20:00 UTC on the 13th: due on the 23rd, today; not overdue until the 24th (UTC).
    add(15, "closed", "2026-11-10T08:00:00", visibility="public", reopened=True, closed_at=utc("2026-11-13T20:00:00"))
    add(16, "reviewed", "2026-11-02T08:00:00", exercise=True, items=[Item("2026-11-10")])
    add(17, "closed", "2026-11-12T08:00:00", closed_at=utc("2026-11-14T09:00:00"), items=[Item("2026-11-20")])
    return made


@dataclass
class Site:
    root: Path

    def ids(self) -> set[str]:
        return {p.parent.name for p in self.root.glob("incidents/*/INC-*/index.html")}

    def incident(self, incident_id: str) -> str:
        return page(self.root, f"incidents/{incident_id[4:8]}/{incident_id}")

    def status(self, incident_id: str) -> str:
        found = re.search(r'<tr><th>Stage</th><td><span class="inc-badge inc-stage-(\w+)">', self.incident(incident_id))
        assert found, incident_id
        return found.group(1)

    def postmortem_overdue(self, incident_id: str) -> bool:
        row = re.search(r"<tr><th>Post-mortem due</th><td>(.*?)</td></tr>", self.incident(incident_id))
        return bool(row) and "inc-overdue" in row.group(1)  # type: ignore[union-attr]

    def overdue_items(self, incident_id: str) -> list[str]:
        html = self.incident(incident_id)
        if '<ul class="inc-actions">' not in html:
            return []
        items = html[html.index('<ul class="inc-actions">') :]
        items = items[: items.index("</ul>")]
        return [re.findall(r"<strong>(A\d+)</strong>", li)[0] for li in items.split("<li>")[1:] if "inc-overdue" in li]

    def active(self) -> set[str]:
        return {row[0].split()[0] for row in table(page(self.root, ""), "inc-active")[1:]}

    def awaiting_overdue(self) -> set[str]:
        rows = table(page(self.root, ""), "inc-awaiting")[1:]
        return {row[0].split()[0] for row in rows if row[-1].endswith(" overdue")}

    def feed(self) -> set[tuple[str, str]]:
        ns = {"a": "http://www.w3.org/2005/Atom"}
        root = ET.parse(self.root / "feed.xml").getroot()
        found = set()
        for entry in root.findall("a:entry", ns):
            _, _, incident_id, what = (entry.findtext("a:id", namespaces=ns) or "").split(":")
            found.add((incident_id, what))
        return found

    def figure(self, label: str) -> int:
        html = page(self.root, "")
        found = re.search(rf"<strong>(\d+)</strong> {label}", html)
        assert found, label
        return int(found.group(1))

    def follow_through_overdue(self) -> int:
        rows = {row[0]: row[1] for row in table(page(self.root, "metrics"), "inc-follow")}
        return int(rows["Open and overdue"])


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("faces")
    root = new_site_repo(tmp / "repo")
    shutil.rmtree(root / "incidents")
    shutil.copytree(SHIPPED, root / "incidents")
    for data in generated():
        write(root, data)
    sites = {}
    with build_environment(tmp), pytest.MonkeyPatch.context() as patch:
        patch.setenv("INC_NOW", NOW)
        code, out, err = inc(root, "validate")
        assert code == 0, out + err
        for audience in AUDIENCE_NAMES:
            code, out, err = inc(root, "site", "build", "--audience", audience, "--out", str(tmp / audience))
            assert code == 0, out + err
            sites[audience] = Site(tmp / audience)
        listed = json.loads(inc(root, "list", "--format", "json")[1])
        still_open = {r["id"] for r in json.loads(inc(root, "list", "--open", "--format", "json")[1])}
        shown = {r["id"]: json.loads(inc(root, "show", r["id"], "--format", "json")[1]) for r in listed}
        actions = json.loads(inc(root, "actions", "--format", "json")[1])
    return {
        "process": Process(Schema(root / "schemas")),
        "list": {r["id"]: r for r in listed},
        "open": still_open,
        "show": shown,
        "actions": actions,
        "sites": sites,
    }


def test_the_set_covers_every_situation(faces: dict[str, Any]) -> None:
    process: Process = faces["process"]
    rows = faces["list"].values()
    assert {r["status"] for r in rows} == set(process.statuses)
    assert {r["visibility"] for r in rows} == {"public", "internal", "restricted"}
    assert any(process.postmortem_overdue(r, utc("2026-11-23T23:30:00")) for r in rows)
    assert {r["overdue"] for r in faces["actions"]} == {True, False}
    assert sum(1 for s in faces["show"].values() if any(e["kind"] == "reopened" for e in s["record"]["timeline"])) >= 4


def test_published_to_the_same_audiences(faces: dict[str, Any]) -> None:
    for audience, site in faces["sites"].items():
        expected = {i for i, r in faces["list"].items() if audience in audiences_of(r)}
        assert site.ids() == expected, audience
        assert {i for i, _ in site.feed()} <= expected
        indexed = {m for doc in search_fragments(site.root) for m in re.findall(r"INC-\d{8}-\w{4}", doc["url"])}
        assert indexed == expected


def test_status_is_the_same_everywhere(faces: dict[str, Any]) -> None:
    for incident_id, row in faces["list"].items():
        assert faces["show"][incident_id]["record"]["status"] == row["status"]
        for site in faces["sites"].values():
            if incident_id in site.ids():
                assert site.status(incident_id) == row["status"], incident_id


def test_active_and_ended_are_the_same_everywhere(faces: dict[str, Any]) -> None:
    process: Process = faces["process"]
    ended = {i for i in faces["list"] if i not in faces["open"]}
    assert ended == {i for i, r in faces["list"].items() if process.ended(r["status"])}
    for site in faces["sites"].values():
        real = {i for i in site.ids() if not faces["list"][i]["exercise"]}
        assert site.active() == {i for i in real if process.active(faces["list"][i]["status"])}
        assert not site.active() & ended
        assert site.figure("active incident") == len(site.active())
        closures = {i for i, what in site.feed() if what == "closed"}
        side = {i for i in real if site.status(i) in process.side_states}
        assert closures | side == ended & real
        reviews = {i for i, what in site.feed() if what == "post-mortem"}
        assert reviews == {i for i in real if faces["list"][i]["status"] == "reviewed"}


def test_postmortem_overdue_is_the_same_everywhere(faces: dict[str, Any]) -> None:
    listed = {i for i, r in faces["list"].items() if r.get("postmortem_overdue_since")}
    shown = {i for i, s in faces["show"].items() if s["aging"]["postmortem_overdue_since"]}
    assert shown == listed
    assert "INC-20261110-G015" not in listed  # due today, in UTC
    assert "INC-20260318-2BNW" not in listed  # SEV3: no post-mortem required
    for site in faces["sites"].values():
        published = site.ids()
        assert {i for i in published if site.postmortem_overdue(i)} == listed & published
        real = {i for i in published if not faces["list"][i]["exercise"]}
        assert site.awaiting_overdue() == listed & real


def test_action_items_overdue_are_the_same_everywhere(faces: dict[str, Any]) -> None:
    process: Process = faces["process"]
    cli = {(r["incident"], r["id"]) for r in faces["actions"] if r["overdue"]}
    shown = {(i, a) for i, s in faces["show"].items() for a in s["aging"]["overdue_actions"]}
    assert shown == cli
    for site in faces["sites"].values():
        published = site.ids()
        assert {(i, a) for i in published for a in site.overdue_items(i)} == {p for p in cli if p[0] in published}
        counted = {i for i in published if process.counted(faces["list"][i])}
        overdue_counted = len([p for p in cli if p[0] in counted])
        assert site.follow_through_overdue() == overdue_counted
        assert site.figure("overdue") == overdue_counted
