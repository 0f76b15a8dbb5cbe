"""The record cache: what changed is checked again, what did not is not, and a cache that
cannot be trusted is not used."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from record_examples import NOW, VALID, install

from incident_ledger import recordcache, recordcheck
from incident_ledger.records import display_path
from incident_ledger.validate import validate

ONE = VALID[0]  # identified
OTHERS = VALID[1:4]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The display paths of the records validation actually checks (cache misses)."""
    paths: list[str] = []
    original = recordcheck.check_file

    def counting(file: str, *args: Any, **kwargs: Any) -> Any:
        result = original(file, *args, **kwargs)
        paths.append(display_path(file, args[0].root))
        return result

    monkeypatch.setattr(recordcheck, "check_file", counting)
    return paths


@pytest.fixture
def ledger(repo: Path) -> list[str]:
    """Four valid records, committed: the index knows their blob ids."""
    installed = [install(repo, file).relative_to(repo).as_posix() for file in [ONE, *OTHERS]]
    git(repo, "add", "incidents")
    git(repo, "commit", "-q", "-m", "Records")
    return sorted(installed)


def _problems(repo: Path, now: Any = NOW) -> list[str]:
    return [f"{p.path}:{p.line}: {p.rule}" for p in validate(repo, now, jobs=1)]


def _break(record: Path) -> None:
    """Make a valid record invalid: a visibility the schema does not know."""
    text = record.read_text()
    assert "\nvisibility: " in text
    record.write_text(text.replace("\nvisibility: ", "\nvisibility: nobody-", 1))


def test_a_second_run_checks_nothing(repo: Path, ledger: list[str], checked: list[str]) -> None:
    assert _problems(repo) == []
    assert sorted(checked) == ledger
    checked.clear()
    assert _problems(repo) == []
    assert checked == []


def test_an_edit_checks_that_record_again(repo: Path, ledger: list[str], checked: list[str]) -> None:
    _problems(repo)
    checked.clear()
    _break(repo / ledger[0])
    problems = _problems(repo)
    assert checked == [ledger[0]]
    assert problems == [f"{ledger[0]}:6: schema"]
    # The edit committed: the index now has the new blob, the result is still known.
    git(repo, "commit", "-q", "-am", "Edit")
    checked.clear()
    assert _problems(repo) == problems
    assert checked == []


@pytest.mark.parametrize(
    ("file", "edit"),
    [
        ("incident.schema.json", lambda text: text.replace('"title": {', '"title": {"maxLength": 500, ', 1)),
        ("policy.yaml", lambda text: text + "\n# a comment changes the policy file\n"),
    ],
)
def test_a_schema_or_policy_change_checks_every_record(
    repo: Path, ledger: list[str], checked: list[str], file: str, edit: Callable[[str], str]
) -> None:
    _problems(repo)
    checked.clear()
    target = repo / "schemas" / file
    changed = edit(target.read_text())
    assert changed != target.read_text()
    target.write_text(changed)
    _problems(repo)
    assert sorted(checked) == ledger


