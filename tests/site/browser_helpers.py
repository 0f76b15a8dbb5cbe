"""A real browser for the site tests: Debian's Chromium driven by Playwright, offline.

The built site is served by a thread on 127.0.0.1; every request the page makes is
recorded, and any that is not for that address is refused and reported. Where no
Chromium is installed the tests that need one are skipped with the reason (`.ci/run`
installs Debian's `chromium` when it runs as root).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"no browser: {CHROMIUM} is missing (Debian: apt-get install chromium; .ci/run does it as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "no browser driver: the playwright package is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """Chromium with a fresh profile, headless, with every background fetch turned off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        # A persistent context is the only way to give Chromium its own user-data-dir.
        context = driver.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        try:
            yield context
        finally:
            context.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    url: str
    outside: list[str] = field(default_factory=list)


@contextmanager
def serve(site: Path) -> Iterator[Served]:
    """The built site on http://127.0.0.1:<free port>/ for as long as the block runs."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def page_of(context: Any, served: Served, width: int, scheme: str = "light") -> Iterator[Any]:
    """A new tab of `width` px; a request for any other host is aborted and recorded."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)

    def route(route: Any) -> None:
        if route.request.url.startswith(served.url):
            route.continue_()
        else:
            served.outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    try:
        yield page
    finally:
        page.close()


# Every table's region: is it wider than the viewport, does it overflow, can it be
# scrolled and focused, is it labelled, are its columns reachable.
TABLE_AUDIT = """() => [...document.querySelectorAll('article table')].map(table => {
  let region = table.closest('.inc-table');
  const box = (region || table).getBoundingClientRect();
  const style = region ? getComputedStyle(region) : null;
  return {
    region: region ? region.className : null,
    label: region ? region.getAttribute('aria-label') : null,
    tabindex: region ? region.getAttribute('tabindex') : null,
    overflowX: style ? style.overflowX : null,
    left: box.left, right: box.right,
    scrollWidth: region ? region.scrollWidth : table.scrollWidth,
    clientWidth: region ? region.clientWidth : table.clientWidth,
    viewport: document.documentElement.clientWidth,
    hiddenCells: [...table.querySelectorAll('td, th')].filter(c => getComputedStyle(c).display === 'none').length,
  };
})"""
