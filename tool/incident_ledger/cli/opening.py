"""`inc new`: open an incident."""

from __future__ import annotations

import click

from .. import process
from .completion import field_values
from .options import (
    State,
    common,
    note_option,
    open_ledger,
    pass_state,
    read_text,
    report_outcome,
)

# What a new record must be given, as `inc new` names it: the record's field, the argument.
_REQUIRED = (("title", "TITLE"), ("summary", "--summary"), ("detected_by", "--detected-by"))


@click.command()
@click.argument("title", required=False)
@click.option("--summary", metavar="TEXT", help="What happened, for a reader who knows nothing (required).")
@click.option(
    "--detected-by",
    metavar="KIND",
    shell_complete=field_values("detected_by"),
    help="monitoring, user-report, staff, ... (required).",
)
@click.option("--detected-at", "--at", "detected_at", metavar="TS", help="When it was detected (default: now).")
@click.option("--started-at", metavar="TS", help="When the impact began, if known.")
@click.option("--reported-by", metavar="WHO", help="Who reported it (default: the author).")
@click.option("--service", "services", multiple=True, metavar="NAME", help="An affected service (repeatable).")
@click.option(
    "--visibility",
    shell_complete=field_values("visibility"),
    help=f"public, internal or restricted (default: {process.DEFAULT_VISIBILITY}, or the scenario's).",
)
@click.option("--exercise", is_flag=True, help="A drill or tabletop exercise (kept out of metrics).")
@click.option(
    "--from", "scenario", metavar="SCENARIO", help="With --exercise: start the drill exercises/scenarios/SCENARIO.yaml."
)
@note_option
@common(timeline=False)
@pass_state
def new(state: State, title: str | None, summary: str | None, detected_by: str | None, detected_at: str | None,
        started_at: str | None, reported_by: str | None, services: tuple[str, ...], visibility: str | None,
        exercise: bool, scenario: str | None, note: str | None, author: str | None,
        no_commit: bool) -> None:  # fmt: skip
    """Open a new incident at the first stage and print its ID.

    Writes incidents/<YYYY>/<ID>.yaml with the first timeline entry and commits it.
    Only the ID goes to stdout, so `id=$(inc new ...)` works. TITLE, --summary and
    --detected-by are required, except for a drill started with --exercise --from
    SCENARIO, which takes them (and the services) from the scenario.
    """
    from ..lifecycle import parse_moment

    ledger = open_ledger(state)
    fields = {
        "title": read_text(title),
        "visibility": visibility,
        "exercise": exercise,
        "summary": read_text(summary),
        "detected_at": parse_moment(detected_at, state.now(), "--detected-at"),
        "detected_by": detected_by,
        "reported_by": reported_by,
        "started_at": parse_moment(started_at, state.now(), "--started-at") if started_at else None,
        "services": list(services),
    }
    if scenario is not None:
        from ..scenarios import load, record_fields

        if not exercise:
            raise click.UsageError("--from starts a drill from a scenario: add --exercise")
        fields = record_fields(load(state.root, scenario), fields)
    # All at once: an engineer opening an incident under stress fixes the command once.
    missing = [hint for name, hint in _REQUIRED if not fields[name]]
    if missing:
        listed = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
        verb = "is" if len(missing) == 1 else "are"
        raise click.UsageError(f"{listed} {verb} required (or start a drill with --exercise --from SCENARIO)")
    fields["visibility"] = fields["visibility"] or process.DEFAULT_VISIBILITY
    outcome = ledger.create(fields, ledger.author(author), read_text(note), commit=not no_commit)
    report_outcome(outcome)
    click.echo(outcome.incident_id)
