"""The site built from fixture records (tests/site/site_fixtures.py), for each audience.

Two real builds per module: `inc site build` for the internal audience (the default),
and `inc site build --audience public`. Figures are checked against numbers worked out
by hand from the fixtures (see the comments in site_fixtures.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from browser_helpers import page_of, serve
from site_fixtures import (
    CANCELLED,
    DUPLICATE,
    EXERCISE,
    HOSTILE,
    INTERNAL_MARK,
    LATEST_MARK,
    P1,
    P2,
    P3,
    P4,
    RESTRICTED,
    RESTRICTED_MARK,
    RESTRICTED_SERVICE,
    write_fixture_records,
)
from site_helpers import (
    build_environment,
    files_containing,
    inc,
    new_site_repo,
    page,
    search_fragments,
    site_files,
    table,
    unsafe_markup,
)

from incident_ledger.schema import Schema

ALL_PUBLISHED_INTERNAL = {P1, P2, P3, P4, EXERCISE, CANCELLED, DUPLICATE, HOSTILE}
ALL_PUBLISHED_PUBLIC = {P1, P4, HOSTILE}


@pytest.fixture(scope="module")
def repo_with_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = new_site_repo(tmp_path_factory.mktemp("site") / "repo")
    write_fixture_records(root, Schema(root / "schemas"))
    return root


@pytest.fixture(scope="module")
def internal(repo_with_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("internal")
    with build_environment(tmp):
        code, out, err = inc(repo_with_fixtures, "site", "build", "--out", str(tmp / "out"))
    assert (code, err) == (0, ""), out + err
    assert out == f"Site built in {tmp / 'out'}\n"
    return tmp / "out"


@pytest.fixture(scope="module")
def public(repo_with_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("public")
    with build_environment(tmp):
        code, out, err = inc(repo_with_fixtures, "site", "build", "--audience", "public", "--out", str(tmp / "out"))
    assert code == 0, out + err
    return tmp / "out"


def incident_pages(site: Path) -> set[str]:
    return {p.parent.name for p in site.glob("incidents/*/INC-*/index.html")}


def linked_ids(html: str, css_class: str = "") -> list[str]:
    """Incident ids linked from the page (or from the tables in div.css_class), in order."""
    if css_class:
        html = "".join(" ".join(row) for row in table(html, css_class))
        return re.findall(r"INC-\d{8}-[0-9A-Z]{4}", html)
    return re.findall(r'href="[^"]*(INC-\d{8}-[0-9A-Z]{4})/"', html)


# -- which records are published where ---------------------------------------------


def test_internal_audience_publishes_public_and_internal_records_only(internal: Path) -> None:
    assert incident_pages(internal) == ALL_PUBLISHED_INTERNAL


def test_public_audience_publishes_public_records_only(public: Path) -> None:
    assert incident_pages(public) == ALL_PUBLISHED_PUBLIC


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_restricted_record_text_is_in_no_output_file(audience: str, request: pytest.FixtureRequest) -> None:
    site = request.getfixturevalue(audience)
    assert files_containing(site, RESTRICTED_MARK) == []
    assert files_containing(site, RESTRICTED_SERVICE) == []
    assert files_containing(site, RESTRICTED) == []


def test_internal_record_text_is_in_no_file_of_the_public_site(public: Path, internal: Path) -> None:
    assert files_containing(public, INTERNAL_MARK) == []
    assert files_containing(public, P2) == []
    # ... and the marker is really there when the record is published:
    assert "incidents/2026/INC-20260120-BBB2/index.html" in files_containing(internal, INTERNAL_MARK)
    assert any(f.startswith("pagefind/fragment/") for f in files_containing(internal, INTERNAL_MARK))
    # Pagefind's word index holds words in lower case: not one of the internal record's.
    assert not [f for f, text in site_files(public) if INTERNAL_MARK.lower() in text]
    assert any(f.suffix == ".pf_index" for f, text in site_files(internal) if INTERNAL_MARK.lower() in text)


def test_sitemap_and_search_index_list_only_published_pages(public: Path) -> None:
    sitemap = (public / "sitemap.xml").read_text()
    assert sorted(set(re.findall(r"INC-\d{8}-[0-9A-Z]{4}", sitemap))) == sorted(ALL_PUBLISHED_PUBLIC)
    found = {m for doc in search_fragments(public) for m in re.findall(r"INC-\d{8}-[0-9A-Z]{4}", doc["url"])}
    assert found == ALL_PUBLISHED_PUBLIC
    # Only Pagefind's index: not Material's search_index.json, which holds every page's text.
    assert not (public / "search" / "search_index.json").exists()


# -- hostile record text ----------------------------------------------------------------


SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)


def scripts(html: str) -> list[str]:
    """Every script element, its tag and content, with relative paths made equal."""
    return [re.sub(r'"(?:\.\.?/)*\.{0,2}(?=["a])', '"', m.group(0)) for m in SCRIPT.finditer(html)]


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_no_script_or_handler_from_record_text_anywhere(audience: str, request: pytest.FixtureRequest) -> None:
    site = request.getfixturevalue(audience)
    # The scripts of every page are Material's own, the same as on the hand-written page.
    theirs = scripts(page(site, "about"))
    assert len(theirs) == 5
    search = site / "search" / "index.html"
    for file, text in site_files(site):
        if file.suffix == ".html" and file.name != "404.html" and file != search:
            assert scripts(text) == theirs, file
    # The search page adds Pagefind's interface and the plugin's own starter, nothing else.
    assert scripts(search.read_text()) == [
        *theirs,
        '<script src="../pagefind/pagefind-ui.js"></script>',
        '<script src="assets/incidents-search.js"></script>',
    ]
    # Raw HTML in record text is shown as text (escaped), never as markup: no element in
    # any page, in the search index or in the feed carries a handler, a javascript:
    # target or a frame, and javascript: links lost their target.
    for file, text in site_files(site):
        for fragment in _html_fragments(file, text):
            assert unsafe_markup(fragment) == [], file
    for marker in ("TITLEXSS", "LINKXSS", "TLXSS"):
        assert files_containing(site, marker) == [], marker
    for needle in ("<iframe", "<img src=x", '<a href="https://example.com" onclick'):
        # Pagefind's fragments hold page text, not markup (see test_search_shows_hostile_record_text_as_text).
        assert [f for f in files_containing(site, needle) if not f.startswith("pagefind/")] == [], needle


def test_hostile_page_keeps_the_harmless_parts(public: Path) -> None:
    html = page(public, f"incidents/2026/{HOSTILE}")
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None
    assert "<" not in title.group(1)
    assert title.group(1).startswith("INC-20261122-HHH8: Checkout down ‹/title›‹script›alert('ENTXSS')‹/script›")
    # A Markdown link keeps its target and gets rel=nofollow; the javascript: one loses it.
    assert '<a href="https://docs.example.com/x" rel="noopener noreferrer nofollow">docs</a>' in html
    assert '<a rel="noopener noreferrer nofollow">click me</a>' in html


# -- pages and lists ----------------------------------------------------------------------


def test_home_lists_active_incidents_closures_and_overdue_postmortems(internal: Path) -> None:
    html = page(internal, "")
    active = table(html, "inc-active")
    assert [row[0].split()[0] for row in active[1:]] == [P4, HOSTILE]
    assert active[1][1:4] == ["investigating", "SEV3", "Dana Whitfield"]
    assert LATEST_MARK in active[1][4] and "2026-11-23 09:20 UTC" in active[1][4]
    assert active[2][1:4] == ["identified", "not yet classified", "–"]
    assert [row[0] for row in table(html, "inc-closures")[1:]] == [P3, P2, P1]
    assert table(html, "inc-figures") == []  # a list, not a table
    assert "<strong>2</strong> active incident(s)" in html
    awaiting = table(html, "inc-awaiting")
    assert awaiting[1:] == [[f"{P2} Incident {P2}", "SEV2", "2026-01-22 08:00 UTC", "2026-02-01 overdue"]]


def test_incident_page_shows_the_whole_record(internal: Path) -> None:
    html = page(internal, f"incidents/2026/{P1}")
    header = dict((row[0], row[1]) for row in table(html, "inc-header"))
    assert header["Stage"] == "reviewed"
    assert header["Severity"] == "SEV1 (Critical)"
    assert header["Priority"] == "P1 (impact high, urgency high)"
    assert header["Services"] == "api (availability)"
    assert header["Commander"] == "Dana Whitfield"
    assert "duration 1 h" in header["Detected"]
    toc = html[html.index('<nav class="md-nav md-nav--secondary"') :]
    for heading in (
        "Summary and impact",
        "Timeline",
        "Resolution",
        "Recovery",
        "Root cause",
        "Post-mortem",
        "Action items",
    ):
        anchor = heading.lower().replace(" ", "-")
        assert f'<h2 id="{anchor}">{heading}</h2>' in html, heading
        assert f'href="#{anchor}"' in toc, heading
    for text in (
        "Rolled back the release.",
        "Success rate normal for an hour.",
        "No canary.",
        "Low traffic.",
        "Canary every release.",
    ):
        assert text in html, text
    actions = html[html.index('<ul class="inc-actions">') :]
    items = [
        " ".join(re.sub(r"<[^>]+>", "", li).split())
        for li in re.findall(r"<li>(.*?)</li>", actions[: actions.index("</ul>")])
    ]
    assert items == [
        "done A1 Add a canary (prevent) – Ops, due 2026-01-15",
        "open overdue A2 Alert on pool usage (detect) – SRE, due 2026-01-20",
    ]


def test_cancelled_and_exercise_pages_say_so(internal: Path) -> None:
    assert "Cancelled: this turned out not to be an incident" in page(internal, f"incidents/2026/{CANCELLED}")
    assert "This was a drill or tabletop exercise" in page(internal, f"incidents/2026/{EXERCISE}")
    # A duplicate of an unpublished incident does not name it.
    duplicate = page(internal, f"incidents/2026/{DUPLICATE}")
    assert "a duplicate of another incident that is not published on this site" in duplicate


def test_incident_pages_are_not_in_the_navigation(internal: Path) -> None:
    html = page(internal, f"incidents/2026/{P1}")
    nav = html[html.index('<nav class="md-nav md-nav--primary"') : html.index("</nav>", html.index("md-nav--primary"))]
    assert "INC-" not in nav
    assert "Post-mortems" in nav


def test_postmortems_newest_review_first_without_exercises(internal: Path) -> None:
    html = page(internal, "postmortems")
    assert [row[0] for row in table(html, "inc-list")[1:]] == [P3, P1]
    sev2 = page(internal, "postmortems/severity/SEV2")
    assert [row[0] for row in table(sev2, "inc-list")[1:]] == [P3]
    db = page(internal, "postmortems/services/db")
    assert [row[0] for row in table(db, "inc-list")[1:]] == [P3]


def test_year_and_service_indexes_leave_exercises_out(internal: Path) -> None:
    year = page(internal, "incidents/2026")
    assert [row[0] for row in table(year, "inc-list")[1:]] == [P4, HOSTILE, P3, DUPLICATE, CANCELLED, P2, P1]
    api = page(internal, "services/api")
    assert [row[0] for row in table(api, "inc-list")[1:]] == [DUPLICATE, CANCELLED, P2, P1]
    exercises = page(internal, "exercises")
    assert [row[0] for row in table(exercises, "inc-list")[1:]] == [EXERCISE]


# -- metrics: figures worked out by hand from the fixtures ------------------------------


def test_metrics_counts_per_month(internal: Path) -> None:
    rows = table(page(internal, "metrics"), "inc-months")
    assert rows == [
        ["Month", "SEV1", "SEV2", "SEV3", "SEV4", "unclassified", "Total"],
        ["2026-01", "1", "1", "0", "0", "0", "2"],
        ["2026-04", "0", "1", "0", "0", "0", "1"],
        ["2026-11", "0", "0", "1", "0", "1", "2"],
    ]


def test_metrics_durations_per_severity_and_quarter(internal: Path) -> None:
    html = page(internal, "metrics")
    by_severity = {row[0]: row[1:] for row in table(html, "inc-durations-severity")[2:]}  # two header rows
    # acknowledge n, median, p90 | resolve n, median, p90 | recover n, median, p90
    assert by_severity["SEV1"] == ["1", "10 min", "10 min", "1", "1 h", "1 h", "1", "2 h", "2 h"]
    assert by_severity["SEV2"] == ["2", "25 min", "30 min", "2", "4 h", "5 h", "2", "7 h", "10 h"]
    assert by_severity["SEV3"] == ["1", "15 min", "15 min", "0", "–", "–", "0", "–", "–"]
    assert by_severity["unclassified"] == ["0", "–", "–", "0", "–", "–", "0", "–", "–"]
    by_quarter = {row[0]: row[1:4] for row in table(html, "inc-durations-quarter")[2:]}
    assert by_quarter == {
        "2026-Q1": ["2", "15 min", "20 min"],
        "2026-Q2": ["1", "30 min", "30 min"],
        "2026-Q4": ["1", "15 min", "15 min"],
    }


def test_metrics_by_service_category_and_follow_through(internal: Path) -> None:
    html = page(internal, "metrics")
    assert table(html, "inc-services")[1:] == [["api", "2"], ["db", "2"], ["web", "1"]]
    assert sorted(table(html, "inc-categories")[1:]) == [
        ["availability", "1"],
        ["data", "1"],
        ["performance", "2"],
        ["unclassified", "1"],
    ]
    assert table(html, "inc-follow")[1:] == [
        ["Done", "1"],
        ["Open, not yet due", "1"],
        ["Open and overdue", "1"],
        ["Won't fix", "1"],
        ["Total", "4"],
    ]
    for chart in ("per-month", "durations", "durations-quarter", "services", "categories", "actions"):
        assert f'src="{chart}.svg"' in html
        svg = (internal / "metrics" / f"{chart}.svg").read_text()
        assert svg.startswith("<?xml") and "<svg" in svg
        assert not re.search(r"(href=|url\()[\"']?https?:", svg)  # no fonts or images fetched


# -- process handbook, feed, offline -----------------------------------------------------


def test_process_handbook_is_generated_from_the_schema(internal: Path, repo_with_fixtures: Path) -> None:
    schema = Schema(repo_with_fixtures / "schemas")
    html = page(internal, "process")
    stages = table(html, "inc-stages")
    assert [row[0] for row in stages[1:]] == schema.stages
    for row, stage in zip(stages[1:], schema.stages, strict=True):
        milestone = schema.milestone_of(stage)
        assert row[1] == (milestone or "–")
        for field in schema.requirements(stage):
            assert field in html
    severities = table(html, "inc-severities")
    assert [row[0].split()[0] for row in severities[1:]] == list(schema.severities)
    matrix = table(html, "inc-matrix")
    urgencies = matrix[0][1:]
    for row in matrix[1:]:
        assert row[1:] == [schema.priority_for(row[0], u) for u in urgencies]


def test_feed_lists_closures_and_postmortems_of_published_records(internal: Path, public: Path) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(internal / "feed.xml").getroot()
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == [
        f"Post-mortem: {P3}: Incident {P3}",
        f"Closed: {P3}: Incident {P3}",
        f"Closed: {P2}: Incident {P2}",
        f"Post-mortem: {P1}: Incident {P1}",
        f"Closed: {P1}: Incident {P1}",
    ]
    public_feed = ET.parse(public / "feed.xml").getroot()
    assert [e.findtext("a:id", namespaces=ns) for e in public_feed.findall("a:entry", ns)] == [
        f"urn:incident-ledger:{P1}:post-mortem",
        f"urn:incident-ledger:{P1}:closed",
    ]


def test_site_loads_nothing_from_other_hosts(internal: Path) -> None:
    # Loads: scripts, images, frames, stylesheets, icons, preconnects (not rel=canonical).
    external = re.compile(
        r"""<(?:script|img|iframe)\b[^>]*\bsrc=["']?(?:https?:)?//|<link\b(?![^>]*rel="(?:canonical|prev|next)")[^>]*href=["']?(?:https?:)?//""",
        re.I,
    )
    for file, text in site_files(internal):
        if file.suffix == ".html":
            assert not external.search(text), (file, external.search(text))
            assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, file


