"""`inc validate PATH` judges each record in the repository that holds it, whatever folder
inc was started in, and names files the way the user named them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from record_examples import EXAMPLES, VALID, install

RECORD = "incidents/2026/INC-20261103-3V5G.yaml"
PROBLEM = (
    "19:1: priority-matrix: priority P1 does not match impact high x urgency medium, which the policy sets to P2\n"
)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_valid_records_from_outside_with_absolute_and_relative_paths(
    repo: Path,
    elsewhere: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    for example in VALID:
        install(repo, example)
    relative = os.path.relpath(repo / "incidents", elsewhere)
    for path in (f"{repo}/incidents/", relative, f"{repo}/{RECORD}"):
        result = run_cli(elsewhere, "validate", path)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "all records valid\n"), (path, result)


def test_valid_records_from_a_folder_inside(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    install(repo, VALID[0])
    result = run_cli(repo / "incidents" / "2026", "validate", ".")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "all records valid\n"), result


def test_problems_from_outside_name_the_file_as_given(
    repo: Path,
    elsewhere: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    install(repo, EXAMPLES / "invalid" / "priority-matrix.yaml")
    result = run_cli(elsewhere, "validate", str(repo / "incidents"))
    assert (result.exit_code, result.stdout) == (1, f"{repo}/{RECORD}:{PROBLEM}"), result
    relative = os.path.relpath(repo, elsewhere)
    result = run_cli(elsewhere, "validate", f"{relative}/incidents")
    assert (result.exit_code, result.stdout) == (1, f"{relative}/{RECORD}:{PROBLEM}"), result
    result = run_cli(repo, "validate", str(repo / "incidents"))
    assert (result.exit_code, result.stdout) == (1, f"{RECORD}:{PROBLEM}"), result
