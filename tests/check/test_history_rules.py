"""Each history rule, broken by a real git history, and its honest twin that passes."""

from __future__ import annotations

from typing import Any

import pytest
from ledger_helpers import ID, OTHER_ID, Ledger, entry, record, start


def lines(result: Any) -> list[str]:
    return result.stdout.splitlines()


def rules(result: Any) -> list[str]:
    return [line.split(": ")[1] for line in lines(result)]


def passes(result: Any) -> None:
    assert result.exit_code == 0, result
    assert result.stdout == ""


# -- record-deleted ---------------------------------------------------------------------


def test_deleting_a_record_is_reported(ledger: Ledger) -> None:
    start(ledger, "investigating")
    path = ledger.path()
    ledger.git("rm", "-q", path)
    ledger.commit("Remove the incident")
    result = ledger.check()
    assert result.exit_code == 1, result
    assert lines(result) == [
        f"{path}:1:1: record-deleted: record {path} was deleted; records are never deleted: restore it "
        f"(git checkout main -- {path}) and set its status to cancelled or duplicate if it was not an incident"
    ]
    assert result.stderr == "1 problem(s) in 1 file(s)\n"


def test_cancelling_instead_of_deleting_passes(ledger: Ledger) -> None:
    data = start(ledger, "investigating")
    data["status"] = "cancelled"
    data["cancel_reason"] = "A synthetic probe misfired; customers were not affected."
    data["timeline"].append(entry("2026-11-01T13:00:00Z", "status", "cancelled", "Not an incident."))
    ledger.write(data)
    ledger.commit("Cancel")
    result = ledger.check()
    passes(result)
    assert result.stderr == "1 record(s) checked, all valid\n"


# -- record-moved -----------------------------------------------------------------------


def test_moving_a_record_away_from_its_id_path_is_reported(ledger: Ledger) -> None:
    start(ledger, "classified")
    ledger.git("mv", ledger.path(), "incidents/2026/checkout-outage.yaml")
    ledger.commit("Rename")
    result = ledger.check()
    assert result.exit_code == 1, result
    line = ledger.line_of("incidents/2026/checkout-outage.yaml", "id:")
    assert f"incidents/2026/checkout-outage.yaml:{line}:1: record-moved: record {ID} was moved from " in result.stdout
    # validation of the head says the same from the record's side
    assert rules(result) == ["path-mismatch", "record-moved"]


def test_moving_a_misplaced_record_to_its_id_path_passes(ledger: Ledger) -> None:
    ledger.write(record("classified"), "incidents/2025/misfiled.yaml")
    ledger.commit("Misfiled")
    ledger.branch()
    (ledger.root / "incidents/2026").mkdir()
    ledger.git("mv", "incidents/2025/misfiled.yaml", ledger.path())
    ledger.commit("File it where its id says")
    passes(ledger.check())


def test_a_record_moved_and_rewritten_is_paired_by_its_id_not_reported_deleted(ledger: Ledger) -> None:
    data = start(ledger, "classified")
    ledger.git("rm", "-q", ledger.path())
    data["summary"] = "Completely rewritten.\n" * 40
    data["impact_assessment"] = "Rewritten too.\n" * 40
    ledger.write(data, "incidents/2026/elsewhere.yaml")
    ledger.commit("Move and rewrite")
    result = ledger.check()
    assert rules(result) == ["path-mismatch", "record-moved"]


# -- immutable-field --------------------------------------------------------------------


def test_changing_identity_fields_is_reported_at_each_field(ledger: Ledger) -> None:
    data = start(ledger, "classified")
    data["detected_at"] = "2026-11-01T09:30:00Z"
    data["exercise"] = True
    data["detected_by"] = "exercise"
    data["timeline"][0]["at"] = data["timeline"][0]["at"]  # unchanged
    ledger.write(data)
    ledger.commit("Fix detection time")
    result = ledger.check()
    path = ledger.path()
    assert lines(result) == [
        f"{path}:{ledger.line_of(path, 'exercise:')}:1: immutable-field: exercise changed from False to True; "
        "it never changes once recorded: restore it (a different incident gets a new record, inc new)",
        f"{path}:{ledger.line_of(path, 'detected_at:')}:1: immutable-field: detected_at changed from "
        "'2026-11-01T10:00:00Z' to '2026-11-01T09:30:00Z'; it never changes once recorded: restore it "
        "(a different incident gets a new record, inc new)",
    ]


