"""The `incidents` MkDocs plugin: pages generated at build time from incidents/.

Nothing generated is committed. In `on_files` the plugin reads and checks the records
(the same checks and messages as `inc validate`), keeps those the audience may read and
adds one virtual file per page (`File.generated`). Each page's Markdown is only a stub
with its title; `on_page_content` sets the table of contents and `on_page_context`
replaces the (empty) rendered stub with the page's HTML from the templates, so record
text is never parsed as part of a Markdown page with raw HTML enabled.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils import get_relative_url

from ..errors import LedgerError
from ..process import AUDIENCE_NAMES, DEFAULT_AUDIENCE, STAFF_AUDIENCE, now
from ..report import text_line
from .search import PART_PAGES, SearchError, SearchIndexer

log = logging.getLogger("mkdocs.plugins.incidents")

CSS = "assets/incidents.css"
SEARCH_JS = "assets/incidents-search.js"
ASSETS = Path(__file__).parent / "assets"
# Template overrides (the feed's autodiscovery link), placed before the theme's own.
THEME = Path(__file__).parent / "theme"


class IncidentsConfig(base.Config):  # type: ignore[no-untyped-call]
    # Relative to the folder of mkdocs.yml; its parent folder is the repository (schemas/).
    incidents_dir = c.Type(str, default="../incidents")
    # Who reads the built site: public sees public records, internal public and internal.
    # Restricted records are in no audience.
    audience = c.Choice(AUDIENCE_NAMES, default=DEFAULT_AUDIENCE)
    # true: an invalid record fails the build; false: it is left out and named in the log.
    strict = c.Type(bool, default=True)
    # Pages per part of the search index: each part is one Pagefind run, which holds all its
    # pages in memory (about 0.5 MB each). Lower it if the build runs short of memory.
    search_part_pages = c.Type(int, default=PART_PAGES)


def build_time() -> datetime:
    """The build's clock: the process layer's, so INC_NOW fixes it as it fixes `inc`'s."""
    try:
        return now()
    except LedgerError as error:
        raise PluginError(f"incidents: {error}") from None


