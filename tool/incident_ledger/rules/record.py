"""The rules a single record must follow beyond its schema.

A rule sees one record at a time, so `inc validate` can handle records one by one;
rules across records (duplicate ids) are `rules.repository`'s.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..process import CANCELLED, ITEM_OPEN, NOTE_ENTRY, STATUS_ENTRY, Process
from ..records import ALWAYS, ID_PATTERN, MODELINE_PREFIX, micros, parse_time, relative_name, relative_path
from ..schema import Schema
from ..yamlio import Document, KeyPath
from .base import Declare, Example, Kind, Rule
from .examples import CLASSIFIED_ENTRY, INVESTIGATING_ENTRY, RESOLVED_ENTRY, action_item, timeline_entry

# Clocks drift and engineers type fast: a record stamped a few minutes ahead is not an error.
FUTURE_SLACK = timedelta(minutes=5)


class Context:
    """What a record rule sees besides the record: the schema, the repository, the clock."""

    def __init__(self, schema: Schema, root: Path, now: datetime) -> None:
        self.schema = schema
        self.root = root
        self.now = now

    @cached_property
    def process(self) -> Process:
        return Process(self.schema)


Finding = tuple[KeyPath, str]

RECORD_RULES: list[Rule] = []
rule = Declare(RECORD_RULES, Kind.RECORD)


def run_rules(document: Document, context: Context) -> list[Problem]:
    problems = []
    for each in RECORD_RULES:
        assert each.check is not None
        for keypath, message in each.check(document, context):
            line, col = document.locate(keypath)
            problems.append(Problem(document.path, line, col, each.id, message))
    return problems


# Example texts.
_POOL = "Pool metrics show 20 of 20 connections in use."
_LOAD_TEST = "It was the staging load test."
_REVIEW = ("2026-12-15", "Review every fixed-size pool")
_IDENTIFIED = (
    '  - at: "2026-11-03T10:15:00Z"\n    kind: status\n    stage: identified\n'
    "    author: Checkout error-rate alert\n    text: Card payment error rate 31%.\n"
)


def _timeline(data: dict[str, Any]) -> list[dict[str, Any]]:
    timeline = data.get("timeline")
    if not isinstance(timeline, list):
        return []
    return [e if isinstance(e, dict) else {} for e in timeline]


@rule(
    "path-mismatch",
    failing=Example("id: INC-20261103-3V5G\n", path="incidents/2025/INC-20261103-3V5G.yaml"),
    passing=Example("id: INC-20261103-3V5G\n", path="incidents/2026/INC-20261103-3V5G.yaml"),
)
def path_matches_id(document: Document, context: Context) -> Iterator[Finding]:
    """A record lives at `incidents/<YYYY>/<ID>.yaml`.

    YYYY is the year in its id, so the id alone finds the file and a moved or renamed
    file cannot hide a record.
    """
    incident_id = document.data.get("id")
    if not isinstance(incident_id, str) or not ID_PATTERN.match(incident_id):
        return
    if document.path == relative_name(incident_id):
        return  # the usual case, as `inc validate` names files: no path to build
    expected = relative_path(incident_id)
    actual = Path(document.path)
    if actual.is_absolute():  # validate gives paths relative to the repository when it can
        with contextlib.suppress(ValueError):  # outside the repository: keep it as given
            actual = actual.resolve().relative_to(context.root.resolve())
    if actual != expected:
        yield (
            ("id",),
            f"record with id {incident_id} must be at {expected.as_posix()}, not {actual.as_posix()}: move the file (git mv)",
        )


@rule(
    "modeline",
    failing=Example("# Checkout outage, card payments\nschema_version: 1\n"),
    passing=Example("# yaml-language-server: $schema=../../schemas/incident.schema.json\nschema_version: 1\n"),
)
def has_modeline(document: Document, context: Context) -> Iterator[Finding]:
    """A record starts with the editor modeline.

    The first line is `# yaml-language-server: $schema=<path to the schema>`, so editors
    complete field names and flag mistakes while the engineer types.
    """
    if not document.first_line.startswith(MODELINE_PREFIX):
        yield (
            (),
            f"the first line must be the editor modeline '{MODELINE_PREFIX}<relative path to schemas/incident.schema.json>'",
        )


@rule(
    "timeline-order",
    failing=Example(
        "timeline:\n" + INVESTIGATING_ENTRY + timeline_entry("10:05", NOTE_ENTRY, _POOL, author="Tom Becker"),
    ),
    passing=Example(
        "timeline:\n" + INVESTIGATING_ENTRY + timeline_entry("10:40", NOTE_ENTRY, _POOL, author="Tom Becker"),
    ),
)
def timeline_in_order(document: Document, context: Context) -> Iterator[Finding]:
    """Timeline entries are in time order.

    Equal times are allowed. The timeline only grows at its end, so an entry earlier
    than the one before it was inserted or mistyped.
    """
    previous: tuple[datetime, object] | None = None  # the entry before's time, and as written
    for index, entry in enumerate(_timeline(document.data)):
        moment = parse_time(entry.get("at"))
        if moment is None:
            continue
        if previous is not None and moment < previous[0]:
            yield (
                ("timeline", index, "at"),
                f"timeline entry {index + 1} at {entry['at']} is earlier than the entry before it "
                f"({previous[1]}); entries are in time order",
            )
        previous = (moment, entry["at"])


@rule(
    "milestone-order",
    failing=Example('detected_at: "2026-11-03T10:15:00Z"\nacknowledged_at: "2026-11-03T10:05:00Z"\n'),
    passing=Example('detected_at: "2026-11-03T10:15:00Z"\nacknowledged_at: "2026-11-03T10:21:00Z"\n'),
)
def milestones_in_order(document: Document, context: Context) -> Iterator[Finding]:
    """Milestones follow the lifecycle.

    started_at <= detected_at <= acknowledged_at <= resolved_at <= recovered_at <=
    closed_at <= reviewed_at.
    """
    fields = ["started_at"] + [m.field for m in context.schema.milestones]
    latest: tuple[str, datetime] | None = None
    for name in fields:
        moment = parse_time(document.data.get(name))
        if moment is None:
            continue
        if latest is not None and moment < latest[1]:
            yield (name,), f"{name} ({document.data[name]}) is earlier than {latest[0]} ({document.data[latest[0]]})"
        else:
            latest = (name, moment)


@rule(
    "future-time",
    failing=Example('acknowledged_at: "2062-11-03T10:21:00Z"\n'),
    passing=Example('acknowledged_at: "2026-11-03T10:21:00Z"\n'),
)
def no_future_time(document: Document, context: Context) -> Iterator[Finding]:
    """No timestamp lies in the future.

    Five minutes of clock skew are allowed: a record describes what has happened.
    """
    limit = context.now + FUTURE_SLACK
    for keypath, value, moment in _moments(document.data):
        if moment > limit:
            yield keypath, f"{'.'.join(map(str, keypath))} ({value}) is in the future"


def _moments(data: dict[str, Any]) -> Iterator[tuple[KeyPath, object, datetime]]:
    """Every timestamp of a record: the `*_at` fields and the timeline's times."""
    candidates: list[tuple[KeyPath, object]] = [
        ((name,), value) for name, value in data.items() if name.endswith("_at")
    ]
    candidates += [(("timeline", i, "at"), e.get("at")) for i, e in enumerate(_timeline(data))]
    for keypath, value in candidates:
        moment = parse_time(value)
        if moment is not None:
            yield keypath, value, moment


