"""Run `inc` as users do and stop it with a signal; check it left the repository in step.

The invariant a writing command keeps whatever stops it: either its commit exists and
the work tree and index match it, or the record files and the index are byte for byte
as before; no lock file is left, and no traceback is printed.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lifecycle_helpers import git


@dataclass(frozen=True)
class Snapshot:
    head: str
    index: str
    status: str
    files: dict[str, bytes]  # every file under incidents/, hidden ones included


def take(root: Path) -> Snapshot:
    files = {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "incidents").rglob("*")) if p.is_file()
    }
    return Snapshot(
        git(root, "rev-parse", "HEAD").strip(),
        git(root, "ls-files", "--stage"),
        git(root, "status", "--porcelain", "--untracked-files=all"),
        files,
    )


def _locks(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in (root / ".git").rglob("*.lock")]


# Lock files git itself can leave when a signal stops it in the moment between creating a
# lock and noting it for removal (its tempfile API): plain `git commit --only`, sent SIGINT
# at random moments of its first 6 ms, left index.lock, HEAD.lock or its next-index lock in
# 40 of 3,000 runs (2026-12-02, no inc involved). inc removes the next-index lock of a git
# it ran (the name carries that git's pid); no name ties these to one git process, and a
# live git (an editor's `git status`) may hold them, so inc leaves them to git's own message.
GITS_OWN_LOCKS = re.compile(r"\.git/(index|HEAD|packed-refs|refs/.+|objects/maintenance)\.lock")


def settled(root: Path, before: Snapshot, gits_own_locks: bool = False) -> str:
    """'committed' or 'unchanged', after asserting the invariant. With `gits_own_locks` (a
    signal that may reach git at any moment), a lock git itself left is removed, as its
    message tells a user to, and the rest is checked; inc's own locks never may be left."""
    # A lock a live git process holds goes when it ends: git's own maintenance, which
    # `git commit` starts and which may run on (detached) after inc has ended, takes
    # objects/maintenance.lock and, as `gc --auto`, the refs' locks. A lock still there
    # after 10 s belongs to no live process: it was left behind.
    deadline = time.monotonic() + 10
    while _locks(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _locks(root)
    if gits_own_locks:
        for lock in [name for name in left if GITS_OWN_LOCKS.fullmatch(name)]:
            (root / lock).unlink()
            left.remove(lock)
    assert left == [], f"lock files left behind: {left}"
    after = take(root)
    if after.head == before.head:
        assert after == before
        return "unchanged"
    assert git(root, "rev-parse", "HEAD^").strip() == before.head
    changed = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert len(changed) == 1 and changed[0].startswith("incidents/"), changed
    assert after.status == before.status
    assert (
        after.files[changed[0]]
        == subprocess.run(
            ["git", "-C", str(root), "show", f"HEAD:{changed[0]}"], capture_output=True, check=True
        ).stdout
    )
    assert {k: v for k, v in after.files.items() if k != changed[0]} == {
        k: v for k, v in before.files.items() if k != changed[0]
    }
    return "committed"


def slow_hook(root: Path, name: str, seconds: float, marks: Path | None = None) -> None:
    """A hook that takes `seconds` (and first leaves a mark file, to await instead of guessing)."""
    mark = f'touch "{marks / name}"\n' if marks else ""
    script = root / ".git" / "hooks" / name
    script.write_text(f"#!/bin/sh\n{mark}exec sleep {seconds}\n")  # exec: a signal reaches sleep itself
    script.chmod(0o755)


def start(inc_bin: str, root: Path, *args: str) -> subprocess.Popen[str]:
    """`inc` in a session of its own, like a command in a terminal: a signal to its process
    group reaches inc, git and the hooks, as the terminal's Ctrl-C does."""
    return subprocess.Popen(
        [inc_bin, *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def send(process: subprocess.Popen[str], number: int, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError):  # it had already ended
        if group:
            os.killpg(process.pid, number)
        else:
            process.send_signal(number)


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # a hook's `sleep` orphaned by inc alone being stopped
    assert not inc_traceback(err), err
    return process.returncode, out, err


def inc_traceback(err: str) -> bool:
    """Whether a traceback went through inc's code.

    A Ctrl-C while the interpreter itself is still starting (`site` with the .pth files
    and sitecustomize of the environment, an editable install's import finder, then the
    console script's import of `incident_ledger.launch`) comes before any line of inc has
    run: Python prints that one, out of any program's reach. inc's code starts in
    `launch.run`; anything it calls (click, the libraries) shows inc's frames above it.
    """
    if "Traceback" not in err:
        return False
    before_inc = ("/incident_ledger/__init__.py", "/incident_ledger/launch.py")
    for path, function in re.findall(r'File "([^"]+)", line \d+, in (\S+)', err):
        if "/incident_ledger/" in path and not (path.endswith(before_inc) and function == "<module>"):
            return True
    return False


def await_file(path: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.01)
