from __future__ import annotations

import subprocess
from pathlib import Path

import click

from incident_ledger.cli.main import inc


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += _commands(command, prefix + name + " ")
    return found


def test_every_command_has_help_text() -> None:
    missing = [name for name, command in _commands(inc) if not (command.help or "").strip()]
    assert missing == []


def test_installed_inc_runs_and_unknown_option_is_usage_error(inc_bin: str, tmp_path: Path) -> None:
    done = subprocess.run([inc_bin, "validate", "--bogus"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert "No such option '--bogus'" in done.stderr
    assert "Traceback" not in done.stderr
