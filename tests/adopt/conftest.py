"""Shared by the first-day tests: this project's wheel and the libraries it needs, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from project_paths import PROJECT
from runner_helpers import build_wheel, libraries_view


@pytest.fixture(scope="session")
def offline_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a folder with this project's wheel, a folder showing the installed libraries but it)."""
    work = tmp_path_factory.mktemp("index")
    return build_wheel(PROJECT, work), libraries_view(work)