def test_changing_the_id_is_reported(ledger: Ledger) -> None:
    data = start(ledger, "identified")
    data["id"] = "INC-20261101-7KQN"
    ledger.write(data, ledger.path())
    ledger.commit("Typo in id")
    result = ledger.check()
    assert "immutable-field: id changed from 'INC-20261101-7KQM' to 'INC-20261101-7KQN'" in result.stdout
    assert result.exit_code == 1


def test_changing_ordinary_fields_passes(ledger: Ledger) -> None:
    data = start(ledger, "classified")
    data["title"] = "Checkout API returned 5xx to EU and UK customers"
    data["services"].append("payments-gateway")
    ledger.write(data)
    ledger.commit("Refine")
    passes(ledger.check())


# -- timeline-rewritten -----------------------------------------------------------------


def test_editing_a_timeline_entry_is_reported(ledger: Ledger) -> None:
    data = start(ledger, "investigating")
    data["timeline"][1]["text"] = "Entered classified (SEV1, not SEV2)."
    ledger.write(data)
    ledger.commit("Edit history")
    path = ledger.path()
    assert lines(ledger.check()) == [
        f"{path}:{ledger.line_of(path, '- at:', 2)}:3: timeline-rewritten: timeline entry 2 "
        "(at '2026-11-01T11:00:00Z') was changed; entries are never edited or reordered: restore it "
        "and add a new entry at the end with the correction"
    ]


def test_removing_a_timeline_entry_is_reported(ledger: Ledger) -> None:
    data = start(ledger, "investigating")
    data["timeline"].pop()
    data["status"] = "investigating"
    ledger.write(data)
    ledger.commit("Drop an entry")
    result = ledger.check()
    assert "timeline-rewritten: timeline entry 3 (at '2026-11-01T12:00:00Z') was removed" in result.stdout
    assert result.exit_code == 1


def test_reordering_timeline_entries_is_reported(ledger: Ledger) -> None:
    data = start(ledger, "investigating")
    for item in data["timeline"]:
        item["at"] = "2026-11-01T10:00:00Z"
    data["acknowledged_at"] = "2026-11-01T10:00:00Z"
    ledger.write(data)
    ledger.commit("Same times")
    ledger.git("checkout", "-q", "main")
    ledger.git("merge", "-q", "--ff-only", "change")
    ledger.git("checkout", "-q", "change")
    data["timeline"][0], data["timeline"][1] = data["timeline"][1], data["timeline"][0]
    ledger.write(data)
    ledger.commit("Swap")
    result = ledger.check()
    assert "timeline-rewritten: timeline entry 1 (at '2026-11-01T10:00:00Z') was moved" in result.stdout


def test_appending_timeline_entries_passes(ledger: Ledger) -> None:
    data = start(ledger, "investigating")
    data["timeline"].append(entry("2026-11-01T12:30:00Z", "note", text="Pool exhausted on eu-west-1."))
    data["timeline"].append(entry("2026-11-01T12:40:00Z", "update", text="Rolling back 4.12."))
    ledger.write(data)
    ledger.commit("Log")
    passes(ledger.check())


# -- status-backwards -------------------------------------------------------------------


def test_status_moved_back_without_reopening_is_reported(ledger: Ledger) -> None:
    data = start(ledger, "investigating")
    data["status"] = "classified"
    data["timeline"].append(entry("2026-11-01T13:00:00Z", "status", "classified", "Back to triage."))
    ledger.write(data)
    ledger.commit("Back")
    path = ledger.path()
    assert lines(ledger.check()) == [
        f"{path}:{ledger.line_of(path, 'status:')}:1: status-backwards: status moved back from investigating "
        "to classified without a 'reopened' timeline entry; reopen with inc reopen (or append a "
        "'kind: reopened' entry saying why)"
    ]


def test_reopening_with_a_reopened_entry_passes(ledger: Ledger) -> None:
    data = start(ledger, "resolved")
    data["status"] = "investigating"
    data["timeline"].append(entry("2026-11-01T14:00:00Z", "reopened", "investigating", "Errors are back."))
    ledger.write(data)
    ledger.commit("Reopen")
    passes(ledger.check())


# -- stage-without-entry ----------------------------------------------------------------


def test_skipping_a_stage_entry_is_reported(ledger: Ledger) -> None:
    start(ledger, "identified")
    data = record("investigating")
    del data["timeline"][1]  # classified entered without its entry
    ledger.write(data)
    ledger.commit("Classify and investigate")
    path = ledger.path()
    assert lines(ledger.check()) == [
        f"{path}:{ledger.line_of(path, 'status:')}:1: stage-without-entry: status moved from identified to "
        "investigating, but no timeline entry was added for entering classified; append a 'kind: status' "
        "entry with 'stage: <stage>' for each (inc advance does it)"
    ]


