"""The record cache: what changed is checked again, what did not is not, and a cache that
cannot be trusted is not used."""

from __future__ import annotations

import subprocess
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
    return found


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
    sections = [line.split(b" ", 1)[0] for line in _cache_file(repo).read_bytes().split(b"\n")[1:] if line]
    assert sections == [b"checks", b"facts"]


def test_only_future_time_reads_the_clock() -> None:
    """`clock_window` knows how long future-time's findings hold; a rule that starts reading
    the clock needs its span there too, or cached results would outlive its findings."""
    import inspect

    from incident_ledger.rules.registry import VALIDATE_KINDS, of_kind

    # The cache keeps what `inc validate` finds; the history rules run in `inc check` only.
    cached = of_kind(*VALIDATE_KINDS)
    readers = [rule.id for rule in cached if rule.check is not None and ".now" in inspect.getsource(rule.check)]
    assert readers == ["future-time"]
