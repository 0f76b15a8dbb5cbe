"""`inc init` gives a new team the same CI as this repository, never a drifting copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_ledger.newrepo import SCAFFOLD

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
