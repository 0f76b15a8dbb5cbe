"""`inc init`: a new incident repository."""

from __future__ import annotations

from pathlib import Path

import click

from .options import State, pass_state


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@pass_state
def init(state: State, directory: Path) -> None:
    """Create a new incident repository in DIRECTORY (new or empty) and commit it.

    Writes incidents/, schemas/ (a copy the team can tighten), site/ (the MkDocs
    project), .github/workflows/ (CI running `inc validate`) and a README.
    """
    from ..scaffolding import initialise

    target = directory if directory.is_absolute() else state.cwd / directory
    for name in initialise(target):
        click.echo(f"created {name}", err=True)
    click.echo(f"{target}: new incident repository, first commit made", err=True)
