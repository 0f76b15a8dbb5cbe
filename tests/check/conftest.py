from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import Ledger


@pytest.fixture
def ledger(repo: Path, run_cli: Any) -> Ledger:
    """The `repo` fixture with the operations a pull request is made of."""
    return Ledger(repo, run_cli)
