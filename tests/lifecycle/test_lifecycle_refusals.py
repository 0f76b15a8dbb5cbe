"""Every refusal: a clear message, and nothing changed (file, index, history)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lifecycle_helpers import git, new_incident, record_path, snapshot

CLASSIFY = ["--severity", "SEV3", "--impact", "medium", "--urgency", "low", "--category", "performance",
            "--service", "search", "--impact-assessment", "Slow search."]  # fmt: skip


@pytest.fixture
def incident(repo: Path, inc_ok: Any) -> str:
    return new_incident(inc_ok, repo)


def refused(repo: Path, inc_fails: Any, *args: str, code: int = 1, input: str | None = None) -> str:
    """Run a command that must be refused; check that it changed nothing and return its message."""
    files = {p: p.read_bytes() for p in (repo / "incidents").rglob("*") if p.is_file()}
    before = snapshot(repo)
    result = inc_fails(repo, *args, code=code, input=input)
    assert snapshot(repo) == before
    assert {p: p.read_bytes() for p in (repo / "incidents").rglob("*") if p.is_file()} == files
    return str(result.stderr)


def test_missing_requirements_list_each_field_and_its_option(repo: Path, incident: str, inc_fails: Any) -> None:
    message = refused(repo, inc_fails, "classify", incident, "--severity", "SEV2")
    assert message == (
        f"inc: error: {incident} cannot become classified; missing:\n"
        "  - impact (set it with --impact)\n"
        "  - urgency (set it with --urgency)\n"
        "  - priority (set it with --impact and --urgency)\n"
        "  - category (set it with --category)\n"
        "  - services (set it with --service)\n"
        "  - impact_assessment (set it with --impact-assessment)\n"
    )


def test_advance_names_the_fields_to_write_in_the_file(repo: Path, incident: str, inc_fails: Any) -> None:
    message = refused(repo, inc_fails, "advance", incident, "classified")
    assert "  - severity (write 'severity' in the record)\n" in message


def test_review_without_action_items_points_to_action_add(repo: Path, incident: str, inc_ok: Any,
                                                          inc_fails: Any) -> None:  # fmt: skip
    inc_ok(repo, "classify", incident, *CLASSIFY)
    inc_ok(repo, "investigate", incident, "--commander", "Ann")
    inc_ok(repo, "resolve", incident, "--summary", "Fixed.", "--step", "Restarted")
    inc_ok(repo, "recover", incident, "--summary", "Fine.", "--verification", "Checked.")
    inc_ok(repo, "close", incident, "--root-cause", "A leak.")
    message = refused(repo, inc_fails, "review", incident, "--summary", "PM.")
    assert "  - postmortem.what_went_well (set it with --went-well)" in message
    assert "  - action_items (set it with inc action add ID TITLE --owner WHO --due DATE)" in message
    assert "reviewed_at" not in message


def test_backwards_move_points_to_reopen(repo: Path, incident: str, inc_ok: Any, inc_fails: Any) -> None:
    inc_ok(repo, "classify", incident, *CLASSIFY)
    inc_ok(repo, "investigate", incident, "--commander", "Ann")
    inc_ok(repo, "resolve", incident, "--summary", "Fixed.", "--step", "Restarted")
    message = refused(repo, inc_fails, "advance", incident, "investigating")
    assert "cannot move backwards from resolved to investigating" in message
    assert "inc reopen" in message
    message = refused(repo, inc_fails, "advance", incident, "classified")
    assert "cannot move backwards from resolved to classified" in message


def test_skipping_a_stage_and_unknown_stage(repo: Path, incident: str, inc_fails: Any) -> None:
    message = refused(repo, inc_fails, "investigate", incident, "--commander", "Ann")
    assert "cannot skip stages: the incident is identified, so the next stage is classified" in message
    message = refused(repo, inc_fails, "advance", incident, "solved", code=2)
    assert "unknown stage 'solved'; the stages are identified, classified, investigating" in message


def test_reopen_only_from_resolved_or_recovered(repo: Path, incident: str, inc_ok: Any, inc_fails: Any) -> None:
    message = refused(repo, inc_fails, "reopen", incident, "--reason", "back")
    assert "only a resolved or recovered incident can be reopened; this one is identified" in message
    inc_ok(repo, "classify", incident, *CLASSIFY)
    inc_ok(repo, "investigate", incident, "--commander", "Ann")
    inc_ok(repo, "resolve", incident, "--summary", "Fixed.", "--step", "Restarted")
    inc_ok(repo, "reopen", incident, "--reason", "Errors are back.")
    text = record_path(repo, incident).read_text()
    assert text.endswith("    kind: reopened\n    stage: investigating\n    author: Dana Whitfield\n"
                         "    text: Errors are back.\n")  # fmt: skip
    assert "status: investigating\n" in text
    inc_ok(repo, "resolve", incident, "--summary", "Fixed again.")
    assert "status: resolved\n" in record_path(repo, incident).read_text()


def test_side_states_only_before_resolved(repo: Path, incident: str, inc_ok: Any, inc_fails: Any) -> None:
    inc_ok(repo, "classify", incident, *CLASSIFY)
    inc_ok(repo, "investigate", incident, "--commander", "Ann")
    inc_ok(repo, "resolve", incident, "--summary", "Fixed.", "--step", "Restarted")
    message = refused(repo, inc_fails, "cancel", incident, "--reason", "false alarm")
    assert message.startswith("inc: error: the change would leave the record invalid, so nothing was written:\n")
    assert message.endswith(
        ": side-state: a record that reached resolved (timeline entry 4) cannot become cancelled; "
        "only stages before resolved can\n"
    )


def test_cancel_and_duplicate(repo: Path, incident: str, inc_ok: Any, inc_fails: Any) -> None:
    other = new_incident(inc_ok, repo)
    message = refused(repo, inc_fails, "duplicate", incident, "--of", incident, code=2)
    assert "cannot be a duplicate of itself" in message
    inc_ok(repo, "duplicate", incident, "--of", other[-4:])
    text = record_path(repo, incident).read_text()
    assert "status: duplicate\n" in text and f"duplicate_of: {other}\n" in text
    inc_ok(repo, "cancel", other, "--reason", "A monitoring false positive.")
    assert "cancel_reason: A monitoring false positive.\n" in record_path(repo, other).read_text()
    message = refused(repo, inc_fails, "classify", other, *CLASSIFY)
    assert "the incident is cancelled, an end state" in message
    assert inc_ok(repo, "validate").exit_code == 0


def test_invalid_record_is_refused(repo: Path, incident: str, inc_fails: Any) -> None:
    file = record_path(repo, incident)
    file.write_text(file.read_text().replace("visibility: internal", "visibility: secret"))
    message = refused(repo, inc_fails, "log", incident, "x")
    assert f"incidents/2026/{incident}.yaml is not a valid record; fix it first" in message
    assert f"incidents/2026/{incident}.yaml:6:1: schema: visibility: 'secret' is not one of" in message


def test_unreadable_record_is_refused(repo: Path, incident: str, inc_fails: Any) -> None:
    file = record_path(repo, incident)
    file.write_text(file.read_text().replace("title: ", "title: [unclosed "))
    message = refused(repo, inc_fails, "log", incident, "x")
    assert f"incidents/2026/{incident}.yaml cannot be read; fix it first" in message
    assert "yaml-syntax" in message


def test_conflict_markers_are_refused(repo: Path, incident: str, inc_fails: Any) -> None:
    file = record_path(repo, incident)
    text = file.read_text().replace("title: ", "<<<<<<< HEAD\ntitle: a\n=======\ntitle: ", 1)
    file.write_text(text.replace("status: identified", "status: identified\n>>>>>>> other"))
    message = refused(repo, inc_fails, "log", incident, "x")
    assert f"incidents/2026/{incident}.yaml:4:1: the record has git conflict markers" in message


def _conflict(repo: Path, command: list[str]) -> None:
    """Two branches change notes.txt differently; `command` (merge, rebase...) then stops midway."""
    (repo / "notes.txt").write_text("base\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "switch", "-q", "-c", "other")
    (repo / "notes.txt").write_text("other\n")
    git(repo, "commit", "-q", "-am", "other")
    git(repo, "switch", "-q", "main")
    (repo / "notes.txt").write_text("main\n")
    git(repo, "commit", "-q", "-am", "main")
    done = subprocess.run(["git", "-C", str(repo), *command], capture_output=True, text=True)
    assert done.returncode != 0


@pytest.mark.parametrize(
    ("command", "why"),
    [
        (["merge", "other"], "a merge is in progress"),
        (["rebase", "other"], "a rebase is in progress"),
        (["cherry-pick", "other"], "a cherry-pick is in progress"),
    ],
)
def test_operation_in_progress_is_refused(repo: Path, incident: str, inc_fails: Any, command: list[str],
                                          why: str) -> None:  # fmt: skip
    _conflict(repo, command)
    message = refused(repo, inc_fails, "log", incident, "x")
    assert why in message and "or pass --no-commit" in message


def test_detached_head_is_refused(repo: Path, incident: str, inc_fails: Any) -> None:
    git(repo, "checkout", "-q", "--detach")
    message = refused(repo, inc_fails, "log", incident, "x")
    assert "HEAD is detached" in message and "git switch" in message


def test_index_lock_is_refused(repo: Path, incident: str, inc_fails: Any) -> None:
    (repo / ".git" / "index.lock").write_text("")
    message = refused(repo, inc_fails, "log", incident, "x")
    assert "index.lock exists: another git process is running" in message


def test_outside_git_suggests_init_or_no_commit(tmp_path: Path, inc_ok: Any, inc_fails: Any) -> None:
    root = tmp_path / "plain"
    (root / "incidents").mkdir(parents=True)
    shutil.copytree(Path(__file__).resolve().parents[2] / "schemas", root / "schemas")
    args = ["new", "Disk full", "--summary", "Writes fail.", "--detected-by", "staff", "--author", "Ann"]
    result = inc_fails(root, *args)
    assert "is not inside a git repository; run `git init` there first, or pass --no-commit" in result.stderr
    assert list((root / "incidents").iterdir()) == []
    incident = inc_ok(root, *args, "--no-commit").stdout.strip()
    assert record_path(root, incident).is_file()


def test_unknown_ambiguous_and_malformed_ids(repo: Path, incident: str, inc_fails: Any) -> None:
    other = incident[:-4] + ("0000" if not incident.endswith("0000") else "1111")
    message = refused(repo, inc_fails, "show", other)
    assert f"no incident {other} in" in message
    assert "no incident id ends with ZZZZ9" in refused(repo, inc_fails, "log", "zzzz9", "x")
    second = record_path(repo, incident[:-4] + "ABCD")
    shutil.copyfile(record_path(repo, incident), second)
    message = refused(repo, inc_fails, "show", "INC-20261123")
    assert message.startswith("inc: error: INC-20261123 is ambiguous") or "ends with" in message
    message = refused(repo, inc_fails, "show", "1123-")
    assert "is ambiguous; it ends" not in message
    message = refused(repo, inc_fails, "log", "../../etc/passwd", "x", code=2)
    assert "'../../etc/passwd' is not an incident id or the end of one" in message


def test_ambiguous_suffix_lists_candidates(repo: Path, incident: str, inc_fails: Any) -> None:
    a = record_path(repo, "INC-20261120-AB12")
    b = record_path(repo, "INC-20261121-CB12")
    for file in (a, b):
        file.write_text(record_path(repo, incident).read_text())
    message = refused(repo, inc_fails, "show", "b12")
    assert message == "inc: error: B12 is ambiguous; it ends 2 incident ids: INC-20261120-AB12, INC-20261121-CB12\n"


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("yesterday", "--at 'yesterday' is not an ISO-8601 time with a zone"),
        ("2026-11-23 10:00", "--at '2026-11-23 10:00' is not an ISO-8601 time with a zone"),
        ("2026-11-23T10:00:00", "is not an ISO-8601 time with a zone"),
        (
            "2026-11-24T10:00:00Z",
            "--at 2026-11-24T10:00:00Z is refused by rule future-time: timeline.1.at (2026-11-24T10:00:00Z) is "
            "in the future. A record tells what has happened: now is 2026-11-23T12:00:00Z.",
        ),
        (
            "2026-11-23T09:00:00Z",
            "--at 2026-11-23T09:00:00Z is refused by rule timeline-order: timeline entry 2 at 2026-11-23T09:00:00Z "
            "is earlier than the entry before it (2026-11-23T10:00:00Z); entries are in time order.",
        ),
    ],
)
def test_bad_times_are_refused(repo: Path, incident: str, inc_fails: Any, at: str, message: str) -> None:
    assert message in refused(repo, inc_fails, "classify", incident, *CLASSIFY, "--at", at, code=2)


def test_action_errors(repo: Path, incident: str, inc_ok: Any, inc_fails: Any) -> None:
    assert "--due '3 weeks' is not a date" in refused(
        repo, inc_fails, "action", "add", incident, "Fix", "--owner", "Ann", "--due", "3 weeks", code=2
    )
    assert "has no action item A7 (its action items: none)" in refused(
        repo, inc_fails, "action", "done", incident, "A7"
    )
    assert inc_ok(repo, "action", "add", incident, "Fix", "--owner", "Ann", "--due", "2026-12-01").stdout == "A1\n"
    inc_ok(repo, "action", "done", incident, "a1")
    assert "action item A1 of" in refused(repo, inc_fails, "action", "done", incident, "A1")


def test_missing_nested_fields_are_named_precisely(repo: Path, incident: str, inc_ok: Any, inc_fails: Any) -> None:
    inc_ok(repo, "classify", incident, *CLASSIFY)
    inc_ok(repo, "investigate", incident, "--commander", "Ann")
    message = refused(repo, inc_fails, "resolve", incident, "--step", "Restarted")
    assert message == (
        f"inc: error: {incident} cannot become resolved; missing:\n  - resolution.summary (set it with --summary)\n"
    )


def test_advance_to_an_end_state_points_to_its_command(repo: Path, incident: str, inc_fails: Any) -> None:
    message = refused(repo, inc_fails, "advance", incident, "cancelled", code=2)
    assert "cancelled ends an incident that was not one; use `inc cancel ID --reason TEXT`" in message


def test_new_checks_its_times(repo: Path, inc_ok: Any, inc_fails: Any) -> None:
    args = ["new", "Disk full", "--summary", "Writes fail.", "--detected-by", "staff", "--at", "2026-11-23T10:00:00Z"]
    message = refused(repo, inc_fails, *args, "--started-at", "2026-11-23T10:30:00Z", code=2)
    assert message == (
        "inc: error: --at 2026-11-23T10:00:00Z and --started-at 2026-11-23T10:30:00Z are refused by rule "
        "milestone-order: detected_at (2026-11-23T10:00:00Z) is earlier than started_at (2026-11-23T10:30:00Z). "
        "The impact starts before it is detected, and a stage is entered no earlier than the stages before it.\n"
    )
    assert "is in the future" in refused(repo, inc_fails, *args[:-2], "--at", "2026-12-01T00:00:00Z", code=2)
    incident = inc_ok(repo, *args, "--started-at", "2026-11-23T09:40:00+00:00").stdout.strip()
    assert 'started_at: "2026-11-23T09:40:00Z"\n' in record_path(repo, incident).read_text()


def test_an_entry_earlier_than_the_last_one_is_refused_not_inserted(repo: Path, inc_ok: Any,
                                                                     inc_fails: Any) -> None:  # fmt: skip
    # Inserting it in the middle would reorder the timeline, which inc check refuses in CI.
    incident = new_incident(inc_ok, repo, "--detected-at", "2026-11-23T10:00:00Z")
    inc_ok(repo, "log", incident, "Rolled back.", "--at", "2026-11-23T10:30:00Z")
    message = refused(repo, inc_fails, "log", incident, "Paged the DBA.", "--at", "2026-11-23T10:10:00Z", code=2)
    assert message == (
        "inc: error: --at 2026-11-23T10:10:00Z is refused by rule timeline-order: timeline entry 3 at "
        "2026-11-23T10:10:00Z is earlier than the entry before it (2026-11-23T10:30:00Z); entries are in time "
        "order. The timeline only grows at its end (inc check refuses a reordered one): record what happened "
        "in the order it happened, or say when in the entry's text.\n"
    )
    inc_ok(repo, "log", incident, "Same minute is fine.", "--at", "2026-11-23T10:30:00Z")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "1969-12-31T23:59:59Z"])
def test_an_implausible_year_is_a_usage_error_not_a_crash(repo: Path, incident: str, inc_fails: Any,
                                                          moment: str) -> None:  # fmt: skip
    message = refused(repo, inc_fails, "log", incident, "x", "--at", moment, code=2)
    assert message == f"inc: error: --at {moment} is before 1970; check the year\n"


def test_init_where_no_folder_can_be_made_is_an_error_not_a_crash(tmp_path: Path, inc_fails: Any) -> None:
    (tmp_path / "a-file").write_text("x")
    result = inc_fails(tmp_path, "init", str(tmp_path / "a-file" / "ledger"), code=1)
    assert (
        result.stderr
        == f"inc: error: cannot create {tmp_path / 'a-file' / 'ledger'}: Not a directory; give a folder you can write to\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_record_that_is_a_symlink_is_refused_as_such(repo: Path, incident: str, inc_fails: Any) -> None:
    file = record_path(repo, incident)
    elsewhere = repo / "elsewhere.yaml"
    file.rename(elsewhere)
    file.symlink_to(elsewhere)
    message = refused(repo, inc_fails, "log", incident, "x")
    relative = file.relative_to(repo).as_posix()
    assert message == f"inc: error: {relative}:1:1: the record is a symbolic link; replace it with the file itself\n"


def test_times_are_refused_by_the_rules(repo: Path, incident: str, inc_ok: Any, inc_fails: Any) -> None:
    """The commands run validate's rules on the record they would write: a stage entered
    before the milestones before it breaks milestone-order, and the refusal names --at."""
    inc_ok(repo, "classify", incident, *CLASSIFY, "--at", "2026-11-23T10:05:00Z")
    inc_ok(repo, "investigate", incident, "--commander", "Ann", "--at", "2026-11-23T10:30:00Z")
    file = record_path(repo, incident)
    # By hand: the page was acknowledged later than the investigating entry first said.
    file.write_text(
        file.read_text().replace('acknowledged_at: "2026-11-23T10:30:00Z"', 'acknowledged_at: "2026-11-23T11:00:00Z"')
    )
    git(repo, "commit", "-qam", "Acknowledged later than first written")
    message = refused(repo, inc_fails, "resolve", incident, "--summary", "Fixed.", "--step", "Restarted",
                      "--at", "2026-11-23T10:45:00Z", code=2)  # fmt: skip
    assert message == (
        "inc: error: --at 2026-11-23T10:45:00Z is refused by rule milestone-order: resolved_at "
        "(2026-11-23T10:45:00Z) is earlier than acknowledged_at (2026-11-23T11:00:00Z). The impact starts "
        "before it is detected, and a stage is entered no earlier than the stages before it.\n"
    )
    # Clock skew: five minutes ahead of the clock is allowed, as inc validate allows it.
    inc_ok(repo, "log", incident, "Checked from a laptop whose clock runs ahead.", "--at", "2026-11-23T12:04:00Z")
    message = refused(repo, inc_fails, "log", incident, "x", "--at", "2026-11-23T12:06:00Z", code=2)
    assert message.startswith("inc: error: --at 2026-11-23T12:06:00Z is refused by rule future-time: ")
