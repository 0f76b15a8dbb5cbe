"""`inc check` without --base compares against the branch the repository's records land on:
the one `inc init` made, the remote's default branch in a clone, else main."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger_helpers import Ledger, git, start


def _deleted_against(ledger: Ledger) -> Any:
    ledger.git("rm", "-q", ledger.path())
    ledger.commit("Tidy up")
    return ledger.run_cli(ledger.root, "check", "--format", "json")


def _deleted(result: Any) -> bool:
    return result.exit_code == 1 and '"rule": "record-deleted"' in result.stdout


def test_without_a_remote_the_local_main_branch(ledger: Ledger) -> None:
    start(ledger, "investigating")
    assert _deleted(_deleted_against(ledger))


def test_the_branch_inc_init_recorded(ledger: Ledger) -> None:
    ledger.git("branch", "-m", "main", "trunk")
    ledger.git("config", "incident-ledger.branch", "trunk")
    start(ledger, "investigating")
    assert _deleted(_deleted_against(ledger))
    ledger.git("config", "--unset", "incident-ledger.branch")
    result = ledger.run_cli(ledger.root, "check")
    assert result.exit_code == 2
    assert "--base main: no such commit here" in result.stderr


def test_a_clone_uses_the_remotes_default_branch(ledger: Ledger, tmp_path: Path) -> None:
    ledger.git("branch", "-m", "main", "trunk")
    start(ledger, "investigating")
    ledger.checkout("trunk")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(ledger.root), str(clone))
    for key, value in (("user.name", "Sam Okafor"), ("user.email", "sam@example.com")):
        git(clone, "config", key, value)
    assert git(clone, "symbolic-ref", "--short", "refs/remotes/origin/HEAD").strip() == "origin/trunk"
    mate = Ledger(clone, ledger.run_cli)
    mate.branch("tidy")
    assert _deleted(_deleted_against(mate))
