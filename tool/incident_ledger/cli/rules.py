"""`inc rules`."""

from __future__ import annotations

import click


@click.command()
@click.argument("rule_id", metavar="[RULE]", required=False)
def rules(rule_id: str | None) -> None:
    """List every rule inc can report, or explain one RULE with examples.

    Without RULE: one line per rule (its id, its kind, what it asks), in the order a
    record meets them: the reader's rules, the schema, the record's own rules, the
    secret scan, the rules across records (`inc validate`) and the history rules
    (`inc check`). With RULE: the rule's whole documentation, a record it refuses and
    one it lets through. An unknown RULE is a usage error naming the rules it resembles.
    """
    from ..rules import explain

    if rule_id is None:
        click.echo(explain.listing())
    else:
        click.echo(explain.page(explain.find(rule_id)))
