"""`inc validate`."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import EXIT_OK, EXIT_PROBLEMS
from .options import State, pass_state, problem_format_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@problem_format_option
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@pass_state
def validate(state: State, paths: tuple[Path, ...], fmt: str, jobs: int | None) -> None:
    """Check records against the schema and the process rules.

    Checks every record under incidents/ (or the PATHS given) and prints each problem
    as `path:line:col: rule: message`. Exit 0 when all are valid, 1 when any record
    has a problem, 2 on a usage error.
    """
    from ..report import render, summary
    from ..validate import validate as run_validate

    root = state.root
    problems = run_validate(root, state.now(), [state.cwd / p for p in paths] or None, jobs)
    output = render(problems, fmt)
    if fmt == "json" or output:
        click.echo(output)
    if fmt == "text":
        click.echo(summary(problems), err=True)
    if not paths and not (root / "incidents").is_dir():
        # Valid (a repository whose last record was deleted), but say so: a CI job run
        # in the wrong folder must not pass without anyone noticing.
        click.echo(f"inc: warning: no incidents/ folder in {root}; no records were checked", err=True)
    raise click.exceptions.Exit(EXIT_PROBLEMS if problems else EXIT_OK)