def clock_window(document: Document, context: Context) -> tuple[int, int]:
    """The clock readings [from, to) over which the record's findings stay what they are at
    `context.now`, in microseconds since the epoch; a cached result is reused only inside it.

    Only `future-time` reads the clock: a timestamp is flagged while the clock is before
    it minus the slack, so each timestamp splits the clock's range in two.
    """
    limit = context.now + FUTURE_SLACK
    moments = [moment for _, _, moment in _moments(document.data)]
    passed = [m for m in moments if m <= limit]
    ahead = [m for m in moments if m > limit]
    low = micros(max(passed) - FUTURE_SLACK) if passed else ALWAYS[0]
    high = micros(min(ahead) - FUTURE_SLACK) if ahead else ALWAYS[1]
    return low, high


@rule(
    "priority-matrix",
    failing=Example("impact: high\nurgency: medium\npriority: P1\n"),
    passing=Example("impact: high\nurgency: medium\npriority: P2\n"),
)
def priority_matches_matrix(document: Document, context: Context) -> Iterator[Finding]:
    """`priority` follows the policy's impact x urgency matrix.

    `priority` is what the matrix in schemas/policy.yaml gives for the record's impact
    and urgency, so priority means the same thing on every incident.
    """
    data = document.data
    if not all(isinstance(data.get(k), str) for k in ("impact", "urgency", "priority")):
        return
    expected = context.schema.priority_for(data["impact"], data["urgency"])
    if expected and data["priority"] != expected:
        yield (
            ("priority",),
            f"priority {data['priority']} does not match impact {data['impact']} x urgency {data['urgency']}, which the policy sets to {expected}",
        )


