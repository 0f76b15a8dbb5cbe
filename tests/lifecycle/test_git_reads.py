"""The git reads a commit starts beside the record's checks (`gitrepo.reading_before`, and
the `git diff-index` beside `committed_on`): same answers as when read one after the
other, and never a git process left behind, however the block ends."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from lifecycle_helpers import git

from incident_ledger import gitrepo, interrupts


def _children() -> set[str]:
    """This process's children (ended or not, until waited for), as Linux lists them."""
    listed = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    if not listed.exists():
        pytest.skip("this system does not list a process's children")
    return set(listed.read_text().split())


def _commit_then_stage(repo: Path, committed: str, staged: str) -> None:
    """incidents/a.yaml committed with one text, then staged with another: the index
    differs from HEAD there (as a reformatting pre-commit hook leaves it)."""
    record = repo / "incidents" / "a.yaml"
    for text, then in ((committed, ("commit", "-q", "-m", "a")), (staged, None)):
        record.write_text(text, encoding="utf-8")
        git(repo, "add", "incidents/a.yaml")
        if then:
            git(repo, *then)


def test_reading_before_says_what_the_reads_one_by_one_say(repo: Path) -> None:
    _commit_then_stage(repo, "first\n", "second\n")
    for path in ("incidents/a.yaml", "incidents/untracked.yaml"):
        with gitrepo.reading_before(repo, path) as state:
            found = state()
        assert (found.entry, found.parent) == (gitrepo.index_entry(repo, path), gitrepo.head_commit(repo))
    assert found.entry == ""  # the untracked path
    assert found.parent == git(repo, "rev-parse", "HEAD").strip()
    assert gitrepo.index_entry(repo, "incidents/a.yaml").startswith("100644 ")


def test_reading_before_on_an_unborn_branch(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    with gitrepo.reading_before(tmp_path, "incidents/a.yaml") as state:
        found = state()
    assert (found.entry, found.parent) == ("", None)


def test_no_git_process_is_left_when_the_block_fails(repo: Path) -> None:
    before = _children()
    with pytest.raises(RuntimeError, match="the record is invalid"), gitrepo.reading_before(repo, "incidents/a.yaml"):
        raise RuntimeError("the record is invalid")
    assert _children() == before


def test_comparing_with_head_is_match_heads_own_answer(repo: Path) -> None:
    _commit_then_stage(repo, "committed\n", "staged, as a reformatting hook leaves it\n")
    before = _children()
    compared = gitrepo.comparing_with_head(repo, "incidents/a.yaml")
    assert gitrepo.match_head(repo, "incidents/a.yaml", compared) == b"committed\n"
    assert _children() == before
    assert git(repo, "status", "--porcelain", "--", "incidents/a.yaml") == " M incidents/a.yaml\n"


def test_git_asked_ahead_where_the_repository_is_is_waited_for(run_cli: Any, repo: Path) -> None:
    # Every command asks git where the repository is when it starts (cli.options.State),
    # beside loading its modules; one that never needs the answer still waits for it.
    before = _children()
    assert run_cli(repo, "rules").exit_code == 0
    assert run_cli(repo, "rules", "no-such-rule").exit_code == 2
    assert _children() == before


def test_the_author_asked_ahead_is_the_one_written_and_always_waited_for(run_cli: Any, repo: Path) -> None:
    # A writing command without --author asks git for user.name as its options are read.
    before = _children()
    made = run_cli(repo, "new", "Search is slow", "--summary", "Slow.", "--detected-by", "monitoring")
    assert made.exit_code == 0, made
    assert _children() == before
    record = next((repo / "incidents").rglob("*.yaml"))
    assert "    author: Dana Whitfield\n" in record.read_text(encoding="utf-8")
    # Refused before the name is needed: git's answer is still waited for.
    refused = run_cli(repo, "log", "INC-20261123-ZZZZ", "Checked the dashboards")
    assert refused.exit_code == 1, refused
    assert "no incident INC-20261123-ZZZZ" in refused.stderr
    assert _children() == before
    # Given, it wins, and nothing is left either way.
    given = run_cli(repo, "log", record.stem, "Checked", "--author", "Sam Okafor")
    assert given.exit_code == 0, given
    assert "    author: Sam Okafor\n" in record.read_text(encoding="utf-8")
    assert _children() == before
    git(repo, "config", "--unset", "user.name")
    unknown = run_cli(repo, "log", record.stem, "Checked")
    assert unknown.exit_code == 2, unknown
    assert "who is writing this?" in unknown.stderr
    assert _children() == before


def test_the_author_is_the_ledgers_own_where_git_stops_looking_above_inc(
    run_cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From a folder git will not look above (GIT_CEILING_DIRECTORIES), the name asked where
    # inc runs would be the global one, or none: the ledger's repository is asked instead.
    made = run_cli(repo, "new", "Search is slow", "--summary", "Slow.", "--detected-by", "monitoring")
    assert made.exit_code == 0, made
    record = next((repo / "incidents").rglob("*.yaml"))
    (repo / "notes").mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repo))
    before = _children()
    logged = run_cli(repo / "notes", "log", record.stem, "From the notes folder")
    assert logged.exit_code == 0, logged
    assert _children() == before
    assert record.read_text(encoding="utf-8").endswith("    author: Dana Whitfield\n    text: From the notes folder\n")
    assert git(repo, "log", "-1", "--format=%an") == "Dana Whitfield\n"


