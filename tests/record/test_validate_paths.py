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


def test_records_are_found_in_the_order_of_their_full_names(tmp_path: Path) -> None:
    """Records are found a folder at a time, and in the order `sorted` gives their whole
    paths: the order the record cache and git's listing are read in."""
    from incident_ledger.records import find_records

    incidents = tmp_path / "incidents"
    files = [
        "2026-a.yaml", "2026.yaml", "2026/b.yaml", "2026/a/x.yaml", "2026/a.yaml", "2026/a b/y.yml",
        "2026/A.yaml", "2026/ab.yaml", "2026/a-/z.yaml", "2027/deep/er/still.yaml", "folder.yaml/inside.yaml",
        "2026/.yaml", "2026/notes.txt", "2026/\u00e9t\u00e9.yaml", "2026/\u2603.yaml",
    ]  # fmt: skip
    for name in files:
        (incidents / name).parent.mkdir(parents=True, exist_ok=True)
        (incidents / name).write_text("id: x\n")
    (incidents / "linked").symlink_to(incidents / "2026")  # a folder link: not followed
    (incidents / "2026" / "link.yaml").symlink_to(incidents / "2026.yaml")  # a file link: listed
    (incidents / "2026" / "dead.yaml").symlink_to(tmp_path / "nowhere")
    (incidents / "2026" / "loop.yaml").symlink_to("loop.yaml")  # listed: the reader says what is wrong
    found = list(find_records(tmp_path))
    listed = [f for name in files if name.endswith((".yaml", ".yml")) and not name.endswith("/.yaml")
              for f in [str(incidents / name)]]  # fmt: skip
    listed += [str(incidents / "2026" / n) for n in ("link.yaml", "dead.yaml", "loop.yaml")]
    assert found == sorted(listed)
    assert len(found) == 16
