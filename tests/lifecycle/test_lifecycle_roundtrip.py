"""Round-trip editing: what engineers wrote by hand survives every command."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from lifecycle_helpers import git, record_path

from incident_ledger import yamledit, yamlio

PROJECT = Path(__file__).resolve().parents[2]

HAND_WRITTEN = """\
# yaml-language-server: $schema=../../schemas/incident.schema.json
# Opened from the pager by hand; keep these notes.
schema_version: 1
id: INC-20261123-4HQ2
title: 'Checkout API returned 5xx to EU customers'   # as the status page says
status: classified
visibility: internal
exercise: false
summary: >-
  EU customers could not pay between 10:00 and 10:40.
  Card payments only.
detected_at: "2026-11-23T10:00:00Z"
detected_by: monitoring
reported_by: PagerDuty
severity: SEV2
impact: high
urgency: medium
priority: P2
category: availability
services: [checkout-api, payments]
impact_assessment: |
  - 20% of EU checkouts failed.
# commander decided on the bridge call
commander: Jonas Weber
timeline:
- at: '2026-11-23T10:00:00Z'
  kind: status
  stage: identified
  author: PagerDuty
  text: Alert fired.   # first page
- at: "2026-11-23T10:05:00Z"
  kind: status
  stage: classified
  author: Jonas Weber
  text: SEV2.
