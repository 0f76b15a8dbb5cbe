"""The search index in parts: one Pagefind run per bounded number of pages (each run holds
its pages in memory), merged by the search page at query time.

The shipped records are built with parts of three pages, so the record searched for sits
in a merged part, not in the bundle the search page loads.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import page_of, serve
from project_paths import PROJECT
from site_helpers import build_environment, inc, new_site_repo, pagefind_text, search_fragments

PART_PAGES = 3
INVOICES = "INC-20261122-8KMR"


def _repo(root: Path, part_pages: int) -> Path:
    new_site_repo(root)
    shutil.rmtree(root / "incidents")
    shutil.copytree(PROJECT / "incidents", root / "incidents")
    config = root / "site" / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "      strict: true\n" in text
    config.write_text(
        text.replace("      strict: true\n", f"      strict: true\n      search_part_pages: {part_pages}\n")
    )
    return root


@pytest.fixture(scope="module")
def parted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("parted")
    root = _repo(tmp / "repo", PART_PAGES)
    with build_environment(tmp):
        code, out, err = inc(root, "site", "build", "--out", str(tmp / "out"))
    assert code == 0, out + err
    return tmp / "out"


def _part_of(site: Path, url_part: str) -> str:
    """The bundle folder whose fragments hold the page whose URL contains `url_part`."""
    for fragment in sorted((site / "pagefind").glob("**/fragment/*.pf_fragment")):
        if url_part in pagefind_text(fragment).split('"content"')[0]:
            return str(fragment.parent.parent.relative_to(site))
    raise AssertionError(f"{url_part} is in no part of the index")


def test_every_searchable_page_is_in_exactly_one_part(parted: Path, shipped_internal: Path) -> None:
    parts = sorted((parted / "pagefind").glob("part-*"), key=lambda p: int(p.name.split("-")[1]))
    assert json.loads((parted / "pagefind" / "parts.json").read_text()) == [f"{p.name}/" for p in parts]
    assert len(parts) >= 3
    for bundle in [parted / "pagefind", *parts]:
        assert 1 <= len(list(bundle.glob("fragment/*.pf_fragment"))) <= PART_PAGES, bundle
    urls = [doc["url"] for doc in search_fragments(parted)]
    assert len(urls) == len(set(urls))
    # The same pages as the site indexed in one run (the audience is the same).
    assert sorted(urls) == sorted(doc["url"] for doc in search_fragments(shipped_internal))


def test_merged_parts_hold_index_files_only_and_no_staging_is_left(parted: Path) -> None:
    for bundle in (parted / "pagefind").glob("part-*"):
        names = sorted(p.name for p in bundle.iterdir())
        assert [n for n in names if not re.fullmatch(r"pagefind\.en_\w+\.pf_meta", n)] == [
            "fragment",
            "index",
            "pagefind-entry.json",
        ]
    assert (parted / "pagefind" / "pagefind-ui.js").is_file()
    assert [p.name for p in parted.iterdir() if p.name.startswith(".")] == []


def test_search_finds_a_record_in_a_merged_part_offline(browser: Any, parted: Path) -> None:
    assert _part_of(parted, INVOICES) != "pagefind"
    with serve(parted) as served, page_of(browser, served, 1280) as page:
        page.goto(served.url)
        page.fill(".inc-search__input", "invoices")
        page.press(".inc-search__input", "Enter")
        page.wait_for_selector(".pagefind-ui__result-link")
        titles = [link.inner_text() for link in page.query_selector_all(".pagefind-ui__result-link")]
        # Scores from separate parts are merged, so the order among close matches may
        # differ from one index's: the record is found, and its link leads to it.
        title = f"{INVOICES}: Invoices for customers in Austria show the old VAT number"
        assert title in titles
        page.click(f".pagefind-ui__result-link >> nth={titles.index(title)}")
        page.wait_for_url(f"**/{INVOICES}/")
    assert served.outside == []


def test_part_size_below_one_is_refused(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo", 0)
    with build_environment(tmp_path):
        code, out, err = inc(root, "site", "build", "--out", str(tmp_path / "out"))
    assert code == 1, out + err
    assert err == "inc: error: the site was not built:\nincidents: search_part_pages is 0; it must be 1 or more\n"
    assert not (tmp_path / "out").exists()


def test_a_failed_pagefind_run_is_an_error_that_leaves_no_staging(tmp_path: Path) -> None:
    from incident_ledger.site.search import SearchError, SearchIndexer

    site = tmp_path / "site"
    site.mkdir()
    indexer = SearchIndexer(site, 2)
    indexer.add("gone/index.html")  # MkDocs wrote nothing for it: the part has no page
    with pytest.raises(SearchError) as caught:
        indexer.finish()
    message = str(caught.value)
    assert message.startswith(f"Pagefind failed to index {site} (exit 1): "), message
    assert "Pagefind was not able to build an index" in message
    assert [p.name for p in site.iterdir() if p.name.startswith(".")] == []
