"""Every change is one commit through git itself; a refused commit leaves nothing behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from lifecycle_helpers import commits, git, last_commit_files, last_message, new_incident, record_path, snapshot

CLASSIFY = ["--severity", "SEV3", "--impact", "medium", "--urgency", "low", "--category", "performance",
            "--service", "search", "--impact-assessment", "Slow search for some users."]  # fmt: skip


def failing_hook(root: Path, message: str = "lint: record rejected by policy bot") -> None:
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit 1\n")
    hook.chmod(0o755)


def test_rejected_commit_restores_file_index_and_log(repo: Path, inc_ok: Any, inc_fails: Any) -> None:
    incident_id = new_incident(inc_ok, repo)
    file = record_path(repo, incident_id)
    # An uncommitted hand edit, partly staged: both must survive the failed command.
    file.write_text(file.read_text().replace("could not pay.", "could not pay.\n# note from Dana"))
    git(repo, "add", str(file))
    file.write_bytes(file.read_bytes() + b"# unstaged note\n")
    before_bytes = file.read_bytes()
    before = snapshot(repo)
    failing_hook(repo)
    result = inc_fails(repo, "classify", incident_id, *CLASSIFY)
    assert "git refused the commit" in result.stderr
    assert "lint: record rejected by policy bot" in result.stderr
    assert file.read_bytes() == before_bytes
    assert snapshot(repo) == before


def test_rejected_commit_of_a_new_record_leaves_no_file(repo: Path, inc_fails: Any) -> None:
    before = snapshot(repo)
    failing_hook(repo)
    args = ["new", "Search is slow", "--summary", "Slow.", "--detected-by", "staff"]
    result = inc_fails(repo, *args)
    assert "lint: record rejected by policy bot" in result.stderr
    assert result.stdout == ""
    assert snapshot(repo) == before
    assert list((repo / "incidents").iterdir()) == []


def test_no_identity_is_refused_by_git_and_nothing_changes(repo: Path, inc_ok: Any, inc_fails: Any) -> None:
    incident_id = new_incident(inc_ok, repo)
    file = record_path(repo, incident_id)
    before_bytes = file.read_bytes()
    git(repo, "config", "--unset", "user.name")
    git(repo, "config", "--unset", "user.email")
    git(repo, "config", "user.useConfigOnly", "true")
    before = snapshot(repo)
    result = inc_fails(repo, "log", incident_id, "Still slow", "--author", "Dana")
    assert "git refused the commit" in result.stderr
    assert "user.email" in result.stderr or "identity" in result.stderr.lower()
    assert file.read_bytes() == before_bytes
    assert snapshot(repo) == before


def test_other_staged_and_modified_files_stay_as_they_were(repo: Path, inc_ok: Any) -> None:
    incident_id = new_incident(inc_ok, repo)
    (repo / "notes.md").write_text("draft\n")
    git(repo, "add", "notes.md")
    (repo / "schemas" / "policy.yaml").write_text((repo / "schemas" / "policy.yaml").read_text() + "# local edit\n")
    (repo / "scratch.txt").write_text("untracked\n")
    status_before = git(repo, "status", "--porcelain")
    inc_ok(repo, "log", incident_id, "Customers report slowness", "--kind", "update")
    assert last_commit_files(repo) == [f"incidents/2026/{incident_id}.yaml"]
    assert git(repo, "status", "--porcelain") == status_before
    assert git(repo, "diff", "--cached", "--name-only") == "notes.md\n"


def test_uncommitted_hand_edits_are_committed_with_the_change(repo: Path, inc_ok: Any) -> None:
    incident_id = new_incident(inc_ok, repo)
    file = record_path(repo, incident_id)
    file.write_text(file.read_text().replace("timeline:", "investigation: Errors only in eu-west-1.\ntimeline:"))
    inc_ok(repo, "log", incident_id, "Looking at eu-west-1")
    shown = git(repo, "show", "--format=", "HEAD")
    assert "+investigation: Errors only in eu-west-1." in shown
    assert git(repo, "status", "--porcelain") == ""


def test_no_commit_writes_only(repo: Path, inc_ok: Any) -> None:
    before = commits(repo)
    incident_id = new_incident(inc_ok, repo, "--no-commit")
    assert commits(repo) == before
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == f"?? incidents/2026/{incident_id}.yaml\n"
    inc_ok(repo, "log", incident_id, "Noted", "--no-commit")
    assert commits(repo) == before
    # The next committing command commits the new file with everything written so far.
    inc_ok(repo, "log", incident_id, "Committed now")
    assert commits(repo) == before + 1
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert "Noted" in git(repo, "show", "HEAD")


def test_hooks_and_commit_msg_see_the_message_and_trailers(repo: Path, inc_ok: Any) -> None:
    incident_id = new_incident(inc_ok, repo)
    hook = repo / ".git" / "hooks" / "commit-msg"
    hook.write_text('#!/bin/sh\ngrep -q "^Incident: INC-" "$1" || exit 1\necho "Reviewed-by: hook" >> "$1"\n')
    hook.chmod(0o755)
    inc_ok(repo, "log", incident_id, "Paged the database team")
    trailers = git(repo, "log", "-1", "--format=%(trailers:only)")
    assert trailers.split() == ["Incident:", incident_id, "Stage:", "identified", "Reviewed-by:", "hook"]


def test_author_defaults_to_git_user_and_can_be_overridden(repo: Path, inc_ok: Any) -> None:
    incident_id = new_incident(inc_ok, repo)
    inc_ok(repo, "log", incident_id, "one")
    inc_ok(repo, "log", incident_id, "two", "--author", "Sam Ortiz")
    text = record_path(repo, incident_id).read_text()
    assert "    author: Dana Whitfield\n    text: one\n" in text
    assert "    author: Sam Ortiz\n    text: two\n" in text


def test_installed_inc_runs_a_change_as_a_subprocess(repo: Path, inc_bin: str) -> None:
    done = subprocess.run(
        [inc_bin, "new", "Disk full on db-3", "--summary", "Writes failing.", "--detected-by", "monitoring"],
        cwd=repo / "incidents",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    incident_id = done.stdout.strip()
    assert done.stdout == incident_id + "\n"
    assert last_message(repo).startswith(f"{incident_id}: identified: Disk full on db-3")
    logged = subprocess.run(
        [inc_bin, "log", incident_id[-4:], "-", "--kind", "decision"],
        cwd=repo,
        input="Fail over to the replica.\n",
        capture_output=True,
        text=True,
    )
    assert logged.returncode == 0, logged.stderr
    assert "    kind: decision\n    author: Dana Whitfield\n    text: Fail over to the replica.\n" in (
        record_path(repo, incident_id).read_text()
    )


def test_required_signing_applies_and_a_failed_signature_changes_nothing(
    repo: Path, inc_ok: Any, inc_fails: Any
) -> None:
    incident_id = new_incident(inc_ok, repo)
    file = record_path(repo, incident_id)
    before_bytes = file.read_bytes()
    signer = repo.parent / "no-gpg"
    signer.write_text("#!/bin/sh\necho 'no secret key' >&2\nexit 2\n")
    signer.chmod(0o755)
    git(repo, "config", "commit.gpgSign", "true")
    git(repo, "config", "gpg.program", str(signer))
    before = snapshot(repo)
    result = inc_fails(repo, "log", incident_id, "Signed or nothing")
    assert "git refused the commit" in result.stderr and "failed to sign" in result.stderr
    assert file.read_bytes() == before_bytes
    assert snapshot(repo) == before


def test_records_in_a_subfolder_of_the_repository(repo: Path, inc_ok: Any, inc_fails: Any) -> None:
    """A monorepo keeps its ledger in a folder: commits and restores work from there too."""
    ops = repo / "ops"
    ops.mkdir()
    git(repo, "mv", "schemas", "ops/schemas")
    (ops / "incidents").mkdir()
    git(repo, "commit", "-qm", "move the ledger")
    incident_id = new_incident(inc_ok, ops)
    assert last_commit_files(repo) == [f"ops/incidents/2026/{incident_id}.yaml"]
    failing_hook(repo)
    before = snapshot(repo)
    inc_fails(ops, "new", "Second", "--summary", "s", "--detected-by", "staff")
    assert snapshot(repo) == before
    inc_fails(ops, "log", incident_id[-4:], "x")
    assert snapshot(repo) == before


def test_the_cli_imports_no_yaml_or_git_machinery_until_a_command_runs() -> None:
    """`inc --help` stays fast: the lifecycle cli modules import only click at top level."""
    probe = (
        "import sys, incident_ledger.cli.main\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'ruamel', 'yaml', 'jsonschema', 'jsonschema_rs'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_first_commit_of_a_new_repository(tmp_path: Path, inc_ok: Any) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Dana Whitfield")
    git(root, "config", "user.email", "dana@example.com")
    incident_id = new_incident(inc_ok, root)
    assert commits(root) == 1
    assert last_commit_files(root) == [f"incidents/2026/{incident_id}.yaml"]
    assert inc_ok(root, "validate").exit_code == 0


def test_commands_running_at_once_each_land_their_change(repo: Path, inc_ok: Any, inc_bin: str) -> None:
    # Two terminals, or a script in a loop: each command reads, writes and commits as one
    # step, so no commit drops another's entry and nothing is left half-done.
    incident = new_incident(inc_ok, repo)
    before = commits(repo)
    runs = [
        subprocess.Popen(
            [inc_bin, "log", incident, f"update {n}"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for n in range(5)
    ]
    outputs = [run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [0] * 5, outputs
    assert commits(repo) == before + 5
    text = record_path(repo, incident).read_text()
    assert sorted(line.strip() for line in text.splitlines() if "text: update" in line) == [
        f"text: update {n}" for n in range(5)
    ]
    assert git(repo, "status", "--porcelain") == ""
