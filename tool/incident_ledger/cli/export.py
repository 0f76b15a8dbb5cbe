"""`inc export`: the records as JSON, NDJSON, CSV, Four Keys rows or a STIX 2.1 bundle."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .filters import record_filters
from .options import State, pass_state, warn


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "ndjson", "csv", "fourkeys", "stix"]),
    default="json",
    show_default=True,
    help="json/ndjson/csv: one row per incident (columns in README); fourkeys: the Four Keys incidents "
    "table as NDJSON; stix: a STIX 2.1 bundle of the security incidents.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@click.option("--include-restricted", is_flag=True, help="Also export restricted records (left out by default).")
@click.option("--skip-invalid", is_flag=True, help="Leave invalid records out (with a warning) instead of failing.")
@record_filters
@pass_state
def export(state: State, fmt: str, output: Path | None, include_restricted: bool, skip_invalid: bool,
           statuses: tuple[str, ...], only_open: bool, severity: str | None, service: str | None,
           since: str | None, recurring: bool) -> None:  # fmt: skip
    """Export the records (all, or those the filters pick) for other tools.

    Every record is checked as `inc validate` does first: an invalid record stops the
    export, and nothing is written, unless --skip-invalid leaves it out.
    """
    from ..exports.collect import Selection
    from ..exports.collect import export as run_export
    from ..listing import IncidentFilter, parse_since

    start = parse_since(since) if since else None
    if since and start is None:
        raise click.BadParameter(f"{since!r} is not a date (YYYY-MM-DD) or a time", param_hint="--since")
    selection = Selection(IncidentFilter(statuses, only_open, severity, service, start, recurring), include_restricted)
    text = run_export(state.root, state.now(), fmt, selection, skip_invalid, warn)
    if output is None:
        click.echo(text, nl=False)
        return
    target = output if output.is_absolute() else state.cwd / output
    _write_atomic(target, text.encode("utf-8"))
    click.echo(f"wrote {target}", err=True)


def _write_atomic(file: Path, content: bytes) -> None:
    """The whole export or nothing: a temporary file renamed over the target."""
    import tempfile  # here: only an export loads it

    handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