def test_entering_each_stage_with_its_entry_passes(ledger: Ledger) -> None:
    start(ledger, "identified")
    ledger.write(record("investigating"))
    ledger.commit("Classify and investigate")
    passes(ledger.check())


# -- closed-record-changed --------------------------------------------------------------


def test_changing_a_closed_records_facts_is_reported(ledger: Ledger) -> None:
    data = start(ledger, "closed")
    data["summary"] = "Checkout failed for half of EU customers.\n"
    ledger.write(data)
    ledger.commit("Rewrite summary")
    path = ledger.path()
    assert lines(ledger.check()) == [
        f"{path}:{ledger.line_of(path, 'summary:')}:1: closed-record-changed: 'summary' changed in a closed "
        "record; once closed, only postmortem, action_items, root_cause, contributing_factors, appended "
        "timeline entries and the move to reviewed may change"
    ]


def test_reopening_a_closed_record_is_reported(ledger: Ledger) -> None:
    data = start(ledger, "closed")
    data["status"] = "investigating"
    data["timeline"].append(entry("2026-11-01T17:00:00Z", "reopened", "investigating", "Again."))
    ledger.write(data)
    ledger.commit("Reopen closed")
    result = ledger.check()
    assert (
        f"{ledger.path()}:{ledger.line_of(ledger.path(), 'status:')}:1: closed-record-changed: a closed record "
        "is never reopened or moved back (status is now investigating); restore status"
    ) in lines(result)


def test_refining_and_reviewing_a_closed_record_passes(ledger: Ledger) -> None:
    start(ledger, "closed")
    data = record("reviewed")
    data["root_cause"] = "A connection pool limit was halved in 4.12 by a copy-paste error.\n"
    data["contributing_factors"] = ["Pool settings are not linted."]
    ledger.write(data)
    ledger.commit("Review")
    passes(ledger.check())


# -- reviewed-record-changed ------------------------------------------------------------


def test_changing_a_reviewed_record_is_reported(ledger: Ledger) -> None:
    data = start(ledger, "reviewed")
    data["action_items"][0]["title"] = "Something easier"
    data["postmortem"]["lessons_learned"].append("Another lesson.")
    ledger.write(data)
    ledger.commit("Edit after review")
    path = ledger.path()
    assert lines(ledger.check()) == [
        f"{path}:{ledger.line_of(path, 'postmortem:')}:1: reviewed-record-changed: 'postmortem' changed in a "
        "reviewed record; once reviewed, only action items' status, done_at, link and appended timeline entries may change",
        f"{path}:{ledger.line_of(path, '- id: A1')}:3: reviewed-record-changed: 'action_items' changed in a "
        "reviewed record; once reviewed, only action items' status, done_at, link and appended timeline entries may change",
    ]


def test_following_up_action_items_passes(ledger: Ledger) -> None:
    data = start(ledger, "reviewed")
    data["action_items"][0]["status"] = "done"
    data["action_items"][0]["link"] = "https://git.example.com/checkout/pull/812"
    data["timeline"].append(entry("2026-11-20T10:00:00Z", "action", text="A1 done: pool settings linted."))
    ledger.write(data)
    ledger.commit("A1 done")
    passes(ledger.check())


# -- visibility of a closed or reviewed record -------------------------------------------


@pytest.mark.parametrize("stage", ["closed", "reviewed"])
@pytest.mark.parametrize(
    ("before", "after"), [("public", "internal"), ("internal", "restricted"), ("public", "restricted")]
)
def test_narrowing_visibility_of_a_finished_record_passes(ledger: Ledger, stage: str, before: str, after: str) -> None:
    data = record(stage)
    data["visibility"] = before
    start(ledger, stage, data)
    data["visibility"] = after
    data["timeline"].append(entry("2026-11-20T10:00:00Z", "note", text=f"Unpublished: now {after}."))
    ledger.write(data)
    ledger.commit("Narrow visibility")
    passes(ledger.check())


@pytest.mark.parametrize("stage", ["closed", "reviewed"])
def test_widening_visibility_of_a_finished_record_is_reported(ledger: Ledger, stage: str) -> None:
    data = record(stage)
    data["visibility"] = "restricted"
    start(ledger, stage, data)
    data["visibility"] = "public"
    ledger.write(data)
    ledger.commit("Publish")
    path = ledger.path()
    assert lines(ledger.check()) == [
        f"{path}:{ledger.line_of(path, 'visibility:')}:1: {stage}-record-changed: visibility widened from "
        f"'restricted' to 'public' in a {stage} record, showing it to new readers: review that change with "
        "whoever owns the record (narrowing visibility is always allowed)"
    ]


