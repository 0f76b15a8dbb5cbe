from __future__ import annotations

import shutil
from pathlib import Path


def test_validate_passes_when_the_last_record_was_deleted(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    # git keeps no empty folders, so a repository without records has no incidents/.
    shutil.rmtree(repo / "incidents")
    result = run_cli(repo, "validate")
    assert result.exit_code == 0, result
    assert result.stdout == ""
    assert f"inc: warning: no incidents/ folder in {repo}; no records were checked\n" in result.stderr


def test_validate_of_a_missing_path_is_a_usage_error(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(repo, "validate", "incidents/2026/nope.yaml")
    assert result.exit_code == 2, result
    assert "incidents/2026/nope.yaml: no such file or directory" in result.stderr
