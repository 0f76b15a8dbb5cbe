"""`inc check`."""

from __future__ import annotations

import click

from ..errors import EXIT_OK, EXIT_PROBLEMS
from ..gitrepo import DEFAULT_BRANCH
from .options import State, pass_state, problem_format_option


@click.command()
@click.option(
    "--base",
    "base",
    metavar="REF",
    help="The branch the change goes into; the change starts at its merge base with the head. [default: "
    "origin/BRANCH, BRANCH being the one inc init made (git config incident-ledger.branch), else the "
    f"remote's default branch, else {DEFAULT_BRANCH}]",
)
@click.option(
    "--head",
    "head",
    default="HEAD",
    show_default=True,
    metavar="REF|WORKTREE",
    help="The end of the change: a commit, or WORKTREE for the files in the working tree (tracked or staged).",
)
@problem_format_option
@pass_state
def check(state: State, base: str | None, head: str, fmt: str) -> None:
    """Check what a change does to the records it touches (pull-request rules).

    Compares each record changed between the merge base of --base and --head with its
    version there: records are never deleted or moved, id/detected_at/exercise never
    change, the timeline only grows at its end, status moves back only by reopening,
    closed and reviewed records change only where the review allows, a new id is not
    taken on --base. The changed records are also validated as `inc validate` does.
    Prints `path:line:col: rule: message`; exit 0 when clean, 1 on problems, 2 on a
    usage error. A timeline entry added more than a day after the time it states is a
    warning (on stderr), never a failure.
    """
    from ..check import check as run_check
    from ..gitrepo import default_base
    from ..report import render, summary, warning_lines

    root = state.root
    outcome = run_check(root, state.now(), base or default_base(root), head)
    for line in warning_lines(outcome.warnings, fmt):
        # GitHub reads workflow commands from stdout; elsewhere warnings stay off the report.
        click.echo(line, err=fmt != "github")
    output = render(outcome.problems, fmt)
    if fmt == "json" or output:
        click.echo(output)
    if fmt == "text":
        click.echo(summary(outcome.problems, outcome.checked), err=True)
    raise click.exceptions.Exit(EXIT_PROBLEMS if outcome.problems else EXIT_OK)