# -- id-collision -----------------------------------------------------------------------


def _landed_on_main(ledger: Ledger, incident_id: str) -> None:
    ledger.checkout("main")
    landed = record("identified", incident_id)
    landed["title"] = "Search results empty"
    ledger.write(landed)
    ledger.commit("Another branch landed")
    ledger.checkout("change")


def test_new_record_whose_id_landed_on_the_base_meanwhile_is_reported(ledger: Ledger) -> None:
    start(ledger, "identified")
    _landed_on_main(ledger, OTHER_ID)
    ledger.write(record("identified", OTHER_ID))
    ledger.commit("New incident")
    path = ledger.path(OTHER_ID)
    assert lines(ledger.check()) == [
        f"{path}:{ledger.line_of(path, 'id:')}:1: id-collision: id {OTHER_ID} is already used on main by "
        f"{path}, which landed after this branch started; give this incident a new id (inc new creates one)"
    ]


def test_new_record_with_a_free_id_passes(ledger: Ledger) -> None:
    start(ledger, "identified")
    _landed_on_main(ledger, OTHER_ID)
    ledger.write(record("identified", "INC-20261102-9ZZT"))
    ledger.commit("New incident")
    passes(ledger.check())


# -- symlink and conflict-markers ----------------------------------------------------------


def test_a_record_that_is_a_symlink_is_reported(ledger: Ledger) -> None:
    start(ledger, "identified")
    ledger.symlink(ledger.path(), "/etc/passwd")
    ledger.commit("Link")
    assert lines(ledger.check()) == [
        f"{ledger.path()}:1:1: symlink: record is a symbolic link; replace it with the record file itself"
    ]


def test_conflict_markers_are_reported_as_such_not_as_yaml_errors(ledger: Ledger) -> None:
    data = start(ledger, "identified")
    text = ledger.text(ledger.path()).replace(
        "title: Checkout", "<<<<<<< HEAD\ntitle: Checkout down\n=======\ntitle: Checkout\n>>>>>>> other\ntitle: x", 1
    )
    ledger.write_text(ledger.path(), text)
    ledger.commit("Bad merge")
    assert data["id"] == ID
    marker = ledger.line_of(ledger.path(), "<<<<<<<")
    message = (
        "conflict-markers: git conflict marker {!r}: finish resolving the merge (keep the right lines, "
        "delete the marker lines) before committing"
    )
    assert lines(ledger.check()) == [
        f"{ledger.path()}:{marker}:1: " + message.format("<<<<<<<"),
        f"{ledger.path()}:{marker + 2}:1: " + message.format("======="),
        f"{ledger.path()}:{marker + 4}:1: " + message.format(">>>>>>>"),
    ]


def test_marker_lookalikes_inside_text_pass(ledger: Ledger) -> None:
    data = start(ledger, "identified")
    data["summary"] = "Heading\n=======\n\n<<<<<<< was in the deploy log.\n"
    ledger.write(data)
    ledger.commit("Markdown")
    passes(ledger.check())


def test_deleting_one_record_and_adding_a_similar_one_is_not_a_rename(ledger: Ledger) -> None:
    start(ledger, "classified")
    ledger.git("rm", "-q", ledger.path())
    ledger.write(record("classified", OTHER_ID))
    ledger.commit("Replace")
    assert "R" in ledger.git("diff", "--name-status", "-M", "main", "HEAD")  # git's guess
    result = ledger.check()
    path = ledger.path()
    assert rules(result) == ["record-deleted"]
    assert result.stdout.startswith(f"{path}:1:1: record-deleted: record {path} was deleted")


def test_replacing_a_symlinked_record_by_the_file_itself_passes(ledger: Ledger) -> None:
    data = record("identified")
    ledger.write(data, "drafts/real.yaml")
    (ledger.root / "incidents" / "2026").mkdir()
    (ledger.root / ledger.path()).symlink_to("../../drafts/real.yaml")
    ledger.commit("Linked")
    ledger.branch()
    (ledger.root / ledger.path()).unlink()
    ledger.write(data)
    ledger.commit("The record itself")
    assert "T\t" + ledger.path() in ledger.git("diff", "--name-status", "main", "HEAD")
    passes(ledger.check())
