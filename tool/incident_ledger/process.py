"""The incident process: every fact derived from the schema, the policy and a record.

The CLI, the rules, the metrics and the site ask this module whether an incident is
open, active or ended, whether its post-mortem or an action item is overdue, which
audience may read it, and what time it is. The lists (stages, side states, entry
kinds, severities, visibilities) are read from `schemas/`; the names below give a role
to a few of them, a role the schema cannot express. Nothing else in the package
spells a stage, side state, entry kind, severity or audience.

Deadlines are days: a post-mortem or an action item is due on a UTC date and is overdue
from the next UTC day on, whatever zone the record or the clock was written in.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .errors import LedgerError
from .records import SCHEMA_FILE, bundled_schemas, parse_time

if TYPE_CHECKING:  # the CLI reads the audiences at start-up without loading the schema code
    from .schema import Milestone, Schema

Record = Mapping[str, Any]

# -- roles the schema cannot express ----------------------------------------------------

# The stages, by the command that enters each (`inc classify`, `inc investigate`, ...).
CLASSIFIED = "classified"
INVESTIGATING = "investigating"
RESOLVED = "resolved"
RECOVERED = "recovered"
# The stage whose milestone (closed_at) ends the work on an incident: the closure
# documentation is complete, and the post-mortem is due so many days after it.
CLOSED = "closed"
# The stage a reviewed post-mortem enters: nothing is left to do.
REVIEWED = "reviewed"
# An incident is active (being worked on) until normal operation is confirmed.
ACTIVE_UNTIL = RECOVERED
# The stages `inc reopen` returns from: the impact came back after it was thought to be
# over. A closed record stays closed: open a new incident instead.
REOPEN_FROM = (RESOLVED, RECOVERED)
# Where a reopened incident goes when a schema's `reopened` entry does not say.
REOPEN_TO = INVESTIGATING
# The side states: an incident that turned out not to be one, or not a new one.
CANCELLED = "cancelled"
DUPLICATE = "duplicate"

# Timeline entry kinds: `status` enters a stage, `reopened` goes back to investigating,
# `note` is what commands write about action items.
STATUS_ENTRY = "status"
REOPENED_ENTRY = "reopened"
NOTE_ENTRY = "note"
# `update` is a stakeholder update: what stakeholders were told (and when they will hear
# next). The public audience sees these and the stage changes; the responders' working
# entries (action, note, decision) are for the internal audience.
UPDATE_ENTRY = "update"
# The entries that enter a stage; a record's status is the stage of the last one.
STAGE_ENTRY_KINDS = (STATUS_ENTRY, REOPENED_ENTRY)
PUBLIC_ENTRY_KINDS = frozenset({STATUS_ENTRY, REOPENED_ENTRY, UPDATE_ENTRY})
# An audience that may read internal records also reads the working entries.
WORKING_ENTRIES_VISIBILITY = "internal"

# Action item statuses: only an open item can be overdue.
ITEM_OPEN = "open"
ITEM_DONE = "done"
ITEM_WONTFIX = "wontfix"

# Who reads a built site, and the visibilities each may read. restricted is in no
# audience: such records are never published.
AUDIENCES: dict[str, frozenset[str]] = {
    "public": frozenset({"public"}),
    "internal": frozenset({"public", "internal"}),
}
AUDIENCE_NAMES = tuple(AUDIENCES)
DEFAULT_AUDIENCE = "internal"
# The audience of the organisation's own staff: only its site shows the change history
# (commit authors) and the drill coverage (exercises are internal).
STAFF_AUDIENCE = "internal"
RESTRICTED = "restricted"
# A new record is for the organisation until someone decides it may be public.
DEFAULT_VISIBILITY = "internal"

# A day as records and options write it; compiled by `re` when first matched.
DAY_FORM = r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"


def bundled_log_kinds() -> list[str]:
    """The kinds `inc log` offers, from the bundled schema (read without the schema
    machinery, so `inc --help` stays instant); the record's own schema still decides."""
    document = json.loads((bundled_schemas() / SCHEMA_FILE).read_text(encoding="utf-8"))
    entry = document["$defs"]["timeline_entry"]
    stage_kinds = {kind for kind, then in _entry_rules(entry) if "stage" in then.get("required", [])}
    return [kind for kind in entry["properties"]["kind"]["enum"] if kind not in stage_kinds]


def _entry_rules(entry: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, then) of each `if kind is X then ...` block of the timeline entry's schema."""
    found = []
    for block in entry.get("allOf", []):
        kind = block.get("if", {}).get("properties", {}).get("kind", {})
        for name in [kind["const"]] if "const" in kind else kind.get("enum", []):
            found.append((name, block.get("then", {})))
    return found


# -- the clock ------------------------------------------------------------------------


