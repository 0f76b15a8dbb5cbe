"""The rules a single record must follow beyond its schema.

Each rule has a stable name (used in output, README and tests) and a docstring that is
its user documentation. A rule sees one record at a time, so `inc validate` can handle
records one by one; rules across records (duplicate ids) live in `validate`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from .errors import Problem
from .records import ID_PATTERN, MODELINE_PREFIX, parse_time, relative_path
from .schema import Schema
from .yamlio import Document, KeyPath

# Clocks drift and engineers type fast: a record stamped a few minutes ahead is not an error.
FUTURE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Context:
    schema: Schema
    root: Path
    now: datetime


Finding = tuple[KeyPath, str]
Check = Callable[[Document, Context], Iterator[Finding]]


AnyCheck = TypeVar("AnyCheck", bound=Callable[..., Iterator[Any]])


@dataclass(frozen=True)
class Rule(Generic[AnyCheck]):
    """A named check; its docstring is the rule's user documentation (README is built from it)."""

    name: str
    check: AnyCheck

    @property
    def doc(self) -> str:
        return " ".join((self.check.__doc__ or "").split())


def registrar(registry: list[Rule[AnyCheck]]) -> Callable[[str], Callable[[AnyCheck], AnyCheck]]:
    """A decorator factory adding checks to `registry` under a stable rule name."""

    def named(name: str) -> Callable[[AnyCheck], AnyCheck]:
        def register(check: AnyCheck) -> AnyCheck:
            registry.append(Rule(name, check))
            return check

        return register

    return named


RULES: list[Rule[Check]] = []
rule = registrar(RULES)


def run_rules(document: Document, context: Context) -> list[Problem]:
    problems = []
    for each in RULES:
        for keypath, message in each.check(document, context):
            line, col = document.locate(keypath)
            problems.append(Problem(document.path, line, col, each.name, message))
    return problems


def _timeline(data: dict[str, Any]) -> list[dict[str, Any]]:
    timeline = data.get("timeline")
    if not isinstance(timeline, list):
        return []
    return [e if isinstance(e, dict) else {} for e in timeline]


@rule("path-mismatch")
def path_matches_id(document: Document, context: Context) -> Iterator[Finding]:
    """A record lives at `incidents/<YYYY>/<ID>.yaml`, YYYY being the year in its id, so
    the id alone finds the file and a moved or renamed file cannot hide a record."""
    incident_id = document.data.get("id")
    if not isinstance(incident_id, str) or not ID_PATTERN.match(incident_id):
        return
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


@rule("modeline")
def has_modeline(document: Document, context: Context) -> Iterator[Finding]:
    """A record starts with `# yaml-language-server: $schema=<path to the schema>`, so
    editors complete field names and flag mistakes while the engineer types."""
    if not document.first_line.startswith(MODELINE_PREFIX):
        yield (
            (),
            f"the first line must be the editor modeline '{MODELINE_PREFIX}<relative path to schemas/incident.schema.json>'",
        )


@rule("timeline-order")
def timeline_in_order(document: Document, context: Context) -> Iterator[Finding]:
    """Timeline entries are in time order (equal times allowed): the timeline only grows
    at its end, so an entry earlier than the one before it was inserted or mistyped."""
    previous: datetime | None = None
    for index, entry in enumerate(_timeline(document.data)):
        moment = parse_time(entry.get("at"))
        if moment is None:
            continue
        if previous is not None and moment < previous:
            yield (
                ("timeline", index, "at"),
                f"timeline entry {index + 1} at {entry['at']} is earlier than the entry before it; entries are in time order",
            )
        previous = moment


@rule("milestone-order")
def milestones_in_order(document: Document, context: Context) -> Iterator[Finding]:
    """Milestones follow the lifecycle: started_at <= detected_at <= acknowledged_at <=
    resolved_at <= recovered_at <= closed_at <= reviewed_at."""
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


@rule("future-time")
def no_future_time(document: Document, context: Context) -> Iterator[Finding]:
    """No timestamp lies in the future (five minutes of clock skew allowed): a record
    describes what has happened."""
    limit = context.now + FUTURE_SLACK
    candidates: list[tuple[KeyPath, object]] = [
        ((name,), value) for name, value in document.data.items() if name.endswith("_at")
    ]
    candidates += [(("timeline", i, "at"), e.get("at")) for i, e in enumerate(_timeline(document.data))]
    for keypath, value in candidates:
        moment = parse_time(value)
        if moment is not None and moment > limit:
            yield keypath, f"{'.'.join(map(str, keypath))} ({value}) is in the future"


@rule("priority-matrix")
def priority_matches_matrix(document: Document, context: Context) -> Iterator[Finding]:
    """`priority` equals the policy's impact x urgency matrix (schemas/policy.yaml), so
    priority means the same thing on every incident."""
    data = document.data
    if not all(isinstance(data.get(k), str) for k in ("impact", "urgency", "priority")):
        return
    expected = context.schema.priority_for(data["impact"], data["urgency"])
    if expected and data["priority"] != expected:
        yield (
            ("priority",),
            f"priority {data['priority']} does not match impact {data['impact']} x urgency {data['urgency']}, which the policy sets to {expected}",
        )


@rule("status-timeline")
def status_matches_timeline(document: Document, context: Context) -> Iterator[Finding]:
    """`status` equals the stage of the last `status` or `reopened` timeline entry, so the
    timeline tells when each stage was entered."""
    status = document.data.get("status")
    entries = [(i, e) for i, e in enumerate(_timeline(document.data)) if e.get("kind") in ("status", "reopened")]
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


@rule("side-state")
def side_state_entered_early(document: Document, context: Context) -> Iterator[Finding]:
    """`cancelled` and `duplicate` end an incident that turned out not to be one; they
    are entered only from a stage before the policy's `side_states_before` (resolved)."""
    schema = context.schema
    if document.data.get("status") not in schema.side_states:
        return
    limit = schema.stages.index(schema.policy["side_states_before"])
    for index, entry in enumerate(_timeline(document.data)):
        stage = entry.get("stage")
        if entry.get("kind") == "status" and stage in schema.stages and schema.stages.index(stage) >= limit:
            yield (
                ("status",),
                f"a record that reached {stage} (timeline entry {index + 1}) cannot become {document.data['status']}; only stages before {schema.stages[limit]} can",
            )
            return


@rule("action-id")
def action_ids_unique(document: Document, context: Context) -> Iterator[Finding]:
    """Action item ids (A1, A2, ...) are unique within a record, so `inc action done ID A2`
    and links from other documents name one item."""
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