@rule(
    "status-timeline",
    failing=Example("status: investigating\ntimeline:\n" + _IDENTIFIED),
    passing=Example("status: investigating\ntimeline:\n" + _IDENTIFIED + INVESTIGATING_ENTRY),
)
def status_matches_timeline(document: Document, context: Context) -> Iterator[Finding]:
    """`status` is the stage the timeline entered last.

    `status` equals the stage of the last `status` or `reopened` timeline entry, so the
    timeline tells when each stage was entered.
    """
    status = document.data.get("status")
    kinds = context.process.stage_entry_kinds
    entries = [(i, e) for i, e in enumerate(_timeline(document.data)) if e.get("kind") in kinds]
    if not isinstance(status, str) or not _timeline(document.data):
        return
    if not entries:
        yield ("status",), f"status is {status} but the timeline has no 'status' entry; add one with 'stage: {status}'"
        return
    index, last = entries[-1]
    if last.get("stage") != status:
        yield (
            ("status",),
            f"status is {status} but the last status entry in the timeline (entry {index + 1}) enters {last.get('stage')}; add a 'kind: status' entry with 'stage: {status}'",
        )


@rule(
    "side-state",
    failing=Example(
        "status: cancelled\ntimeline:\n" + RESOLVED_ENTRY + timeline_entry("11:10", STATUS_ENTRY, _LOAD_TEST, CANCELLED)
    ),
    passing=Example(
        "status: cancelled\ntimeline:\n"
        + CLASSIFIED_ENTRY
        + timeline_entry("10:30", STATUS_ENTRY, _LOAD_TEST, CANCELLED)
    ),
)
def side_state_entered_early(document: Document, context: Context) -> Iterator[Finding]:
    """`cancelled` and `duplicate` are entered only from an early stage.

    They end an incident that turned out not to be one, so only a record that never
    reached the policy's `side_states_before` (resolved) enters them.
    """
    process = context.process
    status = document.data.get("status")
    if not isinstance(status, str) or not process.is_side_state(status):
        return
    limit = process.side_states_before
    for index, entry in enumerate(_timeline(document.data)):
        stage = entry.get("stage")
        if entry.get("kind") == STATUS_ENTRY and isinstance(stage, str) and process.reached(stage, limit):
            yield (
                ("status",),
                f"a record that reached {stage} (timeline entry {index + 1}) cannot become {status}; only stages before {limit} can",
            )
            return


@rule(
    "action-id",
    failing=Example("action_items:\n" + action_item("A1", ITEM_OPEN) + action_item("A1", ITEM_OPEN, *_REVIEW)),
    passing=Example("action_items:\n" + action_item("A1", ITEM_OPEN) + action_item("A2", ITEM_OPEN, *_REVIEW)),
)
def action_ids_unique(document: Document, context: Context) -> Iterator[Finding]:
    """Action item ids are unique within a record.

    Unique ids (A1, A2, ...) let `inc action done ID A2` and links from other documents
    name one item.
    """
    items = document.data.get("action_items")
    if not isinstance(items, list):
        return
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        action_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(action_id, str):
            continue
        if action_id in seen:
            yield (
                ("action_items", index, "id"),
                f"action item id {action_id} is used twice (items {seen[action_id] + 1} and {index + 1}); give each item its own id",
            )
        else:
            seen[action_id] = index
