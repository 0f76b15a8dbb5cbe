"""What the history rules see: one record as it was at the merge base and as it is now.

A record is the incident's legal memory: once written, its identity and its timeline
are never rewritten, and a closed incident is only refined by its review. `inc check`
reads each record a change touches at both ends into a `RecordChange`; the history
rules (`rules.history`) judge it. Stage order and milestones come from `schema.Schema`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from ..errors import Problem
from ..process import Process
from ..schema import Schema
from ..yamlio import Document, KeyPath


@dataclass(frozen=True)
class At:
    """An exact place in the head's text (for rules that look at lines, not fields)."""

    line: int
    col: int = 1


@dataclass
class RecordChange:
    """One record as it was at the merge base and as it is at the head."""

    status: str  # git's letter: A, D, M, R, T
    base_path: str | None
    head_path: str | None
    base: Document | None = None
    head: Document | None = None
    head_text: str | None = None
    head_symlink: bool = False
    # For a record gone from its path: what took its place, when something did (a
    # submodule, a folder, a file renamed to a name that is not a record's).
    replaced_by: str | None = None
    # For a new record: the path holding the same id on REF itself, when that differs
    # from what the head has (another branch landed the same id meanwhile).
    taken_on_ref: str | None = None


def _not_known(path: str, kind: str, at: str) -> datetime | None:
    return None


@dataclass(frozen=True)
class HistoryContext:
    schema: Schema
    ref: str
    now: datetime
    # When the change added a timeline entry (record path, entry kind, its `at` as written):
    # the time of the commit that added it, or None when not known.
    added_at: Callable[[str, str, str], datetime | None] = _not_known

    @cached_property
    def process(self) -> Process:
        return Process(self.schema)


Where = KeyPath | At
Finding = tuple[Where, str]


def place(change: RecordChange, where: Where, rule: str, message: str) -> Problem:
    path = change.head_path or change.base_path or ""
    if isinstance(where, At):
        return Problem(path, where.line, where.col, rule, message)
    document = change.head if change.head_path else change.base
    line, col = document.locate(where) if document else (1, 1)
    return Problem(path, line, col, rule, message)


# -- what the rules ask of a change ---------------------------------------------------


def timeline(document: Document | None) -> list[Any]:
    entries = document.data.get("timeline") if document else None
    return entries if isinstance(entries, list) else []


def appended(change: RecordChange) -> list[Any]:
    """The timeline entries this change added at the end."""
    return timeline(change.head)[len(timeline(change.base)) :]


def status(document: Document | None) -> str | None:
    value = document.data.get("status") if document else None
    return value if isinstance(value, str) else None


def closed_stages(process: Process) -> list[str]:
    """The stages of a closed record: its facts are settled, only the review refines them."""
    return [stage for stage in process.stages if process.closed(stage)]


def changed_keys(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    return [key for key in dict.fromkeys([*head, *base]) if base.get(key) != head.get(key)]


def base_and_head(change: RecordChange) -> tuple[Document, Document] | None:
    if change.base is None or change.head is None:
        return None
    return change.base, change.head


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def field(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, dict) else None
