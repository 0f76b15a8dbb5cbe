"""`inc validate`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import EXIT_OK, EXIT_PROBLEMS, Problem
from .options import State, pass_state, problem_format_option, warn_without_records


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

    What was found in each record is kept in .git/inc-cache/, signed, and used again
    until the record, the schema, the policy or inc changes; deleting it is safe.
    """
    from ..report import render, summary
    from ..validate import validate as run_validate

    root = state.root
    if not paths:
        problems = run_validate(root, state.now(), None, jobs)
    else:
        problems = []
        for holder, given in _by_repository(state, paths).items():
            found = run_validate(holder, state.now(), [state.cwd / p for p in given], jobs)
            problems += [_as_seen_from(state.cwd, holder, p, given[0].is_absolute()) for p in found]
    output = render(problems, fmt)
    if fmt == "json" or output:
        click.echo(output)
    if fmt == "text":
        click.echo(summary(problems), err=True)
    if not paths:
        warn_without_records(root)
    raise click.exceptions.Exit(EXIT_PROBLEMS if problems else EXIT_OK)


def _by_repository(state: State, paths: tuple[Path, ...]) -> dict[Path, list[Path]]:
    """The paths grouped by the repository that holds each, in the order given."""
    groups: dict[Path, list[Path]] = {}
    for path in paths:
        groups.setdefault(state.root_of(path), []).append(path)
    return groups


def _as_seen_from(cwd: Path, root: Path, problem: Problem, absolute: bool) -> Problem:
    """A problem's path as the user can open it: relative to the repository when inc runs
    inside it (as editors expect), else the way the user named the repository."""
    where = Path(problem.path)
    if where.is_absolute() or cwd == root or root in cwd.parents:
        return problem
    shown = root / where if absolute else Path(os.path.relpath(root / where, cwd))
    return problem._replace(path=shown.as_posix())