class IncidentsPlugin(BasePlugin[IncidentsConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self._base = Path.cwd()
        self.pages: dict[str, Any] = {}
        self.urls: dict[str, str] = {}
        self.env: Any = None
        self.charts: Any = None
        self._pool: Any = None
        self.search: SearchIndexer | None = None
        self._page_dests: list[str] = []
        self._rendered: set[str] = set()

    @property
    def incidents_path(self) -> Path:
        return (self._base / self.config.incidents_dir).resolve()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self._base = Path(config.config_file_path or ".").absolute().parent
        override = os.environ.get("INC_SITE_AUDIENCE")  # set by `inc site serve --audience`
        if override:
            if override not in AUDIENCE_NAMES:
                raise PluginError(f"incidents: INC_SITE_AUDIENCE={override!r} must be {' or '.join(AUDIENCE_NAMES)}")
            self.config.audience = override
        if self.config.search_part_pages < 1:
            raise PluginError(f"incidents: search_part_pages is {self.config.search_part_pages}; it must be 1 or more")
        if "search" in config.plugins or "material/search" in config.plugins:
            log.warning(
                "incidents: the search plugin's index grows with every record; this site is "
                "searched with Pagefind instead: remove `search` from plugins in mkdocs.yml"
            )
        if CSS not in config.extra_css:
            config.extra_css.append(CSS)
        dirs = config.theme.dirs
        if str(THEME) not in dirs:
            dirs.insert(1 if config.theme.custom_dir else 0, str(THEME))
        return config

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        server.watch(str(self.incidents_path))
        server.watch(str(self.incidents_path.parent / "schemas"))
        return server

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        from . import charts, feed, status
        from .pages import SitePlan, environment

        self.search = SearchIndexer(Path(config.site_dir), self.config.search_part_pages)
        plan = SitePlan(self._catalog(), self._histories())
        self.urls = {f.src_uri: f.url for f in files}
        self.env = environment()
        self.pages = {}
        self._rendered = set()
        # Looked up once: Files' own index is rebuilt after every append (quadratic).
        written = {f.src_uri for f in files}
        for page in plan.build():
            if page.uri in written:
                log.info("incidents: %s is written by hand in docs/; not generating it", page.uri)
                continue
            inclusion = InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV
            stub = _stub(page.title, page.searchable)
            files.append(File.generated(config, page.uri, content=stub, inclusion=inclusion))
            self.pages[page.uri] = page
        self._start_charts()
        # Written by on_post_build, not MkDocs files: known to the templates by their URL.
        self.urls.update((f"metrics/{name}", f"metrics/{name}") for name in charts.NAMES)
        self._asset(files, config, CSS, (ASSETS / "incidents.css").read_bytes())
        self._asset(files, config, SEARCH_JS, (ASSETS / "incidents-search.js").read_bytes())
        self.urls.update((f.src_uri, f.url) for f in files)
        site_url = config.site_url or ""
        xml = feed.atom(
            plan.incidents, config.site_name, site_url, lambda uri: urljoin(site_url, self.urls.get(uri, uri))
        )
        self._asset(files, config, "feed.xml", xml)
        self.urls["feed.xml"] = "feed.xml"
        summary = status.status_json(
            plan.incidents, config.site_name, site_url, plan.catalog.now, lambda uri: urljoin(site_url, self.urls[uri])
        )
        self._asset(files, config, "status.json", summary)
        self.urls["status.json"] = "status.json"
        return files

    def _start_charts(self) -> None:
        """Draw the charts in another process while MkDocs renders the pages here.

        Importing matplotlib and drawing take about a second; on two cores that second is
        hidden behind page rendering. The SVGs are written into the site in on_post_build.
        The process is spawned, not forked: a fork shares this process' memory, every record
        included, and copies it page by page as the worker touches it: memory that grows
        with the number of records, twice.
        """
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from . import charts

        metrics_page = self.pages.get("metrics/index.md")
        if metrics_page is None:
            self.charts = None
            return
        figures = {
            k: metrics_page.context[k]
            for k in (
                "months",
                "severities",
                "by_severity",
                "by_quarter",
                "measures",
                "services",
                "categories",
                "follow",
            )
        }
        from .. import interrupts

        self._pool = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=interrupts.in_worker
        )
        self.charts = self._pool.submit(charts.render_all, figures)

    def _write_charts(self, config: MkDocsConfig) -> None:
        if self.charts is None:
            return
        try:
            drawn = self.charts.result()
        except Exception as error:  # MkDocs would swallow it into a vague message
            raise PluginError(
                f"incidents: drawing the metrics charts failed: {type(error).__name__}: {error}"
            ) from None
        finally:
            self._pool.shutdown()
            self.charts = None
        folder = Path(config.site_dir) / "metrics"
        folder.mkdir(parents=True, exist_ok=True)
        for name, svg in drawn.items():
            (folder / name).write_bytes(svg)

    def _asset(self, files: Files, config: MkDocsConfig, uri: str, content: bytes) -> None:
        if uri not in self.urls:
            files.append(File.generated(config, uri, content=content))

    def _histories(self) -> Any:
        """Every record's commits, in one `git log` (the internal audience's change history)."""
        if self.config.audience != STAFF_AUDIENCE:
            return None
        from ..audit import histories
        from ..errors import LedgerError

        try:
            return histories(self.incidents_path.parent)
        except LedgerError as error:  # git missing or refusing: the site still builds, without it
            log.warning("incidents: no change history: %s", error)
            return None

    def _catalog(self) -> Any:
        from ..errors import LedgerError, RecordError
        from .published import load

        incidents = self.incidents_path
        if not incidents.is_dir():
            raise PluginError(f"incidents: {incidents}: no such folder; set incidents_dir in mkdocs.yml")
        try:
            catalog = load(incidents.parent, incidents, self.config.audience, build_time())
        except RecordError as error:
            raise PluginError("incidents: " + "\n".join(map(text_line, error.problems))) from None
        except LedgerError as error:
            raise PluginError(f"incidents: {error}") from None
        if catalog.invalid.problems:
            lines = "\n".join(catalog.invalid.lines())
            count = len(catalog.invalid.paths)
            if self.config.strict:
                raise PluginError(
                    f"incidents: {count} invalid record(s):\n{lines}\n"
                    "Fix them (`inc validate` shows the same problems), or set `strict: false` "
                    "for the incidents plugin to build without them."
                )
            log.warning(
                "incidents: left out %d invalid record(s): %s\n%s", count, ", ".join(catalog.invalid.paths), lines
            )
        log.info("incidents: publishing %d record(s) for the %s audience", len(catalog.published), self.config.audience)
        return catalog

    def on_page_content(self, html: str, page: MkPage, config: MkDocsConfig, files: Files) -> str | None:
        spec = self.pages.get(page.file.src_uri)
        if spec is not None:
            page.toc = _toc(spec.headings)
        return html

    def on_page_context(self, context: Any, page: MkPage, config: MkDocsConfig, nav: Any) -> Any:
        """Render a generated page's body just before the theme writes the page, not when
        MkDocs reads every page first: MkDocs keeps each page's body for the whole build,
        so bodies made up front would all be in memory at once (100 MB at 10,000 records).
        The page's context is dropped once used, and with it its record."""
        spec = self.pages.pop(page.file.src_uri, None)
        if spec is None:
            return context

        def url(uri: str) -> str:
            return get_relative_url(self.urls[uri], page.url)

        template = self.env.get_template(spec.template)
        page.content = str(template.render(spec.context, url=url, page_title=spec.title))
        self._rendered.add(page.file.src_uri)
        return context

    def on_post_page(self, output: str, page: MkPage, config: MkDocsConfig) -> str:
        if self.search is None:
            return output
        # Pages a reader finds on their own page, not again on every list naming them
        # (theme/main.html leaves `data-pagefind-body` out of them), are not handed to Pagefind.
        searchable = page.meta.get("incidents_search") is not False
        try:
            self.search.add(page.file.dest_uri, searchable)
        except SearchError as error:
            raise PluginError(f"incidents: {error}") from None
        if page.file.src_uri in self._rendered:
            page.content = None  # written with `output`; nothing reads a generated page's body again
        return output

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        self._page_dests = [f.dest_uri for f in files.documentation_pages()]
        return env

    def on_post_build(self, config: MkDocsConfig) -> None:
        self._write_charts(config)
        search, self.search = self.search, None
        # A served site rebuilds from scratch: do not keep 5,000 page contexts around.
        self.pages = {}
        if search is not None:
            try:
                search.finish(self._page_dests)
            except SearchError as error:
                raise PluginError(f"incidents: {error}") from None

    def on_build_error(self, error: Exception) -> None:
        if self.search is not None:
            self.search.abort()
            self.search = None
        if self.charts is not None:
            self.charts.cancel()
            self._pool.shutdown()
            self.charts = None


def _stub(title: str, searchable: bool = True) -> str:
    """The Markdown MkDocs renders for a generated page: only its title, in front matter.

    The body stays empty because Python-Markdown costs about half a millisecond even for a
    few headings, per page; the table of contents is set from the page plan instead.
    """
    from .render import plain

    # JSON strings are valid YAML double-quoted scalars: the title cannot break the front matter.
    # `incidents_search: false` leaves the page out of the search index (theme/main.html reads it).
    search = "" if searchable else "incidents_search: false\n"
    return f"---\ntitle: {json.dumps(plain(title))}\n{search}---\n"


def _toc(headings: list[str]) -> Any:
    from markdown.extensions.toc import slugify
    from mkdocs.structure.toc import get_toc

    from .render import plain

    names = [plain(h) for h in headings]
    return get_toc([{"level": 2, "id": slugify(h, "-"), "name": h, "children": []} for h in names])
