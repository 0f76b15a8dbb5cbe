"""A signal at any moment of a writing command leaves the repository in step: the commit
exists and the work tree and index match it, or everything is byte for byte as before;
no lock is left behind and no traceback printed."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from interrupt_helpers import await_file, finish, send, settled, slow_hook, start, take
from lifecycle_helpers import git, new_incident

NEW = ["new", "Search is slow", "--summary", "Slow.", "--detected-by", "staff", "--detected-at", "2026-11-23T10:00:00Z"]


@pytest.mark.parametrize(
    ("hook", "number", "group", "outcome"),
    [
        ("pre-commit", signal.SIGINT, False, "unchanged"),  # to inc alone: git and the hook are told
        ("pre-commit", signal.SIGTERM, True, "unchanged"),  # to all, as a supervisor stopping a job
        ("commit-msg", signal.SIGTERM, False, "unchanged"),
        ("post-commit", signal.SIGINT, True, "committed"),  # Ctrl-C in a terminal, after the commit
        ("post-commit", signal.SIGTERM, False, "committed"),
    ],
)
def test_a_signal_while_a_hook_runs(
    repo: Path, inc_ok: Any, inc_bin: str, tmp_path: Path, hook: str, number: int, group: bool, outcome: str
) -> None:
    incident = new_incident(inc_ok, repo)
    marks = tmp_path / "marks"
    marks.mkdir()
    slow_hook(repo, hook, 60, marks)
    before = take(repo)
    process = start(inc_bin, repo, "log", incident, "Paged the database team")
    await_file(marks / hook, process)
    send(process, number, group)
    code, out, err = finish(process)
    assert settled(repo, before) == outcome
    name = signal.Signals(number).name
    path = f"incidents/2026/{incident}.yaml"
    done = f"{path} was committed before inc stopped" if outcome == "committed" else "nothing was changed"
    assert (code, out, err) == (128 + number, "", f"inc: interrupted by {name}; {done}\n")


def test_a_signal_after_a_commit_whose_head_cannot_be_read_puts_nothing_back(
    repo: Path, inc_ok: Any, inc_bin: str, tmp_path: Path
) -> None:
    """The post-commit hook leaves HEAD unreadable, then Ctrl-C comes: the commit exists
    on `main`, so the record stays as committed and inc says it could not tell."""
    incident = new_incident(inc_ok, repo)
    path = f"incidents/2026/{incident}.yaml"
    script = repo / ".git" / "hooks" / "post-commit"
    script.write_text(
        f'#!/bin/sh\nprintf "ref: refs/heads/nowhere\\n" > .git/HEAD\ntouch "{tmp_path}/mark"\nexec sleep 60\n'
    )
    script.chmod(0o755)
    process = start(inc_bin, repo, "log", incident, "Paged the database team")
    await_file(tmp_path / "mark", process)
    send(process, signal.SIGINT, group=True)
    note = f"{path} was written; whether it was committed could not be read from HEAD"
    assert finish(process) == (130, "", f"inc: interrupted by SIGINT; {note}\n")
    assert "Paged the database team" in git(repo, "log", "-1", "--format=%s", "main")
    assert (repo / path).read_text() == git(repo, "show", f"main:{path}")


def test_a_new_record_stopped_in_its_pre_commit_hook_leaves_no_file_or_folder(
    repo: Path, inc_bin: str, tmp_path: Path
) -> None:
    (repo / "incidents").rmdir()
    slow_hook(repo, "pre-commit", 60, tmp_path)
    before = take(repo)
    process = start(inc_bin, repo, *NEW)
    await_file(tmp_path / "pre-commit", process)
    send(process, signal.SIGINT, group=False)
    assert finish(process) == (130, "", "inc: interrupted by SIGINT; nothing was changed\n")
    assert settled(repo, before) == "unchanged"
    assert not (repo / "incidents").exists()


def test_git_stopped_while_it_makes_its_partial_index_leaves_no_lock_file(
    repo: Path, inc_ok: Any, inc_fails: Any
) -> None:
    """A signal that stops `git commit --only` while it creates `next-index-PID.lock`
    (before git has noted the file as its own) leaves that file behind: inc removes it.
    The hook puts git in that state (its index lock let go, the partial index left) and
    kills it."""
    incident = new_incident(inc_ok, repo)
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text('#!/bin/sh\nrm -f .git/index.lock\nkill -9 "$PPID"\n')
    hook.chmod(0o755)
    before = take(repo)
    result = inc_fails(repo, "log", incident, "Paged the database team")
    assert result.stderr == "inc: error: git commit was stopped by SIGKILL\n"
    assert settled(repo, before) == "unchanged"


def test_a_partial_index_made_after_git_ended_is_left_alone(repo: Path) -> None:
    """The stopped git's process id may be given again: a `next-index-PID.lock` made
    after that git ended is another process's, and stays."""
    from incident_ledger.gitrepo import commit

    left = repo / ".git" / "next-index-4242.lock"
    left.write_text("")
    made = left.stat().st_mtime_ns
    commit._remove_partial_index(repo, 4242, made - 1)
    assert left.exists()
    commit._remove_partial_index(repo, 4242, made)
    assert not left.exists()


