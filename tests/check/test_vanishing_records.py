"""Every path that held a record at the base still holds that record, as a regular file, at
the head: each way a record can leave its path is reported, whatever took its place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import ID, OTHER_ID, Ledger, record, start

PATH = f"incidents/2026/{ID}.yaml"


def deleted(path: str, how: str = "deleted") -> str:
    return (
        f"{path}:1:1: record-deleted: record {path} was {how}; records are never deleted: restore it "
        f"(git checkout main -- {path}) and set its status to cancelled or duplicate if it was not an incident"
    )


def reported(result: Any, *lines: str) -> None:
    assert result.exit_code == 1, result
    assert result.stdout.splitlines() == list(lines)


@pytest.mark.parametrize(
    "new_name",
    [f"{ID}.yaml.bak", f"{ID}.yaml~", f"{ID}.YAML", f"{ID}.json", f".{ID}.yaml.swp", "attic/notes.txt"],
)
def test_renaming_a_record_to_a_name_that_is_not_a_records_is_reported(ledger: Ledger, new_name: str) -> None:
    start(ledger, "investigating")
    target = f"incidents/2026/{new_name}"
    (ledger.root / target).parent.mkdir(parents=True, exist_ok=True)
    ledger.git("mv", PATH, target)
    ledger.commit("Park the record")
    assert "R100" in ledger.git("diff", "--raw", "-M", "main", "HEAD")  # git sees a rename
    result = ledger.check()
    reported(result, deleted(PATH, f"renamed to {target}, which is not a record file name"))
    assert result.stderr == "1 problem(s) in 1 file(s)\n"


def test_renaming_out_of_incidents_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating")
    ledger.git("mv", PATH, f"{ID}.yaml")
    ledger.commit("Move out")
    reported(ledger.check(), deleted(PATH))


def test_a_record_renamed_to_a_non_record_name_in_the_work_tree_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating")
    ledger.git("mv", PATH, PATH + ".bak")
    reported(
        ledger.check("--head", "WORKTREE"),
        deleted(PATH, f"renamed to {PATH}.bak, which is not a record file name"),
    )


def test_replacing_a_record_by_a_submodule_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating")
    commit = ledger.git("rev-parse", "HEAD").strip()
    ledger.git("rm", "-q", "--cached", PATH)
    (ledger.root / PATH).unlink()
    ledger.git("update-index", "--add", "--cacheinfo", f"160000,{commit},{PATH}")
    ledger.git("commit", "-qm", "Gitlink")
    assert ledger.git("ls-tree", "HEAD", PATH).startswith("160000 commit ")
    reported(ledger.check(), deleted(PATH, "replaced by a submodule"))


def test_replacing_the_incidents_folder_by_a_submodule_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating", record("identified", OTHER_ID))
    commit = ledger.git("rev-parse", "HEAD").strip()
    ledger.git("rm", "-rq", "incidents")
    ledger.git("update-index", "--add", "--cacheinfo", f"160000,{commit},incidents")
    ledger.git("commit", "-qm", "Gitlink")
    reported(ledger.check(), deleted(PATH), deleted(ledger.path(OTHER_ID)))


def test_replacing_a_record_by_a_folder_holding_it_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating")
    content = (ledger.root / PATH).read_bytes()
    ledger.git("rm", "-q", PATH)
    (ledger.root / PATH).mkdir(parents=True)
    (ledger.root / PATH / "record").write_bytes(content)
    ledger.commit("Folder")
    reported(ledger.check(), deleted(PATH, "replaced by a folder"))


def test_replacing_a_record_by_a_folder_of_other_files_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating")
    ledger.git("rm", "-q", PATH)
    (ledger.root / PATH).mkdir(parents=True)
    (ledger.root / PATH / "README.md").write_text("moved to the wiki\n")
    ledger.commit("Folder")
    reported(ledger.check(), deleted(PATH))


def test_a_folder_named_like_a_record_in_the_work_tree_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating")
    (ledger.root / PATH).unlink()
    (ledger.root / PATH).mkdir()
    (ledger.root / PATH / "x").write_text("x\n")
    reported(ledger.check("--head", "WORKTREE"), deleted(PATH))


def test_replacing_a_year_folder_by_a_symlink_to_a_copy_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating")
    (ledger.root / "archive").mkdir()
    ledger.git("mv", "incidents/2026", "archive/2026")
    (ledger.root / "incidents" / "2026").symlink_to("../archive/2026")
    ledger.commit("Link the year")
    assert ledger.git("ls-tree", "HEAD", "incidents/2026").startswith("120000 blob ")
    reported(ledger.check(), deleted(PATH))


def test_replacing_a_record_by_a_symlink_to_its_copy_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating")
    ledger.git("mv", PATH, "copy.yaml")
    (ledger.root / PATH).symlink_to("../../copy.yaml")
    ledger.commit("Link")
    reported(ledger.check(), f"{PATH}:1:1: symlink: record is a symbolic link; replace it with the record file itself")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_in_place_of_a_record_is_reported_without_waiting(ledger: Ledger, inc_bin: str) -> None:
    start(ledger, "investigating")
    (ledger.root / PATH).unlink()
    os.mkfifo(ledger.root / PATH)
    # A subprocess with a timeout: a reader that opens the FIFO would wait forever.
    done = subprocess.run(
        [inc_bin, "check", "--base", "main", "--head", "WORKTREE"],
        cwd=ledger.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == (f"{PATH}:1:1: not-a-record: is a FIFO, not a regular file; a record is a file: remove it\n")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_record_in_the_work_tree_is_reported(ledger: Ledger) -> None:
    data = start(ledger, "investigating")
    data["title"] = "Changed"
    ledger.write(data)
    (ledger.root / PATH).chmod(0)
    try:
        result = ledger.check("--head", "WORKTREE")
    finally:
        (ledger.root / PATH).chmod(0o644)
    reported(result, f"{PATH}:1:1: not-a-record: cannot read file: Permission denied")


def test_renaming_files_that_are_not_records_passes(ledger: Ledger) -> None:
    start(ledger, "investigating")
    (ledger.root / "incidents" / "README.md").write_text("how to write a record\n")
    ledger.commit("Readme")
    ledger.git("mv", "incidents/README.md", "incidents/README.txt")
    ledger.commit("Rename the readme")
    result = ledger.check()
    assert (result.exit_code, result.stdout) == (0, ""), result


def test_a_file_renamed_to_a_record_name_is_checked_as_a_new_record(ledger: Ledger) -> None:
    start(ledger, "investigating")
    draft = record("identified", OTHER_ID)
    ledger.write(draft, "incidents/2026/draft.txt")
    ledger.commit("Draft")
    ledger.git("mv", "incidents/2026/draft.txt", ledger.path(OTHER_ID))
    ledger.commit("File it")
    result = ledger.run_cli(ledger.root, "check", "--base", "HEAD~1")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "1 record(s) checked, all valid\n"), result


def test_a_submodule_named_like_a_record_becoming_a_record_is_checked(ledger: Ledger, tmp_path: Path) -> None:
    start(ledger, "investigating")
    commit = ledger.git("rev-parse", "HEAD").strip()
    other = ledger.path(OTHER_ID)
    ledger.git("update-index", "--add", "--cacheinfo", f"160000,{commit},{other}")
    ledger.git("commit", "-qm", "Gitlink")
    ledger.git("rm", "-q", "--cached", other)
    ledger.write(record("identified", OTHER_ID))
    ledger.commit("The record")
    result = ledger.run_cli(ledger.root, "check", "--base", "HEAD~1")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "1 record(s) checked, all valid\n"), result
