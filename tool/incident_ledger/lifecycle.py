"""The incident lifecycle as pure functions: which moves are allowed, what each needs, when.

Every fact (the stage order, what each stage requires, each stage's milestone time, the
side states and from where they may be entered, the reopen rules) comes from the process
layer (`process.Process`); this module only applies them. The clock is passed in, so
every decision is reproducible in tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from .errors import LedgerError, UsageError
from .process import Process, timeline
from .records import parse_time
from .rules.record import FUTURE_SLACK
from .schema import Schema

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class Refusal(LedgerError):
    """A move the process does not allow, with what to do instead."""


@dataclass(frozen=True)
class Missing:
    field: str
    how: str  # the option that sets it, or "write it in the file"

    def __str__(self) -> str:
        return f"{self.field} ({self.how})"


def check_forward(schema: Schema, current: str, target: str) -> None:
    """Stages are entered one at a time, in the schema's order; back only through reopen."""
    process = Process(schema)
    stages = process.stages
    if target not in stages:
        raise UsageError(f"unknown stage {target!r}; the stages are {', '.join(stages)}")
    if process.is_side_state(current):
        raise Refusal(f"the incident is {current}, an end state; it cannot move to {target}")
    if current not in stages:
        raise Refusal(f"the record's status {current!r} is not a stage; fix it in the file first")
    here, there = stages.index(current), stages.index(target)
    if there == here:
        raise Refusal(f"the incident is already {current}")
    if there < here:
        back, to = process.reopen_from, process.reopen_to
        hint = (
            f"; to take it back to {to}, run `inc reopen ID --reason TEXT`"
            if process.may_reopen(current) and target == to
            else f" (only {' or '.join(back)} can go back, to {to}, with `inc reopen`)"
        )
        raise Refusal(f"cannot move backwards from {current} to {target}{hint}")
    if there > here + 1:
        raise Refusal(
            f"cannot skip stages: the incident is {current}, so the next stage is {stages[here + 1]}, not {target}"
        )


def check_side_state(schema: Schema, current: str, target: str) -> None:
    """cancelled and duplicate end an incident that was not one, only before `side_states_before`."""
    process = Process(schema)
    limit = process.side_states_before
    if process.is_side_state(current):
        raise Refusal(f"the incident is already {current}")
    if not process.may_end_early(current):
        raise Refusal(
            f"the incident is {current}; only an incident before {limit} can become {target} "
            f"(the policy's side_states_before)"
        )


def check_reopen(schema: Schema, current: str) -> None:
    process = Process(schema)
    if not process.may_reopen(current):
        closed = " (a closed or reviewed record stays closed; open a new incident instead)" if current else ""
        raise Refusal(
            f"only a {' or '.join(process.reopen_from)} incident can be reopened; this one is {current}{closed}"
        )


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
    last = Process(schema).last_stage_entry(data)
    if last is not None and at < last[1]:
        raise UsageError(f"--at {_show(at)} is earlier than the last stage change in the timeline ({last[0]})")


def check_appendable(data: Mapping[str, Any], at: datetime) -> None:
    """A new timeline entry is no earlier than the last one: the timeline only grows at its end."""
    for entry in reversed(timeline(data)):
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


# -- action items ---------------------------------------------------------------------


def next_action_id(items: Any) -> str:
    numbers = [0]
    for item in items if isinstance(items, list) else []:
        action_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(action_id, str) and re.fullmatch(r"A[1-9][0-9]*", action_id):
            numbers.append(int(action_id[1:]))
    return f"A{max(numbers) + 1}"
