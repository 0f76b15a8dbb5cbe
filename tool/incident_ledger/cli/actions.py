"""`inc action add|done`, `inc actions`, `inc list`, `inc show`: click only; the rows come from `listing`."""

from __future__ import annotations

import click

from ..safetext import shown as quoted
from .completion import field_values, incident_ids
from .filters import record_filters
from .options import (
    State,
    common,
    listing_format_option,
    moment_at,
    open_ledger,
    pass_state,
    read_text,
    report_outcome,
    warn,
    warn_without_records,
)


@click.group()
def action() -> None:
    """Add action items to an incident and mark them done."""


@action.command("add")
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.argument("title")
@click.option("--owner", required=True, metavar="WHO", help="Who follows it through.")
@click.option("--due", metavar="DATE", help="Due date, YYYY-MM-DD (default: the policy's days for the priority).")
@click.option(
    "--kind",
    default="prevent",
    show_default=True,
    shell_complete=field_values("action_items", "kind"),
    help="detect, mitigate, prevent or process.",
)
@click.option("--link", metavar="URL", help="The ticket that tracks it.")
@common()
@pass_state
def action_add(state: State, ident: str, title: str, owner: str, due: str | None, kind: str, link: str | None,
               at: str | None, author: str | None, no_commit: bool) -> None:  # fmt: skip
    """Add an action item to incident ID and print its action id (A1, A2, ...)."""
    from ..changes import NewAction, add_action
    from ..lifecycle import parse_day

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    item = NewAction(read_text(title) or "", owner, parse_day(due) if due else None, kind, link)
    outcome = add_action(ledger, incident_id, item, moment_at(state, at), ledger.author(author), not no_commit)
    report_outcome(outcome)
    click.echo(outcome.result)


@action.command("done")
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.argument("action_id", metavar="ACTION_ID")
@click.option("--wontfix", is_flag=True, help="Close it as not going to be done, instead of done.")
@common()
@pass_state
def action_done(state: State, ident: str, action_id: str, wontfix: bool, at: str | None, author: str | None,
                no_commit: bool) -> None:  # fmt: skip
    """Mark action item ACTION_ID of incident ID done."""
    from ..changes import finish_action
    from ..process import ITEM_DONE, ITEM_WONTFIX

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    status = ITEM_WONTFIX if wontfix else ITEM_DONE
    outcome = finish_action(
        ledger, incident_id, action_id, status, moment_at(state, at), ledger.author(author), not no_commit
    )
    report_outcome(outcome)


@click.command()
@click.option("--open", "only_open", is_flag=True, help="Only items still open.")
@click.option("--overdue", is_flag=True, help="Only open items past their due date.")
@click.option("--owner", metavar="WHO", help="Only items of this owner.")
@listing_format_option("table", "json")
@pass_state
def actions(state: State, only_open: bool, overdue: bool, owner: str | None, fmt: str) -> None:
    """List action items across all incidents (follow-through is where processes fail).

    Says so on stderr when there is no incidents/ folder here.
    """
    from ..listing import action_rows, action_table, json_rows

    rows = action_rows(state.root, state.now(), only_open, overdue, owner)
    warn_without_records(state.root)
    click.echo(json_rows(rows) if fmt == "json" else "\n".join(action_table(rows)))


@click.command("list")
@record_filters
@click.option(
    "--stale", is_flag=True, help="Only active incidents that owe stakeholders an update (policy.yaml's cadence)."
)
@listing_format_option("table", "json")
@pass_state
def list_(state: State, statuses: tuple[str, ...], only_open: bool, severity: str | None, service: str | None,
          since: str | None, recurring: bool, stale: bool, fmt: str) -> None:  # fmt: skip
    """List incidents (all of them by default), oldest first.

    A recurring incident is marked with how often its service had one of its category
    within the policy's recurrence_window_days ("3rd time in 90 days for payments-api").
    Says so on stderr when there is no incidents/ folder here.
    """
    from ..listing import IncidentFilter, incident_rows, incident_table, json_rows, parse_since
    from ..process import Process
    from ..schema import Schema, schema_dir

    start = parse_since(since) if since else None
    if since and start is None:
        raise click.BadParameter(f"{quoted(since)} is not a date (YYYY-MM-DD) or a time", param_hint="--since")
    keep = IncidentFilter(statuses, only_open, severity, service, start, recurring, state.now() if stale else None)
    listing = incident_rows(state.root, Process(Schema(schema_dir(state.root))), state.now(), keep)
    warn_without_records(state.root)
    for warning in listing.warnings:
        warn(warning)
    click.echo(json_rows(listing.rows) if fmt == "json" else "\n".join(incident_table(listing.rows)))


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@listing_format_option("text", "json")
@pass_state
def show(state: State, ident: str, fmt: str) -> None:
    """Show one incident (ID, or the end of one): its facts, timeline and what is late."""
    from ..listing import shown
    from ..process import Process
    from ..records import relative_path
    from ..yamlio import read

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    relative = relative_path(incident_id).as_posix()
    data = read(state.root / relative, relative).data
    record = shown(Process(ledger.schema), incident_id, data, state.now())
    click.echo(record.as_json() if fmt == "json" else record.text())
