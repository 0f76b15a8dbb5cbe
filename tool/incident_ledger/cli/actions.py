"""`inc action add|done`, `inc actions`, `inc list`, `inc show`."""

from __future__ import annotations

from typing import Any

import click

from .options import (
    State,
    common,
    listing_format_option,
    moment_at,
    open_ledger,
    pass_state,
    read_text,
    report_outcome,
)


@click.group()
def action() -> None:
    """Add action items to an incident and mark them done."""


@action.command("add")
@click.argument("ident", metavar="ID")
@click.argument("title")
@click.option("--owner", required=True, metavar="WHO", help="Who follows it through.")
@click.option("--due", required=True, metavar="DATE", help="Due date, YYYY-MM-DD.")
@click.option("--kind", default="prevent", show_default=True, help="detect, mitigate, prevent or process.")
@click.option("--link", metavar="URL", help="The ticket that tracks it.")
@common()
@pass_state
def action_add(state: State, ident: str, title: str, owner: str, due: str, kind: str, link: str | None,
               at: str | None, author: str | None, no_commit: bool) -> None:  # fmt: skip
    """Add an action item to incident ID and print its action id (A1, A2, ...)."""
    from ..changes import NewAction, add_action
    from ..lifecycle import parse_day

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    item = NewAction(read_text(title) or "", owner, parse_day(due), kind, link)
    outcome = add_action(ledger, incident_id, item, moment_at(state, at), ledger.author(author), not no_commit)
    report_outcome(outcome)
    click.echo(outcome.result)


@action.command("done")
@click.argument("ident", metavar="ID")
@click.argument("action_id", metavar="ACTION_ID")
@click.option("--wontfix", is_flag=True, help="Close it as not going to be done, instead of done.")
@common()
@pass_state
def action_done(state: State, ident: str, action_id: str, wontfix: bool, at: str | None, author: str | None,
                no_commit: bool) -> None:  # fmt: skip
    """Mark action item ACTION_ID of incident ID done."""
    from ..changes import finish_action

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    status = "wontfix" if wontfix else "done"
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
    """List action items across all incidents (follow-through is where processes fail)."""
    from ..lifecycle import is_overdue
    from ..summaries import summaries

    now = state.now()
    rows = []
    for summary in summaries(state.root):
        items = summary.facts.get("action_items")
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            late = is_overdue(item, now)
            if (only_open and item.get("status") != "open") or (overdue and not late):
                continue
            if owner and item.get("owner") != owner:
                continue
            rows.append({"incident": summary.facts.get("id"), **item, "overdue": late})
    if fmt == "json":
        import json

        click.echo(_json_rows(json, rows))
        return
    columns = ("incident", "id", "status", "due", "owner", "title")
    table = [[str(r.get(c, "")) + (" OVERDUE" if c == "due" and r["overdue"] else "") for c in columns] for r in rows]
    _table(columns, table)


@click.command("list")
@click.option("--status", "statuses", multiple=True, metavar="S", help="Only records at this status (repeatable).")
@click.option("--open", "only_open", is_flag=True, help="Leave out closed, reviewed, cancelled and duplicate.")
@click.option("--severity", metavar="SEV", help="Only this severity.")
@click.option("--service", metavar="NAME", help="Only incidents affecting this service.")
@click.option("--since", metavar="DATE", help="Only incidents detected on or after this date (YYYY-MM-DD or a time).")
@listing_format_option("table", "json")
@pass_state
def list_(state: State, statuses: tuple[str, ...], only_open: bool, severity: str | None, service: str | None,
          since: str | None, fmt: str) -> None:  # fmt: skip
    """List incidents (all of them by default), oldest first."""
    from ..lifecycle import postmortem_overdue
    from ..schema import Schema, schema_dir
    from ..summaries import summaries

    schema = Schema(schema_dir(state.root))
    ended = _ended(schema)
    now = state.now()
    start = _since(since)
    rows = []
    for summary in summaries(state.root):
        facts = summary.facts
        if summary.error:
            click.echo(f"inc: warning: {summary.error}", err=True)
            continue
        status = facts.get("status")
        if (statuses and status not in statuses) or (only_open and status in ended):
            continue
        if (severity and facts.get("severity") != severity) or (service and service not in facts.get("services", [])):
            continue
        if start and not _detected_since(facts, start):
            continue
        row = {"path": summary.path, **{k: v for k, v in facts.items() if k != "action_items"}}
        late = postmortem_overdue(schema, facts, now)
        if late:
            row["postmortem_overdue_since"] = late.isoformat()
        rows.append(row)
    rows.sort(key=lambda r: (str(r.get("detected_at", "")), str(r.get("id", ""))))
    if fmt == "json":
        import json

        click.echo(_json_rows(json, rows))
        return
    columns = ("id", "status", "severity", "priority", "detected_at", "title")
    table = [[str(r.get(c) or "-") for c in columns] for r in rows]
    for line, row in zip(table, rows, strict=True):
        if row.get("postmortem_overdue_since"):
            line[-1] += f"  [post-mortem overdue since {row['postmortem_overdue_since']}]"
    _table(columns, table)