def _html_fragments(file: Path, text: str) -> list[str]:
    """The HTML a browser could render from a built file: pages, index entries, feed content."""
    if file.suffix == ".html":
        return [text]
    # Pagefind's fragments hold each page's text as text (`<` included), which its interface
    # escapes when it shows an excerpt: tests/site/test_browser.py searches the hostile record.
    if file.suffix == ".xml" and file.name == "feed.xml":
        root = ElementTree.fromstring(text)
        return [e.text or "" for e in root.iter() if e.tag.endswith(("content", "summary", "title"))]
    return []


# -- reading the site: tables, feed discovery, ongoing durations -------------------------


class _TableAudit(HTMLParser):
    """Every table's enclosing region (its attributes) and every header cell's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict[str, str | None]] = []
        self.regions: list[dict[str, str | None]] = []
        self.headers: list[str] = []
        self.in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            self.stack.append(dict(attrs))
        elif tag == "table":
            self.regions.append(self.stack[-1] if self.stack else {})
        elif tag == "th":
            self.in_th = True
            self.headers.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.stack:
            self.stack.pop()
        elif tag == "th":
            self.in_th = False

    def handle_data(self, data: str) -> None:
        if self.in_th:
            self.headers[-1] += data.strip()


def test_every_table_is_a_labelled_focusable_region_with_named_headers(internal: Path) -> None:
    for uri in ("", "metrics", "process", "postmortems", "incidents/2026", f"incidents/2026/{P1}"):
        audit = _TableAudit()
        audit.feed(page(internal, uri))
        assert audit.regions, uri
        for region in audit.regions:
            assert "inc-table" in (region.get("class") or "").split(), (uri, region)
            assert (region.get("role"), region.get("tabindex")) == ("region", "0"), (uri, region)
            assert region.get("aria-label"), (uri, region)
        assert "" not in audit.headers, uri


def test_every_page_advertises_the_feed_which_links_to_itself(internal: Path) -> None:
    for file, text in site_files(internal):
        if file.suffix == ".html" and file.name != "404.html":
            head = text[: text.index("</head>")]
            assert re.search(
                r'<link rel="alternate" type="application/atom\+xml" [^>]*href="(\.\./)*feed\.xml"', head
            ), file
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(internal / "feed.xml").getroot()
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", ns)}
    assert links == {"self": "https://incidents.example.com/feed.xml", "alternate": "https://incidents.example.com/"}


def test_feed_summaries_are_plain_text(public: Path) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(public / "feed.xml").getroot()
    summaries = [e.findtext("a:summary", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert summaries == [f"What happened in {P1}.", f"What happened in {P1}."]


def test_feed_summary_of_markdown_drops_the_markup(repo_with_fixtures: Path) -> None:
    from incident_ledger.process import DEFAULT_AUDIENCE, Process
    from incident_ledger.site.model import Incident

    schema = Schema(repo_with_fixtures / "schemas")
    data = {"id": P1, "title": "t", "status": "identified", "exercise": False}
    data["summary"] = "Card payments **failed**; see [the runbook](https://example.com/rb).\n\n- `pool` full"
    incident = Incident(data, Process(schema), datetime(2026, 11, 23, 12, tzinfo=timezone.utc), DEFAULT_AUDIENCE)
    assert incident.summary_text() == "Card payments failed; see the runbook. pool full"


def test_ongoing_incident_says_since_when_not_how_long(internal: Path) -> None:
    header = dict((row[0], row[1]) for row in table(page(internal, f"incidents/2026/{P4}"), "inc-header"))
    assert header["Detected"] == "2026-11-23 09:00 UTC by monitoring; ongoing since 2026-11-23 09:00 UTC"
    assert '<time datetime="2026-11-23T09:00:00Z">' in page(internal, f"incidents/2026/{P4}")


def test_search_shows_hostile_record_text_as_text(browser: Any, internal: Path) -> None:
    with serve(internal) as served, page_of(browser, served, 1280) as page:
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(served.url + "search/?q=onerror")
        page.wait_for_selector(".pagefind-ui__result-excerpt")
        page.wait_for_timeout(200)  # an injected handler would have run by now
        excerpt = page.inner_text(".pagefind-ui__result-excerpt")
        assert "<img src=x onerror=" in excerpt  # shown as the text it is
        assert (
            page.evaluate("document.querySelectorAll('.pagefind-ui__results img, .pagefind-ui__results iframe').length")
            == 0
        )
        assert dialogs == []
    assert served.outside == []
