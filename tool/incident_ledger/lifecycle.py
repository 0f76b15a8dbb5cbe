"""The incident lifecycle as pure functions: which moves are allowed and what each needs.

Every fact (the stage order, what each stage requires, each stage's milestone time, the
side states and from where they may be entered, the reopen rules) comes from the process
layer (`process.Process`); this module only applies them. When a time is allowed is the
rules' (`FIXED_BY` turns their problems into the option to change). The clock is passed
in, so every decision is reproducible in tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .errors import LedgerError, Problem, UsageError
from .process import DAY_FORM, Process
from .records import format_time, parse_time
from .report import refused
from .safetext import shown
from .schema import Schema


class Refusal(LedgerError):
    """A move the process does not allow, with what to do instead."""


class Missing:
    __slots__ = ("field", "how")

    def __init__(self, field: str, how: str) -> None:
        self.field = field
        self.how = how  # the option that sets it, or "write it in the file"

    def __str__(self) -> str:
        return f"{self.field} ({self.how})"


def check_forward(schema: Schema, current: str, target: str) -> None:
    """Stages are entered one at a time, in the schema's order; back only through reopen."""
    process = Process(schema)
    stages = process.stages
    if target not in stages:
        raise UsageError(f"unknown stage {shown(target)}; the stages are {', '.join(stages)}")
    if process.is_side_state(current):
        raise Refusal(f"the incident is {current}, an end state; it cannot move to {target}")
    if current not in stages:
        raise Refusal(f"the record's status {shown(current)} is not a stage; fix it in the file first")
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


def check_side_state(schema: Schema, current: str) -> None:
    """A side state ends an incident for good: a record in one does not enter another.

    From which stages one is entered is the `side-state` rule's, which the command runs
    on the record it would write.
    """
    if Process(schema).is_side_state(current):
        raise Refusal(f"the incident is already {current}")


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
    """A command's time: now by default, else an ISO-8601 time with a zone.

    Whether the time fits the record (not in the future, not before the entries and
    milestones before it) is for the rules the command runs on the record it would write.
    """
    if text is None:
        return now
    moment = parse_time(text)
    if moment is None:
        raise UsageError(
            f"{option} {shown(text)} is not an ISO-8601 time with a zone; write it like 2026-11-03T10:15:00Z "
            "or 2026-11-03T11:15:00+01:00"
        )
    try:
        plausible = moment.astimezone(timezone.utc).year >= EARLIEST_YEAR
    except OverflowError:  # year 1 with a positive offset has no UTC equivalent
        plausible = False
    if not plausible:
        raise UsageError(f"{option} {text} is before {EARLIEST_YEAR}; check the year")
    return moment


_SPAN = r"(?:([0-9]+)\s*d)?\s*(?:([0-9]+)\s*h)?\s*(?:([0-9]+)\s*m(?:in)?)?\Z"


def parse_next(text: str, at: datetime, option: str = "--next") -> datetime:
    """When the next stakeholder update is due: a span after `at` (30m, 2h, 1h30m, 1d) or
    an ISO-8601 time with a zone, later than `at`."""
    moment = parse_time(text)
    span = re.match(_SPAN, text.strip().lower()) if moment is None else None
    if span and any(span.groups()):
        days, hours, minutes = (int(part or 0) for part in span.groups())
        moment = at + timedelta(days=days, hours=hours, minutes=minutes)
    if moment is None:
        raise UsageError(
            f"{option} {text!r} is neither a time span (30m, 2h, 1h30m, 1d) nor an ISO-8601 time with a zone"
        )
    if moment <= at:
        raise UsageError(
            f"{option} {text} is not after the update itself ({format_time(at)}); say when stakeholders hear next"
        )
    return moment


def parse_day(text: str, option: str = "--due") -> str:
    if not re.match(DAY_FORM, text):
        raise UsageError(f"{option} {shown(text)} is not a date; write it as YYYY-MM-DD")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {shown(text)} is not a real date") from None
    return text


# -- refusing by the rules -----------------------------------------------------------


class Fix:
    """The options of the lifecycle commands that fix what a rule refuses, and how."""

    __slots__ = ("how", "options")

    def __init__(self, options: tuple[str, ...], how: str) -> None:
        self.options = options
        self.how = how  # a sentence; {now} stands for the command's clock


# The lifecycle commands refuse by running `inc validate`'s rules on the record they are
# about to write. This table names the options that fix what a rule refuses there (a
# command names those it takes); a problem no option fixes is reported as it is.
FIXED_BY: dict[str, Fix] = {
    "timeline-order": Fix(
        ("--at",),
        "The timeline only grows at its end (inc check refuses a reordered one): record what "
        "happened in the order it happened, or say when in the entry's text.",
    ),
    "milestone-order": Fix(
        ("--at", "--started-at"),
        "The impact starts before it is detected, and a stage is entered no earlier than the stages before it.",
    ),
    "future-time": Fix(("--at", "--started-at"), "A record tells what has happened: now is {now}."),
}


def refusal(problems: Sequence[Problem], given: Mapping[str, str], now: datetime) -> LedgerError:
    """Why a command writes nothing: the problems of the record it would have written.

    `given` holds the values of the command's options. When options it was given fix
    every problem (FIXED_BY), the error names them and is a usage error.
    """
    fixing = [tuple(o for o in FIXED_BY[p.rule].options if o in given) if p.rule in FIXED_BY else () for p in problems]
    if not problems or not all(fixing):
        return LedgerError(refused("the change would leave the record invalid, so nothing was written", problems))
    lines = []
    for options in dict.fromkeys(fixing):
        found = [p for p, fixed_by in zip(problems, fixing, strict=True) if fixed_by == options]
        rules = list(dict.fromkeys(p.rule for p in found))
        values = " and ".join(f"{option} {given[option]}" for option in options)
        named = f"rule{'s' if len(rules) > 1 else ''} {', '.join(rules)}"
        reasons = "; ".join(p.message for p in found)
        hows = " ".join(FIXED_BY[rule].how.format(now=format_time(now)) for rule in rules)
        lines.append(f"{values} {'are' if len(options) > 1 else 'is'} refused by {named}: {reasons}. {hows}")
    return UsageError("\n".join(lines))


# -- action items ---------------------------------------------------------------------


def next_action_id(items: Any) -> str:
    numbers = [0]
    for item in items if isinstance(items, list) else []:
        action_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(action_id, str) and re.fullmatch(r"A[1-9][0-9]*", action_id):
            numbers.append(int(action_id[1:]))
    return f"A{max(numbers) + 1}"
