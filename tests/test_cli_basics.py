from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
from project_paths import SHIPPED

from incident_ledger.cli.main import COMMANDS, inc


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += _commands(command, prefix + name + " ")
    return found


def test_each_command_is_found_under_its_own_name() -> None:
    # COMMANDS names each command once more, beside its decorator: the two must agree.
    context = click.Context(inc)
    named = {name: command.name for name in COMMANDS if (command := inc.get_command(context, name))}
    assert named == {name: name for name in COMMANDS}
    assert len(_commands(inc)) == 28  # 24 commands, and the 4 of `inc action` and `inc site`
    assert inc.get_command(context, "no-such-command") is None


def test_every_command_has_help_text() -> None:
    missing = [name for name, command in _commands(inc) if not (command.help or "").strip()]
    assert missing == []


def test_installed_inc_runs_and_unknown_option_is_usage_error(inc_bin: str, tmp_path: Path) -> None:
    done = subprocess.run([inc_bin, "validate", "--bogus"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert "No such option '--bogus'" in done.stderr
    assert "Traceback" not in done.stderr


def test_installed_inc_delivers_all_output_and_the_exit_code(inc_bin: str, run_cli: Any, repo: Path) -> None:
    """The console script leaves without the interpreter's teardown (launch._leave): all
    it printed must still reach a pipe, and its exit code must be the command's."""
    shutil.copytree(SHIPPED, repo / "incidents", dirs_exist_ok=True)
    exported = subprocess.run([inc_bin, "export", "--format", "ndjson"], cwd=repo, capture_output=True, text=True)
    expected = run_cli(repo, "export", "--format", "ndjson")
    assert (exported.returncode, expected.exit_code) == (0, 0)
    assert len(exported.stdout) > io.DEFAULT_BUFFER_SIZE  # so its last part is still buffered at the end
    assert exported.stdout == expected.stdout
    (repo / "incidents" / "2026" / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    invalid = subprocess.run([inc_bin, "validate"], cwd=repo, capture_output=True, text=True)
    assert invalid.returncode == 1
    assert invalid.stdout.startswith("incidents/2026/broken.yaml:2:1: yaml-syntax: ")
    assert invalid.stderr == "1 problem(s) in 1 file(s)\n"
    unknown = subprocess.run([inc_bin, "rules", "no-such-rule"], cwd=repo, capture_output=True, text=True)
    assert unknown.returncode == 2
    assert "no-such-rule" in unknown.stderr
