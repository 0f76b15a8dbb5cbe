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


def test_inc_validate_hook_stops_a_bad_record_and_only_it(repo: Path, run_cli: object, tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit", path=BIN + os.pathsep + os.environ.get("PATH", ""))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]' installs it)")
    hooks = tmp_path / "hooks-repo"
    rev = snapshot(hooks)
    ledger = Ledger(repo, run_cli)
    bad = record("classified")
    bad["priority"] = "P4"
    bad_path = ledger.write(bad)
    good_path = ledger.write(record("reviewed", "INC-20261103-5JMR"))
    (repo / "notes.yaml").write_text("not: a record\n")  # outside incidents/: not the hook's business
    git(repo, "add", "-A")
    # try-repo installs the hook in a new store at each run (~30 s), so one run checks both
    # records: the bad one is reported, the good one is not.
    done = subprocess.run(
        [pre_commit, "try-repo", str(hooks), "inc-validate", "--ref", rev, "--all-files", "--color", "never"],
        cwd=repo,
        env={**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    output = done.stdout.splitlines()
    report = output[next(i for i, text in enumerate(output) if text.startswith("inc validate (incident")) :]
    line = ledger.line_of(bad_path, "priority:")
    assert report[1:] == [
        "- hook id: inc-validate",
        "- exit code: 1",
        "",
        f"{bad_path}:{line}:1: priority-matrix: priority P4 does not match impact high x urgency medium, "
        "which the policy sets to P2",
        "1 problem(s) in 1 file(s)",
        "",
    ]
    assert report[0].endswith("...Failed")
    assert good_path not in done.stdout
