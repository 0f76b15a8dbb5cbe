"""History rules: what a change to a record may not do, comparing the base with the head.

A record is the incident's legal memory: once written, its identity and its timeline
are never rewritten, and a closed incident is only refined by its review. `inc check`
runs these rules on every record a pull request touches.

Each rule has a stable name (used in output, README and tests) and a docstring that is
its user documentation. Stage order and milestones come from `schema.Schema`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import Problem
from .records import is_valid_id, relative_path
from .rules import Rule, registrar
from .schema import Schema
from .yamlio import Document, KeyPath

# The fields that make a record the record of one incident; changing one makes it
# describe another incident (or turns a drill into a real outage in the metrics).
IMMUTABLE_FIELDS = ("id", "detected_at", "exercise")
# The stage from which a record is closed: its facts are settled and only the review's
# findings may still be refined. Its name is the schema's; the rules read the order.
CLOSED_STAGE = "closed"
# What the review may still refine in a closed record (plus appended timeline entries
# and the move to the next stage with its milestone).
CLOSED_REFINABLE = ("postmortem", "action_items", "root_cause", "contributing_factors")
# What follow-through may still change on a reviewed record's action items.
REVIEWED_ACTION_FIELDS = ("status", "link")
STAGE_KINDS = ("status", "reopened")
# git's conflict markers, at the start of a line (diff3 style adds the ||||||| one).
_MARKER = re.compile(r"^(<{7}|\|{7}|>{7})(?: |$)|^={7}$")
_MARKER_EDGE = re.compile(r"^(<{7}|>{7})(?: |$)")


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
    # For a new record: the path holding the same id on REF itself, when that differs
    # from what the head has (another branch landed the same id meanwhile).
    taken_on_ref: str | None = None


@dataclass(frozen=True)
class HistoryContext:
    schema: Schema
    ref: str


Where = KeyPath | At
Finding = tuple[Where, str]
Check = Callable[[RecordChange, HistoryContext], Iterator[Finding]]


HISTORY_RULES: list[Rule[Check]] = []
history_rule = registrar(HISTORY_RULES)


def run_history_rules(change: RecordChange, context: HistoryContext) -> list[Problem]:
    """Every history problem of one changed record, placed in the head (or the base when gone)."""
    problems = []
    for each in HISTORY_RULES:
        for where, message in each.check(change, context):
            problems.append(_place(change, where, each.name, message))
    return problems


def _place(change: RecordChange, where: Where, rule: str, message: str) -> Problem:
    path = change.head_path or change.base_path or ""
    if isinstance(where, At):
        return Problem(path, where.line, where.col, rule, message)
    document = change.head if change.head_path else change.base
    line, col = document.locate(where) if document else (1, 1)
    return Problem(path, line, col, rule, message)


# -- helpers ---------------------------------------------------------------------------


def _timeline(document: Document | None) -> list[Any]:
    timeline = document.data.get("timeline") if document else None
    return timeline if isinstance(timeline, list) else []


def _appended(change: RecordChange) -> list[Any]:
    """The timeline entries this change added at the end."""
    return _timeline(change.head)[len(_timeline(change.base)) :]


def _status(document: Document | None) -> str | None:
    value = document.data.get("status") if document else None
    return value if isinstance(value, str) else None


def _closed_stages(schema: Schema) -> list[str]:
    if CLOSED_STAGE not in schema.stages:
        return []
    return schema.stages[schema.stages.index(CLOSED_STAGE) :]


def _changed_keys(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    return [key for key in dict.fromkeys([*head, *base]) if base.get(key) != head.get(key)]


def _both(change: RecordChange) -> tuple[Document, Document] | None:
    if change.base is None or change.head is None:
        return None
    return change.base, change.head


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- the rules -------------------------------------------------------------------------


@history_rule("symlink")
def no_symlink(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A record is a regular file, never a symbolic link: a link could point anywhere
    (outside the repository, at another record) and every reader would follow it."""
    if change.head_symlink:
        yield At(1), "record is a symbolic link; replace it with the record file itself"


