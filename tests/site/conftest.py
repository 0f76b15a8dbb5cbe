"""Builds and a browser shared by the site test modules (each takes seconds to make)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import chromium, missing_browser
from project_paths import PROJECT
from site_helpers import build_environment, inc


@pytest.fixture(scope="session")
def shipped_internal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped records' site as users build it: `mkdocs build -f site/mkdocs.yml` (internal)."""
    tmp = tmp_path_factory.mktemp("shipped")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    with build_environment(tmp):
        done = subprocess.run(
            [str(mkdocs), "build", "-q", "-f", str(PROJECT / "site" / "mkdocs.yml"), "-d", str(tmp / "out")],
            capture_output=True,
            text=True,
            env=dict(os.environ),
        )
    assert done.returncode == 0, done.stderr
    # Matplotlib says so when building its font cache (a fresh MPLCONFIGDIR) is slow, as on
    # a busy machine; anything else on stderr is a failure.
    assert [line for line in done.stderr.splitlines() if not line.startswith("Matplotlib is building")] == []
    return tmp / "out"


@pytest.fixture(scope="session")
def shipped_public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped records' site for the public audience, built with `inc site build`."""
    tmp = tmp_path_factory.mktemp("shipped-public")
    with build_environment(tmp):
        code, out, err = inc(PROJECT, "site", "build", "--audience", "public", "--out", str(tmp / "out"))
    assert code == 0, out + err
    return tmp / "out"


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium (fresh profile), or a skip that says what is missing."""
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context
