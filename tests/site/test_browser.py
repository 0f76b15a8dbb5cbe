"""The shipped records' site in a real browser (Debian's Chromium, driven by Playwright).

Served on 127.0.0.1 and read as a stakeholder would: search by a word of a title,
offline; nothing fetched from another host; no serious or critical axe violation in the
product's own markup; no table hiding columns at phone or laptop width.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import TABLE_AUDIT, page_of, serve

PAGES = {
    "home": "",
    "incident": "incidents/2026/INC-20261121-T4NB/",
    "metrics": "metrics/",
    "status": "status/",
}
# The product's own markup: the article the plugin renders and the header's search form.
# Material's navigation and chrome are the theme's, audited by its authors.
OWN_MARKUP = {"include": [["article.md-content__inner"], [".inc-search"]]}


def test_search_finds_a_record_by_a_word_of_its_title_offline(browser: Any, shipped_internal: Path) -> None:
    with serve(shipped_internal) as served, page_of(browser, served, 1280) as page:
        page.goto(served.url)
        page.fill(".inc-search__input", "invoices")
        page.press(".inc-search__input", "Enter")
        page.wait_for_selector(".pagefind-ui__result-link")
        titles = [link.inner_text() for link in page.query_selector_all(".pagefind-ui__result-link")]
        assert titles[0] == "INC-20261122-8KMR: Invoices for customers in Austria show the old VAT number"
        page.click(".pagefind-ui__result-link >> nth=0")
        page.wait_for_url("**/INC-20261122-8KMR/")
    assert served.outside == []


def test_public_search_has_only_public_records(browser: Any, shipped_public: Path) -> None:
    public = {"INC-20250914-4HQ2", "INC-20261120-3WKS", "INC-20261121-T4NB"}
    with serve(shipped_public) as served, page_of(browser, served, 1280) as page:
        # The title words of internal records: Pagefind still answers (with near matches),
        # but never with a record the public may not read.
        for words in ("invoices Austria", "password reset emails"):
            page.goto(served.url + "search/?q=" + words.replace(" ", "+"))
            page.wait_for_function("(document.querySelector('.pagefind-ui__message') || {}).innerText")
            links = [a.get_attribute("href") for a in page.query_selector_all(".pagefind-ui__result-link")]
            found = set(re.findall(r"INC-\d{8}-[0-9A-Z]{4}", " ".join(links)))
            assert found <= public, (words, found)
    assert served.outside == []


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=OWN_MARKUP)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_in_our_markup(browser: Any, shipped_internal: Path, scheme: str) -> None:
    found = {}
    with serve(shipped_internal) as served, page_of(browser, served, 1280, scheme) as page:
        for name, uri in PAGES.items():
            page.goto(served.url + uri)
            found[name] = _serious(page)
    assert found == {name: [] for name in PAGES}
    assert served.outside == []


@pytest.mark.parametrize("width", [390, 1280])
def test_no_table_hides_columns_without_a_way_to_reach_them(browser: Any, shipped_internal: Path, width: int) -> None:
    with serve(shipped_internal) as served, page_of(browser, served, width) as page:
        for uri in PAGES.values():
            page.goto(served.url + uri)
            for table in page.evaluate(TABLE_AUDIT):
                where = (uri, width, table["region"])
                assert table["region"] and table["label"] and table["tabindex"] == "0", where
                assert table["hiddenCells"] == 0, where
                # The region itself stays on screen ...
                assert table["left"] >= 0 and table["right"] <= table["viewport"], where
                # ... and either the table fits in it, or the region scrolls sideways.
                if table["scrollWidth"] > table["clientWidth"]:
                    assert table["overflowX"] in ("auto", "scroll"), where
    assert served.outside == []


def test_a_wide_table_scrolls_by_keyboard(browser: Any, shipped_internal: Path) -> None:
    with serve(shipped_internal) as served, page_of(browser, served, 390) as page:
        page.goto(served.url + "metrics/")
        region = page.locator(".inc-durations-severity")
        assert region.evaluate("r => r.scrollWidth > r.clientWidth")
        page.keyboard.press("Tab")  # from the page to the first focusable thing, then to this region
        region.focus()
        assert page.evaluate("document.activeElement.classList.contains('inc-durations-severity')")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function("document.querySelector('.inc-durations-severity').scrollLeft > 0")