def _ended(schema: Any) -> set[str]:
    """The statuses `--open` leaves out: closed and the stages after it, and the side states."""
    return set(schema.stages[schema.stages.index("closed") :]) | set(schema.side_states)


def _since(text: str | None) -> Any:
    if not text:
        return None
    from datetime import datetime, timezone

    from ..records import parse_time

    moment = parse_time(text)
    if moment is None:
        try:
            moment = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        except ValueError:
            raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD) or a time", param_hint="--since") from None
    return moment


def _detected_since(facts: dict[str, Any], start: Any) -> bool:
    from ..records import parse_time

    detected = parse_time(facts.get("detected_at"))
    return detected is not None and detected >= start


@click.command()
@click.argument("ident", metavar="ID")
@listing_format_option("text", "json")
@pass_state
def show(state: State, ident: str, fmt: str) -> None:
    """Show one incident (ID, or the end of one): its facts, timeline and what is late."""
    from ..lifecycle import is_overdue, postmortem_overdue
    from ..records import relative_path
    from ..yamlio import read

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    relative = relative_path(incident_id).as_posix()
    data = read(state.root / relative, relative).data
    now = state.now()
    late_pm = postmortem_overdue(ledger.schema, data, now)
    found = data.get("action_items")
    items: list[Any] = found if isinstance(found, list) else []
    late_items = [i.get("id") for i in items if isinstance(i, dict) and is_overdue(i, now)]
    if fmt == "json":
        import json

        aging = {"postmortem_overdue_since": late_pm.isoformat() if late_pm else None, "overdue_actions": late_items}
        click.echo(json.dumps({"path": relative, "record": data, "aging": aging}, indent=2))
        return
    out: list[str] = []
    out.append(f"{incident_id}  {data.get('title')}")
    out.append(f"  {relative}")
    for name in ("status", "severity", "priority", "visibility", "commander", "detected_at", "resolved_at"):
        if data.get(name) is not None:
            out.append(f"  {name + ':':<14}{data[name]}")
    if data.get("services"):
        out.append(f"  {'services:':<14}{', '.join(map(str, data['services']))}")
    if late_pm:
        out.append(f"  post-mortem overdue: due {late_pm.isoformat()}")
    out.append("\nTimeline:")
    for entry in data.get("timeline", []):
        stage = f" -> {entry['stage']}" if entry.get("stage") else ""
        out.append(f"  {entry.get('at')}  {entry.get('kind')}{stage}  ({entry.get('author')})")
        for line in str(entry.get("text", "")).splitlines():
            out.append(f"      {line}")
    if items:
        out.append("\nAction items:")
        for item in items:
            late = " OVERDUE" if item.get("id") in late_items else ""
            out.append(f"  {item.get('id')}  {item.get('status')}{late}  due {item.get('due')}  {item.get('owner')}")
            out.append(f"      {item.get('title')}")
    click.echo(_clean("\n".join(out)))


def _clean(value: object) -> str:
    """Record text for a terminal: control characters (escape sequences) become U+FFFD.

    Records are untrusted; a `"\\e[2J"` in a title must not drive the reader's terminal.
    """
    return "".join(c if c in "\n\t" or not _is_control(c) else "\ufffd" for c in str(value))


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0


def _json_rows(json: Any, rows: list[dict[str, Any]]) -> str:
    """A JSON array with one row per line: readable, and json's fast C encoder does the work."""
    if not rows:
        return "[]"
    return "[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]"


def _table(columns: tuple[str, ...], rows: list[list[str]]) -> None:
    rows = [[_clean(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
