"""`inc log` and `inc update`: add to an incident's timeline."""

from __future__ import annotations

import click

from .. import process
from .completion import incident_ids
from .options import (
    State,
    common,
    moment_at,
    open_ledger,
    pass_state,
    read_text,
    report_outcome,
)


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.argument("text")
@click.option(
    "--kind",
    type=click.Choice(process.bundled_log_kinds()),
    default=process.NOTE_ENTRY,
    show_default=True,
    help="update: to stakeholders; action: something done; decision: a choice made.",
)
@common()
@pass_state
def log(state: State, ident: str, text: str, kind: str, at: str | None, author: str | None, no_commit: bool) -> None:
    """Add a timeline entry (TEXT, or - to read it from stdin)."""
    from ..changes import log as add_log

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    body = read_text(text) or ""
    report_outcome(add_log(ledger, incident_id, kind, body, moment_at(state, at), ledger.author(author), not no_commit))


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.argument("text")
@click.option(
    "--next",
    "next_in",
    metavar="IN",
    help="When stakeholders hear next: a span (30m, 2h, 1h30m) or a time. Default: the severity's "
    "update_every_minutes in policy.yaml.",
)
@common()
@pass_state
def update(state: State, ident: str, text: str, next_in: str | None, at: str | None, author: str | None,
           no_commit: bool) -> None:  # fmt: skip
    """Write a stakeholder update (TEXT, or - for stdin) and when the next one is due."""
    from ..changes import stakeholder_update
    from ..lifecycle import parse_next
    from ..records import format_time

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    moment = moment_at(state, at)
    next_at = parse_next(next_in, moment) if next_in else None
    body = read_text(text) or ""
    outcome, due = stakeholder_update(ledger, incident_id, body, next_at, moment, ledger.author(author), not no_commit)
    report_outcome(outcome)
    click.echo(f"next update due {format_time(due)}" if due else "no next update due", err=True)
