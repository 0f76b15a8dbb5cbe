"""The stage commands (`inc classify` ... `inc review`) and `inc advance`: move an incident on."""

from __future__ import annotations

from typing import Any

import click

from .. import process
from .completion import field_values, incident_ids
from .options import (
    State,
    common,
    moment_at,
    note_option,
    open_ledger,
    pass_state,
    read_text,
    read_texts,
    report_outcome,
)


def _move(state: State, ident: str, target: str, fields: dict[str, Any], options: dict[str, str], at: str | None,
          author: str | None, note: str | None, no_commit: bool) -> None:  # fmt: skip
    from ..changes import Move, move

    ledger = open_ledger(state)
    incident_id = ledger.resolve(ident)
    fields = {k: v for k, v in fields.items() if v not in (None, [], ())}
    step = Move(target, fields, options, moment_at(state, at), ledger.author(author), read_text(note))
    report_outcome(move(ledger, incident_id, step, commit=not no_commit))


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.option(
    "--severity",
    metavar="SEV",
    shell_complete=field_values("severity"),
    help="SEV1..SEV4 (policy.yaml says what each means).",
)
@click.option("--impact", metavar="LEVEL", shell_complete=field_values("impact"), help="high, medium or low.")
@click.option("--urgency", metavar="LEVEL", shell_complete=field_values("urgency"), help="high, medium or low.")
@click.option(
    "--category",
    metavar="CATEGORY",
    shell_complete=field_values("category"),
    help="availability, performance, security, data, other.",
)
@click.option("--service", "services", multiple=True, metavar="NAME", help="An affected service (repeatable).")
@click.option("--impact-assessment", metavar="TEXT", help="Who and what was affected, and how much.")
@note_option
@common()
@pass_state
def classify(state: State, ident: str, severity: str | None, impact: str | None, urgency: str | None,
             category: str | None, services: tuple[str, ...], impact_assessment: str | None, note: str | None,
             at: str | None, author: str | None, no_commit: bool) -> None:  # fmt: skip
    """Classify: severity, impact x urgency (priority follows from the policy's matrix)."""
    fields = {
        "severity": severity,
        "impact": impact,
        "urgency": urgency,
        "category": category,
        "services": list(services),
        "impact_assessment": read_text(impact_assessment),
    }
    options = {
        "severity": "--severity",
        "impact": "--impact",
        "urgency": "--urgency",
        "priority": "--impact and --urgency",
        "category": "--category",
        "services": "--service",
        "impact_assessment": "--impact-assessment",
    }
    _move(state, ident, process.CLASSIFIED, fields, options, at, author, note, no_commit)


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.option("--commander", metavar="WHO", help="The incident commander.")
@note_option
@common()
@pass_state
def investigate(state: State, ident: str, commander: str | None, note: str | None, at: str | None,
                author: str | None, no_commit: bool) -> None:  # fmt: skip
    """Start investigating under a named commander; stamps the stage's milestone time."""
    _move(state, ident, process.INVESTIGATING, {"commander": commander}, {"commander": "--commander"}, at, author, note,
          no_commit)  # fmt: skip


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.option("--summary", metavar="TEXT", help="How the impact was stopped.")
@click.option("--step", "steps", multiple=True, metavar="TEXT", help="A step taken, in order (repeatable).")
@note_option
@common()
@pass_state
def resolve(state: State, ident: str, summary: str | None, steps: tuple[str, ...], note: str | None,
            at: str | None, author: str | None, no_commit: bool) -> None:  # fmt: skip
    """The impact has stopped: how, and the steps taken; stamps the stage's milestone time."""
    fields = {"resolution.summary": read_text(summary), "resolution.steps": read_texts(steps)}
    options = {"resolution": "--summary and --step", "resolution.summary": "--summary", "resolution.steps": "--step"}
    _move(state, ident, process.RESOLVED, fields, options, at, author, note, no_commit)


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.option("--summary", metavar="TEXT", help="How the service was brought back to normal.")
@click.option("--verification", metavar="TEXT", help="How normal operation was confirmed.")
@note_option
@common()
@pass_state
def recover(state: State, ident: str, summary: str | None, verification: str | None, note: str | None,
            at: str | None, author: str | None, no_commit: bool) -> None:  # fmt: skip
    """Normal operation is confirmed: how; stamps the stage's milestone time."""
    fields = {"recovery.summary": read_text(summary), "recovery.verification": read_text(verification)}
    options = {
        "recovery": "--summary and --verification",
        "recovery.summary": "--summary",
        "recovery.verification": "--verification",
    }
    _move(state, ident, process.RECOVERED, fields, options, at, author, note, no_commit)


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.option("--root-cause", metavar="TEXT", help="Why it happened.")
@click.option(
    "--contributing-factor", "factors", multiple=True, metavar="TEXT", help="What made it worse (repeatable)."
)
@note_option
@common()
@pass_state
def close(state: State, ident: str, root_cause: str | None, factors: tuple[str, ...], note: str | None,
          at: str | None, author: str | None, no_commit: bool) -> None:  # fmt: skip
    """The closure documentation is complete: the root cause; stamps the stage's milestone time."""
    fields = {"root_cause": read_text(root_cause), "contributing_factors": read_texts(factors)}
    options = {"root_cause": "--root-cause", "contributing_factors": "--contributing-factor"}
    _move(state, ident, process.CLOSED, fields, options, at, author, note, no_commit)


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.option("--summary", metavar="TEXT", help="The post-mortem in a paragraph.")
@click.option("--went-well", multiple=True, metavar="TEXT", help="What went well (repeatable).")
@click.option("--went-wrong", multiple=True, metavar="TEXT", help="What went wrong (repeatable).")
@click.option("--lucky", multiple=True, metavar="TEXT", help="Where we got lucky (repeatable).")
@click.option("--lesson", multiple=True, metavar="TEXT", help="A lesson learned (repeatable).")
@click.option("--participant", multiple=True, metavar="WHO", help="Who took part in the review (repeatable).")
@note_option
@common()
@pass_state
def review(state: State, ident: str, summary: str | None, went_well: tuple[str, ...], went_wrong: tuple[str, ...],
           lucky: tuple[str, ...], lesson: tuple[str, ...], participant: tuple[str, ...], note: str | None,
           at: str | None, author: str | None, no_commit: bool) -> None:  # fmt: skip
    """The post-mortem is reviewed; stamps the stage's milestone time.

    Write the post-mortem in the record (or give its parts as options) and add action
    items with `inc action add` first.
    """
    fields = {
        "postmortem.summary": read_text(summary),
        "postmortem.what_went_well": read_texts(went_well),
        "postmortem.what_went_wrong": read_texts(went_wrong),
        "postmortem.where_we_got_lucky": read_texts(lucky),
        "postmortem.lessons_learned": read_texts(lesson),
        "postmortem.participants": list(participant),
    }
    options = {
        "postmortem": "write it in the record, or use --summary, --went-well, --went-wrong, --lesson",
        "postmortem.summary": "--summary",
        "postmortem.what_went_well": "--went-well",
        "postmortem.what_went_wrong": "--went-wrong",
        "postmortem.lessons_learned": "--lesson",
        "action_items": "inc action add ID TITLE --owner WHO --due DATE",
    }
    _move(state, ident, process.REVIEWED, fields, options, at, author, note, no_commit)


@click.command()
@click.argument("ident", metavar="ID", shell_complete=incident_ids)
@click.argument("stage", shell_complete=field_values("status"))
@note_option
@common()
@pass_state
def advance(state: State, ident: str, stage: str, note: str | None, at: str | None, author: str | None,
            no_commit: bool) -> None:  # fmt: skip
    """Move to the next STAGE after editing the record by hand.

    Fills only the stage's milestone time and the timeline entry; every other field the
    stage needs must already be in the file.
    """
    command = {
        process.CANCELLED: "inc cancel ID --reason TEXT",
        process.DUPLICATE: "inc duplicate ID --of OTHER_ID",
    }.get(stage)
    if command:
        raise click.UsageError(f"{stage} ends an incident that was not one; use `{command}`")
    _move(state, ident, stage, {}, {}, at, author, note, no_commit)
