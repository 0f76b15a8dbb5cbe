"""The record filters `inc list` and `inc export` share, declared once so both pick alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .completion import field_values

F = Callable[..., Any]


def record_filters(command: F) -> F:
    """--status, --open, --severity, --service, --since and --recurring, as `listing` applies them."""
    options = [
        click.option(
            "--status",
            "statuses",
            multiple=True,
            metavar="S",
            shell_complete=field_values("status"),
            help="Only records at this status (repeatable).",
        ),
        click.option("--open", "only_open", is_flag=True, help="Leave out closed, reviewed, cancelled and duplicate."),
        click.option("--severity", metavar="SEV", shell_complete=field_values("severity"), help="Only this severity."),
        click.option("--service", metavar="NAME", help="Only incidents affecting this service."),
        click.option(
            "--since", metavar="DATE", help="Only incidents detected on or after this date (YYYY-MM-DD or a time)."
        ),
        click.option(
            "--recurring", is_flag=True, help="Only recurring incidents (same service and category, policy window)."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command
