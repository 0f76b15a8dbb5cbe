"""The site's search index: Pagefind, run over the built pages after every build.

Material's own search plugin writes one JSON file holding the text of every page, which
every reader downloads on their first search (14.5 MB at 5,000 records). Pagefind splits
its index into small chunks by word and loads only those a query needs, so a first search
costs about the same at 100 records as at 10,000. Its binary ships inside the
`pagefind-bin` wheel: nothing is downloaded at build time, and the index and its
interface are files in the site, so search works offline.

It indexes only the built pages, and only the part marked `data-pagefind-body` (the
article, not the navigation): a record left out of the audience's site is in no page, so
it is in no index either.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..distribution import DISTRIBUTION, pinned_requirement
from ..errors import LedgerError

BUNDLE = "pagefind"


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


def index_site(site: Path) -> None:
    """Write the search index and interface into `site`/pagefind/."""
    command = [str(executable()), "--site", str(site), "--output-subdir", BUNDLE, "--silent"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        raise SearchError(f"Pagefind failed to index {site} (exit {done.returncode}): {detail}")
