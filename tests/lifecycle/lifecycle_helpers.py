"""Helpers shared by the lifecycle tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

TITLE = "Checkout API returned 5xx to EU customers"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def new_incident(inc_ok: Callable[..., Any], root: Path, *extra: str) -> str:
    args = ["new", TITLE, "--summary", "EU customers could not pay."]
    args += ["--detected-by", "monitoring", "--detected-at", "2026-11-23T10:00:00Z", *extra]
    return str(inc_ok(root, *args).stdout.strip())


def record_path(root: Path, incident_id: str) -> Path:
    return root / "incidents" / incident_id[4:8] / f"{incident_id}.yaml"


def snapshot(root: Path) -> tuple[str, str, str]:
    """History, index and work tree status: what a failing command must leave alone."""
    return (
        git(root, "log", "--format=%H %s"),
        git(root, "ls-files", "--stage"),
        git(root, "status", "--porcelain", "--untracked-files=all"),
    )


def commits(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


def last_commit_files(root: Path) -> list[str]:
    return git(root, "show", "--name-only", "--format=", "HEAD").split()


def last_message(root: Path) -> str:
    return git(root, "log", "-1", "--format=%B").strip()
