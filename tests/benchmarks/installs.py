"""inc installed as users install it, for the benchmarks that time whole commands.

An editable install starts slower than a regular one: its import finder, and
setuptools' `distutils` hook, run at every start of its Python (`python -c pass` takes
~51 ms there against ~22 ms in a regular install, 2026-12-01). A figure measured against
the bare start of an editable install's Python flatters inc by that much.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def regular_install(work: Path) -> Path:
    """A new virtual environment with this checkout installed as users install it (not
    editable); its dependencies come from this environment through a path file, whose
    own path files (an editable install's finder) are therefore not run."""
    venv = work / "venv"
    subprocess.run(
        [getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    ours = sysconfig.get_paths()["purelib"]
    Path(site, "dependencies.pth").write_text(ours + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-build-isolation",
         str(PROJECT)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return venv / "bin"
