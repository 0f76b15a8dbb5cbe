"""The incident lifecycle as pure functions: which moves are allowed, what each needs, when.

Every fact (the stage order, what each stage requires, each stage's milestone time, the
side states and from where they may be entered, the priority matrix, post-mortem due
days) is read from `schema.Schema`; this module only applies them. The clock is passed
in, so every decision is reproducible in tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .errors import LedgerError, UsageError
from .records import parse_time
from .rules import FUTURE_SLACK
from .schema import Schema

# Timeline entries that enter a stage; the record's status is the stage of the last one.
STAGE_ENTRY_KINDS = ("status", "reopened")
# The stage `inc reopen` returns to: the schema's `reopened` timeline entries must enter it.
# Used when a schema does not say (the bundled one does).
REOPEN_TO = "investigating"
# The stages reopen returns from: the incident came back after the impact was thought to
# be over; a closed record stays closed (a process rule the schema cannot express).
REOPEN_FROM = ("resolved", "recovered")


def reopen_target(schema: Schema) -> str:
    """The stage a `reopened` entry enters, as `$defs/timeline_entry` fixes it."""
    for block in schema.document.get("$defs", {}).get("timeline_entry", {}).get("allOf", []):
        kind = block.get("if", {}).get("properties", {}).get("kind", {}).get("const")
        stage = block.get("then", {}).get("properties", {}).get("stage", {}).get("const")
        if kind == "reopened" and isinstance(stage, str):
            return stage
    return REOPEN_TO


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class Refusal(LedgerError):
    """A move the process does not allow, with what to do instead."""


@dataclass(frozen=True)
class Missing:
    field: str
    how: str  # the option that sets it, or "write it in the file"

    def __str__(self) -> str:
        return f"{self.field} ({self.how})"


def status_of(data: Mapping[str, Any]) -> str:
    status = data.get("status")
    return status if isinstance(status, str) else ""


def check_forward(schema: Schema, current: str, target: str) -> None:
    """Stages are entered one at a time, in the schema's order; back only through reopen."""
    stages = schema.stages
    if target not in stages:
        raise UsageError(f"unknown stage {target!r}; the stages are {', '.join(stages)}")
    if current in schema.side_states:
        raise Refusal(f"the incident is {current}, an end state; it cannot move to {target}")
    if current not in stages:
        raise Refusal(f"the record's status {current!r} is not a stage; fix it in the file first")
    here, there = stages.index(current), stages.index(target)
    if there == here:
        raise Refusal(f"the incident is already {current}")
    if there < here:
        hint = (
            f"; to take it back to {REOPEN_TO}, run `inc reopen ID --reason TEXT`"
            if current in REOPEN_FROM and target == REOPEN_TO
            else f" (only {' or '.join(REOPEN_FROM)} can go back, to {REOPEN_TO}, with `inc reopen`)"
        )
        raise Refusal(f"cannot move backwards from {current} to {target}{hint}")
    if there > here + 1:
        raise Refusal(
            f"cannot skip stages: the incident is {current}, so the next stage is {stages[here + 1]}, not {target}"
        )


def check_side_state(schema: Schema, current: str, target: str) -> None:
    """cancelled and duplicate end an incident that was not one, only before `side_states_before`."""
    limit = schema.policy["side_states_before"]
    stages = schema.stages
    if current in schema.side_states:
        raise Refusal(f"the incident is already {current}")
    if current not in stages or stages.index(current) >= stages.index(limit):
        raise Refusal(
            f"the incident is {current}; only an incident before {limit} can become {target} "
            f"(the policy's side_states_before)"
        )


def check_reopen(current: str) -> None:
    if current not in REOPEN_FROM:
        closed = " (a closed or reviewed record stays closed; open a new incident instead)" if current else ""
        raise Refusal(f"only a {' or '.join(REOPEN_FROM)} incident can be reopened; this one is {current}{closed}")


def has_field(data: Mapping[str, Any], dotted: str) -> bool:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    return value is not None and value != "" and value != []


def missing_fields(
    schema: Schema, data: Mapping[str, Any], target: str, options: Mapping[str, str], filled: Sequence[str] = ()
) -> list[Missing]:
    """What `target` requires that the record lacks and the command does not set itself."""
    result = []
    for name in schema.requirements(target):
        if name in filled or name == "status" or has_field(data, name):
            continue
        how = f"set it with {options[name]}" if name in options else f"write '{name}' in the record"
        result.append(Missing(name, how))
    # `resolution` is missing when `resolution.summary` is: name only the precise field.
    parents = {m.field.rsplit(".", 1)[0] for m in result if "." in m.field}
    return [m for m in result if m.field not in parents]


def refuse_missing(incident_id: str, target: str, missing: list[Missing]) -> None:
    if missing:
        lines = "\n".join(f"  - {m}" for m in missing)
        raise Refusal(f"{incident_id} cannot become {target}; missing:\n{lines}")


# Incident records start with computing; an earlier year is a typo (and 0001 breaks ids).
EARLIEST_YEAR = 1970


