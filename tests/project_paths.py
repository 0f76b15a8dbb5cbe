"""Where this project's files are, and the fixed clock, for tests in every folder.

A module of its own because `from conftest import ...` is ambiguous once several
folders have a conftest.py: whichever was imported first answers.
"""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SCHEMAS = PROJECT / "schemas"
SHIPPED = PROJECT / "incidents"
FIXED_NOW = "2026-11-23T12:00:00Z"
