"""The site's search index: Pagefind, run over the built pages, in parts.

Material's own search plugin writes one JSON file holding the text of every page, which
every reader downloads on their first search (14.5 MB at 5,000 records). Pagefind splits
its index into small chunks by word and loads only those a query needs, so a first search
costs about the same at 100 records as at 10,000. Its binary ships inside the
`pagefind-bin` wheel: nothing is downloaded at build time, and the index and its
interface are files in the site, so search works offline.

Pagefind holds every page it indexes in memory until it writes its index: about 0.3 to
0.5 MB per incident page (Pagefind 1.5), 2.5 GB for one run over 10,000 records. So the
pages are indexed in parts of a bounded number of pages, one Pagefind run per part, each
run started as soon as its pages are written, on the other core while MkDocs renders the
rest. The first part is the bundle the search page loads (`pagefind/`, with Pagefind's
interface); the others are bundles of their own (`pagefind/part-N/`, index files only),
listed in `pagefind/parts.json`, which the search page merges at query time with
Pagefind's multisite `mergeIndex`: a first search fetches each part's small meta file
and the index chunk of each word searched for.

It indexes only the built pages, and only the part marked `data-pagefind-body` (the
article, not the navigation): a record left out of the audience's site is in no page, so
it is in no index either.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..distribution import DISTRIBUTION, pinned_requirement
from ..errors import LedgerError

BUNDLE = "pagefind"
PARTS = "parts.json"
# Each Pagefind run peaks near 300-500 MB at 1,000 incident pages and runs beside MkDocs'
# own process (500 MiB at 10,000 records); a reader's first search costs a few kilobytes
# more per part (0.37 MB for the search page and index at 10,000 records in 11 parts).
PART_PAGES = 500
# What a merged bundle needs: the search page loads the interface and WebAssembly from
# the first bundle only.
_MERGED_KEEPS = ("pagefind-entry.json", "index", "fragment", "filter")


class SearchError(LedgerError):
    """Pagefind could not be found or failed to index the site."""


def executable() -> Path:
    try:
        import pagefind_bin
    except ImportError:
        raise SearchError(
            f"the site search needs Pagefind, which {DISTRIBUTION} installs with it; reinstall it "
            f"(pip install --force-reinstall {pinned_requirement()})"
        ) from None
    try:
        return Path(pagefind_bin.get_executable())
    except FileNotFoundError as error:
        raise SearchError(f"Pagefind's binary is missing from the pagefind-bin package: {error}") from None


def bundle_dir(number: int) -> str:
    """Where part `number` goes in the site. Named so Pagefind still takes the folder above
    `pagefind/` as the site's base URL (it cuts the bundle path at its last `pagefind`)."""
    return BUNDLE if number == 0 else f"{BUNDLE}/part-{number}"


@dataclass
class _Run:
    number: int
    staging: Path
    process: subprocess.Popen[bytes]
    output: IO[bytes]


class SearchIndexer:
    """Indexes a site's pages in parts while MkDocs writes them, one Pagefind run at a time.

    `add` is called for each page as MkDocs finishes it, in the order MkDocs writes them:
    every page added before the current one is on disk, so a full part can be indexed
    while the next pages render. `finish` indexes the rest and waits for every run.
    """

    def __init__(self, site: Path, part_pages: int = PART_PAGES) -> None:
        self.site = site
        self.part_pages = part_pages
        self.seen: set[str] = set()
        self._pending: list[str] = []
        self._queue: list[list[str]] = []
        self._parts = 0
        self._running: _Run | None = None
        self._exe: Path | None = None

    def add(self, dest: str, searchable: bool = True) -> None:
        """The page at `dest` (relative to the site) is written after this call returns."""
        if dest in self.seen:
            return
        self.seen.add(dest)
        if not searchable:
            return
        if len(self._pending) >= self.part_pages:
            self._queue.append(self._pending)
            self._pending = []
        self._pending.append(dest)
        self._advance()

    def finish(self, pages: Iterable[str] = ()) -> int:
        """Index every page added, and those of `pages` not added but on disk (a dirty build
        rewrites only the pages that changed; Pagefind skips a page without
        `data-pagefind-body`); write the list of parts. Returns their number."""
        for dest in pages:
            if dest not in self.seen and (self.site / dest).is_file():
                self.add(dest)
        if self._pending or (not self._parts and not self._queue):  # at least the bundle the page loads
            self._queue.append(self._pending)
            self._pending = []
        while self._running is not None or self._queue:
            if self._running is not None:
                self._running.process.wait()
            self._advance()
        merged = [f"part-{n}/" for n in range(1, self._parts)]
        (self.site / BUNDLE / PARTS).write_text(json.dumps(merged), encoding="utf-8")
        return self._parts

    def abort(self) -> None:
        """Stop the running Pagefind and remove what it was given; the build failed."""
        self._queue = []
        run, self._running = self._running, None
        if run is not None:
            run.process.kill()
            run.process.wait()
            run.output.close()
            shutil.rmtree(run.staging, ignore_errors=True)

    def _advance(self) -> None:
        """Collect the run that ended, if any, and start the next queued part."""
        run = self._running
        if run is not None:
            if run.process.poll() is None:
                return
            self._running = None
            self._collect(run)
        if self._queue:
            self._running = self._start(self._queue.pop(0))

    def _start(self, pages: list[str]) -> _Run:
        if self._exe is None:
            self._exe = executable()
        number = self._parts
        self._parts += 1
        staging = self.site / f".{BUNDLE}-part-{number}"
        _stage(self.site, staging, pages)
        output = tempfile.TemporaryFile()  # noqa: SIM115 (read and closed when the run is collected)
        command = [str(self._exe), "--site", str(staging), "--output-path", str(self.site / bundle_dir(number))]
        try:
            process = subprocess.Popen([*command, "--silent"], stdout=output, stderr=subprocess.STDOUT)
        except OSError as error:
            output.close()
            shutil.rmtree(staging, ignore_errors=True)
            raise SearchError(f"Pagefind could not be started ({self._exe}): {error}") from None
        return _Run(number, staging, process, output)

    def _collect(self, run: _Run) -> None:
        shutil.rmtree(run.staging, ignore_errors=True)
        run.output.seek(0)
        detail = run.output.read().decode("utf-8", errors="replace").strip()
        run.output.close()
        if run.process.returncode != 0:
            self.abort()
            raise SearchError(f"Pagefind failed to index {self.site} (exit {run.process.returncode}): {detail}")
        if run.number > 0:
            _keep_index_only(self.site / bundle_dir(run.number))


def _stage(site: Path, staging: Path, pages: list[str]) -> None:
    """A folder holding just these pages at their places in the site, as hard links (a
    copy where the file system has none): Pagefind names each page by its path in it."""
    shutil.rmtree(staging, ignore_errors=True)
    for dest in pages:
        source, target = site / dest, staging / dest
        if not source.is_file():  # MkDocs skips a page whose output is empty
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    staging.mkdir(exist_ok=True)


def _keep_index_only(bundle: Path) -> None:
    for entry in bundle.iterdir():
        if entry.name.endswith(".pf_meta") or entry.name in _MERGED_KEEPS:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
