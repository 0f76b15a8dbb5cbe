"""History rules about a record's content: what a change may rewrite, and at which stage.

`inc check` runs them on every record a change touches (see `rules.change`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from ..process import (
    INVESTIGATING,
    ITEM_DONE,
    ITEM_OPEN,
    NOTE_ENTRY,
    REOPENED_ENTRY,
    STATUS_ENTRY,
    narrows_visibility,
)
from ..records import format_time, parse_time
from ..yamlio import Document, KeyPath
from .base import Declare, Example, Kind, Rule
from .change import (
    Finding,
    HistoryContext,
    RecordChange,
    appended,
    base_and_head,
    changed_keys,
    closed_stages,
    field,
    short,
    status,
    timeline,
)
from .examples import CLASSIFIED_ENTRY, INVESTIGATING_ENTRY, RESOLVED_ENTRY, action_item, timeline_entry
from .record import FUTURE_SLACK

FIELD_RULES: list[Rule] = []
history_rule = Declare(FIELD_RULES, Kind.HISTORY)

# The fields that make a record the record of one incident; changing one makes it
# describe another incident (or turns a drill into a real outage in the metrics).
IMMUTABLE_FIELDS = ("id", "detected_at", "exercise")
# What the review may still refine in a closed record (plus appended timeline entries
# and the move to the next stage with its milestone).
CLOSED_REFINABLE = ("postmortem", "action_items", "root_cause", "contributing_factors")
# What follow-through may still change on a reviewed record's action items.
REVIEWED_ACTION_FIELDS = ("status", "done_at", "link")
# Who may read the record: narrowing it is always allowed, even once closed (unpublishing).
VISIBILITY = "visibility"

_REVIEWED = "status: reviewed\naction_items:\n"


@history_rule(
    "immutable-field",
    failing=Example('detected_at: "2026-11-03T10:05:00Z"\n', before='detected_at: "2026-11-03T10:15:00Z"\n'),
    passing=Example('started_at: "2026-11-03T10:01:00Z"\n', before='started_at: "2026-11-03T10:09:00Z"\n'),
)
def identity_unchanged(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """`id`, `detected_at` and `exercise` never change once recorded.

    They say which incident this is, when the organisation learnt of it, and whether it
    was a drill.
    """
    both = base_and_head(change)
    if both is None:
        return
    base, head = both
    for name in IMMUTABLE_FIELDS:
        if name in base.data and base.data[name] != head.data.get(name):
            now = short(head.data[name]) if name in head.data else "nothing (removed)"
            yield (
                (name,),
                f"{name} changed from {short(base.data[name])} to {now}; it never changes once "
                f"recorded: restore it (a different incident gets a new record, inc new)",
            )


@history_rule(
    "timeline-rewritten",
    failing=Example(
        "timeline:\n" + timeline_entry("10:40", NOTE_ENTRY, "The pool has 40 connections, all in use."),
        before="timeline:\n" + timeline_entry("10:40", NOTE_ENTRY, "The pool has 20 connections, all in use."),
    ),
    passing=Example(
        "timeline:\n"
        + timeline_entry("10:40", NOTE_ENTRY, "The pool has 20 connections, all in use.")
        + timeline_entry("10:45", NOTE_ENTRY, "Correcting 10:40, the pool has 40 connections, all in use."),
        before="timeline:\n" + timeline_entry("10:40", NOTE_ENTRY, "The pool has 20 connections, all in use."),
    ),
)
def timeline_only_grows(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """The timeline only grows, at its end.

    Entries present at the base are never changed, removed or reordered. A correction is
    a new entry saying what was wrong.
    """
    both = base_and_head(change)
    if both is None:
        return
    before, after = timeline(both[0]), timeline(both[1])
    for index, entry in enumerate(before):
        if index >= len(after):
            yield (
                ("timeline",),
                f"timeline entry {index + 1} (at {short(field(entry, 'at'))}) was removed; entries are never "
                "removed: restore it and add a new entry with the correction",
            )
            return
        if after[index] != entry:
            how = "moved" if entry in after else "changed"
            yield (
                ("timeline", index),
                f"timeline entry {index + 1} (at {short(field(entry, 'at'))}) was {how}; entries are never "
                "edited or reordered: restore it and add a new entry at the end with the correction",
            )
            return


@history_rule(
    "status-backwards",
    failing=Example(
        "status: investigating\ntimeline:\n"
        + RESOLVED_ENTRY
        + timeline_entry("11:20", STATUS_ENTRY, "Errors are back.", INVESTIGATING),
        before="status: resolved\ntimeline:\n" + RESOLVED_ENTRY,
    ),
    passing=Example(
        "status: investigating\ntimeline:\n"
        + RESOLVED_ENTRY
        + timeline_entry("11:20", REOPENED_ENTRY, "Errors are back.", INVESTIGATING),
        before="status: resolved\ntimeline:\n" + RESOLVED_ENTRY,
    ),
)
def status_not_backwards(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """`status` moves back only by reopening.

    `status` never moves back to an earlier stage (or out of a side state) unless the
    same change appends a `reopened` timeline entry saying why. Closed records are
    covered by `closed-record-changed`: they are never reopened.
    """
    process = context.process
    before, after = status(change.base), status(change.head)
    if before is None or after is None or before == after or not process.is_stage(after):
        return
    if before in closed_stages(process):
        return
    backwards = process.is_side_state(before) or (process.is_stage(before) and not process.reached(after, before))
    if backwards and not any(field(e, "kind") == REOPENED_ENTRY for e in appended(change)):
        yield (
            ("status",),
            f"status moved back from {before} to {after} without a '{REOPENED_ENTRY}' timeline entry; "
            "reopen with inc reopen (or append a 'kind: reopened' entry saying why)",
        )


@history_rule(
    "stage-without-entry",
    failing=Example(
        "status: investigating\ntimeline:\n" + CLASSIFIED_ENTRY,
        before="status: classified\ntimeline:\n" + CLASSIFIED_ENTRY,
    ),
    passing=Example(
        "status: investigating\ntimeline:\n" + CLASSIFIED_ENTRY + INVESTIGATING_ENTRY,
        before="status: classified\ntimeline:\n" + CLASSIFIED_ENTRY,
    ),
)
def stage_hasentry(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """Every stage entered has its own timeline entry.

    Each stage a change enters gets a `status` timeline entry added in that change (a
    `reopened` entry for a reopened record): the timeline tells when each stage was
    entered, one at a time, in order.
    """
    process = context.process
    before, after = status(change.base), status(change.head)
    if change.base is None or before is None or after is None or before == after:
        return
    entered = [after]
    stages = process.stages
    if process.is_stage(before) and process.is_stage(after):
        start, end = stages.index(before), stages.index(after)
        if end > start:
            entered = stages[start + 1 : end + 1]
    kinds = process.stage_entry_kinds
    added = {field(e, "stage") for e in appended(change) if field(e, "kind") in kinds}
    missing = [stage for stage in entered if stage not in added]
    if missing:
        yield (
            ("status",),
            f"status moved from {before} to {after}, but no timeline entry was added for entering "
            f"{', '.join(missing)}; append a 'kind: status' entry with 'stage: <stage>' for each (inc advance does it)",
        )


@history_rule(
    "closed-record-changed",
    failing=Example("status: closed\nseverity: SEV3\n", before="status: closed\nseverity: SEV2\n"),
    passing=Example(
        "status: closed\nroot_cause: The pool was sized for last year's peak, and nobody owned it.\n",
        before="status: closed\nroot_cause: The pool was sized for last year's peak.\n",
    ),
)
def closed_record_refined_only(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A closed record changes only where the review refines it.

    Only its post-mortem, action items, root cause and contributing factors change (the
    review refines them), timeline entries are appended, and it moves to reviewed with
    its milestone. Its visibility may always be narrowed (public to internal to
    restricted: unpublishing); a widening is reported. Closed records are never reopened.
    """
    schema = context.schema
    closed = closed_stages(context.process)
    both = base_and_head(change)
    if both is None or len(closed) < 2 or status(both[0]) != closed[0]:
        return
    base, head = both
    following = closed[1]
    allowed = {*CLOSED_REFINABLE, "timeline", "status", schema.milestone_of(following)}
    after = status(head)
    if after not in (closed[0], following):
        yield ("status",), f"a closed record is never reopened or moved back (status is now {after}); restore status"
    for key in changed_keys(base.data, head.data):
        if key in allowed or _narrowed(key, base, head):
            continue
        yield (
            (key,),
            _widened(key, base, head, closed[0])
            or f"'{key}' changed in a closed record; once closed, only {', '.join(CLOSED_REFINABLE)}, "
            f"appended timeline entries and the move to {following} may change",
        )


