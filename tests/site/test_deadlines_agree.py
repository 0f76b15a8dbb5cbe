"""Post-mortem and action-item deadlines: the site says what `inc list`, `show` and `actions` say.

One definition (process.py): due on a UTC date, overdue from the next UTC day, and a
post-mortem only when the severity requires one. The clock here is a quarter to
midnight UTC written with a +01:00 offset, so a face that took the local date, or
compared a due time instead of a due day, would disagree.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from process_records import Item, record, write
from project_paths import SHIPPED
from site_helpers import build_environment, inc, new_site_repo, page, table

NOW = "2026-11-24T00:30:00+01:00"  # 2026-11-23T23:30Z: the UTC day is the 23rd
SEV3_CLOSED = "INC-20260318-2BNW"  # shipped; SEV3 needs no post-mortem
DUE_TODAY = "INC-20261110-DVE0"  # SEV2 closed 13 Nov 20:00Z: post-mortem due the 23rd
LATE = "INC-20261030-1A7E"  # SEV2 closed 1 Nov: post-mortem due the 11th, overdue
ITEMS = "INC-20261101-ACTS"  # reviewed: items due the 22nd (overdue) and the 23rd (not yet)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("deadlines")
    root = new_site_repo(tmp / "repo")
    (root / "incidents" / "2026").mkdir()
    shutil.copy(SHIPPED / "2026" / f"{SEV3_CLOSED}.yaml", root / "incidents" / "2026")
    write(root, record(DUE_TODAY, "closed", detected=utc("2026-11-10T08:00:00"), closed_at=utc("2026-11-13T20:00:00")))
    write(root, record(LATE, "closed", detected=utc("2026-10-30T08:00:00"), closed_at=utc("2026-11-01T09:00:00")))
    items = [Item("2026-11-22"), Item("2026-11-23"), Item("2026-01-01", "done")]
    write(root, record(ITEMS, "reviewed", detected=utc("2026-11-01T08:00:00"), items=items))
    with build_environment(tmp), pytest.MonkeyPatch.context() as patch:
        patch.setenv("INC_NOW", NOW)
        code, out, err = inc(root, "site", "build", "--out", str(tmp / "out"))
        assert code == 0, out + err
        listed = json.loads(inc(root, "list", "--format", "json")[1])
        shown = {
            i: json.loads(inc(root, "show", i, "--format", "json")[1]) for i in (SEV3_CLOSED, DUE_TODAY, LATE, ITEMS)
        }
        actions = json.loads(inc(root, "actions", "--format", "json")[1])
    return {"site": tmp / "out", "list": listed, "show": shown, "actions": actions}


def site_overdue_postmortems(site: Path) -> set[str]:
    rows = table(page(site, ""), "inc-awaiting")[1:]
    return {row[0].split()[0] for row in rows if row[-1].endswith(" overdue")}


def test_postmortem_overdue_is_the_same_on_the_site_and_in_the_cli(faces: dict[str, object]) -> None:
    site = faces["site"]
    assert isinstance(site, Path)
    listed = {r["id"]: r.get("postmortem_overdue_since") for r in faces["list"]}  # type: ignore[attr-defined]
    shown = {i: s["aging"]["postmortem_overdue_since"] for i, s in faces["show"].items()}  # type: ignore[attr-defined]
    assert listed == {SEV3_CLOSED: None, DUE_TODAY: None, LATE: "2026-11-11", ITEMS: None}
    assert shown == listed
    assert site_overdue_postmortems(site) == {LATE}


def test_a_severity_without_a_postmortem_shows_no_deadline(faces: dict[str, object]) -> None:
    site = faces["site"]
    assert isinstance(site, Path)
    html = page(site, f"incidents/2026/{SEV3_CLOSED}")
    assert "Post-mortem due" not in html
    assert "inc-overdue" not in html
    awaiting = {row[0].split()[0]: row[1:] for row in table(page(site, ""), "inc-awaiting")[1:]}
    assert awaiting[SEV3_CLOSED] == ["SEV3", "2026-03-24 10:00 UTC", "–"]
    assert awaiting[DUE_TODAY] == ["SEV2", "2026-11-13 20:00 UTC", "2026-11-23"]


def test_action_items_overdue_by_one_clock(faces: dict[str, object]) -> None:
    site = faces["site"]
    assert isinstance(site, Path)
    cli = {(r["incident"], r["id"]): r["overdue"] for r in faces["actions"]}  # type: ignore[attr-defined]
    assert cli == {(ITEMS, "A1"): True, (ITEMS, "A2"): False, (ITEMS, "A3"): False}
    assert faces["show"][ITEMS]["aging"]["overdue_actions"] == ["A1"]  # type: ignore[index]
    html = page(site, f"incidents/2026/{ITEMS}")
    items = html[html.index('<ul class="inc-actions">') :]
    items = items[: items.index("</ul>")]
    lines = {line.split("<strong>")[1].split("</strong>")[0]: "inc-overdue" in line for line in items.split("<li>")[1:]}
    assert lines == {"A1": True, "A2": False, "A3": False}
    figures = page(site, "")
    assert "<strong>1</strong> overdue</li>" in figures
