"""Shell completion beyond click's own (commands, options, choices): incident ids from the
repository's records, and field values (severity, category, ...) from its schema.

Completion runs before any command: the group's callback has not set up the state, so
each completer finds the repository itself, honouring `-C DIR` when it was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import State

if TYPE_CHECKING:  # loaded when completing: every command names its completers, few complete
    from click.shell_completion import CompletionItem

Completer = Callable[[click.Context, click.Parameter, str], "list[CompletionItem]"]


def _root(ctx: click.Context) -> Path:
    directory = ctx.find_root().params.get("directory")
    return State(directory if isinstance(directory, Path) else None).root


def incident_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The ids of the records under incidents/, newest first, that start with what is typed."""
    from click.shell_completion import CompletionItem

    from ..records import INCIDENTS_DIR, RECORD_SUFFIXES, is_valid_id

    folder = _root(ctx) / INCIDENTS_DIR
    ids = {
        file.stem
        for file in folder.glob("*/*")
        if file.suffix in RECORD_SUFFIXES and is_valid_id(file.stem) and file.stem.startswith(incomplete.upper())
    }
    return [CompletionItem(each) for each in sorted(ids, reverse=True)]


def field_values(*keypath: str) -> Completer:
    """The values the repository's schema allows for the field at `keypath`."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        from ..schema import Schema, schema_dir

        values = Schema(schema_dir(_root(ctx))).values_of(keypath)
        return [CompletionItem(value) for value in values if value.startswith(incomplete)]

    return complete
