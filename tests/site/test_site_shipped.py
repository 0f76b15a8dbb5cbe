"""The real site: site/mkdocs.yml over the shipped records, built as users build it.

`mkdocs build -f site/mkdocs.yml` (the installed mkdocs, internal audience from the
config) and `inc site build --audience public`; both write outside the checkout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from project_paths import PROJECT
from site_helpers import files_containing, page, table

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
    assert [row[0] for row in table(exercises, "inc-list")[1:]] == ["INC-20251204-R8VE"]
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