def now() -> datetime:
    """The current time; INC_NOW fixes it (tests, reproducible builds and demos)."""
    fixed = os.environ.get("INC_NOW")
    if not fixed:
        return datetime.now(timezone.utc)
    moment = parse_time(fixed)
    if moment is None:
        raise LedgerError(f"INC_NOW={fixed!r} is not an ISO-8601 time with a zone")
    return moment


def today(moment: datetime) -> date:
    """The UTC date of a moment: deadlines are UTC days."""
    return moment.astimezone(timezone.utc).date()


def day(value: object) -> date | None:
    """A `YYYY-MM-DD` date, or None when the value is not one."""
    if not isinstance(value, str) or not re.match(DAY_FORM, value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# -- action items -----------------------------------------------------------------------


def items_of(record: Record) -> list[Mapping[str, Any]]:
    """A record's action items (the mappings among them)."""
    items = record.get("action_items")
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def item_is_open(item: Mapping[str, Any]) -> bool:
    return item.get("status") == ITEM_OPEN


def item_due(item: Mapping[str, Any]) -> date | None:
    return day(item.get("due"))


def item_overdue(item: Mapping[str, Any], moment: datetime) -> bool:
    """An open action item whose due date has passed: follow-through has slipped."""
    due = item_due(item)
    return item_is_open(item) and due is not None and due < today(moment)


# -- audiences --------------------------------------------------------------------------


def visible_to(record: Record, audience: str) -> bool:
    """Whether a site built for `audience` may publish the record."""
    return record.get("visibility") in AUDIENCES[audience]


def audiences_of(record: Record) -> list[str]:
    """The audiences whose site publishes the record (none for a restricted one)."""
    return [name for name in AUDIENCE_NAMES if visible_to(record, name)]


def narrows_visibility(before: Record, after: Record) -> bool:
    """Whether `after` is published to no audience `before` was not (public to internal,
    internal to restricted, or unchanged). Narrowing, up to unpublishing a record, is
    always allowed, even once the record is closed; widening shows it to new readers."""
    return set(audiences_of(after)) <= set(audiences_of(before))


# -- timelines --------------------------------------------------------------------------


def timeline(record: Record) -> list[Mapping[str, Any]]:
    """A record's timeline entries (the mappings among them), in order."""
    entries = record.get("timeline")
    return [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []


def status_of(record: Record) -> str:
    status = record.get("status")
    return status if isinstance(status, str) else ""


def reopenings(record: Record) -> list[Mapping[str, Any]]:
    return [e for e in timeline(record) if e.get("kind") == REOPENED_ENTRY]


class Deadline:
    """A post-mortem's due date, and whether it has passed."""

    __slots__ = ("due", "overdue")

    def __init__(self, due: date, overdue: bool) -> None:
        self.due = due
        self.overdue = overdue


class Process:
    """The process of one repository: its schema and policy, and what follows from them."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    # -- stages ---------------------------------------------------------------------------

    @property
    def stages(self) -> list[str]:
        return self.schema.stages

    @property
    def side_states(self) -> list[str]:
        return self.schema.side_states

    @property
    def statuses(self) -> list[str]:
        return self.schema.statuses

    @property
    def first_stage(self) -> str:
        return self.stages[0]

    @property
    def milestones(self) -> list[Milestone]:
        """Each stage's milestone time, in lifecycle order."""
        return self.schema.milestones

    def new_requirements(self, status: str) -> list[str]:
        """The fields a status requires that the stages before it do not (for a side state:
        that the first stage does not)."""
        requirements = self.schema.requirements
        if self.is_stage(status):
            before = {f for s in self.stages[: self.stages.index(status)] for f in requirements(s)}
        else:
            before = set(requirements(self.first_stage))
        return [f for f in requirements(status) if f not in before]

    def is_stage(self, status: str) -> bool:
        return status in self.stages

    def is_side_state(self, status: str) -> bool:
        return status in self.side_states

    def reached(self, status: str, stage: str) -> bool:
        """Whether a record at `status` has reached `stage` (a side state reaches none)."""
        stages = self.stages
        return status in stages and stages.index(status) >= stages.index(stage)

    def ended(self, status: str) -> bool:
        """Nothing more happens: closed or later, or ended early in a side state."""
        return self.is_side_state(status) or self.reached(status, CLOSED)

    def is_open(self, status: str) -> bool:
        return not self.ended(status)

    def active(self, status: str) -> bool:
        """Being worked on: a stage before normal operation is confirmed."""
        return self.is_stage(status) and not self.reached(status, ACTIVE_UNTIL)

    def closed(self, status: str) -> bool:
        """The closure documentation is done (the incident reached closed)."""
        return self.reached(status, CLOSED)

    def reviewed(self, status: str) -> bool:
        return self.reached(status, REVIEWED)

    def ended_statuses(self) -> list[str]:
        """The statuses `inc list --open` leaves out, in schema order."""
        return [s for s in self.statuses if self.ended(s)]

    # -- side states ----------------------------------------------------------------------

    @property
    def side_states_before(self) -> str:
        """A side state may be entered from any stage before this one (policy.yaml)."""
        return str(self.schema.policy["side_states_before"])

    def may_end_early(self, status: str) -> bool:
        return self.is_stage(status) and not self.reached(status, self.side_states_before)

    # -- timeline entries -----------------------------------------------------------------

    @cached_property
    def entry_kinds(self) -> list[str]:
        return list(self._entry_schema["properties"]["kind"]["enum"])

    @cached_property
    def stage_entry_kinds(self) -> list[str]:
        """The kinds of entry that enter a stage (they carry `stage`); the status is the last one's."""
        return [kind for kind, then in self._entry_rules() if "stage" in then.get("required", [])]

    @cached_property
    def log_kinds(self) -> list[str]:
        """The kinds `inc log` writes: the entries that enter no stage."""
        return [kind for kind in self.entry_kinds if kind not in self.stage_entry_kinds]

    @cached_property
    def reopen_to(self) -> str:
        """The stage a `reopened` entry enters, as `$defs/timeline_entry` fixes it."""
        for kind, then in self._entry_rules():
            stage = then.get("properties", {}).get("stage", {}).get("const")
            if kind == REOPENED_ENTRY and isinstance(stage, str):
                return stage
        return REOPEN_TO

    @property
    def reopen_from(self) -> tuple[str, ...]:
        return REOPEN_FROM

    def may_reopen(self, status: str) -> bool:
        return status in REOPEN_FROM

    @property
    def _entry_schema(self) -> dict[str, Any]:
        return self.schema.document["$defs"]["timeline_entry"]  # type: ignore[no-any-return]

    def _entry_rules(self) -> list[tuple[str, dict[str, Any]]]:
        return _entry_rules(self._entry_schema)

    # -- severities and post-mortems --------------------------------------------------------

    @property
    def severities(self) -> dict[str, dict[str, Any]]:
        return self.schema.severities

    def severity_policy(self, record: Record) -> dict[str, Any]:
        return self.severities.get(str(record.get("severity")), {})

    def postmortem_required(self, record: Record) -> bool:
        return bool(self.severity_policy(record).get("postmortem_required"))

    def postmortem_due(self, record: Record) -> date | None:
        """The policy's days for the severity after closed_at (policy.schema.json), as a UTC date.

        None when the severity needs no post-mortem or the incident is not closed yet.
        """
        closed = parse_time(record.get("closed_at"))
        if not self.postmortem_required(record) or closed is None or not self.closed(status_of(record)):
            return None
        days = int(self.severity_policy(record)["postmortem_due_days"])
        return today(closed) + timedelta(days=days)

    def awaiting_review(self, record: Record) -> bool:
        """Closed, its post-mortem not reviewed yet."""
        status = status_of(record)
        return self.closed(status) and not self.reviewed(status)

    def postmortem_deadline(self, record: Record, moment: datetime) -> Deadline | None:
        """The post-mortem's due date while one is awaited, and whether it has passed."""
        due = self.postmortem_due(record)
        if due is None or not self.awaiting_review(record):
            return None
        return Deadline(due, due < today(moment))

    def postmortem_overdue(self, record: Record, moment: datetime) -> date | None:
        """The due date of a post-mortem that is late, else None."""
        deadline = self.postmortem_deadline(record, moment)
        return deadline.due if deadline and deadline.overdue else None

    # -- follow-through, recurrence, drills and STIX (policy.yaml; absent keys turn them off)

    def item_default_due(self, record: Record, added: datetime) -> date | None:
        """A new action item's due date: the policy's `action_item_due_days` for the
        incident's priority after the UTC day it is added (None: no priority, or none set)."""
        days = (self.schema.policy.get("action_item_due_days") or {}).get(record.get("priority"))
        return today(added) + timedelta(days=days) if isinstance(days, int) else None

    @property
    def recurrence_window_days(self) -> int | None:
        """An incident recurs when an earlier one hit a service of it, same category, this recently."""
        days = self.schema.policy.get("recurrence_window_days")
        return days if isinstance(days, int) else None

    @property
    def drill_window_days(self) -> int | None:
        """A service with real incidents should have had an exercise this recently."""
        days = self.schema.policy.get("drill_window_days")
        return days if isinstance(days, int) else None

    def criticality(self, severity: object) -> int | None:
        """The severity on STIX Incident Core's 0-100 criticality scale."""
        value = self.severities.get(str(severity), {}).get("criticality")
        return value if isinstance(value, int) else None

    # -- metrics -------------------------------------------------------------------------

    def counted(self, record: Record) -> bool:
        """Metrics count real incidents: not exercises, nor side states (not incidents, or
        a second record of one)."""
        return record.get("exercise") is not True and not self.is_side_state(status_of(record))
