"""The page plan: which pages exist and what lists they hold, without a MkDocs build."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from site_fixtures import record

from incident_ledger.process import DEFAULT_AUDIENCE
from incident_ledger.schema import Schema, schema_dir
from incident_ledger.site.pages import PAGE_SIZE, SitePlan
from incident_ledger.site.published import Catalog, Invalid


def test_long_lists_are_paginated() -> None:
    """Index pages hold PAGE_SIZE incidents each: page sizes stay constant as records grow."""
    schema = Schema(schema_dir(Path(__file__).resolve().parents[2]))
    records = [
        record(schema, f"INC-20260{1 + n % 9}01-{n:04d}", "reviewed", f"2026-0{1 + n % 9}-01T10:00:00Z")
        for n in range(2 * PAGE_SIZE + 5)
    ]
    now = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    pages = {p.uri: p for p in SitePlan(Catalog(schema, now, records, 0, Invalid(), DEFAULT_AUDIENCE)).build()}
    assert [
        len(pages[u].context["rows"])
        for u in ("postmortems/index.md", "postmortems/page-2.md", "postmortems/page-3.md")
    ] == [
        PAGE_SIZE,
        PAGE_SIZE,
        5,
    ]
    assert pages["postmortems/page-3.md"].context["pages"] == [
        "postmortems/index.md",
        "postmortems/page-2.md",
        "postmortems/page-3.md",
    ]
    assert pages["postmortems/index.md"].in_nav and not pages["postmortems/page-2.md"].in_nav
    assert sum(1 for uri, p in pages.items() if uri.startswith("incidents/2026/INC-") and not p.in_nav) == len(records)
