"""The change each lifecycle command makes to a record, as edits for `Ledger.change`.

Each function builds an edit (record in, label for the commit out). What the command
itself decides (one stage forward, what the target stage needs) is refused inside the
edit; then `Ledger` runs `inc validate`'s rules on the edited record, so a time that
breaks the timeline's order is refused by the rule CI runs, before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import lifecycle, yamledit
from .errors import LedgerError, UsageError
from .ledger import Ledger, Outcome
from .process import ITEM_DONE, ITEM_OPEN, NOTE_ENTRY, REOPENED_ENTRY, STATUS_ENTRY, UPDATE_ENTRY, Process, status_of
from .records import ID_PATTERN, format_time
from .schema import Schema


class Move:
    """One stage forward: the fields the command sets, and the options that set them."""

    __slots__ = ("at", "author", "entry_text", "fields", "options", "target")

    def __init__(
        self, target: str, fields: dict[str, Any], options: dict[str, str], at: datetime, author: str,
        entry_text: str | None = None,
    ) -> None:  # fmt: skip
        self.target = target
        self.fields = fields
        self.options = options
        self.at = at
        self.author = author
        self.entry_text = entry_text  # None: the stage's default


def move(ledger: Ledger, incident_id: str, step: Move, commit: bool) -> Outcome:
    """One stage forward: refuse what the process forbids, else set fields, milestone, entry."""
    schema = ledger.schema

    def edit(data: Any, current: dict[str, Any]) -> str:
        lifecycle.check_forward(schema, status_of(current), step.target)
        fields = _with_priority(schema, current, dict(step.fields))
        milestone = schema.milestone_of(step.target)
        proposed = _apply_plain(current, fields)
        lifecycle.refuse_missing(
            incident_id,
            step.target,
            lifecycle.missing_fields(schema, proposed, step.target, step.options, [milestone] if milestone else []),
        )
        apply_fields(ledger, data, fields)
        if milestone:
            ledger.set(data, milestone, yamledit.time_value(format_time(step.at)))
        data["status"] = step.target
        text = step.entry_text or default_note(Process(schema), step.target, proposed)
        add_entry(ledger, data, ledger.entry(step.at, STATUS_ENTRY, step.author, text, step.target))
        return step.target

    return ledger.change(incident_id, edit, commit, _given(step.at))


def _given(at: datetime) -> dict[str, str]:
    """The option values a refusal names: the time every lifecycle command takes."""
    return {"--at": format_time(at)}


def _with_priority(schema: Schema, current: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Priority is never typed: it follows from impact x urgency through the policy's matrix."""
    if "impact" in fields or "urgency" in fields or not current.get("priority"):
        impact = fields.get("impact", current.get("impact"))
        urgency = fields.get("urgency", current.get("urgency"))
        priority = schema.priority_for(str(impact), str(urgency)) if impact and urgency else None
        if priority:
            fields["priority"] = priority
    return fields


