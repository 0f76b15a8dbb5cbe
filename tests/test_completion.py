"""Shell completion through click's completion protocol, against the installed `inc`:
commands, options, field values from the repository's schema, and incident ids."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def _complete(inc_bin: str, line: str, cwd: Path, shell: str = "bash") -> list[str]:
    """What `inc` offers for the last word of `line` (bash's protocol: `type,value` lines)."""
    words = line.split(" ")
    env = {
        **os.environ,
        "_INC_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
    }
    done = subprocess.run([inc_bin], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [entry.split(",", 1)[1] for entry in done.stdout.splitlines()]


def test_commands_and_options(repo: Path, inc_bin: str) -> None:
    assert _complete(inc_bin, "inc cla", repo) == ["classify"]
    assert _complete(inc_bin, "inc classify INC-1 --sev", repo) == ["--severity"]
    assert "--detected-by" in _complete(inc_bin, "inc new --", repo)


@pytest.mark.parametrize(
    ("line", "values"),
    [
        ("inc classify X --severity ", ["SEV1", "SEV2", "SEV3", "SEV4"]),
        ("inc classify X --impact m", ["medium"]),
        ("inc classify X --category ", ["availability", "performance", "security", "data", "other"]),
        ("inc new T --detected-by ", ["monitoring", "user-report", "staff", "third-party", "exercise"]),
        ("inc new T --visibility re", ["restricted"]),
        ("inc action add X T --kind ", ["detect", "mitigate", "prevent", "process"]),
        ("inc list --status c", ["classified", "closed", "cancelled"]),
        ("inc log X T --kind ", ["update", "action", "note", "decision"]),
        ("inc validate --format ", ["text", "github", "json"]),
        ("inc site build --audience ", ["public", "internal"]),
    ],
)
def test_field_values_come_from_the_schema(repo: Path, inc_bin: str, line: str, values: list[str]) -> None:
    assert _complete(inc_bin, line, repo) == values


def test_incident_ids_from_the_repository(repo: Path, inc_bin: str, tmp_path: Path) -> None:
    # The completer offers the ids the record files are named by, newest first.
    ids = ["INC-20261103-7R8W", "INC-20261103-3V5G", "INC-20250914-4HQ2"]
    for each in ids:
        (repo / "incidents" / each[4:8]).mkdir(exist_ok=True)
        (repo / "incidents" / each[4:8] / f"{each}.yaml").write_text("id: x\n", encoding="utf-8")
    (repo / "incidents" / "2026" / "notes.yaml").write_text("", encoding="utf-8")
    assert _complete(inc_bin, "inc show ", repo) == ids
    assert _complete(inc_bin, "inc investigate inc-2026", repo / "incidents") == ids[:2]
    assert _complete(inc_bin, f"inc -C {repo} duplicate X --of INC-2025", tmp_path) == ids[2:]


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o nosort -F _inc_completion inc"), ("zsh", "compdef _inc_completion inc"),
     ("fish", "complete --no-files --command inc")],
)  # fmt: skip
def test_each_shell_gets_its_script(repo: Path, inc_bin: str, shell: str, marker: str) -> None:
    env = {**os.environ, "_INC_COMPLETE": f"{shell}_source"}
    done = subprocess.run([inc_bin], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout


def test_readme_says_how_to_enable_it_in_each_shell() -> None:
    from project_paths import PROJECT

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Shell completion", 1)[1].split("<!-- section:", 1)[0]
    assert 'eval "$(_INC_COMPLETE=bash_source inc)"' in section
    assert 'eval "$(_INC_COMPLETE=zsh_source inc)"' in section
    assert "_INC_COMPLETE=fish_source inc | source" in section