def test_the_next_command_runs_after_an_interrupted_one(repo: Path, inc_ok: Any, inc_bin: str, tmp_path: Path) -> None:
    incident = new_incident(inc_ok, repo)
    slow_hook(repo, "pre-commit", 60, tmp_path)
    process = start(inc_bin, repo, "log", incident, "First try")
    await_file(tmp_path / "pre-commit", process)
    send(process, signal.SIGTERM, group=False)
    assert finish(process)[0] == 143
    (repo / ".git" / "hooks" / "pre-commit").unlink()
    inc_ok(repo, "log", incident, "Second try")
    assert git(repo, "status", "--porcelain") == ""
    assert "Second try" in git(repo, "show", "HEAD") and "First try" not in git(repo, "show", "HEAD")


def test_ctrl_c_while_inc_starts_prints_no_traceback(repo: Path, inc_bin: str) -> None:
    """Stopped while Python is still loading inc (click, the commands, the schema
    library): nothing was written, one line is printed (finish asserts no traceback)."""
    started = time.monotonic()
    assert finish(start(inc_bin, repo, *NEW))[0] == 0  # how long the whole command takes here
    whole = time.monotonic() - started
    before = take(repo)
    # Loading Python, click and inc's modules is the first half or more of the command; the
    # moments after it (the commit) are the other interrupt tests' and the soak test's.
    for share in (0.05, 0.1, 0.15, 0.25, 0.35):
        process = start(inc_bin, repo, *NEW)
        time.sleep(share * whole)  # a moment during start-up is the point of this test
        send(process, signal.SIGINT, group=True)
        code, out, err = finish(process)
        if code == 130:
            assert out == "" and err.startswith("inc: interrupted by SIGINT"), err
        assert settled(repo, before) in ("unchanged", "committed"), err
        before = take(repo)


def test_a_pre_commit_hook_that_restages_a_reformatted_record_leaves_the_index_in_step(repo: Path, inc_ok: Any) -> None:
    incident = new_incident(inc_ok, repo)
    path = f"incidents/2026/{incident}.yaml"
    script = repo / ".git" / "hooks" / "pre-commit"
    script.write_text(f"#!/bin/sh\nsed -i 's/text: Paged/text: PAGED/' {path}\ngit add {path}\n")
    script.chmod(0o755)
    inc_ok(repo, "log", incident, "Paged the database team")
    committed = git(repo, "show", f"HEAD:{path}")
    assert "    text: PAGED the database team\n" in committed
    assert (repo / path).read_text() == committed
    assert git(repo, "status", "--porcelain") == ""


def test_a_pre_commit_hook_that_restages_only_the_index_brings_the_file_in_step(repo: Path, inc_ok: Any) -> None:
    """The hook stages a reformatted record without writing it: the commit holds the
    hook's version, and so do the file and the index afterwards."""
    incident = new_incident(inc_ok, repo)
    path = f"incidents/2026/{incident}.yaml"
    script = repo / ".git" / "hooks" / "pre-commit"
    script.write_text(
        "#!/bin/sh\n"
        f"blob=$(sed 's/text: Paged/text: PAGED/' {path} | git hash-object -w --stdin)\n"
        f"git update-index --cacheinfo 100644,$blob,{path}\n"
    )
    script.chmod(0o755)
    inc_ok(repo, "log", incident, "Paged the database team")
    committed = git(repo, "show", f"HEAD:{path}")
    assert "    text: PAGED the database team\n" in committed
    assert (repo / path).read_text() == committed
    assert git(repo, "status", "--porcelain") == ""