# Run in a process of its own, in its own group, so that the signals reach only it and its
# children: git in its own session, started the two ways inc starts one, again and again.
_SHIELDED_GITS = """
import json, signal, subprocess, sys, time
from incident_ledger import interrupts
from incident_ledger.errors import Interrupted

repo, seconds = sys.argv[1], float(sys.argv[2])
ask = ["git", "-C", repo, "rev-parse", "--verify", "HEAD"]
runs = killed = stopped = 0
signal.signal(signal.SIGINT, signal.SIG_IGN)  # what comes after the test's step
with interrupts.handled():
    try:
        with interrupts.deferred():  # inside a step, as a commit's reads run: a signal is noted
            print("ready", flush=True)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                codes = [interrupts.start(ask).wait().returncode, interrupts.run(ask).returncode]
                runs += 2
                killed += sum(code < 0 for code in codes)
                try:
                    interrupts.checkpoint()
                except Interrupted:
                    stopped += 1
    except Interrupted:
        pass
print(json.dumps({"runs": runs, "killed": killed, "stopped": stopped}))
"""


def test_a_ctrl_c_never_kills_a_git_that_runs_in_its_own_session(repo: Path) -> None:
    # A new session alone left a gap before the child entered it: under a stream of group
    # signals one such git in ten died, and a HEAD read killed so made a commit look undone.
    git(repo, "commit", "-q", "--allow-empty", "-m", "start")
    with subprocess.Popen(
        [sys.executable, "-c", _SHIELDED_GITS, str(repo), "3"],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    ) as child:  # fmt: skip
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        while child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGINT)
            time.sleep(0.001)
        counts = json.loads(child.stdout.read())
    assert child.returncode == 0
    assert counts["stopped"] > 50, counts  # the signals came, between the programs and during them
    assert counts["runs"] > 100, counts
    assert counts["killed"] == 0, counts


def test_a_program_started_in_its_own_session_can_still_be_stopped(tmp_path: Path) -> None:
    # git in a session of its own is out of the terminal's reach, never out of `kill`'s:
    # it and the hooks it runs start with no signal blocked.
    if not Path("/proc/self/status").exists():
        pytest.skip("this system does not show a process's signal mask")
    show = ["grep", "^SigBlk:", "/proc/self/status"]
    with interrupts.handled():
        with interrupts.deferred():
            shielded = interrupts.run(show).stdout.decode()
        started = interrupts.start(show).wait().stdout.decode()
    for shown in (shielded, started):
        blocked = int(shown.split()[1], 16)
        assert not any(blocked & (1 << (number - 1)) for number in interrupts.SIGNALS), shown


def test_a_program_killed_after_it_started_is_not_started_again() -> None:
    # After a Ctrl-C (noted during the step), `kill PID` still stops a shielded program: only
    # one cut short while it was being started is started again.
    import threading

    from incident_ledger.errors import Interrupted

    results: list[int] = []
    timer = threading.Timer(0.3, lambda: _kill_children(signal.SIGTERM))
    with interrupts.handled(), pytest.raises(Interrupted), interrupts.deferred():
        os.kill(os.getpid(), signal.SIGINT)  # noted; raised when the step ends
        started = time.monotonic()
        timer.start()
        results.append(interrupts.run(["sleep", "5"]).returncode)
        elapsed = time.monotonic() - started
    timer.join()
    assert results == [-signal.SIGTERM]
    assert elapsed < 3, elapsed


def _kill_children(number: int) -> None:
    for child in _children():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(child), number)


def test_signal_handling_ends_with_no_step_left_open() -> None:
    # After a command, inc run in the same process (tests, a script) is outside any step:
    # its git commands share its signals again, and nothing noted is raised later.
    with interrupts.handled():
        pass
    assert interrupts._state.depth == 0
    assert interrupts._state.pending is None
