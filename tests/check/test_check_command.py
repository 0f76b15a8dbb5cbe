"""`inc check` as a command: heads, formats, validation of the changed records, refusals."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from ledger_helpers import ID, OTHER_ID, Ledger, entry, record, start


def test_worktree_head_checks_uncommitted_changes(ledger: Ledger) -> None:
    data = start(ledger, "investigating")
    data["timeline"][0]["text"] = "Edited."
    ledger.write(data)
    result = ledger.check("--head", "WORKTREE")
    assert result.exit_code == 1, result
    assert "timeline-rewritten: timeline entry 1" in result.stdout
    # the committed head is still clean
    assert ledger.check().exit_code == 0


def test_worktree_head_sees_a_staged_new_record(ledger: Ledger) -> None:
    start(ledger, "identified")
    bad = record("identified", OTHER_ID)
    bad["visibility"] = "everyone"
    ledger.write(bad)
    ledger.git("add", ledger.path(OTHER_ID))
    result = ledger.check("--head", "WORKTREE")
    assert result.exit_code == 1, result
    assert "schema: visibility: 'everyone' is not one of public, internal, restricted" in result.stdout


def test_head_can_be_any_commit(ledger: Ledger) -> None:
    data = start(ledger, "identified")
    ledger.git("rm", "-q", ledger.path())
    ledger.commit("Delete")
    bad = ledger.git("rev-parse", "HEAD").strip()
    ledger.write(data)
    ledger.commit("Restore")
    assert ledger.check().exit_code == 0
    assert "record-deleted" in ledger.check("--head", bad).stdout


def test_only_changed_records_are_validated(ledger: Ledger) -> None:
    broken = record("identified", OTHER_ID)
    del broken["summary"]
    start(ledger, "identified", broken)
    data = record("classified")
    data["priority"] = "P4"
    ledger.write(data)
    ledger.commit("Classify")
    result = ledger.check()
    assert result.exit_code == 1, result
    # the broken record on main is not part of this change
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [ledger.path()]
    assert "priority-matrix: priority P4 does not match impact high x urgency medium" in result.stdout


def test_yaml_errors_in_the_head_are_reported_with_their_place(ledger: Ledger) -> None:
    start(ledger, "identified")
    ledger.write_text(ledger.path(), ledger.text(ledger.path()).replace("title: Checkout", "title: [Checkout"))
    ledger.commit("Broken")
    result = ledger.check()
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{ledger.path()}:")
    assert ": yaml-syntax: YAML syntax error:" in result.stdout


def test_github_and_json_formats(ledger: Ledger) -> None:
    start(ledger, "identified")
    ledger.git("rm", "-q", ledger.path())
    ledger.commit("Delete")
    github = ledger.check("--format", "github")
    assert github.stdout.startswith(f"::error file={ledger.path()},line=1,col=1,title=record-deleted::record ")
    assert github.exit_code == 1
    problems = json.loads(ledger.check("--format", "json").stdout)
    assert [(p["path"], p["line"], p["rule"]) for p in problems] == [(ledger.path(), 1, "record-deleted")]


def test_clean_change_in_json_is_an_empty_list(ledger: Ledger) -> None:
    data = start(ledger, "identified")
    data["timeline"].append(entry("2026-11-01T10:30:00Z", "note", text="Looking."))
    ledger.write(data)
    ledger.commit("Note")
    result = ledger.check("--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_changes_outside_incidents_are_ignored(ledger: Ledger) -> None:
    start(ledger, "identified")
    (ledger.root / "README.md").write_text("hello\n")
    (ledger.root / "incidents" / "README.md").write_text("how to write a record\n")
    ledger.commit("Docs")
    result = ledger.check()
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "0 record(s) checked, all valid\n")


def test_unknown_base_is_a_usage_error(ledger: Ledger) -> None:
    start(ledger, "identified")
    result = ledger.run_cli(ledger.root, "check", "--base", "origin/main")
    assert result.exit_code == 2
    assert result.stderr == (
        "inc: error: --base origin/main: no such commit here (for a remote branch, fetch it first: git fetch origin)\n"
    )
    assert ledger.run_cli(ledger.root, "check", "--base", "--output=x").exit_code == 2


def test_outside_a_repository_is_a_usage_error(tmp_path: Path, run_cli: Any) -> None:
    result = run_cli(tmp_path, "check", "--base", "main")
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.stderr


def test_unrelated_histories_are_a_usage_error(ledger: Ledger) -> None:
    start(ledger, "identified")
    ledger.git("checkout", "-q", "--orphan", "lonely")
    ledger.commit("Unrelated")
    result = ledger.check()
    assert result.exit_code == 2
    assert "share no history" in result.stderr


def test_records_in_a_subfolder_of_a_bigger_repository(ledger: Ledger, run_cli: Any) -> None:
    outer = ledger.root
    inner = outer / "ops"
    inner.mkdir()
    ledger.git("mv", "schemas", "ops/schemas")
    ledger.commit("Move into ops/")
    sub = Ledger(inner, run_cli)
    sub.write(record("identified"))
    ledger.commit("Add")
    ledger.branch()
    ledger.git("rm", "-q", f"ops/{sub.path()}")
    ledger.commit("Delete")
    result = run_cli(inner, "check", "--base", "main")
    assert result.stdout.startswith(f"{sub.path()}:1:1: record-deleted: record {sub.path()} was deleted")


def test_installed_command_in_a_hook_environment(ledger: Ledger, inc_bin: str, tmp_path: Path) -> None:
    """git exports GIT_DIR and GIT_INDEX_FILE to the hooks of a linked worktree; a hook there
    running inc check on this repository must still look at this repository."""
    start(ledger, "identified")
    ledger.git("rm", "-q", ledger.path())
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    subprocess.run(["git", "-C", str(other), "commit", "-q", "--allow-empty", "-m", "Other"], check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "A",
                        "GIT_COMMITTER_EMAIL": "a@b"})  # fmt: skip
    subprocess.run(["git", "-C", str(other), "worktree", "add", "-q", str(tmp_path / "linked")], check=True)
    hook_dir = other / ".git" / "worktrees" / "linked"
    done = subprocess.run(
        [inc_bin, "check", "--base", "main", "--head", "WORKTREE"],
        cwd=ledger.root,
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_DIR": str(hook_dir), "GIT_INDEX_FILE": str(hook_dir / "index.lock")},
    )
    assert done.returncode == 1, done.stderr
    assert f"{ledger.path()}:1:1: record-deleted" in done.stdout
    assert ID in done.stdout


def test_a_merge_in_progress_reports_the_conflict_markers(ledger: Ledger) -> None:
    data = start(ledger, "identified")
    data["title"] = "Checkout down (branch)"
    ledger.write(data)
    ledger.commit("Retitle here")
    ledger.checkout("main")
    data["title"] = "Checkout down (main)"
    ledger.write(data)
    ledger.commit("Retitle there")
    ledger.checkout("change")
    merge = subprocess.run(["git", "-C", str(ledger.root), "merge", "-q", "main"], capture_output=True, text=True)
    assert merge.returncode == 1  # a real conflict, left in the work tree
    result = ledger.check("--head", "WORKTREE")
    assert result.exit_code == 1, result
    assert rules_of(result) == ["conflict-markers"] * 3


def rules_of(result: Any) -> list[str]:
    return [line.split(": ")[1] for line in result.stdout.splitlines()]


def shallow_clone(ledger: Ledger, target: Path, *options: str) -> Path:
    """A CI-style checkout of branch `change`: `git clone --depth 1` over file:// (a plain
    local path would ignore --depth)."""
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", *options, "--branch", "change", f"file://{ledger.root}", str(target)],
        check=True,
        capture_output=True,
    )
    return target


SHALLOW = (
    "this clone is shallow (made with --depth, as CI checkouts are by default), so the commits inc check "
    "compares are missing; fetch the whole history with `git fetch --unshallow origin` (in GitHub Actions, "
    "give actions/checkout `fetch-depth: 0`)"
)


def test_a_shallow_clone_is_named_with_the_fix(ledger: Ledger, tmp_path: Path) -> None:
    data = start(ledger, "investigating")
    data["title"] = "Retitled on the branch"
    ledger.write(data)
    ledger.commit("Retitle")
    ledger.checkout("main")
    (ledger.root / "README.md").write_text("main moved on\n")
    ledger.commit("Main moves on")
    ledger.checkout("change")
    clone = shallow_clone(ledger, tmp_path / "clone", "--no-single-branch")
    result = ledger.run_cli(clone, "check", "--base", "origin/main")
    assert (result.exit_code, result.stdout) == (2, ""), result
    assert result.stderr == f"inc: error: the history between origin/main and HEAD is not in this clone: {SHALLOW}\n"
    # The advice works: the whole history makes the merge base findable.
    ledger.git("-C", str(clone), "fetch", "-q", "--unshallow", "origin")
    result = ledger.run_cli(clone, "check", "--base", "origin/main")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "1 record(s) checked, all valid\n"), result


def test_a_base_missing_from_a_shallow_clone_is_named_with_the_fix(ledger: Ledger, tmp_path: Path) -> None:
    start(ledger, "investigating")
    clone = shallow_clone(ledger, tmp_path / "clone", "--single-branch")
    result = ledger.run_cli(clone, "check", "--base", "origin/main")
    assert (result.exit_code, result.stdout) == (2, ""), result
    assert result.stderr == f"inc: error: --base origin/main: no such commit here: {SHALLOW}\n"