def _apply_plain(current: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The record as plain data once `fields` are set (to check requirements before editing)."""
    result = dict(current)
    for dotted, value in fields.items():
        parent, _, child = dotted.rpartition(".")
        if parent:
            nested = dict(result.get(parent) or {})
            nested[child] = value
            result[parent] = nested
        else:
            result[dotted] = value
    return result


def apply_fields(ledger: Ledger, data: Any, fields: dict[str, Any]) -> None:
    """Set fields (dotted names for nested ones); lists are extended, never replaced."""
    properties = ledger.schema.document["properties"]
    for dotted, value in fields.items():
        parent, _, name = dotted.rpartition(".")
        target = data
        order = ledger.field_order
        if parent:
            if not isinstance(data.get(parent), dict):
                ledger.set(data, parent, yamledit.mapping([]))
            target = data[parent]
            order = list(properties.get(parent, {}).get("properties", {}))
        if isinstance(value, list):
            existing = target.get(name)
            if isinstance(existing, list):
                existing.extend(_written(v) for v in value if v not in existing)
                continue
            value = yamledit.sequence(_written(v) for v in dict.fromkeys(value))
        else:
            value = _written(value)
        yamledit.set_field(target, name, value, order)


def _written(value: Any) -> Any:
    return yamledit.text_value(value) if isinstance(value, str) else value


def add_entry(ledger: Ledger, data: Any, entry: yamledit.Entry) -> None:
    """Append a timeline entry, always at the end: the timeline only grows there.

    An entry earlier than the last one is not inserted in the middle (`inc check` refuses a
    pull request that moves an entry): the `timeline-order` rule refuses the record.
    """
    timeline = data.get("timeline")
    if not isinstance(timeline, list):
        ledger.set(data, "timeline", yamledit.sequence([yamledit.editable(entry)]))
    else:
        timeline.append(yamledit.editable(entry))


def default_note(process: Process, stage: str, record: dict[str, Any]) -> str:
    """The timeline text when the command line gives none: the stage and the key facts it
    brings (the fields the stage is the first to require)."""
    brought = process.new_requirements(stage)
    title = stage.capitalize()
    if "severity" in brought and record.get("severity"):
        return f"{title} {record.get('severity')}, priority {record.get('priority')}."
    if "commander" in brought and record.get("commander"):
        return f"{title}; {record.get('commander')} is the incident commander."
    for name in ("resolution", "recovery"):
        summary = (record.get(name) or {}).get("summary") if isinstance(record.get(name), dict) else None
        if name in brought and isinstance(summary, str):
            return f"{title}: {summary.strip().splitlines()[0]}"
    return f"Moved to {stage}."


def reopen(ledger: Ledger, incident_id: str, reason: str, at: datetime, author: str, commit: bool) -> Outcome:
    """Back to investigating: the impact came back after it was thought to be over."""

    def edit(data: Any, current: dict[str, Any]) -> str:
        process = Process(ledger.schema)
        lifecycle.check_reopen(ledger.schema, status_of(current))
        stage = process.reopen_to
        data["status"] = stage
        add_entry(ledger, data, ledger.entry(at, REOPENED_ENTRY, author, reason, stage))
        return REOPENED_ENTRY

    return ledger.change(incident_id, edit, commit, _given(at))


def side_state(
    ledger: Ledger,
    incident_id: str,
    target: str,
    fields: dict[str, Any],
    text: str,
    at: datetime,
    author: str,
    commit: bool,
) -> Outcome:
    """cancelled or duplicate: the incident turned out not to be one (or not a new one)."""
    schema = ledger.schema

    def edit(data: Any, current: dict[str, Any]) -> str:
        lifecycle.check_side_state(schema, status_of(current))
        apply_fields(ledger, data, fields)
        data["status"] = target
        add_entry(ledger, data, ledger.entry(at, STATUS_ENTRY, author, text, target))
        return target

    return ledger.change(incident_id, edit, commit, _given(at))


def log(ledger: Ledger, incident_id: str, kind: str, text: str, at: datetime, author: str, commit: bool) -> Outcome:
    """A timeline entry: a stakeholder update, an action taken, a note, a decision."""

    def entry_for(current: dict[str, Any]) -> yamledit.Entry:
        return ledger.entry(at, kind, author, text)

    return ledger.append_entry(incident_id, entry_for, kind, commit, _given(at))


def stakeholder_update(
    ledger: Ledger, incident_id: str, text: str, next_at: datetime | None, at: datetime, author: str, commit: bool
) -> tuple[Outcome, datetime | None]:
    """A stakeholder update and when the next is due: `next_at`, else the policy's cadence
    for the incident's severity while it is active (none when neither says)."""
    promised: list[datetime | None] = []

    from . import stakeholders  # only updates have a cadence

    def entry_for(current: dict[str, Any]) -> yamledit.Entry:
        process = Process(ledger.schema)
        # Only an active incident owes updates on the policy's cadence; after recovery the
        # entry promises a next update only when its author said when.
        cadence = stakeholders.default_next(process, current, at) if process.active(status_of(current)) else None
        due = next_at or cadence
        entry = ledger.entry(at, UPDATE_ENTRY, author, text)
        if due is not None:
            entry["next_update_at"] = yamledit.Quoted(format_time(due))
        promised.append(due)
        return entry

    outcome = ledger.append_entry(incident_id, entry_for, UPDATE_ENTRY, commit, _given(at))
    return outcome, promised[-1] if promised else None


class NewAction:
    __slots__ = ("due", "kind", "link", "owner", "title")

    def __init__(self, title: str, owner: str, due: str | None, kind: str, link: str | None) -> None:
        self.title = title
        self.owner = owner
        self.due = due  # None: the policy's default for the incident's priority
        self.kind = kind
        self.link = link


def add_action(ledger: Ledger, incident_id: str, action: NewAction, at: datetime, author: str, commit: bool) -> Outcome:
    """A follow-up action item (A1, A2, ...), with a timeline note saying who owns it."""
    chosen: list[str] = []

    def edit(data: Any, current: dict[str, Any]) -> tuple[str, str]:
        action_id = lifecycle.next_action_id(current.get("action_items"))
        chosen.append(action_id)
        default = Process(ledger.schema).item_default_due(current, at)
        due = action.due or (default.isoformat() if default else None)
        if due is None:
            raise UsageError(
                f"give the action item a due date with --due YYYY-MM-DD: {incident_id} has no priority yet, "
                "or the policy sets no action_item_due_days for it"
            )
        pairs: list[tuple[str, Any]] = [
            ("id", action_id),
            ("title", yamledit.text_value(action.title)),
            ("kind", action.kind),
            ("owner", yamledit.text_value(action.owner)),
            ("due", yamledit.time_value(due)),
            ("status", ITEM_OPEN),
        ]
        if action.link:
            pairs.append(("link", yamledit.text_value(action.link)))
        item = yamledit.mapping(pairs)
        if isinstance(data.get("action_items"), list) and data["action_items"]:
            data["action_items"].append(item)
        else:  # none yet (or a hand-written `[]`): a block list, as the records write it
            ledger.set(data, "action_items", yamledit.sequence([item]))
        text = f"Action item {action_id} added: {action.title} (owner {action.owner}, due {due})."
        add_entry(ledger, data, ledger.entry(at, NOTE_ENTRY, author, text))
        return f"action {action_id} added", action.title

    outcome = ledger.change(incident_id, edit, commit, _given(at))
    outcome.result = chosen[-1]
    return outcome


def finish_action(
    ledger: Ledger, incident_id: str, action_id: str, status: str, at: datetime, author: str, commit: bool
) -> Outcome:
    """Mark an action item done (or wontfix), with a timeline note."""
    wanted = action_id.strip().upper()

    def edit(data: Any, current: dict[str, Any]) -> tuple[str, str]:
        items = data.get("action_items") if isinstance(data.get("action_items"), list) else []
        found = [item for item in items if isinstance(item, dict) and item.get("id") == wanted]
        if not found:
            known = ", ".join(str(i.get("id")) for i in items if isinstance(i, dict)) or "none"
            raise LedgerError(f"{incident_id} has no action item {wanted} (its action items: {known})")
        item: Any = found[0]  # a ruamel mapping: its keys keep their order
        if item.get("status") == status:
            raise LedgerError(f"action item {wanted} of {incident_id} is already {status}")
        item["status"] = status
        if status == ITEM_DONE:
            # When it was done decides whether it was done on time (the follow-through metric).
            order = list(ledger.schema.document["$defs"]["action_item"]["properties"])
            yamledit.set_field(item, "done_at", yamledit.time_value(format_time(at)), order)
        text = f"Action item {wanted} {status}: {item.get('title')}."
        add_entry(ledger, data, ledger.entry(at, NOTE_ENTRY, author, text))
        return f"action {wanted} {status}", str(item.get("title"))

    return ledger.change(incident_id, edit, commit, _given(at))


def duplicate_target(ledger: Ledger, incident_id: str, given: str) -> str:
    other = ledger.resolve(given)
    if other == incident_id:
        raise UsageError(f"an incident cannot be a duplicate of itself ({incident_id})")
    assert ID_PATTERN.match(other)
    return other
