"""`.pre-commit-hooks.yaml`, tried with pre-commit itself on a fresh incident repository.

pre-commit builds the hook's environment by pip-installing this project (its dependencies
from the package registry), as it does for every user: ~30 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ledger_helpers import Ledger, git, record

PROJECT = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent)


def snapshot(target: Path) -> str:
    """This checkout as it is now (uncommitted work included) committed in a new repository.

    pre-commit installs hooks from a commit; try-repo on a checkout with uncommitted work
    makes a new commit, hence a new environment, at each run.
    """
    listed = git(PROJECT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, listed):
        source = PROJECT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "snapshot")
    return git(target, "rev-parse", "HEAD").strip()


def _report(stdout: str, hook_name: str) -> list[str]:
    """The lines pre-commit printed for one hook, from its status line to the next hook's."""
    lines = stdout.splitlines()
    start = next(i for i, text in enumerate(lines) if text.startswith(hook_name))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("inc ")), len(lines))
    return lines[start:end]


def test_hooks_stop_bad_records_and_only_them(ledger: Ledger, tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit", path=BIN + os.pathsep + os.environ.get("PATH", ""))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]' installs it)")
    hooks = tmp_path / "hooks-repo"
    rev = snapshot(hooks)
    # An incident repository with a record on main, cloned as an engineer's checkout.
    kept = record("investigating")
    ledger.write(kept)
    ledger.commit("Add an incident")
    work = Ledger(tmp_path / "work", ledger.run_cli)
    git(tmp_path, "clone", "-q", str(ledger.root), str(work.root))
    # The commit being made: a new record with a wrong priority, an edited timeline entry.
    bad = record("classified", "INC-20261103-5JMR")
    bad["priority"] = "P4"
    bad_path = work.write(bad)
    kept["timeline"][0]["text"] = "Rewritten."
    work.write(kept)
    good_path = work.write(record("reviewed", "INC-20261104-8WDF"))
    (work.root / "notes.yaml").write_text("not: a record\n")  # outside incidents/: not the hooks' business
    git(work.root, "add", "-A")
    # try-repo installs the hooks in a new store at each run (~30 s): one run, both hooks.
    done = subprocess.run(
        [pre_commit, "try-repo", str(hooks), "--ref", rev, "--all-files", "--color", "never"],
        cwd=work.root,
        env={**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    priority = (
        f"{bad_path}:{work.line_of(bad_path, 'priority:')}:1: priority-matrix: priority P4 does not match "
        "impact high x urgency medium, which the policy sets to P2"
    )
    validate = _report(done.stdout, "inc validate (incident records)")
    assert validate[0].endswith("...Failed")
    assert validate[1:] == ["- hook id: inc-validate", "- exit code: 1", "", priority, "1 problem(s) in 1 file(s)", ""]
    check = _report(done.stdout, "inc check (history rules)")
    assert check[0].endswith("...Failed")
    kept_path = work.path()
    assert check[1:] == [
        "- hook id: inc-check",
        "- exit code: 1",
        "",
        f"{kept_path}:{work.line_of(kept_path, '- at:')}:3: timeline-rewritten: timeline entry 1 "
        "(at '2026-11-01T10:00:00Z') was changed; entries are never edited or reordered: restore it "
        "and add a new entry at the end with the correction",
        priority,
        "2 problem(s) in 2 file(s)",
        "",
    ]
    assert good_path not in done.stdout
