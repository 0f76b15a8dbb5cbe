"""`inc init`: a new incident repository."""

from __future__ import annotations

from pathlib import Path

import click

from ..gitrepo import DEFAULT_BRANCH
from .options import State, pass_state


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--branch",
    metavar="NAME",
    default=DEFAULT_BRANCH,
    show_default=True,
    help="The branch records land on: created here, and the one the workflows run on.",
)
@click.option(
    "--install",
    "install",
    metavar="SPEC",
    help="The line CI installs inc with, written to requirements.txt: a requirement naming this tool, "
    "a URL or a path. [default: this tool at the version running]",
)
@pass_state
def init(state: State, directory: Path, branch: str, install: str | None) -> None:
    """Create a new incident repository in DIRECTORY (new or empty) and commit it.

    Writes incidents/, schemas/ (a copy the team can tighten), site/ (the MkDocs
    project), requirements.txt (the inc release CI installs), .github/ (the
    validate and site workflows, Dependabot) and a README that lists the three
    settings GitHub needs.
    """
    from ..scaffolding import Settings, initialise

    target = directory if directory.is_absolute() else state.cwd / directory
    settings = Settings(branch=branch, install=install or "")
    for name in initialise(target, settings):
        click.echo(f"created {name}", err=True)
    click.echo(f"{target}: new incident repository on branch {settings.branch}, first commit made", err=True)
