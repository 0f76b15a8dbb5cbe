"""`inc reopen`, `inc cancel`, `inc duplicate`: when an incident's course was not what it seemed."""

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
@click.option("--reason", required=True, metavar="TEXT", help="Why: what came back.")
@common()
@pass_state
def reopen(state: State, ident: str, reason: str, at: str | None, author: str | None, no_commit: bool) -> None:
    """Take a resolved or recovered incident back to investigating."""
    from ..changes import reopen as do_reopen

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    outcome = do_reopen(
        ledger, incident_id, read_text(reason) or "", moment_at(state, at), ledger.author(author), not no_commit
    )
    report_outcome(outcome)


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.option("--reason", required=True, metavar="TEXT", help="Why this is not an incident (e.g. a false positive).")
@common()
@pass_state
def cancel(state: State, ident: str, reason: str, at: str | None, author: str | None, no_commit: bool) -> None:
    """End an incident that turned out not to be one."""
    from ..changes import side_state

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    text = read_text(reason) or ""
    fields = {"cancel_reason": text}
    outcome = side_state(
        ledger, incident_id, process.CANCELLED, fields, f"Cancelled: {text}", moment_at(state, at), ledger.author(author),
        not no_commit,
    )  # fmt: skip
    report_outcome(outcome)


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.option(
    "--of",
    "other",
    required=True,
    metavar="OTHER_ID",
    shell_complete=incident_ids,
    help="The incident this one duplicates.",
)
@common()
@pass_state
def duplicate(state: State, ident: str, other: str, at: str | None, author: str | None, no_commit: bool) -> None:
    """End an incident that is the same as another one."""
    from ..changes import duplicate_target, side_state

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    target = duplicate_target(ledger, incident_id, other)
    outcome = side_state(
        ledger, incident_id, process.DUPLICATE, {"duplicate_of": target}, f"Duplicate of {target}.", moment_at(state, at),
        ledger.author(author), not no_commit,
    )  # fmt: skip
    report_outcome(outcome)
