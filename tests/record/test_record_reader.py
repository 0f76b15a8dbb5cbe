"""The strict reader (yamlio), one refusal at a time, with exact line, column and rule."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from incident_ledger import yamlio
from incident_ledger.errors import RecordError


def _problems(text: str) -> list[tuple[str, int, int]]:
    try:
        document = yamlio.parse("r.yaml", text)
    except RecordError as error:
        return [(p.rule, p.line, p.col) for p in error.problems]
    return [(p.rule, p.line, p.col) for p in document.problems]


# (source, [(rule, line, col), ...]): what the reader reports for each kind of bad input.
CASES = {
    "syntax error": ("a: 1\nb: [2\n", [("yaml-syntax", 3, 1)]),
    "bad indentation": ("a:\n  b: 1\n c: 2\n", [("yaml-syntax", 3, 2)]),
    "tab indentation": ("a:\n\tb: 1\n", [("yaml-syntax", 2, 1)]),
    "duplicate key": ("a: 1\nb: 2\na: 3\n", [("duplicate-key", 3, 1)]),
    "duplicate nested key": ("a:\n  - b: 1\n    b: 2\n", [("duplicate-key", 3, 5)]),
    "anchor and alias": ("a: &x 1\nb: *x\n", [("yaml-alias", 1, 4), ("yaml-alias", 2, 4)]),
    "self-referencing alias": ("a: &x [1, *x]\n", [("yaml-alias", 1, 4), ("yaml-alias", 1, 11)]),
    "undefined alias": ("a: *nowhere\n", [("yaml-alias", 1, 4)]),
    "merge key alias": ("a: &base {x: 1}\nb:\n  <<: *base\n", [("yaml-alias", 1, 4), ("yaml-alias", 3, 7)]),
    "several documents": ("a: 1\n---\nb: 2\n", [("not-a-record", 2, 1)]),
    "empty": ("", [("not-a-record", 1, 1)]),
    "only comments": ("# nothing\n", [("not-a-record", 1, 1)]),
    "explicit empty document": ("---\n...\n", [("not-a-record", 1, 1)]),
    "root is a list": ("- a\n- b\n", [("not-a-record", 1, 1)]),
    "root is text": ("just text\n", [("not-a-record", 1, 1)]),
    "root is null": ("~\n", [("not-a-record", 1, 1)]),
    "!!binary": ("a: !!binary aGVsbG8=\n", [("yaml-tag", 1, 4)]),
    "!!set": ("a: !!set {x, y}\n", [("yaml-tag", 1, 4)]),
    "!!python": ("a: !!python/object/apply:os.system [ls]\n", [("yaml-tag", 1, 4)]),
    "!!str": ("a: !!str 12\n", [("yaml-tag", 1, 4)]),
    "local tag": ("a: !secret x\n", [("yaml-tag", 1, 4)]),
    "tag on a key": ("!!str a: 1\n", [("yaml-tag", 1, 1)]),
    "integer key": ("1: a\n", [("yaml-value", 1, 1)]),
    "boolean key": ("true: a\n", [("yaml-value", 1, 1)]),
    "null key": ("~: a\n", [("yaml-value", 1, 1)]),
    "list key": ("? [a]\n: 1\n", [("yaml-value", 1, 3)]),
    "huge integer key": ("1" * 30 + ": a\n", [("yaml-value", 1, 1)]),
    "key longer than YAML allows": ("1" * 5000 + ": a\n", [("yaml-syntax", 1, 5001)]),
    "alias and control character": ("a: *x\x07\n", [("yaml-syntax", 1, 6)]),
    "NaN": ("a: .nan\n", [("yaml-value", 1, 4)]),
    "infinity": ("a: -.inf\n", [("yaml-value", 1, 4)]),
    "float overflow": ("a: 1.0e+999\n", [("yaml-value", 1, 4)]),
    "5,000-digit integer": ("a: " + "9" * 5000 + "\n", [("yaml-value", 1, 4)]),
    "absurd integer": ("a: 12345678901234567890\n", [("yaml-value", 1, 4)]),
    "no": ("a: no\n", [("yaml-ambiguous", 1, 4)]),
    "yes": ("a: yes\n", [("yaml-ambiguous", 1, 4)]),
    "On": ("a: On\n", [("yaml-ambiguous", 1, 4)]),
    "off as a key": ("off: 1\n", [("yaml-ambiguous", 1, 1)]),
    "octal 0777": ("a: 0777\n", [("yaml-ambiguous", 1, 4)]),
    "octal 0o17": ("a: 0o17\n", [("yaml-ambiguous", 1, 4)]),
    "1e3": ("a: 1e3\n", [("yaml-ambiguous", 1, 4)]),
    "1.5e3": ("a: 1.5e3\n", [("yaml-ambiguous", 1, 4)]),
    "sexagesimal": ("a: 1:30\n", [("yaml-ambiguous", 1, 4)]),
    "underscore number": ("a: 1_000\n", [("yaml-ambiguous", 1, 4)]),
    "unquoted date": ("due: 2026-11-03\n", [("yaml-ambiguous", 1, 6)]),
    "unquoted timestamp": ("at: 2026-11-03T10:00:00Z\n", [("yaml-ambiguous", 1, 5)]),
    "unquoted time with a space": ("at: 2026-11-03 10:00\n", [("yaml-ambiguous", 1, 5)]),
    "control character": ("a: b\nc: d\x07e\n", [("yaml-syntax", 2, 5)]),
    "escape character": ("a: \x1b[31mred\n", [("yaml-syntax", 1, 4)]),
}


@pytest.mark.parametrize(("source", "expected"), CASES.values(), ids=CASES.keys())
def test_reader_reports(source: str, expected: list[tuple[str, int, int]]) -> None:
    assert _problems(source) == expected


# Values both YAML 1.1 and 1.2 read alike, and quoted text, pass without a word.
CLEAN = {
    "quoted no": ('a: "no"\n', "no"),
    "quoted date": ('a: "2026-11-03"\n', "2026-11-03"),
    "quoted timestamp": ("a: '2026-11-03T10:00:00Z'\n", "2026-11-03T10:00:00Z"),
    "true": ("a: true\n", True),
    "false": ("a: false\n", False),
    "null": ("a: null\n", None),
    "tilde": ("a: ~\n", None),
    "nothing": ("a:\n", None),
    "integer": ("a: 42\n", 42),
    "negative": ("a: -7\n", -7),
    "zero": ("a: 0\n", 0),
    "float": ("a: 2.5\n", 2.5),
    "signed exponent": ("a: 1.5e+3\n", 1500.0),
    "hex": ("a: 0x1F\n", 31),
    "text with a colon": ("a: 'x: y'\n", "x: y"),
    "text with * inside": ("a: see *this*\n", "see *this*"),
    "text with & inside": ("a: R&D team\n", "R&D team"),
    "unicode": ("a: Lucía Romero 🚨\n", "Lucía Romero 🚨"),
    "block text": ("a: |\n  line 1\n  line 2\n", "line 1\nline 2\n"),
}


@pytest.mark.parametrize(("source", "value"), CLEAN.values(), ids=CLEAN.keys())
def test_reader_accepts(source: str, value: object) -> None:
    document = yamlio.parse("r.yaml", source)
    assert document.problems == []
    assert document.data == {"a": value}
    assert type(document.data["a"]) is type(value)


def test_duplicate_key_names_both_lines() -> None:
    document = yamlio.parse("r.yaml", "title: first\nsummary: x\ntitle: second\n")
    (problem,) = document.problems
    assert problem.message == (
        "key 'title' appears twice (lines 1 and 3); YAML readers silently keep only one of them: merge the two into one"
    )
    assert document.data == {"title": "first", "summary": "x"}


def test_ambiguous_value_hint_says_to_quote() -> None:
    (problem,) = yamlio.parse("r.yaml", "exercise: no\n").problems
    assert (
        problem.message
        == "'no' is a boolean in YAML 1.1 and text in YAML 1.2; quote it (\"no\") so every reader agrees"
    )


def test_syntax_error_message() -> None:
    with pytest.raises(RecordError) as caught:
        yamlio.parse("r.yaml", "title: x\nsummary: Note: y\n")
    assert str(caught.value) == (
        "r.yaml:2:14: yaml-syntax: YAML syntax error: mapping values are not allowed in this context; "
        "check the indentation, and quote text that contains ': '"
    )


def test_timestamps_and_dates_stay_text() -> None:
    document = yamlio.parse("r.yaml", 'at: "2026-11-03T10:15:00Z"\ndue: "2026-11-20"\n')
    assert document.data == {"at": "2026-11-03T10:15:00Z", "due": "2026-11-20"}


def test_every_key_and_list_item_has_a_location() -> None:
    text = "a: 1\nb:\n  - x: 1\n    y: [2, 3]\n  - z\n"
    document = yamlio.parse("r.yaml", text)
    assert document.locations == {
        ("a",): (1, 1),
        ("b",): (2, 1),
        ("b", 0): (3, 5),
        ("b", 0, "x"): (3, 5),
        ("b", 0, "y"): (4, 5),
        ("b", 0, "y", 0): (4, 9),
        ("b", 0, "y", 1): (4, 12),
        ("b", 1): (5, 5),
    }
    assert document.locate(("b", 0, "y", 7)) == (4, 5)
    assert document.locate(("nowhere",)) == (1, 1)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    assert _problems("a: " + "[" * 500 + "]" * 500 + "\n") == [("not-a-record", 1, 67)]
    assert _problems("- " * 500 + "x\n") == [("not-a-record", 1, 129)]
    assert _problems("".join(" " * i + "k:\n" for i in range(200))) == [("not-a-record", 65, 65)]


def test_nesting_past_libyamls_own_limit_is_not_a_record() -> None:
    """libyaml 0.2.5 and newer stop scanning at 1,000 levels with a scanner error, before our
    count of levels runs: still the same refusal, whatever libyaml the machine has."""
    assert [rule for rule, _, _ in _problems("a: " + "[" * 1001 + "\n")] == ["not-a-record"]
    assert [rule for rule, _, _ in _problems("a: " + "{b: " * 1001 + "\n")] == ["not-a-record"]


def test_nesting_that_would_crash_libyaml_is_refused() -> None:
    """libyaml's composer recurses per level: 100,000 `[` (200 KB) is a segmentation fault
    of the whole process, not an exception. Run in a child so a regression cannot take
    the test run down with it."""
    script = (
        "from incident_ledger import yamlio\n"
        "from incident_ledger.errors import RecordError\n"
        "for text in ['a: ' + '[' * 100000, '- ' * 100000 + 'x', '{a: ' * 100000 + '1' + '}' * 100000]:\n"
        "    try:\n"
        "        yamlio.parse('r.yaml', text)\n"
        "    except RecordError as error:\n"
        "        print(error.problems[0].rule)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "not-a-record\n" * 3), done.stderr


def test_first_line_and_byte_order_mark() -> None:
    raw = "\ufeff# yaml-language-server: $schema=x\na: 1\n".encode()
    document = yamlio.parse("r.yaml", yamlio.decode("r.yaml", raw))
    assert document.first_line == "# yaml-language-server: $schema=x"


def _read(file: Path) -> list[tuple[str, int, int, str]]:
    with pytest.raises(RecordError) as caught:
        yamlio.read(file, "r.yaml")
    return [(p.rule, p.line, p.col, p.message) for p in caught.value.problems]


def test_invalid_utf8(tmp_path: Path) -> None:
    file = tmp_path / "r.yaml"
    file.write_bytes(b"title: ok\nreported_by: J\xfcrgen\n")
    assert _read(file) == [("not-a-record", 2, 15, "file is not valid UTF-8 (byte 0xfc); save it as UTF-8")]


def test_nul_character(tmp_path: Path) -> None:
    file = tmp_path / "r.yaml"
    file.write_bytes(b"title: ok\nsummary: a\x00b\n")
    assert _read(file) == [("not-a-record", 2, 11, "file contains a NUL character; a record is text")]


@pytest.mark.parametrize("escape", ["\\0", "\\x00", "\\u0000", "\\U00000000"])
def test_nul_character_written_as_an_escape(escape: str) -> None:
    document = yamlio.parse("r.yaml", f'title: ok\ntimeline:\n  - text: "a{escape}b"\n')
    assert [(p.rule, p.line, p.col, p.message) for p in document.problems] == [
        ("yaml-value", 3, 5, "text contains a NUL character (\\0); remove it")
    ]


@pytest.mark.parametrize(("spelling", "value"), [("True", True), ("TRUE", True), ("False", False), ("FALSE", False)])
def test_booleans_are_only_true_and_false(spelling: str, value: bool) -> None:
    document = yamlio.parse("r.yaml", f"title: ok\nexercise: {spelling}\n")
    assert document.data["exercise"] is value
    assert [(p.rule, p.line, p.col, p.message) for p in document.problems] == [
        ("yaml-value", 2, 11, f"write the boolean {spelling!r} as {spelling.lower()}")
    ]


def test_file_over_one_mib(tmp_path: Path) -> None:
    file = tmp_path / "r.yaml"
    file.write_text("summary: |\n" + ("  " + "x" * 98 + "\n") * 10_486)
    assert file.stat().st_size > yamlio.MAX_BYTES
    assert _read(file) == [
        ("not-a-record", 1, 1, f"file is {file.stat().st_size:,} bytes; a record may have at most 1,048,576 (1 MiB)")
    ]
    with pytest.raises(RecordError):
        yamlio.decode("r.yaml", file.read_bytes())


def test_symlink(tmp_path: Path) -> None:
    target = tmp_path / "target.yaml"
    target.write_text("a: 1\n")
    link = tmp_path / "r.yaml"
    link.symlink_to(target)
    assert _read(link) == [("not-a-record", 1, 1, "record is a symbolic link; replace it with the file itself")]


def test_unreadable_path(tmp_path: Path) -> None:
    assert _read(tmp_path)[0][:3] == ("not-a-record", 1, 1)


def test_pure_python_fallback_gives_the_same_answers() -> None:
    """Without libyaml's C parser the reader still works and reports the same problems."""
    script = (
        "import yaml\n"
        "del yaml.CSafeLoader\n"
        "from incident_ledger import yamlio\n"
        "from incident_ledger.errors import RecordError\n"
        "assert not yamlio.LIBYAML\n"
        "import json, sys\n"
        "out = []\n"
        "for text in json.load(sys.stdin):\n"
        "    try:\n"
        "        d = yamlio.parse('r.yaml', text)\n"
        "        out.append([[p.rule, p.line, p.col] for p in d.problems])\n"
        "    except RecordError as e:\n"
        "        out.append([[p.rule, p.line, p.col] for p in e.problems])\n"
        "print(json.dumps(out))\n"
    )
    import json

    sources = [source for source, _ in CASES.values()]
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    pure = [[tuple(p) for p in problems] for problems in json.loads(done.stdout)]
    expected = [expected for _, expected in CASES.values()]
    differ = [(name, got, want) for name, got, want in zip(CASES, pure, expected, strict=True) if got != want]
    assert differ == []


def test_windows_line_endings_read_the_same() -> None:
    from record_examples import VALID

    text = VALID[0].read_text(encoding="utf-8")
    unix = yamlio.parse("r.yaml", text)
    windows = yamlio.parse("r.yaml", text.replace("\n", "\r\n"))
    assert (windows.data, windows.locations, windows.problems) == (unix.data, unix.locations, [])
    assert windows.first_line == unix.first_line


def test_unclosed_quote_names_the_line_it_opened_on() -> None:
    text = 'title: "Checkout down\nstatus: identified\nsummary: "x"\nreported_by: Dana\n'
    with pytest.raises(RecordError) as caught:
        yamlio.parse("r.yaml", text)
    assert str(caught.value) == (
        "r.yaml:3:11: yaml-syntax: YAML syntax error: while parsing a block mapping: did not find expected key; "
        "the double quote opened on line 1 may not be closed"
    )