def parse_moment(text: str | None, now: datetime, option: str = "--at") -> datetime:
    """A command's time: now by default, else an ISO-8601 time with a zone, not in the future."""
    if text is None:
        return now
    moment = parse_time(text)
    if moment is None:
        raise UsageError(
            f"{option} {text!r} is not an ISO-8601 time with a zone; write it like 2026-11-03T10:15:00Z "
            "or 2026-11-03T11:15:00+01:00"
        )
    try:
        plausible = moment.astimezone(timezone.utc).year >= EARLIEST_YEAR
    except OverflowError:  # year 1 with a positive offset has no UTC equivalent
        plausible = False
    if not plausible:
        raise UsageError(f"{option} {text} is before {EARLIEST_YEAR}; check the year")
    if moment > now + FUTURE_SLACK:
        raise UsageError(f"{option} {text} is in the future (now is {now.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ})")
    return moment


def parse_day(text: str, option: str = "--due") -> str:
    if not _DATE.match(text):
        raise UsageError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a real date") from None
    return text


def _timeline(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entries = data.get("timeline")
    return [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []


def previous_milestone(schema: Schema, data: Mapping[str, Any], target: str) -> tuple[str, datetime] | None:
    """The latest milestone time of the stages before `target` (started_at counts too)."""
    stages = schema.stages
    upto = stages.index(target) if target in stages else len(stages)
    fields = ["started_at"] + [m.field for m in schema.milestones if stages.index(m.stage) < upto]
    latest: tuple[str, datetime] | None = None
    for name in fields:
        moment = parse_time(data.get(name))
        if moment is not None and (latest is None or moment > latest[1]):
            latest = (name, moment)
    return latest


def check_stage_time(schema: Schema, data: Mapping[str, Any], target: str, at: datetime) -> None:
    """A stage is entered no earlier than the previous milestone and the previous stage entry."""
    before = previous_milestone(schema, data, target)
    if before is not None and at < before[1]:
        raise UsageError(
            f"--at {_show(at)} is earlier than {before[0]} ({data[before[0]]}); a stage cannot be entered "
            "before the one it follows"
        )
    last = last_stage_entry(data)
    if last is not None and at < last[1]:
        raise UsageError(f"--at {_show(at)} is earlier than the last stage change in the timeline ({last[0]})")


def last_stage_entry(data: Mapping[str, Any]) -> tuple[str, datetime] | None:
    for entry in reversed(_timeline(data)):
        moment = parse_time(entry.get("at"))
        if entry.get("kind") in STAGE_ENTRY_KINDS and moment is not None:
            return str(entry.get("at")), moment
    return None


def check_appendable(data: Mapping[str, Any], at: datetime) -> None:
    """A new timeline entry is no earlier than the last one: the timeline only grows at its end."""
    for entry in reversed(_timeline(data)):
        moment = parse_time(entry.get("at"))
        if moment is None:
            continue
        if at < moment:
            raise UsageError(
                f"--at {_show(at)} is earlier than the last timeline entry ({entry.get('at')}); the "
                "timeline only grows at its end (inc check refuses a reordered one): record what "
                "happened in the order it happened, or say when in the entry's text"
            )
        return


def _show(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def merged(existing: Sequence[str], extra: Sequence[str]) -> list[str]:
    """Services from `new` and `classify` together, each once, in the order first given."""
    return list(dict.fromkeys([*existing, *extra]))


# -- action items ---------------------------------------------------------------------


def next_action_id(items: Any) -> str:
    numbers = [0]
    for item in items if isinstance(items, list) else []:
        action_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(action_id, str) and re.fullmatch(r"A[1-9][0-9]*", action_id):
            numbers.append(int(action_id[1:]))
    return f"A{max(numbers) + 1}"


def is_overdue(item: Mapping[str, Any], now: datetime) -> bool:
    """An open action item whose due date has passed (in UTC): follow-through has slipped."""
    due = item.get("due")
    if item.get("status") != "open" or not isinstance(due, str) or not _DATE.match(due):
        return False
    try:
        return date.fromisoformat(due) < now.astimezone(timezone.utc).date()
    except ValueError:
        return False


def postmortem_due(schema: Schema, data: Mapping[str, Any]) -> date | None:
    """When the post-mortem is due: the policy's days for the severity, counted from closed_at
    (policy.schema.json: "Days after closed_at"), as the site counts them too.

    None when the severity needs no post-mortem or the closure documentation is not done yet.
    """
    severity = schema.severities.get(str(data.get("severity")))
    closed = parse_time(data.get("closed_at"))
    if not severity or not severity.get("postmortem_required") or closed is None:
        return None
    return (closed + timedelta(days=int(severity["postmortem_due_days"]))).date()


def postmortem_overdue(schema: Schema, data: Mapping[str, Any], now: datetime) -> date | None:
    """The due date of a post-mortem that is late (not reviewed, nor ended otherwise), else None."""
    status = status_of(data)
    stages = schema.stages
    if status not in stages or stages.index(status) >= len(stages) - 1:
        return None
    due = postmortem_due(schema, data)
    if due is None or due >= now.astimezone(timezone.utc).date():
        return None
    return due
