"""`inc check` warns, without failing, about a timeline entry added more than a day after
the time it states (against the commit that adds it, or now for uncommitted work)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from record_builder import commit, record, write

INCIDENT = "INC-20261110-BD4T"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_back_dated_entries_warn_but_pass(run_cli, repo: Path) -> None:
    write(repo, record(INCIDENT, "investigating", "2026-11-10T08:00:00Z"))
    commit(repo)
    git(repo, "branch", "base")
    # inc's commits carry its clock (INC_NOW, 2026-11-23T12:00Z): one entry stated 2 days
    # earlier, one 20 hours earlier (within the day of tolerance).
    assert run_cli(repo, "log", INCIDENT, "Found the pool limit", "--at", "2026-11-21T11:00:00Z").exit_code == 0
    assert run_cli(repo, "log", INCIDENT, "Pool raised", "--at", "2026-11-22T16:00:00Z").exit_code == 0
    result = run_cli(repo, "check", "--base", "base")
    assert result.exit_code == 0, result
    lines = [line for line in result.stderr.splitlines() if ": warning: " in line]
    text = (repo / "incidents" / "2026" / f"{INCIDENT}.yaml").read_text(encoding="utf-8").splitlines()
    line, col = next((n, t.index("at: ") + 1) for n, t in enumerate(text, 1) if "at: " in t and "11-21T11" in t)
    assert lines == [
        f"incidents/2026/{INCIDENT}.yaml:{line}:{col}: warning: back-dated: timeline entry 4 (at 2026-11-21T11:00:00Z) "
        "was added 2.0 days later, on 2026-11-23T12:00:00Z; recording the past is fine, but say in its text that "
        "it was added afterwards"
    ]
    github = run_cli(repo, "check", "--base", "base", "--format", "github")
    assert github.exit_code == 0
    assert github.stdout.startswith(
        f"::warning file=incidents/2026/{INCIDENT}.yaml,line={line},col={col},title=back-dated::"
    )


def test_uncommitted_entries_are_judged_against_now(run_cli, repo: Path) -> None:
    write(repo, record(INCIDENT, "investigating", "2026-11-10T08:00:00Z"))
    commit(repo)
    assert run_cli(repo, "log", INCIDENT, "Noted late", "--at", "2026-11-20T09:00:00Z", "--no-commit").exit_code == 0
    result = run_cli(repo, "check", "--base", "HEAD", "--head", "WORKTREE")
    assert result.exit_code == 0, result
    assert "warning: back-dated: timeline entry 4 (at 2026-11-20T09:00:00Z) was added 3.1 days later" in result.stderr


def test_the_warning_names_a_rule_inc_rules_explains(run_cli, repo: Path) -> None:
    """`inc check` and `inc rules` read the one registry: the id a warning carries has its
    page, which says it is a warning."""
    write(repo, record(INCIDENT, "investigating", "2026-11-10T08:00:00Z"))
    commit(repo)
    assert run_cli(repo, "log", INCIDENT, "Noted late", "--at", "2026-11-20T09:00:00Z", "--no-commit").exit_code == 0
    warned = run_cli(repo, "check", "--base", "HEAD", "--head", "WORKTREE").stderr
    rule_id = warned.split(": warning: ", 1)[1].split(":", 1)[0]
    page = run_cli(repo, "rules", rule_id)
    assert (rule_id, page.exit_code) == ("back-dated", 0)
    assert page.stdout.splitlines()[:3] == [
        "back-dated (history rule, a warning: shown, never failing)",
        "",
        "A timeline entry is added within a day of the time it states (a warning only).",
    ]
    assert "Warned about (only the fields that matter are shown" in page.stdout
