"""Helpers for the site tests: real MkDocs builds (they take seconds, so tests share them per module).

Module-scoped fixtures start before the autouse isolation of `tests/conftest.py`, so the
build environment (home folder, matplotlib's cache, the fixed clock) is set here too.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from project_paths import FIXED_NOW, PROJECT

TEXT_SUFFIXES = (".html", ".xml", ".json", ".js", ".svg", ".txt", ".css")


@contextmanager
def build_environment(tmp: Path) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp / "home"))
        patch.setenv("MPLCONFIGDIR", str(tmp / "home" / "mpl"))
        patch.setenv("INC_NOW", FIXED_NOW)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        patch.delenv("INC_SITE_AUDIENCE", raising=False)
        yield


def new_site_repo(root: Path) -> Path:
    """A repository with the project's schemas and site/ (mkdocs.yml, docs/), no records."""
    root.mkdir(parents=True)
    shutil.copytree(PROJECT / "schemas", root / "schemas")
    shutil.copytree(PROJECT / "site", root / "site", ignore=shutil.ignore_patterns("build"))
    (root / "incidents").mkdir()
    return root


def inc(root: Path, *args: str) -> tuple[int, str, str]:
    """Run `inc -C root ARGS` in-process; (exit code, stdout, stderr)."""
    from incident_ledger.cli.main import main

    with CliRunner().isolation() as (out, err, *_):
        code = main(["-C", str(root), *args])
        return code, out.getvalue().decode(), err.getvalue().decode()


def site_files(site: Path) -> Iterator[tuple[Path, str]]:
    """Every text file of a built site, and Pagefind's compressed files as the text they hold."""
    for file in sorted(site.rglob("*")):
        if file.is_file() and file.suffix in TEXT_SUFFIXES:
            yield file, file.read_text(encoding="utf-8", errors="replace")
        elif file.is_file() and file.suffix in PAGEFIND_SUFFIXES:
            yield file, pagefind_text(file)


# Pagefind's index (words, in its binary format) and fragments (each page's text, as JSON),
# both gzip-compressed behind a `pagefind_dcd` signature.
PAGEFIND_SUFFIXES = (".pf_fragment", ".pf_index", ".pf_meta")


def pagefind_text(file: Path) -> str:
    data = gzip.decompress(file.read_bytes())
    return data.removeprefix(b"pagefind_dcd").decode("utf-8", errors="replace")


def search_fragments(site: Path) -> list[dict[str, Any]]:
    """Every page Pagefind indexed, in every part of the index: {url, content, meta: {title}, ...}."""
    return [json.loads(pagefind_text(f)) for f in sorted((site / "pagefind").glob("**/fragment/*.pf_fragment"))]


def files_containing(site: Path, needle: str) -> list[str]:
    return [str(f.relative_to(site)) for f, text in site_files(site) if needle in text]


def page(site: Path, uri: str) -> str:
    return (site / uri / "index.html").read_text(encoding="utf-8")


class _Tables(HTMLParser):
    """Rows of cell texts of the tables inside <div class="CLASS">."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.depth = 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and self.depth:
            self.depth += 1
        elif tag == "div" and self.wanted in (dict(attrs).get("class") or "").split():
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []
        elif self.cell is not None and tag == "br":
            self.cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table(html: str, css_class: str) -> list[list[str]]:
    parser = _Tables(css_class)
    parser.feed(html)
    return parser.rows


class _UnsafeMarkup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            target = (value or "").strip().lower()
            if name.startswith("on") or (
                name in ("href", "src", "action") and target.startswith(("javascript:", "data:"))
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif name == "src" and ("://" in target or target.startswith("//")):
                self.found.append(f"<{tag} src={value!r}>")  # loads from another host


def unsafe_markup(html: str) -> list[str]:
    """Elements that could run code or load another page: handlers, javascript: targets, frames."""
    parser = _UnsafeMarkup()
    parser.feed(html)
    return parser.found
