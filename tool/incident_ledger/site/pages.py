"""Which pages the site has and what each one shows, rendered from Jinja templates.

Every generated page is described by a `Page`: its place in the docs tree, its title,
its section headings (for MkDocs' table of contents), and the template and context that
render its body once MkDocs knows the page's URL (links between pages are relative). Templates are
autoescaped; record text reaches them only through `render` (sanitized Markup) or as
plain text that Jinja escapes.

Incident pages are never in the navigation: Material renders the whole nav into every
page, so a nav with N incidents makes the build O(N^2). Index pages link to them,
paginated so no page grows with the number of records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2
from markdown.extensions.toc import slugify
from markupsafe import Markup, escape

from .. import metrics
from ..audit import RecordCommit
from ..process import Process, today
from ..records import parse_time
from . import status
from .learning import Learning
from .model import Incident, slug
from .published import Catalog
from .render import plain, text

PAGE_SIZE = 100
RECENT = 10
TEMPLATES = Path(__file__).parent / "templates"

Url = Callable[[str], str]


@dataclass
class Page:
    uri: str
    title: str
    template: str
    context: dict[str, Any]
    headings: list[str] = field(default_factory=list)
    in_nav: bool = False
    # Indexed for search. Lists of incidents (home, indexes) are not: each incident is
    # found on its own page, not again on every list that names it.
    searchable: bool = True

    def __post_init__(self) -> None:
        # MkDocs and the theme write a page's title and headings unescaped (into <title>,
        # the header, the nav, the table of contents, the search index): whatever record
        # value a title is made of (an incident's title, a service name), it is plain text.
        self.title = plain(self.title)
        self.headings = [plain(h) for h in self.headings]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Every value a template prints passes here before it is escaped.
        finalize=text,
    )
    env.filters["minutes"] = metrics.format_minutes
    env.filters["when"] = _when
    env.filters["anchor"] = lambda text: slugify(text, "-")
    env.globals["badge"] = badge
    return env


def badge(kind: str, value: str) -> Markup:
    """A coloured label (stage, action status); a Python function, as macros are slow."""
    shown = escape(text(value))
    return Markup(f'<span class="inc-badge inc-{kind}-{str(shown).lower()}">{shown}</span>')


def _when(value: Any) -> str:
    """Timestamps as `2026-11-03 10:15 UTC`, whatever zone the record was written in."""
    moment = value if isinstance(value, datetime) else parse_time(value)
    if moment is None:
        return str(value)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class SitePlan:
    """All generated pages for one catalog, plus the data the charts and feed need."""

    def __init__(self, catalog: Catalog, histories: Mapping[str, list[RecordCommit]] | None = None) -> None:
        self.catalog = catalog
        self.process = Process(catalog.schema)
        self.incidents = [Incident(r, self.process, catalog.now, catalog.audience) for r in catalog.published]
        self.learning = Learning(self.incidents, self.process, catalog.now, catalog.audience, histories)
        self.real = [i for i in self.incidents if not i.exercise]
        self.exercises = [i for i in self.incidents if i.exercise]
        self.by_id = {i.id: i for i in self.incidents}
        self.counted = metrics.counted((i.data for i in self.real), self.process)
        self.pages: list[Page] = []

    def build(self) -> list[Page]:
        self.pages = []
        self._home()
        self._incident_indexes()
        self._postmortems()
        self._listing("exercises/index.md", "Exercises", self.exercises, intro="exercises", in_nav=True)
        self._metrics()
        self._process()
        self._status()
        self.pages.append(Page("search/index.md", "Search", "search.html", {}, searchable=False))
        for incident in self.incidents:
            self.pages.append(
                Page(
                    incident.uri,
                    f"{incident.id}: {incident.title}",
                    "incident.html",
                    {"i": incident, "duplicate_target": self._target(incident), **self.learning.for_incident(incident)},
                    _incident_headings(incident, self.learning.headings(incident)),
                )
            )
        return self.pages

    def _target(self, incident: Incident) -> Incident | None:
        # Only a published incident is named: a duplicate of a restricted one says no more.
        target = incident.data.get("duplicate_of")
        return self.by_id.get(target) if isinstance(target, str) else None

    # -- home and indexes ------------------------------------------------------------------

    def _home(self) -> None:
        active = sorted((i for i in self.real if i.active), key=lambda i: i.detected, reverse=True)
        closures = sorted((i for i in self.real if i.closed), key=lambda i: i.data["closed_at"], reverse=True)
        recovered = sorted((i for i in self.real if i.awaiting_closure), key=lambda i: i.data["recovered_at"])
        awaiting = sorted((i for i in self.real if i.awaiting_review), key=lambda i: i.data["closed_at"])
        figures = self._key_figures()
        context = {
            "active": active,
            "awaiting_closure": recovered,
            "closures": closures[:RECENT],
            "awaiting": awaiting,
            "figures": figures,
        }
        headings = [
            "Active incidents",
            "Recovered, not yet closed",
            "Recent closures",
            "Post-mortems awaiting review",
            "Key figures",
        ]
        self.pages.append(Page("index.md", "Overview", "home.html", context, headings, in_nav=True, searchable=False))

    def _key_figures(self) -> dict[str, Any]:
        year = today(self.catalog.now).year
        this_year = [r for r in self.counted if (metrics.month_of(r) or "").startswith(f"{year}-")]
        overall = metrics.durations_by(({**r, "severity": "all"} for r in self.counted), "severity").get("all", {})
        return {
            "year": year,
            "this_year": len(this_year),
            "active": sum(1 for i in self.real if i.active),
            "resolve_median": overall.get("resolve", metrics.stats([])).median,
            "follow": metrics.follow_through(self.counted, self.catalog.now),
        }

    def _incident_indexes(self) -> None:
        years: dict[str, list[Incident]] = defaultdict(list)
        services: dict[str, list[Incident]] = defaultdict(list)
        for incident in self.real:
            years[incident.id[4:8]].append(incident)
            for service in incident.services:
                services[service].append(incident)
        year_links = []
        for year in sorted(years, reverse=True):
            first = self._listing(f"incidents/{year}/index.md", f"Incidents in {year}", years[year])
            year_links.append((year, first, len(years[year])))
        service_links = []
        for service in sorted(services, key=str.lower):
            title = f"Incidents affecting {service}"
            first = self._listing(f"services/{slug(service)}/index.md", title, services[service])
            service_links.append((service, first, len(services[service])))
        context = {"years": year_links, "services": service_links, "total": len(self.real)}
        self.pages.append(
            Page(
                "incidents/index.md",
                "Incidents",
                "incidents.html",
                context,
                ["By year", "By service"],
                in_nav=True,
                searchable=False,
            )
        )

    def _postmortems(self) -> None:
        reviewed = sorted((i for i in self.real if i.reviewed), key=lambda i: i.data["reviewed_at"], reverse=True)
        by_service: dict[str, list[Incident]] = defaultdict(list)
        by_severity: dict[str, list[Incident]] = defaultdict(list)
        for incident in reviewed:
            by_severity[incident.severity or metrics.UNCLASSIFIED].append(incident)
            for service in incident.services:
                by_service[service].append(incident)
        severity_links = [
            (
                sev,
                self._listing(f"postmortems/severity/{sev}/index.md", f"Post-mortems: {sev}", by_severity[sev]),
                len(by_severity[sev]),
            )
            for sev in self.catalog.schema.severities
            if sev in by_severity
        ]
        service_links = [
            (
                name,
                self._listing(f"postmortems/services/{slug(name)}/index.md", f"Post-mortems: {name}", by_service[name]),
                len(by_service[name]),
            )
            for name in sorted(by_service, key=str.lower)
        ]
        self._listing(
            "postmortems/index.md",
            "Post-mortems",
            reviewed,
            intro="postmortems",
            extra={"severities": severity_links, "services": service_links},
            in_nav=True,
            date_field="reviewed_at",
        )

    def _listing(
        self,
        uri: str,
        title: str,
        incidents: Iterable[Incident],
        *,
        intro: str = "",
        extra: dict[str, Any] | None = None,
        in_nav: bool = False,
        date_field: str = "detected_at",
    ) -> str:
        """A list of incidents split into pages of PAGE_SIZE: index.md, page-2.md, ..."""
        rows = list(incidents)
        folder = uri.rsplit("/", 1)[0]
        chunks = [rows[i : i + PAGE_SIZE] for i in range(0, len(rows), PAGE_SIZE)] or [[]]
        uris = [uri] + [f"{folder}/page-{n}.md" for n in range(2, len(chunks) + 1)]
        for number, (chunk, page_uri) in enumerate(zip(chunks, uris, strict=True), start=1):
            context = {
                "rows": chunk,
                "intro": intro,
                "extra": extra or {},
                "number": number,
                "pages": uris,
                "total": len(rows),
                "date_field": date_field,
            }
            page_title = title if number == 1 else f"{title} (page {number})"
            self.pages.append(
                Page(page_uri, page_title, "listing.html", context, [], in_nav and number == 1, searchable=False)
            )
        return uri

    def _status(self) -> None:
        context = {"status": status.summary(self.incidents), "labels": status.LABELS, "indicators": status.INDICATORS}
        headings = ["Services", "Active incidents"]
        self.pages.append(
            Page("status/index.md", "Status", "status.html", context, headings, in_nav=True, searchable=False)
        )

    # -- metrics and process ---------------------------------------------------------------

    def _metrics(self) -> None:
        severities = [*self.catalog.schema.severities, metrics.UNCLASSIFIED]
        context = {
            "counted": len(self.counted),
            "months": metrics.counts_by_month(self.counted),
            "severities": severities,
            "by_severity": metrics.durations_by(self.counted, "severity"),
            "by_quarter": metrics.durations_by(self.counted, "quarter"),
            "services": _by_count(metrics.counts_by_service(self.counted)),
            "categories": _by_count(metrics.counts_by_category(self.counted)),
            "follow": metrics.follow_through(self.counted, self.catalog.now),
            "measures": [label for label, _ in metrics.MEASURES],
            "service_uris": {
                name: f"services/{slug(name)}/index.md" for name in {s for i in self.real for s in i.services}
            },
        }
        headings = [
            "Incidents per month",
            "Time to acknowledge, resolve and recover",
            "By quarter",
            "By service",
            "By category",
            "Action-item follow-through",
            *self.learning.metrics_headings(),
        ]
        context.update(self.learning.metrics_context())
        self.pages.append(Page("metrics/index.md", "Metrics", "metrics.html", context, headings, in_nav=True))

    def _process(self) -> None:
        schema = self.catalog.schema
        process = self.process
        stages = [
            {"name": stage, "new": process.new_requirements(stage), "milestone": schema.milestone_of(stage)}
            for stage in process.stages
        ]
        side = [{"name": s, "new": process.new_requirements(s)} for s in process.side_states]
        policy = schema.policy
        levels = list(policy["priority_matrix"])
        context = {
            "stages": stages,
            "base": schema.requirements(process.first_stage),
            "side": side,
            "side_before": process.side_states_before,
            "severities": schema.severities,
            "levels": levels,
            "urgencies": list(next(iter(policy["priority_matrix"].values()))),
            "matrix": policy["priority_matrix"],
            "priorities": policy.get("priorities", {}),
        }
        headings = ["Lifecycle", "Severities", "Priority matrix"]
        self.pages.append(Page("process/index.md", "Process handbook", "process.html", context, headings, in_nav=True))


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most first; ties by name, so the order does not depend on the order of records."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))


def _incident_headings(incident: Incident, learning: list[str]) -> list[str]:
    data = incident.data
    sections = [("Summary and impact", True), ("Timeline", True)]
    sections += [
        ("Investigation", "investigation" in data),
        ("Resolution", "resolution" in data),
        ("Recovery", "recovery" in data),
        ("Root cause", "root_cause" in data or "contributing_factors" in data),
        ("Post-mortem", "postmortem" in data),
        ("Action items", bool(data.get("action_items"))),
    ]
    shown = [name for name, present in sections if present]
    return shown + learning + (["Links"] if incident.links else [])
