from __future__ import annotations

import shutil
from pathlib import Path


def test_validate_passes_when_the_last_record_was_deleted(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    # git keeps no empty folders, so a repository without records has no incidents/.
    shutil.rmtree(repo / "incidents")
    result = run_cli(repo, "validate")
    assert result.exit_code == 0, result
    assert result.stdout == ""
    assert f"inc: warning: no incidents/ folder in {repo}; it holds no records\n" in result.stderr


def test_listing_a_repository_without_records_says_so(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    # A stakeholder's script in the wrong folder must not read an empty list as "no incidents".
    shutil.rmtree(repo / "incidents")
    for command in (["list"], ["list", "--format", "json"], ["actions"]):
        result = run_cli(repo, *command)
        assert result.exit_code == 0, result
        assert result.stderr == f"inc: warning: no incidents/ folder in {repo}; it holds no records\n", command
    assert run_cli(repo, "list", "--format", "json").stdout == "[]\n"


def test_a_repository_with_its_records_folder_gets_no_such_warning(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    for command in (["list"], ["actions"], ["validate"]):
        assert "no incidents/ folder" not in run_cli(repo, *command).stderr, command


def test_validate_of_a_missing_path_is_a_usage_error(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(repo, "validate", "incidents/2026/nope.yaml")
    assert result.exit_code == 2, result
    assert "incidents/2026/nope.yaml: no such file or directory" in result.stderr