# end of timeline (more below as it happens)
"""


def write_hand_record(repo: Path) -> Path:
    file = record_path(repo, "INC-20261123-4HQ2")
    file.parent.mkdir(parents=True)
    file.write_text(HAND_WRITTEN)
    git(repo, "add", str(file))
    git(repo, "commit", "-q", "-m", "hand-written record")
    return file


def test_advance_of_a_commented_record_adds_only_its_lines(repo: Path, inc_ok: Any) -> None:
    file = write_hand_record(repo)
    inc_ok(repo, "advance", "4HQ2", "investigating", "--at", "2026-11-23T10:07:00Z", "--note", "Jonas leads.")
    diff = git(repo, "diff", "-U0", "HEAD~1", "HEAD", "--", str(file))
    changes = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changes == [
        "-status: classified",
        "+status: investigating",
        '+acknowledged_at: "2026-11-23T10:07:00Z"',
        '+- at: "2026-11-23T10:07:00Z"',
        "+  kind: status",
        "+  stage: investigating",
        "+  author: Dana Whitfield",
        "+  text: Jonas leads.",
    ]
    text = file.read_text()
    for kept in ("# Opened from the pager", "# as the status page says", "# commander decided", "# first page",
                 "# end of timeline", "services: [checkout-api, payments]", "summary: >-", "'2026-11-23T10:00:00Z'"):  # fmt: skip
        assert kept in text


def test_log_on_hand_record_keeps_everything_else_byte_for_byte(repo: Path, inc_ok: Any) -> None:
    file = write_hand_record(repo)
    inc_ok(repo, "log", "4HQ2", "no", "--at", "2026-11-23T10:06:00Z")
    text = file.read_text()
    assert text.replace('- at: "2026-11-23T10:06:00Z"\n  kind: note\n  author: Dana Whitfield\n  text: "no"\n', "") == (
        HAND_WRITTEN
    )


@pytest.mark.parametrize("value", ["no", "on", "Yes", "2026-11-03", "1e3", "0777", "0o17", "1_000", "12:30",
                                   "null", "~", "true", "3.5", "42", "- item", "a: b", "x # y", " padded",
                                   "#hash", "'quoted'", '"dq"', "@at", "`tick`", "*star", "&amp", "!bang", "%pct",
                                   "{a}", "[b]", "multi\nline\n", "tab\there", "", "  indented\nline", "line\n\n\nend\n\n",
                                   "\nleading", "x\r\ny", "a\x85b\nc", "a\u2028b\nc", "bell\x07\nx", "é “q”\n—"])  # fmt: skip
def test_written_values_read_back_unchanged_by_the_strict_reader(value: str) -> None:
    editable = yamledit.Editable("r.yaml", "# c\nkey: 1\n")
    editable.data["text"] = yamledit.text_value(value)
    editable.data["at"] = yamledit.time_value("2026-11-03T10:00:00Z")
    document = yamlio.parse("r.yaml", editable.text())
    assert document.problems == []
    assert document.data == {"key": 1, "text": value, "at": "2026-11-03T10:00:00Z"}
    assert editable.text().startswith("# c\nkey: 1\n")


def test_timestamps_and_dates_are_always_quoted() -> None:
    editable = yamledit.Editable("r.yaml", "key: 1\n")
    editable.data["at"] = yamledit.time_value("2026-11-03T10:00:00Z")
    editable.data["due"] = yamledit.time_value("2026-11-03")
    assert editable.text() == 'key: 1\nat: "2026-11-03T10:00:00Z"\ndue: "2026-11-03"\n'


def test_every_shipped_record_round_trips_byte_for_byte() -> None:
    for file in sorted((PROJECT / "incidents").rglob("*.yaml")):
        text = file.read_text()
        assert yamledit.Editable(str(file), text).text() == text, file


def test_crlf_records_keep_their_line_endings(repo: Path, inc_ok: Any) -> None:
    file = record_path(repo, "INC-20261123-4HQ2")
    file.parent.mkdir(parents=True)
    file.write_bytes(HAND_WRITTEN.replace("\n", "\r\n").encode())
    inc_ok(repo, "log", "4HQ2", "Still failing", "--at", "2026-11-23T10:06:00Z")
    raw = file.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")
    assert raw.startswith(HAND_WRITTEN.split("\n")[0].encode() + b"\r\n")


def test_shipped_record_advances_with_a_minimal_diff(repo: Path, inc_ok: Any) -> None:
    source = PROJECT / "incidents" / "2026" / "INC-20261120-3WKS.yaml"
    target = repo / "incidents" / "2026" / source.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    git(repo, "add", "incidents")
    git(repo, "commit", "-q", "-m", "add")
    inc_ok(repo, "recover", "3WKS", "--summary", "Vendor fixed SNI.", "--verification", "24h of clean logs.",
           "--at", "2026-11-22T09:00:00Z")  # fmt: skip
    diff = git(repo, "diff", "-U0", "HEAD~1", "HEAD")
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert removed == ["-status: resolved"]
    assert added[:5] == [
        "+status: recovered",
        '+recovered_at: "2026-11-22T09:00:00Z"',
        "+recovery:",
        "+  summary: Vendor fixed SNI.",
        "+  verification: 24h of clean logs.",
    ]
    assert len(added) == 10


@pytest.mark.parametrize(
    "style",
    [
        "resolution:\n  summary: x\n  steps:\n    - a\ntimeline:\n  - at: '1'\n    kind: note\n",
        "resolution:\n  summary: x\n  steps:\n  - a\ntimeline:\n- at: '1'\n  kind: note\n",
        "resolution:\n    summary: x\n    steps:\n    -   a\ntimeline:\n-   at: '1'\n    kind: note\n",
        "resolution:\n    summary: x\n    steps:\n        - a\ntimeline:\n    - at: '1'\n      kind: note\n",
    ],
)
def test_the_files_own_indentation_is_kept(style: str) -> None:
    text = "# c\ntitle: Zahlungsfehler für Kunden — “EU”\n" + style
    editable = yamledit.Editable("r.yaml", text)
    assert editable.text() == text
    editable.data["timeline"].append(yamledit.mapping([("at", yamledit.time_value("2"))]))
    new = editable.text()
    assert new.startswith(text)
    assert yamlio.parse("r.yaml", new).data["timeline"] == [{"at": "1", "kind": "note"}, {"at": "2"}]
