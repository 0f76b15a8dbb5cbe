"""`inc history ID`: the commits that changed one record, from git."""

from __future__ import annotations

import json
from datetime import timezone

import click

from .options import State, listing_format_option, open_ledger, pass_state


@click.command()
@click.argument("ident", metavar="ID")
@listing_format_option("text", "json")
@pass_state
def history(state: State, ident: str, fmt: str) -> None:
    """List the commits that changed incident ID, oldest first: when, who, and what each
    did (created it, entered a stage, added timeline entries, changed fields).

    Read from git in one `git log` over the record's file: the audit trail of who wrote
    what into the incident's record, whatever tool made the commit.
    """
    from ..audit import history as record_history
    from ..records import relative_path
    from ..safetext import one_line

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    relative = relative_path(incident_id).as_posix()
    changes = record_history(state.root, relative)
    if fmt == "json":
        click.echo(json.dumps([change.as_dict() for change in changes], indent=2, ensure_ascii=False))
        return
    if not changes:
        click.echo(f"{incident_id}: no commit has changed {relative} yet", err=True)
        return
    for change in changes:
        when = change.authored.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        click.echo(f"{when}  {change.sha[:10]}  {one_line(change.author, 80)}  {one_line(change.summary(), 400)}")
        click.echo(f"    {one_line(change.subject, 400)}")
