"""Fixtures for the lifecycle tests: run a command and insist on its exit code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]


@pytest.fixture
def inc_ok(run_cli: Run) -> Run:
    """Run `inc` in-process and require success (the result is shown when it fails)."""

    def run(root: Path, *args: str, input: str | None = None) -> Any:
        result = run_cli(root, *args, input=input)
        assert result.exit_code == 0, result
        return result

    return run


@pytest.fixture
def inc_fails(run_cli: Run) -> Run:
    """Run `inc` in-process and require a failure exit code and no traceback."""

    def run(root: Path, *args: str, input: str | None = None, code: int = 1) -> Any:
        result = run_cli(root, *args, input=input)
        assert result.exit_code == code, result
        assert "Traceback" not in result.stderr
        return result

    return run