def test_soak_signals_at_random_moments(repo: Path, inc_ok: Any, inc_bin: str) -> None:
    """SIGINT and SIGTERM at seeded random moments of `inc new` and `inc log` with slow
    hooks, to inc alone or to its whole process group; the invariant after each."""
    incident = new_incident(inc_ok, repo)
    for hook in ("pre-commit", "commit-msg", "post-commit"):
        slow_hook(repo, hook, 0.15)
    # A signal here may reach git at any moment, also the one in which git has created a
    # lock file and not yet noted it for removal: git then leaves it (GITS_OWN_LOCKS says
    # which, and how often plain git does). This test is about what inc leaves. Git's
    # auto-maintenance, the likeliest to be caught so, is off.
    git(repo, "config", "maintenance.auto", "false")
    started = time.monotonic()
    probe = start(inc_bin, repo, "log", incident, "Timing run")
    assert finish(probe)[0] == 0
    # The moments are spread over one whole command, start-up included, however fast
    # this machine is; a few seconds in all.
    span = min(time.monotonic() - started, 1.5)
    rng = random.Random(20261123)
    outcomes = []
    for run in range(8):
        args = NEW if rng.random() < 0.5 else ["log", incident, f"Update {run}"]
        number = rng.choice([signal.SIGINT, signal.SIGTERM])
        group = rng.random() < 0.5
        before = take(repo)
        process = start(inc_bin, repo, *args)
        time.sleep(rng.uniform(0, span))  # the random moment is what this test is about
        send(process, number, group)
        code, _, err = finish(process)
        # 0: it had finished; -N or Python's own start-up error: before inc's first line.
        assert code in (0, 128 + number, -number) or "Traceback" in err, err
        outcomes.append(settled(repo, before, gits_own_locks=True))
    assert len(outcomes) == 8


class PanicException(BaseException):
    """As a Rust extension raises it (pyo3): not an Exception, so `except Exception` misses it."""


@pytest.mark.parametrize("signalled", [True, False])
def test_an_extension_error_is_an_interruption_after_a_signal_else_a_bug(
    repo: Path, inc_ok: Any, run_cli: Any, monkeypatch: pytest.MonkeyPatch, signalled: bool
) -> None:
    """A signal handled while an extension runs Python code comes back as the extension's
    own error (jsonschema-rs: a PanicException): after a signal it is the interruption."""
    from incident_ledger import changes

    incident = new_incident(inc_ok, repo)

    def inside_the_extension(*args: Any) -> None:
        try:
            if signalled:
                signal.raise_signal(signal.SIGINT)
        except BaseException as error:
            raise PanicException("Python exception in a callback") from error
        raise PanicException("index out of bounds")

    monkeypatch.setattr(changes, "log", inside_the_extension)
    before = take(repo)
    result = run_cli(repo, "log", incident, "Never written")
    if signalled:
        assert (result.exit_code, result.stderr) == (130, "inc: interrupted by SIGINT\n")
    else:
        assert result.exit_code == 3
        assert result.stderr.startswith("inc: internal error: PanicException: index out of bounds\n")
    assert settled(repo, before) == "unchanged"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # main put pytest's back


def test_a_command_waiting_for_the_lock_stops_cleanly(repo: Path, inc_ok: Any, inc_bin: str, tmp_path: Path) -> None:
    """The second of two commands waits for the first one's lock; stopped while waiting it
    changes nothing, and the first one finishes and leaves no lock file behind."""
    incident = new_incident(inc_ok, repo)
    slow_hook(repo, "pre-commit", 2, tmp_path)
    before = take(repo)
    first = start(inc_bin, repo, "log", incident, "First")
    await_file(tmp_path / "pre-commit", first)
    second = start(inc_bin, repo, "log", incident, "Second")
    await_blocked_on_a_lock(second)
    send(second, signal.SIGINT, group=False)
    assert finish(second) == (130, "", "inc: interrupted by SIGINT\n")
    code, _, err = finish(first)
    assert code == 0, err
    assert settled(repo, before) == "committed"
    assert "First" in git(repo, "show", "HEAD") and "Second" not in git(repo, "show", "HEAD")
    assert not (repo / ".git" / "inc.lock").exists()


def await_blocked_on_a_lock(process: Any, timeout: float = 60) -> None:
    """Until `process` waits for a file lock (Linux lists waiters in /proc/locks)."""
    locks = Path("/proc/locks")
    if not locks.exists():
        time.sleep(2)  # no way to see it here: give the command time to reach the lock
        return
    deadline = time.monotonic() + timeout
    while not any(line.split()[1] == "->" and line.split()[5] == str(process.pid) for line in
                  locks.read_text().splitlines() if len(line.split()) > 5):  # fmt: skip
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never waited for the lock"
        time.sleep(0.01)