@history_rule(
    "reviewed-record-changed",
    failing=Example(
        _REVIEWED + action_item("A1", ITEM_OPEN, "2026-12-20"), before=_REVIEWED + action_item("A1", ITEM_OPEN)
    ),
    passing=Example(_REVIEWED + action_item("A1", ITEM_DONE), before=_REVIEWED + action_item("A1", ITEM_OPEN)),
)
def reviewed_record_followed_up_only(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A reviewed record changes only in its action items' follow-through.

    Only action items' `status`, `done_at` (stamped when an item is marked done) and `link`
    change, and timeline entries are appended: the review is the final word. Its
    visibility may always be narrowed (unpublishing); a widening is reported.
    """
    closed = closed_stages(context.process)
    both = base_and_head(change)
    if both is None or len(closed) < 2 or status(both[0]) != closed[-1]:
        return
    base, head = both
    for key in changed_keys(base.data, head.data):
        if key == "timeline" or _narrowed(key, base, head):
            continue
        if key == "action_items" and _only_follow_through(base.data.get(key), head.data.get(key)):
            continue
        where: KeyPath = (key,)
        if key == "action_items":
            where = _first_item_difference(base.data.get(key), head.data.get(key))
        yield (
            where,
            _widened(key, base, head, closed[-1])
            or f"'{key}' changed in a reviewed record; once reviewed, only action items' "
            f"{', '.join(REVIEWED_ACTION_FIELDS)} and appended timeline entries may change",
        )


def _narrowed(key: str, base: Document, head: Document) -> bool:
    """A closed or reviewed record may always be shown to fewer readers (unpublished)."""
    return key == VISIBILITY and narrows_visibility(base.data, head.data)


def _widened(key: str, base: Document, head: Document, state: str) -> str | None:
    if key != VISIBILITY:
        return None
    return (
        f"visibility widened from {short(base.data.get(key))} to {short(head.data.get(key))} in a {state} "
        "record, showing it to new readers: review that change with whoever owns the record "
        "(narrowing visibility is always allowed)"
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


# How long after the time it states an entry may be added before a reviewer is told.
BACKDATE_TOLERANCE = timedelta(days=1)
_PAGED = timeline_entry("10:45", NOTE_ENTRY, "Paged the database team.")


@history_rule(
    "back-dated",
    failing=Example(
        "timeline:\n" + INVESTIGATING_ENTRY + _PAGED,
        before="timeline:\n" + INVESTIGATING_ENTRY,
        added="2026-11-06T09:00:00Z",
    ),
    passing=Example(
        "timeline:\n" + INVESTIGATING_ENTRY + _PAGED,
        before="timeline:\n" + INVESTIGATING_ENTRY,
        added="2026-11-03T11:00:00Z",
    ),
    warning=True,
)
def entries_added_in_time(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A timeline entry is added within a day of the time it states (a warning only).

    Recording the past is allowed (`--at`), but an entry appended to a record more than a
    day after its time reads as written live unless its text says it was added
    afterwards. `inc check` judges each entry a change appends against the commit that
    adds it (or now, for work not yet committed) and warns; it never fails. A new record
    is not judged: it documents the past as a whole. Nor is a commit dated after the
    checker's clock: the clocks disagree.
    """
    both = base_and_head(change)
    if both is None or change.head_path is None:
        return
    first = len(timeline(both[0]))
    for index, entry in enumerate(timeline(both[1])[first:], start=first):
        written = str(field(entry, "at"))
        moment = parse_time(written)
        added = context.added_at(change.head_path, str(field(entry, "kind")), written)
        if moment is None or added is None or added > context.now + FUTURE_SLACK:
            continue
        if added - moment > BACKDATE_TOLERANCE:
            days = (added - moment).total_seconds() / 86400
            yield (
                ("timeline", index, "at"),
                f"timeline entry {index + 1} (at {written}) was added {days:.1f} days later, on "
                f"{format_time(added)}; recording the past is fine, but say in its text that it was added afterwards",
            )
