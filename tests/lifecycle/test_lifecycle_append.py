"""Appending a timeline entry writes only the entry: the same bytes the round-trip writer
would write, the rest of the file untouched, and the long way when that cannot hold."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lifecycle_helpers import commits, git, new_incident, record_path
from project_paths import PROJECT

from incident_ledger import yamledit, yamlio
from incident_ledger.ledger import Ledger

RECORDS = sorted((PROJECT / "incidents").rglob("*.yaml")) + sorted((PROJECT / "tests/examples/valid").glob("*.yaml"))
AT = datetime(2026, 11, 23, 11, tzinfo=timezone.utc)


def _both_ways(text: str) -> tuple[str | None, str]:
    """(appended, round-tripped) after adding the same entry to `text`."""
    entry = Ledger(PROJECT, AT).entry(AT, "note", "Dana: on call", "Line one\nline two: yes\n")
    fast = yamledit.appended(text, yamlio.parse("r.yaml", text), "timeline", entry)
    editable = yamledit.Editable("r.yaml", text)
    editable.data["timeline"].append(yamledit.editable(entry))
    return fast, editable.text()


@pytest.mark.parametrize("file", RECORDS, ids=lambda f: f.name)
def test_appending_writes_what_the_round_trip_writes(file: Path) -> None:
    fast, slow = _both_ways(file.read_text(encoding="utf-8"))
    assert fast == slow


# Values the entry writer writes itself and values it leaves to ruamel (quotes, escapes,
# blocks, words YAML reads as something else, non-ASCII, a long line).
VALUES = [
    "Still looking.",
    "Rolled back 4f2a9c1 (the deploy of 10:02); error rate 0.3% and falling, ok?",
    "x",
    "Error rate < 5% [p99] {eu-west} & 'quoted' words, a\\backslash, a |pipe| and a ~tilde",
    "Ends with a dot.",
    'She said "hold"',
    "50% of requests",
    "no",
    "true",
    "Null",
    "tRUE",
    "2026-11-23",
    "1e3",
    "0o17",
    "- a dash first",
    "key: value",
    "a # not a comment",
    "trailing space ",
    " leading space",
    "Caf\u00e9 is down",
    "tab\tinside",
    "Line one\nline two\n",
    "Line one\nline two",
    "Ünïcode first",
    "@mention first",
    "word" * 20000,
]
DASHES = ["  - ", "- ", "    - ", "  -   "]


@pytest.mark.parametrize("dash", DASHES, ids=["indented", "indentless", "deep", "wide"])
@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_the_entry_writer_writes_what_ruamel_writes_or_leaves_it_to_ruamel(dash: str, value: str) -> None:
    text = f'timeline:\n{dash}at: "2026-11-23T10:00:00Z"\n{" " * len(dash)}kind: note\n'
    as_text = Ledger(PROJECT, AT).entry(AT, "note", value, value, "resolved")
    quoted = {**Ledger(PROJECT, AT).entry(AT, "update", "Dana", "Next soon."), "next_update_at": yamledit.Quoted(value)}
    for entry in (as_text, quoted):
        written = yamledit.item_lines(dash, entry)
        if written is not None:
            assert written == yamledit._dumped_item(text, "timeline", dash, entry)
        fast = yamledit.appended(text, yamlio.parse("r.yaml", text), "timeline", entry)
        assert fast == _both_ways_entry(text, entry)


def _both_ways_entry(text: str, entry: yamledit.Entry) -> str:
    editable = yamledit.Editable("r.yaml", text)
    editable.data["timeline"].append(yamledit.editable(entry))
    return editable.text()


def test_an_entry_of_plain_text_is_written_without_ruamel() -> None:
    entry = Ledger(PROJECT, AT).entry(AT, "note", "Dana Whitfield", "Rolled back the deploy.")
    assert yamledit.item_lines("  - ", entry) == (
        '  - at: "2026-11-23T11:00:00Z"\n    kind: note\n    author: Dana Whitfield\n    text: Rolled back the deploy.\n'
    )


TIMELINE = '  - at: "2026-11-23T10:00:00Z"\n    kind: note\n    author: Dana\n    text: First.\n'


@pytest.mark.parametrize(
    "text",
    [
        # The last item's own indentation, whatever the rest of the file uses.
        "services:\n- api\ntimeline:\n" + TIMELINE,
        "timeline:\n" + TIMELINE.replace("\n  ", "\n").removeprefix("  "),
        # No newline at the end, a comment after the last entry, a comment on the key.
        "timeline:\n" + TIMELINE.rstrip("\n"),
        "timeline:\n" + TIMELINE + "# the end\n",
        "timeline: # what happened\n" + TIMELINE,
        # A last entry whose text keeps its trailing blank lines.
        "timeline:\n" + TIMELINE.replace("text: First.\n", "text: |+\n      First.\n\n\n"),
    ],
    ids=["indented-like-the-last-item", "indentless", "no-final-newline", "trailing-comment", "key-comment", "keep"],
)
def test_appending_to_odd_layouts_reads_back_as_the_round_trip(text: str) -> None:
    fast, slow = _both_ways(text)
    assert fast is not None
    assert fast.startswith(text.rstrip("\n"))
    assert yamlio.parse("a", fast).data == yamlio.parse("b", slow).data


@pytest.mark.parametrize(
    "text",
    [
        "timeline:\n" + TIMELINE + "links:\n  - title: x\n    url: https://example.com\n",  # not the last part
        "timeline: [{at: '2026-11-23T10:00:00Z', kind: note, author: Dana, text: First.}]\n",  # a flow list
        '"timeline":\n' + TIMELINE,  # a quoted key
    ],
    ids=["not-last", "flow", "quoted-key"],
)
def test_layouts_it_cannot_append_to_go_the_long_way(text: str) -> None:
    assert _both_ways(text)[0] is None


def test_log_keeps_a_crlf_record_crlf_and_every_byte_before_the_entry(repo: Path, inc_ok) -> None:  # type: ignore[no-untyped-def]
    incident_id = new_incident(inc_ok, repo)
    file = record_path(repo, incident_id)
    before = file.read_bytes().replace(b"\n", b"\r\n").replace(b"summary:", b"# Written on Windows.\r\nsummary:")
    file.write_bytes(before)
    git(repo, "commit", "-qam", "CRLF")
    inc_ok(repo, "log", incident_id, "Still looking.", "--at", "2026-11-23T11:00:00Z")
    after = file.read_bytes()
    assert after.startswith(before)
    assert after[len(before) :] == (
        b'  - at: "2026-11-23T11:00:00Z"\r\n    kind: note\r\n    author: Dana Whitfield\r\n    text: Still looking.\r\n'
    )


def test_log_on_a_record_with_links_after_the_timeline_goes_the_long_way(repo: Path, inc_ok) -> None:  # type: ignore[no-untyped-def]
    incident_id = new_incident(inc_ok, repo)
    file = record_path(repo, incident_id)
    file.write_text(file.read_text(encoding="utf-8") + "links:\n  - title: Ticket\n    url: https://example.com/1\n")
    git(repo, "commit", "-qam", "Links last")
    count = commits(repo)
    inc_ok(repo, "log", incident_id, "Still looking.", "--at", "2026-11-23T11:00:00Z")
    data = yamlio.read(file).data
    assert [e["text"] for e in data["timeline"]][-1] == "Still looking."
    assert list(data)[-1] == "links"
    assert commits(repo) == count + 1
    inc_ok(repo, "validate")


def test_log_and_update_of_plain_text_load_no_round_trip_writer(repo: Path, inc_ok) -> None:  # type: ignore[no-untyped-def]
    incident_id = new_incident(inc_ok, repo)
    count = commits(repo)
    probe = (
        "import sys\nfrom incident_ledger.cli import main\n"
        f"codes = [main(['log', '{incident_id}', 'Still looking.', '--at', '2026-11-23T11:00:00Z']),\n"
        f"         main(['update', '{incident_id}', 'Rolled back.', '--at', '2026-11-23T11:05:00Z', '--next', '30m'])]\n"
        "print(codes, sorted({m.split('.')[0] for m in sys.modules} & {'ruamel'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True)
    assert done.stdout == "[0, 0] []\n", done.stderr
    assert commits(repo) == count + 2
    timeline = yamlio.read(record_path(repo, incident_id)).data["timeline"]
    assert [(e["kind"], e["text"]) for e in timeline[-2:]] == [("note", "Still looking."), ("update", "Rolled back.")]
    assert timeline[-1]["next_update_at"] == "2026-11-23T11:35:00Z"
