"""Hostile text in every record field that reaches the site, in both audiences.

The repository's schema is loosened here (no service-name or single-line pattern), as a
team may loosen its own copy: the site must stay safe whatever the schema lets through.
Each field gets its own numbered payload, so a failure names the field that leaked.
Checked in the built files (HTML, search index, feed) and, when Chromium and Playwright
are installed, in a real browser that records every alert() a payload would call.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from site_fixtures import RESTRICTED_MARK, record, write
from site_helpers import (
    build_environment,
    files_containing,
    inc,
    new_site_repo,
    page,
    search_fragments,
    site_files,
    unsafe_markup,
)

from incident_ledger.schema import Schema

PUBLIC_ID = "INC-20261110-PBC1"
INTERNAL_ID = "INC-20261111-NTR2"
RESTRICTED_ID = "INC-20261119-RST3"


def payload(field: str) -> str:
    """One line of hostile text marked with the field it was put in."""
    mark = f"XSS_{re.sub(r'[^A-Za-z0-9]', '_', field)}"
    return (
        f'</script><script>alert("{mark}")</script> <img src=x onerror=alert("{mark}")> '
        f'"><svg onload=alert("{mark}")> &lt;script&gt;alert("{mark}")&lt;/script&gt; '
        f"</title><script>alert('{mark}')</script> \u202e{mark}\u202c \x1b[2J {{{{ 7*7 }}}} ]]> {mark}"
    )


def markdown_payload(field: str) -> str:
    return payload(field) + f'\n\n[click](javascript:alert("{field}")) <a href="#" onclick="alert(1)">x</a>\n'


def _hostile(schema: Schema, incident_id: str, detected: str, visibility: str) -> dict[str, Any]:
    data = record(schema, incident_id, "reviewed", detected, visibility=visibility)
    tag = visibility[:3]
    line = lambda name: payload(f"{tag}_{name}")  # noqa: E731
    text = lambda name: markdown_payload(f"{tag}_{name}")  # noqa: E731
    data |= {
        "title": line("title"),
        "summary": text("summary"),
        "reported_by": line("reported_by"),
        "services": [line("service"), f"plain-{tag}"],
        "impact_assessment": text("impact_assessment"),
        "commander": line("commander"),
        "investigation": text("investigation"),
        "resolution": {"summary": text("resolution"), "steps": [line("step")]},
        "recovery": {"summary": text("recovery"), "verification": text("verification")},
        "root_cause": text("root_cause"),
        "contributing_factors": [line("factor")],
        "postmortem": {
            "summary": text("postmortem"),
            "what_went_well": [line("well")],
            "what_went_wrong": [line("wrong")],
            "where_we_got_lucky": [line("lucky")],
            "lessons_learned": [line("lesson")],
            "participants": [line("participant")],
        },
        "links": [{"title": line("link_title"), "url": "https://example.com/a?b=%22%3E%3Cscript%3E"}],
    }
    for item in data["action_items"]:
        item |= {"title": line("action_title"), "owner": line("action_owner"), "link": "https://example.com/t/1"}
    for number, entry in enumerate(data["timeline"]):
        entry |= {"author": line(f"author{number}"), "text": text(f"entry{number}")}
    return data


def _loosened_schema(root: Path) -> None:
    file = root / "schemas" / "incident.schema.json"
    document = json.loads(file.read_text(encoding="utf-8"))
    for name in ("line", "service"):
        document["$defs"][name].pop("pattern", None)
        document["$defs"][name].pop("maxLength", None)
    document["properties"]["title"].pop("maxLength", None)
    document["properties"]["title"].pop("pattern", None)  # the length limit, as editors count it
    file.write_text(json.dumps(document, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    root = new_site_repo(tmp / "repo")
    _loosened_schema(root)
    schema = Schema(root / "schemas")
    public = _hostile(schema, PUBLIC_ID, "2026-11-10T08:00:00Z", "public")
    # References to records the public may not see, in text and in a link.
    public["summary"] += f"\n\nSee {INTERNAL_ID} and {RESTRICTED_ID.lower()}, and ({RESTRICTED_ID})."
    public["timeline"][-1]["text"] += f" Related to {INTERNAL_ID}."
    public["links"].append({"title": f"Ticket of {RESTRICTED_ID}", "url": f"https://example.com/{RESTRICTED_ID}"})
    internal = _hostile(schema, INTERNAL_ID, "2026-11-11T08:00:00Z", "internal")
    internal["root_cause"] += f"\n\nThe same as {RESTRICTED_ID}; see also {PUBLIC_ID}."
    restricted = record(schema, RESTRICTED_ID, "resolved", "2026-11-09T08:00:00Z", visibility="restricted")
    restricted["title"] = f"Breach {RESTRICTED_MARK}"
    for data in (public, internal, restricted):
        write(root, data)
    with build_environment(tmp):
        # As the issue reproduced it: a public record made a duplicate of an internal one.
        new = ["new", "Duplicate report", "--summary", "s", "--detected-by", "staff", "--no-commit", "--author", "A"]
        at = ["--detected-at", "2026-11-12T08:00:00Z"]
        target = inc(root, *new, *at)[1].strip()
        duplicate = inc(root, *new, *at, "--visibility", "public")[1].strip()
        code, out, err = inc(root, "duplicate", duplicate, "--of", target, "--no-commit", "--author", "A")
        assert code == 0, out + err
    (root / "ids.json").write_text(json.dumps({"duplicate": duplicate, "target": target}))
    return root


def _ids(root: Path) -> dict[str, str]:
    return dict(json.loads((root / "ids.json").read_text()))


def _build(root: Path, tmp: Path, audience: str) -> Path:
    with build_environment(tmp):
        code, out, err = inc(root, "site", "build", "--audience", audience, "--out", str(tmp / "out"))
    assert code == 0, out + err
    return tmp / "out"


@pytest.fixture(scope="module")
def sites(hostile_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: _build(hostile_repo, tmp_path_factory.mktemp(name), name) for name in ("public", "internal")}


@pytest.fixture(params=["public", "internal"])
def hostile_site(request: pytest.FixtureRequest, sites: dict[str, Path]) -> Path:
    return sites[request.param]


# -- the built files ------------------------------------------------------------------


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of every script and title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "title": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in self.raw else None
        if self._in:
            self.raw[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in][-1] += data


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def _html_files(site: Path) -> Iterator[tuple[Path, str]]:
    for file, text in site_files(site):
        if file.suffix == ".html":
            yield file, text


def test_every_field_reaches_the_site(hostile_site: Path) -> None:
    """The payloads are really published (as text): otherwise the other tests prove nothing."""
    html = page(hostile_site, f"incidents/2026/{PUBLIC_ID}")
    for field in ("title", "summary", "service", "commander", "step", "participant", "action_owner", "author0"):
        assert f"XSS_pub_{field}" in html, field


def test_no_live_markup_from_records_in_any_page(hostile_site: Path) -> None:
    theirs = len(elements(page(hostile_site, "about")).raw["script"])
    search = hostile_site / "search" / "index.html"
    for file, text in _html_files(hostile_site):
        found = elements(text)
        # Material's own scripts only (their relative paths differ from page to page); the
        # search page adds Pagefind's interface and the plugin's starter, both by `src`
        # (test_site_fixtures names them).
        assert len(found.raw["script"]) == theirs + (2 if file == search else 0), file
        assert not any("XSS" in script or "alert" in script for script in found.raw["script"]), file
        assert unsafe_markup(text) == [], file
        for tag, attrs in found.tags:
            assert not (tag == "img" and attrs.get("src") == "x"), file
            assert not any(name.startswith("on") for name in attrs), (file, tag, attrs)
        for title in found.raw["title"]:
            assert "XSS" not in title or "<" not in title, file
        # Raw text of a payload (an unescaped tag, a control or override character):
        for needle in ("<script>alert(", "<svg onload", "<img src=x", "\u202e", "\x1b"):
            assert needle not in text, (file, needle)


def test_titles_are_plain_text_wherever_the_theme_writes_them(hostile_site: Path) -> None:
    service = next(hostile_site.glob("services/*xss-pub-service*/index.html"))
    html = service.read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None
    assert "<" not in title.group(1) and ">" not in title.group(1)
    assert title.group(1).startswith("Incidents affecting ")
    assert '‹script›alert("XSS_pub_service")‹/script›' in title.group(1)
    assert "\\u202eXSS_pub_service\\u202c" in title.group(1)


def test_search_index_holds_the_text_pages_show(hostile_site: Path) -> None:
    """Pagefind keeps each page's text (what a reader sees, entities decoded), never its
    markup: a payload is there as the text the page shows, and the search page escapes it
    in its excerpts (test_search_shows_hostile_record_text_as_text, in a browser)."""
    docs = search_fragments(hostile_site)
    assert any("XSS_pub_title" in doc["meta"]["title"] for doc in docs)
    assert any('<img src=x onerror=alert("XSS_pub_summary")>' in doc["content"] for doc in docs)
    for doc in docs:
        assert "<" not in doc["meta"]["title"], doc["url"]
        for value in (doc["meta"]["title"], doc["content"]):
            assert "\u202e" not in value and "\x1b" not in value, doc["url"]


def test_feed_is_well_formed_plain_text(hostile_site: Path) -> None:
    feed = ET.parse(hostile_site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") or "" for e in feed.iter(f"{atom}entry")]
    assert any("XSS_pub_title" in t for t in titles)
    for entry in feed.iter(f"{atom}entry"):
        for name in ("title", "summary"):
            value = entry.findtext(f"{atom}{name}") or ""
            assert "<" not in value and "\u202e" not in value and "\x1b" not in value


# -- references to records the audience may not see -------------------------------------


def test_public_site_names_no_record_the_public_may_not_see(sites: dict[str, Path], hostile_repo: Path) -> None:
    ids, public_site = _ids(hostile_repo), sites["public"]
    for unseen in (INTERNAL_ID, RESTRICTED_ID, RESTRICTED_ID.lower(), ids["target"], RESTRICTED_MARK):
        assert files_containing(public_site, unseen) == [], unseen
    duplicate = page(public_site, f"incidents/2026/{ids['duplicate']}")
    assert "Duplicate of [unpublished incident]." in duplicate
    assert "a duplicate of another incident that is not published on this site" in duplicate
    html = page(public_site, f"incidents/2026/{PUBLIC_ID}")
    assert "See [unpublished incident] and [unpublished incident], and ([unpublished incident])." in html
    # A link whose address names a withheld record is left out with its title.
    assert "Ticket of" not in html
    assert any("[unpublished incident]" in doc["content"] for doc in search_fragments(public_site))


def test_internal_site_names_internal_records_but_not_restricted_ones(
    sites: dict[str, Path], hostile_repo: Path
) -> None:
    ids, internal_site = _ids(hostile_repo), sites["internal"]
    for unseen in (RESTRICTED_ID, RESTRICTED_ID.lower(), RESTRICTED_MARK):
        assert files_containing(internal_site, unseen) == [], unseen
    html = page(internal_site, f"incidents/2026/{INTERNAL_ID}")
    assert f"The same as [unpublished incident]; see also {PUBLIC_ID}." in html
    assert f"See {INTERNAL_ID} and [unpublished incident]" in page(internal_site, f"incidents/2026/{PUBLIC_ID}")
    assert f"Duplicate of {ids['target']}." in page(internal_site, f"incidents/2026/{ids['duplicate']}")


# -- a real browser ---------------------------------------------------------------------


def test_no_payload_runs_in_a_browser(hostile_site: Path, browser: Any) -> None:
    """One page of each kind is opened from disk (offline), with its scripts running and
    every alert/confirm/prompt recorded: a payload that ran would call one."""
    files = [hostile_site / uri / "index.html" for uri in ("", "incidents", "metrics", "postmortems")]
    files += [
        p for p in hostile_site.glob("incidents/2026/INC-*/index.html") if p.parent.name in (PUBLIC_ID, INTERNAL_ID)
    ]
    files += sorted(hostile_site.glob("services/*xss*/index.html"))
    # The session's Chromium (conftest.py): a second Playwright in one process is refused.
    tab = browser.new_page()
    tab.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())  # nothing from the network
    calls: list[str] = []
    tab.on("dialog", lambda dialog: (calls.append(dialog.message), dialog.dismiss()))
    for file in files:
        assert "XSS" in file.read_text(encoding="utf-8"), file  # the page holds record text
        tab.goto(file.as_uri(), wait_until="load")
        assert tab.evaluate("document.querySelectorAll('[onerror],[onload],[onclick]').length") == 0, file
    tab.wait_for_timeout(100)  # a last chance for timers and image errors to fire
    tab.close()
    assert calls == []
