"""`inc init` gives a new team the same CI as this repository, never a drifting copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_ledger.scaffolding import SCAFFOLD

PROJECT = Path(__file__).resolve().parents[1]
INSTALL_HERE = "        run: pip install .\n"
INSTALL_RELEASE = "        run: pip install incident-ledger\n"


@pytest.mark.parametrize("name", ["validate.yml", "site.yml"])
def test_scaffold_workflows_equal_ours_but_install_the_release(name: str) -> None:
    ours = (PROJECT / ".github" / "workflows" / name).read_text(encoding="utf-8")
    scaffold = (SCAFFOLD / "github" / "workflows" / name).read_text(encoding="utf-8")
    # This repository installs inc from its own source; an adopting repository has no
    # source to install, so it takes the released package. Nothing else may differ.
    assert INSTALL_HERE in ours
    assert scaffold == ours.replace(INSTALL_HERE, INSTALL_RELEASE)


@pytest.mark.parametrize("name", ["mkdocs.yml", "docs/about.md"])
def test_scaffold_site_is_ours(name: str) -> None:
    # Same offline theme settings, same plugin configuration: a new team's site is
    # confidential and CDN-free from its first build.
    ours = (PROJECT / "site" / name).read_bytes()
    assert (SCAFFOLD / "site" / name).read_bytes() == ours


def test_a_new_repository_builds_its_site(tmp_path: Path, inc_bin: str) -> None:
    import subprocess

    def inc(*args: str, cwd: Path) -> str:
        done = subprocess.run([inc_bin, *args], cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    subprocess.run(["git", "config", "--global", "user.name", "Dana Whitfield"], check=True)
    subprocess.run(["git", "config", "--global", "user.email", "dana@example.com"], check=True)
    inc("init", "ledger", cwd=tmp_path)
    root = tmp_path / "ledger"
    incident = inc("new", "Status page unreachable", "--summary", "It timed out.", "--detected-by", "staff", cwd=root)
    inc("site", "build", "--out", str(tmp_path / "out"), cwd=root)
    page = (tmp_path / "out" / "incidents" / incident.strip()[4:8] / incident.strip() / "index.html").read_text()
    assert "Status page unreachable" in page
