"""The site's learning sections: related and recurring incidents, caused_by, the change
history from git (internal only), DORA rows, trends, on-time follow-through, drills."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from record_builder import record, write
from site_helpers import build_environment, inc, new_site_repo, page, table

FIRST, SECOND, THIRD = "INC-20260901-R7P1", "INC-20261001-R7P2", "INC-20261101-R7P3"
DRILL = "INC-20260101-R7Q1"
SHA = "3f9c2d41b7e8a0c5d6f1e2a3b4c5d6e7f8091a2b"
CAUSE = {"kind": "commit", "ref": SHA, "url": f"https://git.example.com/shop/api/commit/{SHA}"}
ITEMS = [
    {"id": "A1", "title": "Canary", "kind": "prevent", "owner": "Ops", "due": "2026-09-20", "status": "done",
     "done_at": "2026-09-19T10:00:00Z"},
    {"id": "A2", "title": "Alert", "kind": "detect", "owner": "SRE", "due": "2026-09-20", "status": "done",
     "done_at": "2026-09-25T10:00:00Z"},
]  # fmt: skip


def git(root: Path, *args: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Ann Lee",
           "GIT_AUTHOR_EMAIL": "ann@example.com", "GIT_COMMITTER_NAME": "Ann Lee",
           "GIT_COMMITTER_EMAIL": "ann@example.com", "GIT_AUTHOR_DATE": "2026-11-02T09:00:00Z",
           "GIT_COMMITTER_DATE": "2026-11-02T09:00:00Z"}  # fmt: skip
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("learning")
    root = new_site_repo(tmp / "repo")
    pay = {"services": ["payments-api"], "category": "availability", "visibility": "public"}
    git(root, "init", "-q", "-b", "main")
    write(root, record(FIRST, "reviewed", "2026-09-01T08:00:00Z", caused_by=[CAUSE], action_items=ITEMS,
                       started_at="2026-09-01T07:30:00Z", **pay))  # fmt: skip
    write(root, record(DRILL, "recovered", "2026-01-01T08:00:00Z", exercise=True, detected_by="exercise",
                       services=["payments-api"], category="availability"))  # fmt: skip
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", f"{FIRST}: reviewed: Incident {FIRST}")
    write(root, record(SECOND, "resolved", "2026-10-01T08:00:00Z", related=[FIRST], **pay))
    write(root, record(THIRD, "resolved", "2026-11-01T08:00:00Z", **pay))
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Two more payments-api outages")
    built = {}
    with build_environment(tmp):
        for audience in ("internal", "public"):
            code, out, err = inc(root, "site", "build", "--audience", audience, "--out", str(tmp / audience))
            assert code == 0, out + err
            built[audience] = tmp / audience
    return built


def uri(incident_id: str) -> str:
    return f"incidents/{incident_id[4:8]}/{incident_id}"


def test_related_both_ways_and_recurring(sites: dict[str, Path]) -> None:
    site = sites["internal"]
    assert f">{FIRST}: Incident {FIRST}</a>" in page(site, uri(SECOND))
    assert f">{SECOND}: Incident {SECOND}</a>" in page(site, uri(FIRST))  # named only on SECOND
    assert "Recurring: 3rd time in 90 days for payments-api" in page(site, uri(THIRD))
    assert "Recurring:" not in page(site, uri(FIRST))


def test_caused_by_and_change_history(sites: dict[str, Path]) -> None:
    first = page(sites["internal"], uri(FIRST))
    assert f'<a href="{CAUSE["url"]}" rel="noopener noreferrer nofollow"><code>{SHA}</code></a>' in first
    assert '<h2 id="change-history">Change history</h2>' in first
    assert "Ann Lee: created; entered identified; entered classified; entered investigating;" in first
    assert f"<small>{FIRST}: reviewed: Incident {FIRST}</small>" in first
    assert "<small>Two more payments-api outages</small>" in page(sites["internal"], uri(THIRD))


def test_metrics_sections(sites: dict[str, Path]) -> None:
    metrics = page(sites["internal"], "metrics")
    # Four Keys' row: created at started_at, resolved at recovered_at (120 min after detection).
    assert table(metrics, "inc-dora")[1] == [FIRST, "2026-09-01 07:30 UTC", "2026-09-01 10:00 UTC", "2 h 30 min", SHA]
    assert table(metrics, "inc-patterns")[1] == ["payments-api", "availability", "3", "2", "2026-11-01 08:00 UTC"]
    quarters = table(metrics, "inc-on-time")
    assert ["2026-Q3", "1", "1", "50%", "0"] in quarters
    drills = table(metrics, "inc-drills")
    assert drills[1] == ["payments-api", "2026-01-01", "3", "3", "needed"]


def test_public_site_has_no_change_history_nor_drills(sites: dict[str, Path]) -> None:
    site = sites["public"]
    assert "Change history" not in page(site, uri(FIRST))
    assert "Drill coverage" not in page(site, "metrics")
    assert "Recurring: 3rd time in 90 days for payments-api" in page(site, uri(THIRD))


def test_metrics_page_does_not_deny_the_done_dates_it_reports(shipped_internal: Path) -> None:
    """The follow-through table once said records hold no done date, above the section
    that reports action items done on time from `done_at`."""
    html = page(shipped_internal, "metrics")
    assert "do not say when an item was done" not in html
    assert "Action items done on time" in html
