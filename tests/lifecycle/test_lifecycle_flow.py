"""A whole incident, from the first alert to the reviewed post-mortem: one commit per step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecycle_helpers import TITLE, commits, git, last_commit_files, last_message, new_incident, record_path

FIRST_RECORD = """\
# yaml-language-server: $schema=../../schemas/incident.schema.json
schema_version: 1
id: {id}
title: Checkout API returned 5xx to EU customers
status: identified
visibility: internal
exercise: false
summary: EU customers could not pay.
detected_at: "2026-11-23T10:00:00Z"
detected_by: monitoring
reported_by: Dana Whitfield
timeline:
  - at: "2026-11-23T10:00:00Z"
    kind: status
    stage: identified
    author: Dana Whitfield
    text: "Incident opened: Checkout API returned 5xx to EU customers"
"""

# (command line after the id, the commit subject after the id, the status after, the lines the step adds)
STEPS: list[tuple[list[str], str, str, list[str]]] = [
    (
        ["classify", "--severity", "SEV2", "--impact", "high", "--urgency", "medium", "--category", "availability",
         "--service", "checkout-api", "--impact-assessment", "About 20% of EU checkouts failed.",
         "--at", "2026-11-23T10:05:00Z"],
        "classified: Classified SEV2, priority P2.",
        "classified",
        ["severity: SEV2", "impact: high", "urgency: medium", "priority: P2", "category: availability",
         "services:", "  - checkout-api", "impact_assessment: About 20% of EU checkouts failed.",
         '  - at: "2026-11-23T10:05:00Z"', "    kind: status", "    stage: classified",
         "    author: Dana Whitfield", "    text: Classified SEV2, priority P2."],
    ),
    (
        ["investigate", "--commander", "Jonas Weber", "--at", "2026-11-23T10:07:00Z"],
        "investigating: Investigating; Jonas Weber is the incident commander.",
        "investigating",
        ["commander: Jonas Weber", 'acknowledged_at: "2026-11-23T10:07:00Z"',
         '  - at: "2026-11-23T10:07:00Z"', "    kind: status", "    stage: investigating",
         "    author: Dana Whitfield", "    text: Investigating; Jonas Weber is the incident commander."],
    ),
    (
        ["log", "Status page: we are investigating", "--kind", "update", "--at", "2026-11-23T10:10:00Z",
         "--author", "Sofia Lindgren"],
        "update: Status page: we are investigating",
        "investigating",
        ['  - at: "2026-11-23T10:10:00Z"', "    kind: update", "    author: Sofia Lindgren",
         '    text: "Status page: we are investigating"'],
    ),
    (
        ["resolve", "--summary", "Rolled back deploy 1187.", "--step", "Paused the rollout", "--step",
         "Rolled back to 1186", "--at", "2026-11-23T10:40:00Z"],
        "resolved: Resolved: Rolled back deploy 1187.",
        "resolved",
        ['resolved_at: "2026-11-23T10:40:00Z"', "resolution:", "  summary: Rolled back deploy 1187.",
         "  steps:", "    - Paused the rollout", "    - Rolled back to 1186",
         '  - at: "2026-11-23T10:40:00Z"', "    kind: status", "    stage: resolved",
         "    author: Dana Whitfield", "    text: \"Resolved: Rolled back deploy 1187.\""],
    ),
    (
        ["recover", "--summary", "Caches warmed up again.", "--verification", "Synthetic checks green for an hour.",
         "--at", "2026-11-23T11:40:00Z"],
        "recovered: Recovered: Caches warmed up again.",
        "recovered",
        ['recovered_at: "2026-11-23T11:40:00Z"', "recovery:", "  summary: Caches warmed up again.",
         "  verification: Synthetic checks green for an hour.",
         '  - at: "2026-11-23T11:40:00Z"', "    kind: status", "    stage: recovered",
         "    author: Dana Whitfield", "    text: \"Recovered: Caches warmed up again.\""],
    ),
    (
        ["close", "--root-cause", "A config change without a canary.", "--contributing-factor",
         "No alert on 5xx by region", "--at", "2026-11-23T11:45:00Z"],
        "closed: Moved to closed.",
        "closed",
        ['closed_at: "2026-11-23T11:45:00Z"', "root_cause: A config change without a canary.",
         "contributing_factors:", "  - No alert on 5xx by region",
         '  - at: "2026-11-23T11:45:00Z"', "    kind: status", "    stage: closed",
         "    author: Dana Whitfield", "    text: Moved to closed."],
    ),
    (
        ["action", "add", "Add a canary stage", "--owner", "Ops", "--due", "2026-12-01", "--kind", "prevent",
         "--at", "2026-11-23T11:46:00Z"],
        "action A1 added: Add a canary stage",
        "closed",
        ["action_items:", "  - id: A1", "    title: Add a canary stage", "    kind: prevent", "    owner: Ops",
         '    due: "2026-12-01"', "    status: open",
         '  - at: "2026-11-23T11:46:00Z"', "    kind: note", "    author: Dana Whitfield",
         '    text: "Action item A1 added: Add a canary stage (owner Ops, due 2026-12-01)."'],
    ),
    (
        ["review", "--summary", "A config change reached every region at once.", "--went-well", "Fast rollback",
         "--went-wrong", "Slow detection", "--lesson", "Canary every config change",
         "--at", "2026-11-23T11:50:00Z"],
        "reviewed: Moved to reviewed.",
        "reviewed",
        ['reviewed_at: "2026-11-23T11:50:00Z"', "postmortem:",
         "  summary: A config change reached every region at once.", "  what_went_well:", "    - Fast rollback",
         "  what_went_wrong:", "    - Slow detection", "  lessons_learned:", "    - Canary every config change",
         '  - at: "2026-11-23T11:50:00Z"', "    kind: status", "    stage: reviewed",
         "    author: Dana Whitfield", "    text: Moved to reviewed."],
    ),
]  # fmt: skip


def added_lines(root: Path) -> list[str]:
    diff = git(root, "show", "--format=", "-U0", "HEAD")
    return [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]


def removed_lines(root: Path) -> list[str]:
    diff = git(root, "show", "--format=", "-U0", "HEAD")
    return [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]


def test_new_writes_the_first_stage_and_commits_it_alone(repo: Path, inc_ok: Any) -> None:
    before = commits(repo)
    incident_id = new_incident(inc_ok, repo)
    assert incident_id.startswith("INC-20261123-") and len(incident_id) == 17
    file = record_path(repo, incident_id)
    assert file.read_text() == FIRST_RECORD.format(id=incident_id)
    assert commits(repo) == before + 1
    assert last_commit_files(repo) == [f"incidents/2026/{incident_id}.yaml"]
    assert last_message(repo) == f"{incident_id}: identified: {TITLE}\n\nIncident: {incident_id}\nStage: identified"
    assert git(repo, "status", "--porcelain") == ""


def test_full_lifecycle_one_commit_per_step(repo: Path, inc_ok: Any) -> None:
    incident_id = new_incident(inc_ok, repo)
    file = record_path(repo, incident_id)
    relative = f"incidents/2026/{incident_id}.yaml"
    start = commits(repo)
    for number, (args, what, stage, expected) in enumerate(STEPS, 1):
        command, rest = (args[:2], args[2:]) if args[0] == "action" else (args[:1], args[1:])
        before = file.read_text()
        inc_ok(repo, *command, incident_id[-4:], *rest)
        assert commits(repo) == start + number
        assert last_commit_files(repo) == [relative]
        assert last_message(repo) == f"{incident_id}: {what}\n\nIncident: {incident_id}\nStage: {stage}"
        status_changed = f"status: {stage}\n" not in before
        assert added_lines(repo) == ([f"status: {stage}"] if status_changed else []) + expected
        assert removed_lines(repo) == ([f"status: {_status(before)}"] if status_changed else [])
        assert git(repo, "status", "--porcelain") == ""
    text = file.read_text()
    assert text.startswith(
        FIRST_RECORD.format(id=incident_id).split("timeline:")[0].replace("identified", "reviewed", 1)
    )
    assert inc_ok(repo, "validate").exit_code == 0


def _status(text: str) -> str:
    return next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("status: "))


def test_new_takes_at_like_every_command_that_writes_a_timeline_entry(repo: Path, inc_ok: Any) -> None:
    args = ["new", "Late report", "--summary", "Found in the logs.", "--detected-by", "staff"]
    incident_id = inc_ok(repo, *args, "--at", "2026-11-20T08:00:00+01:00").stdout.strip()
    assert incident_id.startswith("INC-20261120-")
    text = record_path(repo, incident_id).read_text()
    assert 'detected_at: "2026-11-20T07:00:00Z"' in text and '  - at: "2026-11-20T07:00:00Z"' in text
