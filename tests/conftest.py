"""Shared fixtures: real git repositories in tmp_path, a fixed clock, no home directory.

Autouse guards make sure no test can read the developer's git config or write into
this checkout, as pre-commit's own test-suite does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from project_paths import FIXED_NOW, PROJECT, SCHEMAS, SHIPPED

from incident_ledger.cli.main import inc


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("INC_NOW", FIXED_NOW)
    monkeypatch.setenv("EDITOR", "")
    monkeypatch.setenv("VISUAL", "")
    for name in ("GITHUB_ACTIONS", "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "INC_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh incident repository: git with an identity, the project's schemas, incidents/."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Dana Whitfield")
    git(root, "config", "user.email", "dana@example.com")
    git(root, "config", "commit.gpgsign", "false")
    shutil.copytree(SCHEMAS, root / "schemas")
    (root / "incidents").mkdir()
    git(root, "add", "schemas")
    git(root, "commit", "-q", "-m", "Initial commit")
    return root


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def __repr__(self) -> str:  # shown by pytest when an assertion on a result fails
        return f"<exit {self.exit_code}>\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"


@pytest.fixture
def run_cli() -> Iterator[object]:
    """Run `inc` in-process: run_cli(root, 'validate', ...) -> Result."""

    def run(root: Path, *args: str, input: str | None = None) -> Result:
        from incident_ledger.cli.main import main

        runner = CliRunner()
        with runner.isolation(input=input) as (out, err, *_):
            code = main(["-C", str(root), *args])
            return Result(code, out.getvalue().decode(), err.getvalue().decode())

    yield run


@pytest.fixture
def inc_bin() -> str:
    """The installed `inc` console script, for tests that run it as users do."""
    found = shutil.which("inc", path=os.path.dirname(os.sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    assert found, "the inc command is not installed; run pip install -e '.[test]'"
    return found


__all__ = ["FIXED_NOW", "PROJECT", "SHIPPED", "Result", "git", "inc"]
