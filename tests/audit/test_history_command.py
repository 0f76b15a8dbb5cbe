"""`inc history`: the commits that changed a record, read from git in one pass, and commit
subjects that say what each change did."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from project_paths import FIXED_NOW

NOW = FIXED_NOW  # the commits `inc` makes carry its clock


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env)
    return done.stdout


def run_ok(run_cli, root: Path, *args: str) -> str:
    result = run_cli(root, *args)
    assert result.exit_code == 0, result
    return str(result.stdout)


def new_incident(run_cli, repo: Path) -> str:
    return run_ok(run_cli, repo, "new", "Checkout API returned 5xx", "--summary", "EU customers could not pay.",
                  "--detected-by", "monitoring", "--at", "2026-11-23T10:00:00Z").strip()  # fmt: skip


def test_subjects_say_what_each_change_did(run_cli, repo: Path) -> None:
    incident = new_incident(run_cli, repo)
    run_ok(run_cli, repo, "log", incident, "Pool exhausted", "--at", "2026-11-23T10:05:00Z")
    run_ok(run_cli, repo, "log", incident, "First line\nsecond line", "--at", "2026-11-23T10:06:00Z")
    run_ok(run_cli, repo, "log", incident, "Bell \x07 and " + "x" * 100, "--at", "2026-11-23T10:07:00Z")
    run_ok(run_cli, repo, "action", "add", incident, "Alert on pool use", "--owner", "SRE", "--due", "2026-12-01")
    subjects = git(repo, "log", "--format=%s", "-5").splitlines()
    assert subjects == [
        f"{incident}: action A1 added: Alert on pool use",
        f"{incident}: note: Bell \\x07 and " + "x" * 58 + "\u2026[42 more characters]",
        f"{incident}: note: First line second line",
        f"{incident}: note: Pool exhausted",
        f"{incident}: identified: Checkout API returned 5xx",
    ]


def test_history_lists_each_commit_and_what_it_did(run_cli, repo: Path) -> None:
    incident = new_incident(run_cli, repo)
    run_ok(run_cli, repo, "classify", incident, "--severity", "SEV2", "--impact", "high", "--urgency", "medium",
           "--category", "availability", "--service", "checkout-api", "--impact-assessment", "20% failed.",
           "--at", "2026-11-23T10:05:00Z")  # fmt: skip
    run_ok(run_cli, repo, "log", incident, "Pool exhausted", "--at", "2026-11-23T10:06:00Z")
    # A hand edit in a pull request: a note appended and the impact assessment refined.
    file = repo / "incidents" / "2026" / f"{incident}.yaml"
    text = file.read_text(encoding="utf-8").replace("impact_assessment: 20% failed.", "impact_assessment: 25% failed.")
    text += '  - at: "2026-11-23T10:30:00Z"\n    kind: note\n    author: Ann Lee\n    text: Pool raised to 80.\n'
    file.write_text(text, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "Raise the pool", env={
        "PATH": "/usr/bin:/bin", "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ann Lee", "GIT_AUTHOR_EMAIL": "ann@example.com",
        "GIT_AUTHOR_DATE": "2026-11-23T10:31:00Z", "GIT_COMMITTER_DATE": "2026-11-23T10:31:00Z",
    })  # fmt: skip
    shas = git(repo, "log", "--format=%h", "--abbrev=10", "--reverse", "--", "incidents").split()
    out = run_ok(run_cli, repo, "history", incident[-4:])
    assert out.splitlines() == [
        f"2026-11-23 12:00 UTC  {shas[0]}  Dana Whitfield  created; entered identified",
        f"    {incident}: identified: Checkout API returned 5xx",
        f"2026-11-23 12:00 UTC  {shas[1]}  Dana Whitfield  entered classified; changed severity, impact, urgency, "
        "priority, category, services, impact_assessment",
        f"    {incident}: classified: Classified SEV2, priority P2.",
        f"2026-11-23 12:00 UTC  {shas[2]}  Dana Whitfield  added note",
        f"    {incident}: note: Pool exhausted",
        f"2026-11-23 10:31 UTC  {shas[3]}  Ann Lee  added note; changed impact_assessment",
        "    Raise the pool",
    ]
    rows = json.loads(run_ok(run_cli, repo, "history", incident, "--format", "json"))
    assert [r["entries"] for r in rows][2:] == [
        [{"kind": "note", "stage": None, "at": "2026-11-23T10:06:00Z"}],
        [{"kind": "note", "stage": None, "at": "2026-11-23T10:30:00Z"}],
    ]
    assert (rows[3]["author"], rows[3]["authored"], rows[3]["fields"]) == ("Ann Lee", "2026-11-23T10:31:00Z",
                                                                          ["impact_assessment"])  # fmt: skip


def test_history_of_a_record_outside_git_history(run_cli, repo: Path) -> None:
    incident = run_ok(run_cli, repo, "new", "Disk full", "--summary", "db-3 is full.", "--detected-by", "staff",
                      "--no-commit").strip()  # fmt: skip
    result = run_cli(repo, "history", incident)
    assert (result.exit_code, result.stdout) == (0, "")
    assert f"{incident}: no commit has changed incidents/2026/{incident}.yaml yet" in result.stderr
