"""Untrusted text on the command line and in records: refused where the schema says so,
shown escaped everywhere else (terminal, commit subject, messages), never at full length."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lifecycle_helpers import git, new_incident, record_path, snapshot

from incident_ledger.ledger import commit_message
from incident_ledger.safetext import escape_unsafe, one_line, shown

RLO = "\u202e"
ESC = "\x1b"
PDF = "\u202c"
BEL = "\a"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain words, é ü 中文 עברית", "plain words, é ü 中文 עברית"),
        (f"{ESC}[2Jcleared", "\\x1b[2Jcleared"),
        (f"abc{RLO}fed", "abc\\u202efed"),
        ("a\u2066b\u2069c\u200fd\u061ce", "a\\u2066b\\u2069c\\u200fd\\u061ce"),
        ("bell\x07 del\x7f c1\x9b", "bell\\x07 del\\x7f c1\\x9b"),
        ("two\nlines\tand a tab", "two\nlines\tand a tab"),
    ],
)
def test_escape_unsafe_shows_controls_and_bidi_characters(text: str, escaped: str) -> None:
    assert escape_unsafe(text) == escaped


def test_one_line_escapes_line_breaks_and_cuts_with_a_marker() -> None:
    assert one_line("a\nb\tc\r") == "a\\nb\\tc\\r"
    assert one_line("x" * 250) == "x" * 200 + "…[50 more characters]"
    assert shown("y" * 100_000) == "'" + "y" * 60 + "…[99,940 more characters]'"
    assert shown(f"{ESC}]8;;https://evil{ESC}\\") == "'\\x1b]8;;https://evil\\x1b\\'"


def test_commit_subject_is_one_escaped_line() -> None:
    message = commit_message("INC-20261123-AB12", "log", f"Checkout {ESC}[31mred{RLO} down\nsecond", "identified")
    subject = message.split("\n", 1)[0]
    assert subject == "INC-20261123-AB12: log: Checkout \\x1b[31mred\\u202e down second"


@pytest.mark.parametrize(
    ("service", "accepted"),
    [("checkout-api", True), ("db2", True), ("Checkout", False), ("a--b", False), ("-api", False), ("api_v2", False)],
)
def test_service_names_are_identifiers(repo: Path, run_cli, service: str, accepted: bool) -> None:  # type: ignore[no-untyped-def]
    args = ["new", "T", "--summary", "s", "--detected-by", "staff", "--service", service]
    result = run_cli(repo, *args)
    assert result.exit_code == (0 if accepted else 1), result


def test_hostile_service_name_is_refused_with_what_a_name_may_be(repo: Path, inc_fails) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(repo)
    hostile = "</script><script>alert(1)</script>"
    args = ["new", "X", "--summary", "s", "--detected-by", "staff", "--visibility", "public", "--service", hostile]
    result = inc_fails(repo, *args)
    assert (
        "schema: services.0: '</script><script>alert(1)</script>' does not have the expected form: a service's "
        "identifier: lowercase letters and digits, words joined by single dashes (like checkout-api)"
    ) in result.stderr
    assert snapshot(repo) == before


@pytest.mark.parametrize("title", [f"Checkout {ESC}[2J down", f"Checkout {RLO}nwod", "Checkout\tdown"])
def test_control_and_bidi_characters_are_refused_in_a_title(repo: Path, inc_fails, title: str) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(repo)
    result = inc_fails(repo, "new", title, "--summary", "s", "--detected-by", "staff")
    assert "schema: title: 'Checkout" in result.stderr
    assert (
        "does not have the expected form: one line of text: no line breaks, tabs, control characters" in result.stderr
    )
    assert ESC not in result.stderr and RLO not in result.stderr and "\t" not in result.stderr
    assert snapshot(repo) == before


def test_a_huge_title_gives_a_short_error(repo: Path, inc_fails) -> None:  # type: ignore[no-untyped-def]
    result = inc_fails(repo, "new", "T" * 100_000, "--summary", "s", "--detected-by", "staff")
    assert "title: 'TTT" in result.stderr
    assert "has 100,000 characters; at most 200 are allowed" in result.stderr
    assert len(result.stderr) < 1_000


def test_a_huge_id_argument_gives_a_short_error(repo: Path, inc_fails) -> None:  # type: ignore[no-untyped-def]
    result = inc_fails(repo, "log", "Z" * 100_000 + "!", "text", code=2)
    assert len(result.stderr) < 500


def _loosen(repo: Path) -> None:
    """A team's own schema may allow any title: the terminal and git must still be safe."""
    file = repo / "schemas" / "incident.schema.json"
    document = json.loads(file.read_text(encoding="utf-8"))
    document["$defs"]["line"].pop("pattern")
    file.write_text(json.dumps(document, indent=2), encoding="utf-8")
    git(repo, "commit", "-qam", "Looser schema")


def test_list_show_and_git_log_never_print_raw_controls(repo: Path, inc_ok) -> None:  # type: ignore[no-untyped-def]
    _loosen(repo)
    title = f"Pay {ESC}[2J{ESC}]8;;https://evil.example{ESC}\\ now {RLO}dellac{PDF} ok"
    incident_id = inc_ok(
        repo, "new", title, "--summary", "s", "--detected-by", "staff", "--author", f"Mallory{RLO}"
    ).stdout.strip()
    inc_ok(repo, "log", incident_id, f"entry {ESC}[31mred", "--author", "Eve")
    listed = inc_ok(repo, "list").stdout
    shown_record = inc_ok(repo, "show", incident_id).stdout
    subjects = git(repo, "log", "--format=%s")
    for output in (listed, shown_record, subjects):
        assert ESC not in output and RLO not in output, output
    assert "Pay \\x1b[2J\\x1b]8;;https://evil.example\\x1b\\ now \\u202edellac\\u202c ok" in listed
    assert f"{incident_id}  Pay \\x1b[2J" in shown_record
    assert "(Mallory\\u202e)" in shown_record
    assert "      entry \\x1b[31mred" in shown_record
    assert subjects.splitlines()[1] == (
        f"{incident_id}: identified: Pay \\x1b[2J\\x1b]8;;https://evil.example\\x1b\\ now \\u202edellac\\u202c ok"
    )
    # The record itself keeps the text exactly as given.
    assert "\\e[2J" in record_path(repo, incident_id).read_text(encoding="utf-8")


def test_validate_prints_a_hostile_file_name_escaped(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (repo / "incidents" / "2026").mkdir()
    (repo / "incidents" / "2026" / f"{ESC}[2J{RLO}.yaml").write_text("a: [\n", encoding="utf-8")
    result = run_cli(repo, "validate")
    assert result.exit_code == 1, result
    assert "incidents/2026/\\x1b[2J\\u202e.yaml:" in result.stdout
    assert ESC not in result.stdout + result.stderr and RLO not in result.stdout + result.stderr


def test_new_incident_keeps_working_with_unicode_text(repo: Path, inc_ok) -> None:  # type: ignore[no-untyped-def]
    incident_id = new_incident(inc_ok, repo, "--service", "checkout-api")
    assert "services:\n  - checkout-api" in record_path(repo, incident_id).read_text(encoding="utf-8")


def test_a_hostile_folder_name_after_dash_c_is_shown_escaped(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / f"gone{ESC}]0;owned{BEL}{RLO}"
    result = run_cli(folder, "list")
    assert result.exit_code == 2, result
    assert ESC not in result.stderr and BEL not in result.stderr and RLO not in result.stderr, result
    assert f"'{tmp_path}/gone\\x1b]0;owned\\x07\\u202e' is not a directory" in result.stderr