@history_rule("conflict-markers")
def no_conflict_markers(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A record holds no git conflict markers (`<<<<<<<`, `=======`, `>>>>>>>` lines): a
    merge left unresolved would otherwise be reported as a puzzling YAML syntax error."""
    text = change.head_text
    if text is None or not has_conflict_markers(text):
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if _MARKER.match(line):
            yield (
                At(number),
                f"git conflict marker {line[:7]!r}: finish resolving the merge (keep the right lines, "
                "delete the marker lines) before committing",
            )


def has_conflict_markers(text: str) -> bool:
    """True when `text` holds an opening or closing conflict marker line."""
    return any(_MARKER_EDGE.match(line) for line in text.splitlines())


@history_rule("record-deleted")
def not_deleted(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A record file is never deleted (nor moved out of `incidents/`): incident history is
    kept for good. An incident that was not one is ended with a side state instead."""
    if change.head_path is None and change.base_path is not None:
        ends = " or ".join(context.schema.side_states)
        yield (
            (),
            f"record {change.base_path} was deleted; records are never deleted: restore it "
            f"(git checkout {context.ref} -- {change.base_path}) and set its status to {ends} if it was not an incident",
        )


@history_rule("record-moved")
def not_moved(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A record is never renamed or moved to a path that does not match its id
    (`incidents/<YYYY>/<ID>.yaml`): links and `inc` commands find a record by its id.
    Moving a misplaced record to its right path is allowed."""
    if change.base_path is None or change.head_path is None or change.base_path == change.head_path:
        return
    incident_id = change.base.data.get("id") if change.base else None
    if not isinstance(incident_id, str) or not is_valid_id(incident_id):
        return
    expected = relative_path(incident_id).as_posix()
    if change.head_path != expected:
        yield (
            ("id",),
            f"record {incident_id} was moved from {change.base_path} to {change.head_path}; "
            f"it must stay at {expected}: move it back (git mv)",
        )


@history_rule("immutable-field")
def identity_unchanged(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """`id`, `detected_at` and `exercise` never change once recorded: they say which
    incident this is, when the organisation learnt of it, and whether it was a drill."""
    both = _both(change)
    if both is None:
        return
    base, head = both
    for name in IMMUTABLE_FIELDS:
        if name in base.data and base.data[name] != head.data.get(name):
            now = _short(head.data[name]) if name in head.data else "nothing (removed)"
            yield (
                (name,),
                f"{name} changed from {_short(base.data[name])} to {now}; it never changes once "
                f"recorded: restore it (a different incident gets a new record, inc new)",
            )


@history_rule("timeline-rewritten")
def timeline_only_grows(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """Timeline entries present at the base are never changed, removed or reordered; the
    timeline only grows, at its end. A correction is a new entry saying what was wrong."""
    both = _both(change)
    if both is None:
        return
    before, after = _timeline(both[0]), _timeline(both[1])
    for index, entry in enumerate(before):
        if index >= len(after):
            yield (
                ("timeline",),
                f"timeline entry {index + 1} (at {_short(_field(entry, 'at'))}) was removed; entries are never "
                "removed: restore it and add a new entry with the correction",
            )
            return
        if after[index] != entry:
            how = "moved" if entry in after else "changed"
            yield (
                ("timeline", index),
                f"timeline entry {index + 1} (at {_short(_field(entry, 'at'))}) was {how}; entries are never "
                "edited or reordered: restore it and add a new entry at the end with the correction",
            )
            return


def _field(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, dict) else None


@history_rule("status-backwards")
def status_not_backwards(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """`status` never moves back to an earlier stage (or out of a side state) unless the
    same change appends a `reopened` timeline entry saying why. Closed records are covered
    by `closed-record-changed`: they are never reopened."""
    schema = context.schema
    before, after = _status(change.base), _status(change.head)
    if before is None or after is None or before == after or after not in schema.stages:
        return
    if before in _closed_stages(schema):
        return
    backwards = before in schema.side_states or (
        before in schema.stages and schema.stages.index(after) < schema.stages.index(before)
    )
    if backwards and not any(_field(e, "kind") == "reopened" for e in _appended(change)):
        yield (
            ("status",),
            f"status moved back from {before} to {after} without a 'reopened' timeline entry; "
            "reopen with inc reopen (or append a 'kind: reopened' entry saying why)",
        )


@history_rule("stage-without-entry")
def stage_has_entry(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """Every stage a change enters has its own `status` timeline entry added in that
    change (a `reopened` entry for a reopened record): the timeline tells when each stage
    was entered, one at a time, in order."""
    schema = context.schema
    before, after = _status(change.base), _status(change.head)
    if change.base is None or before is None or after is None or before == after:
        return
    entered = [after]
    if before in schema.stages and after in schema.stages:
        start, end = schema.stages.index(before), schema.stages.index(after)
        if end > start:
            entered = schema.stages[start + 1 : end + 1]
    added = {_field(e, "stage") for e in _appended(change) if _field(e, "kind") in STAGE_KINDS}
    missing = [stage for stage in entered if stage not in added]
    if missing:
        yield (
            ("status",),
            f"status moved from {before} to {after}, but no timeline entry was added for entering "
            f"{', '.join(missing)}; append a 'kind: status' entry with 'stage: <stage>' for each (inc advance does it)",
        )


@history_rule("closed-record-changed")
def closed_record_refined_only(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A closed record changes only in its post-mortem, action items, root cause and
    contributing factors (the review refines them), by appended timeline entries, and by
    the move to reviewed with its milestone. Closed records are never reopened."""
    schema = context.schema
    closed = _closed_stages(schema)
    both = _both(change)
    if both is None or len(closed) < 2 or _status(both[0]) != closed[0]:
        return
    base, head = both
    following = closed[1]
    allowed = {*CLOSED_REFINABLE, "timeline", "status", schema.milestone_of(following)}
    after = _status(head)
    if after not in (closed[0], following):
        yield ("status",), f"a closed record is never reopened or moved back (status is now {after}); restore status"
    for key in _changed_keys(base.data, head.data):
        if key not in allowed:
            yield (
                (key,),
                f"'{key}' changed in a closed record; once closed, only {', '.join(CLOSED_REFINABLE)}, "
                f"appended timeline entries and the move to {following} may change",
            )


@history_rule("reviewed-record-changed")
def reviewed_record_followed_up_only(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A reviewed record changes only in its action items' `status` and `link` (the
    follow-through) and by appended timeline entries: the review is the final word."""
    closed = _closed_stages(context.schema)
    both = _both(change)
    if both is None or len(closed) < 2 or _status(both[0]) != closed[-1]:
        return
    base, head = both
    for key in _changed_keys(base.data, head.data):
        if key == "timeline":
            continue
        if key == "action_items" and _only_follow_through(base.data.get(key), head.data.get(key)):
            continue
        where: KeyPath = (key,)
        if key == "action_items":
            where = _first_item_difference(base.data.get(key), head.data.get(key))
        yield (
            where,
            f"'{key}' changed in a reviewed record; once reviewed, only action items' "
            f"{' and '.join(REVIEWED_ACTION_FIELDS)} and appended timeline entries may change",
        )


def _without_follow_through(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    return [
        {k: v for k, v in item.items() if k not in REVIEWED_ACTION_FIELDS} if isinstance(item, dict) else item
        for item in items
    ]


def _only_follow_through(before: Any, after: Any) -> bool:
    return bool(_without_follow_through(before) == _without_follow_through(after))


def _first_item_difference(before: Any, after: Any) -> KeyPath:
    old, new = _without_follow_through(before), _without_follow_through(after)
    if isinstance(old, list) and isinstance(new, list):
        for index, item in enumerate(new):
            if index >= len(old) or old[index] != item:
                return ("action_items", index)
    return ("action_items",)


@history_rule("id-collision")
def id_not_taken(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A new record's id is not already used on the target branch itself (not only at
    the merge base): another branch may have landed the same id while this one was open."""
    if change.base is None and change.taken_on_ref:
        incident_id = change.head.data.get("id") if change.head else None
        yield (
            ("id",),
            f"id {incident_id} is already used on {context.ref} by {change.taken_on_ref}, which landed "
            "after this branch started; give this incident a new id (inc new creates one)",
        )