def test_a_tool_version_change_checks_every_record(
    repo: Path, ledger: list[str], checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _problems(repo)
    checked.clear()
    version = recordcache.tool_version()
    monkeypatch.setattr(recordcache, "tool_version", lambda: version + "\nanother release")
    _problems(repo)
    assert sorted(checked) == ledger


def _cache_file(repo: Path) -> Path:
    (found,) = (repo / ".git" / recordcache.FOLDER).iterdir()
    assert found.name.endswith(".checks")
    return found


def _lines(repo: Path) -> list[bytes]:
    """The cache's lines for records (between the header and the signature)."""
    return _cache_file(repo).read_bytes().split(b"\n")[1:-2]


def test_a_tampered_entry_does_not_hide_an_invalid_record(repo: Path, ledger: list[str], checked: list[str]) -> None:
    _break(repo / ledger[0])
    problems = _problems(repo)
    assert problems == [f"{ledger[0]}:6: schema"]
    # Rewrite the entry as a valid record's, keeping the header: the signature no longer fits.
    cache = _cache_file(repo)
    header, body = cache.read_bytes().split(b"\n", 1)
    entry_start = body.index(ledger[0].encode())
    problems_start = body.index(b"[[", entry_start)
    problems_end = body.index(b"]],", problems_start) + 2
    cache.write_bytes(header + b"\n" + body[:problems_start] + b"[]" + body[problems_end:])
    checked.clear()
    assert _problems(repo) == problems
    assert sorted(checked) == ledger  # the whole cache was ignored


def test_a_foreign_or_corrupt_cache_is_ignored(repo: Path, ledger: list[str], checked: list[str]) -> None:
    _break(repo / ledger[0])
    problems = _problems(repo)
    assert problems == [f"{ledger[0]}:6: schema"]
    cache = _cache_file(repo)
    # Another clone's cache, valid under its own key: this clone's key does not fit it.
    (repo / ".git" / recordcache.KEY_FILE).write_bytes(b"k" * 32)
    checked.clear()
    assert _problems(repo) == problems
    assert sorted(checked) == ledger
    for damage in (b"", b"\x00\xff garbage", cache.read_bytes()[:-40]):
        cache.write_bytes(damage)
        checked.clear()
        assert _problems(repo) == problems
        assert sorted(checked) == ledger


def test_findings_that_depend_on_the_clock_follow_it(repo: Path, ledger: list[str], checked: list[str]) -> None:
    early = NOW.replace(day=3, hour=9)  # before every time in the records
    flagged = {p.split(":")[0] for p in _problems(repo, early) if p.endswith("future-time")}
    assert sorted(flagged) == ledger
    checked.clear()
    assert _problems(repo, NOW) == []
    assert sorted(checked) == ledger  # their findings held only until their first time
    checked.clear()
    assert {p.split(":")[0] for p in _problems(repo, early) if p.endswith("future-time")} == flagged
    assert sorted(checked) == ledger
    _problems(repo, NOW)
    checked.clear()
    assert _problems(repo, NOW.replace(year=2030)) == []  # later still: nothing can change any more
    assert checked == []


def test_rules_across_records_see_cached_records(repo: Path, ledger: list[str], checked: list[str]) -> None:
    _problems(repo)
    copy = repo / "incidents" / "2026" / "copy.yaml"
    copy.write_text((repo / ledger[0]).read_text())
    checked.clear()
    problems = _problems(repo)
    assert checked == ["incidents/2026/copy.yaml"]
    assert "incidents/2026/copy.yaml:3: duplicate-id" in problems


def test_a_cached_record_points_at_its_duplicate_of_where_it_is_written(
    repo: Path, ledger: list[str], checked: list[str]
) -> None:
    record = repo / ledger[0]
    text = record.read_text()
    record.write_text(f"{text}duplicate_of:   INC-20990101-ZZZZ\n")
    line = text.count("\n") + 1

    def places() -> list[tuple[str, int, int]]:
        return [(p.path, p.line, p.col) for p in validate(repo, NOW, jobs=1) if p.rule == "duplicate-of"]

    assert places() == [(ledger[0], line, 1)]
    checked.clear()
    assert places() == [(ledger[0], line, 1)]
    assert checked == []


def test_a_linked_worktree_keeps_its_own_cache(repo: Path, ledger: list[str], tmp_path: Path) -> None:
    _problems(repo)
    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", str(other))
    assert _problems(other) == []
    git_dir = Path(git(other, "rev-parse", "--absolute-git-dir").strip())
    assert git_dir != repo / ".git"
    assert len(list((git_dir / recordcache.FOLDER).iterdir())) == 1


def test_validate_and_list_share_one_cache(repo: Path, ledger: list[str], run_cli: Any) -> None:
    assert run_cli(repo, "validate").exit_code == 0
    assert run_cli(repo, "list").exit_code == 0
    # One file per section, named for the same ledger, under one key.
    files = sorted(f.name for f in (repo / ".git" / recordcache.FOLDER).iterdir())
    assert [f.rsplit(".", 1)[1] for f in files] == ["checks", "facts"]
    assert files[0].rsplit(".", 1)[0] == files[1].rsplit(".", 1)[0]
    assert sorted(f.name for f in (repo / ".git").glob("inc-cache*")) == [recordcache.FOLDER, recordcache.KEY_FILE]
    headers = [f.read_bytes().split(b" ", 3)[2] for f in sorted((repo / ".git" / recordcache.FOLDER).iterdir())]
    assert headers == [b"checks", b"facts"]


def test_the_cache_of_the_version_before_is_removed(repo: Path, ledger: list[str]) -> None:
    _problems(repo)
    section = _cache_file(repo)
    legacy = section.with_name(section.name.rsplit(".", 1)[0])  # records-NAME: every section in one file
    legacy.write_bytes(b"inc-record-cache 1 ...\n")
    _break(repo / ledger[0])
    _problems(repo)
    assert sorted(f.name for f in section.parent.iterdir()) == [section.name]


def test_a_run_that_changes_nothing_writes_nothing(repo: Path, ledger: list[str]) -> None:
    _problems(repo)
    before = _cache_file(repo).stat()
    _problems(repo)
    after = _cache_file(repo).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_one_edit_rewrites_only_its_line(repo: Path, ledger: list[str]) -> None:
    _problems(repo)
    before = _lines(repo)
    assert [json.loads(line.split(b"\t")[0]) for line in before] == ledger  # one line per record, in path order
    _break(repo / ledger[2])
    _problems(repo)
    after = _lines(repo)
    assert [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new] == [2]
    assert b'"schema"' in after[2]


def test_lines_of_records_that_are_gone_are_dropped(repo: Path, ledger: list[str], checked: list[str]) -> None:
    _problems(repo)
    (repo / ledger[1]).unlink()
    checked.clear()
    _problems(repo)
    assert checked == []
    assert [json.loads(line.split(b"\t")[0]) for line in _lines(repo)] == [ledger[0], *ledger[2:]]


def test_one_run_adds_changes_and_drops_lines(repo: Path, ledger: list[str], checked: list[str]) -> None:
    _problems(repo)
    before = _lines(repo)
    (repo / ledger[0]).unlink()
    _break(repo / ledger[2])
    added = repo / "incidents" / "2026" / "zz-copy.yaml"
    added.write_text((repo / ledger[3]).read_text())  # a copy: a new line, and a duplicate id
    checked.clear()
    problems = _problems(repo)
    assert sorted(checked) == [ledger[2], "incidents/2026/zz-copy.yaml"]
    after = _lines(repo)
    paths = [json.loads(line.split(b"\t")[0]) for line in after]
    assert paths == [ledger[1], ledger[2], ledger[3], "incidents/2026/zz-copy.yaml"]
    assert after[0] == before[1] and after[2] == before[3]  # the others' lines, byte for byte
    assert b'"schema"' in after[1]
    checked.clear()
    assert _problems(repo) == problems
    assert checked == []


def test_validating_some_records_keeps_the_others_lines(repo: Path, ledger: list[str], checked: list[str]) -> None:
    _problems(repo)
    for record in ledger[1:3]:
        _break(repo / record)
    checked.clear()
    # The user's order, one of them twice: each is checked once, the lines stay sorted.
    given = [repo / ledger[2], repo / ledger[1], repo / ledger[2]]
    problems = validate(repo, NOW, paths=given, jobs=1)
    assert [(p.path, p.rule) for p in problems] == [(ledger[1], "schema"), (ledger[2], "schema")]
    assert checked == ledger[1:3]
    assert [json.loads(line.split(b"\t")[0]) for line in _lines(repo)] == ledger
    checked.clear()
    assert _problems(repo) == [f"{ledger[1]}:6: schema", f"{ledger[2]}:6: schema"]
    assert checked == []


def test_a_run_stopped_halfway_keeps_the_old_cache(repo: Path, ledger: list[str]) -> None:
    from incident_ledger.records import find_records
    from incident_ledger.validate import results

    _problems(repo)
    before = _cache_file(repo).read_bytes()
    _break(repo / ledger[0])
    running = results(find_records(repo), repo, NOW, 1, everything=True)
    # In path order: the changed record, once its new line is written; then the cache's three answers.
    assert [bool(next(running).problems) for _ in range(4)] == [True, False, False, False]
    folder = repo / ".git" / recordcache.FOLDER
    name = [f.name for f in folder.iterdir() if not f.name.startswith(".")]
    writing = [f.name for f in folder.iterdir() if f.name.startswith(".")]
    assert len(writing) == 1 and writing[0].startswith(f".{name[0]}-") and writing[0].endswith(".tmp")
    running.close()  # as when the consumer stops: an error, an interrupt
    assert [f.name for f in (repo / ".git" / recordcache.FOLDER).iterdir()] == [_cache_file(repo).name]
    assert _cache_file(repo).read_bytes() == before


@pytest.mark.parametrize(
    "name", ["tab\there.yaml", "new\nline.yaml", 'quote"back\\slash.yaml', "caf\u00e9 \u2603.yaml"]
)
def test_odd_file_names_are_cached_like_any_other(repo: Path, checked: list[str], name: str) -> None:
    original = install(repo, ONE)
    (original.parent / name).write_text(original.read_text())
    first = _problems(repo)
    assert len(checked) == 2
    checked.clear()
    assert _problems(repo) == first
    assert checked == []


def test_only_future_time_reads_the_clock() -> None:
    """`clock_window` knows how long future-time's findings hold; a rule that starts reading
    the clock needs its span there too, or cached results would outlive its findings."""
    import inspect

    from incident_ledger.rules.registry import VALIDATE_KINDS, of_kind

    # The cache keeps what `inc validate` finds; the history rules run in `inc check` only.
    cached = of_kind(*VALIDATE_KINDS)
    readers = [rule.id for rule in cached if rule.check is not None and ".now" in inspect.getsource(rule.check)]
    assert readers == ["future-time"]


@pytest.mark.parametrize("blocked", ["folder", "key"])
def test_a_cache_that_cannot_be_written_only_costs_time(
    repo: Path, ledger: list[str], checked: list[str], blocked: str
) -> None:
    git_dir = repo / ".git"
    if blocked == "folder":
        (git_dir / recordcache.FOLDER).write_text("a file where the cache folder goes\n")
    else:
        (git_dir / recordcache.KEY_FILE).mkdir()  # a key that cannot be read or made
    _break(repo / ledger[0])
    for _ in range(2):
        checked.clear()
        assert _problems(repo) == [f"{ledger[0]}:6: schema"]
        assert sorted(checked) == ledger  # nothing was kept: every record is checked each time
    # The folder is made only once there is a key to sign with.
    expected = [recordcache.FOLDER, recordcache.KEY_FILE] if blocked == "folder" else [recordcache.KEY_FILE]
    assert sorted(f.name for f in git_dir.glob("inc-cache*")) == expected


def test_the_listing_facts_follow_added_and_deleted_records(repo: Path, ledger: list[str], run_cli: Any) -> None:
    def listed() -> list[str]:
        result = run_cli(repo, "list", "--format", "json")
        assert result.exit_code == 0, result
        return sorted(row["path"] for row in json.loads(result.stdout))

    def facts_lines() -> list[str]:
        (facts,) = (repo / ".git" / recordcache.FOLDER).glob("*.facts")
        return [json.loads(line.split(b"\t")[0]) for line in facts.read_bytes().split(b"\n")[1:-2]]

    assert listed() == ledger
    assert facts_lines() == ledger
    (repo / ledger[1]).unlink()
    copy = repo / "incidents" / "2026" / "zz-copy.yaml"
    copy.write_text((repo / ledger[3]).read_text())
    expected = sorted([ledger[0], *ledger[2:], "incidents/2026/zz-copy.yaml"])
    assert listed() == expected
    assert facts_lines() == expected


def test_temporary_files_of_killed_writers_are_removed(repo: Path, ledger: list[str]) -> None:
    _problems(repo)
    section = _cache_file(repo)
    abandoned = section.with_name(f".{section.name}-killed.tmp")
    busy = section.with_name(f".{section.name}-writing.tmp")  # another process's, being written now
    other = section.with_name(".records-0000000000000000.checks-killed.tmp")  # another ledger's
    for left in (abandoned, busy, other):
        left.write_bytes(b"inc-record-cache 2 checks ...\n")
    two_hours_ago = time.time() - 2 * 3600
    for left in (abandoned, other):
        os.utime(left, (two_hours_ago, two_hours_ago))
    _problems(repo)  # nothing changed: nothing is written, nothing is removed
    assert abandoned.exists()
    _break(repo / ledger[0])
    _problems(repo)
    assert sorted(f.name for f in section.parent.iterdir()) == sorted([section.name, busy.name, other.name])


def test_validate_help_says_where_the_cache_is(repo: Path, run_cli: Any) -> None:
    result = run_cli(repo, "validate", "--help")
    assert result.exit_code == 0, result
    text = " ".join(result.stdout.split())
    assert "kept in .git/inc-cache/, signed, and used again until the record, the schema, the policy" in text
    assert "deleting it is safe." in text


def test_records_checked_by_workers_are_written_in_the_order_of_the_section(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers check records while the pass goes on over the others: the lines of records
    changed, new and gone are still edited in the order of the section, and the cache
    ends as a run from nothing makes it."""
    monkeypatch.setattr(recordcheck, "PARALLEL_THRESHOLD", 6)
    monkeypatch.setattr(recordcheck, "CHUNK", 3)
    text = ONE.read_text()
    names = [repo / "incidents" / "2026" / f"r{n:02d}.yaml" for n in range(40)]
    names[0].parent.mkdir()
    for name in names[:30]:
        name.write_text(text)
    validate(repo, NOW, jobs=1)
    for n in range(0, 30, 4):
        _break(names[n])
    for n in range(3, 30, 5):
        names[n].unlink()
    for name in names[30:]:
        name.write_text(text)
    streamed = [f"{p.path}:{p.line}: {p.rule}" for p in validate(repo, NOW, jobs=2)]
    lines = _lines(repo)
    assert len(lines) == 34 and sum(b"visibility" in line for line in lines) == 6

    shutil.rmtree(repo / ".git" / recordcache.FOLDER)
    assert [f"{p.path}:{p.line}: {p.rule}" for p in validate(repo, NOW, jobs=1)] == streamed
    assert _lines(repo) == lines


def test_a_cache_line_of_another_shape_is_not_trusted() -> None:
    """A line whose id or place is not what this code writes (another version's) is no
    answer: the record is checked again rather than the rules across records fed it."""
    from incident_ledger.recordcache import Line, decode

    stamped = ("1" * 40, 0, 1)
    good = decode("incidents/a.yaml", Line(b"", b'[[],["INC-20261103-1D3N",3,1,null,1,1,[]]]'), stamped)
    assert good is not None and good.seen is not None
    assert (good.seen.id, good.seen.path, good.seen.line, good.seen.col) == (
        "INC-20261103-1D3N",
        "incidents/a.yaml",
        3,
        1,
    )
    for seen in (
        b"[7,3,1,null,1,1,[]]",
        b'["INC-20261103-1D3N",3.5,1,null,1,1,[]]',
        b'["INC-20261103-1D3N",3,true,null,1,1,[]]',
    ):
        assert decode("incidents/a.yaml", Line(b"", b"[[]," + seen + b"]"), stamped) is None, seen
