"""`inc init`: a new incident repository a team can adopt as it is.

Writes the scaffold shipped in the package (README, site/, .github/workflows/), the
schemas (the repository's own copy, so the team can tighten its policy), an empty
incidents/, then `git init` and a first commit. A failure removes what it created.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import gitrepo
from .errors import LedgerError
from .records import INCIDENTS_DIR, SCHEMA_FILE
from .schema import POLICY_FILE, POLICY_SCHEMA_FILE, schema_dir

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"
# Shipped without the leading dot: package-data globs skip hidden folders.
_RENAMES = {"github": ".github", "gitignore": ".gitignore"}
FIRST_COMMIT = "Start an incident ledger\n\nCreated by `inc init`: schemas/, incidents/, site/ and the CI workflow.\n"


def initialise(directory: Path) -> list[str]:
    """Create the repository at `directory` (absent or empty); return the files written."""
    existed = directory.exists()
    if existed and (not directory.is_dir() or any(directory.iterdir())):
        raise LedgerError(f"{directory} exists and is not empty; give a new or empty folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LedgerError(f"cannot create {directory}: {error.strerror}; give a folder you can write to") from None
    try:
        written = _write_files(directory)
        gitrepo.initialise(directory)
        gitrepo.commit_all(directory, FIRST_COMMIT)
    except BaseException:
        if existed:
            for child in directory.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        else:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return written


def _write_files(directory: Path) -> list[str]:
    written = []
    for source in sorted(SCAFFOLD.rglob("*")):
        if source.is_dir() or source.name.startswith(("__", ".")):
            continue
        parts = list(source.relative_to(SCAFFOLD).parts)
        parts[0] = _RENAMES.get(parts[0], parts[0])
        target = directory.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append("/".join(parts))
    schemas = schema_dir(directory)
    (directory / "schemas").mkdir()
    for name in (SCHEMA_FILE, POLICY_SCHEMA_FILE, POLICY_FILE):
        shutil.copyfile(schemas / name, directory / "schemas" / name)
        written.append(f"schemas/{name}")
    (directory / INCIDENTS_DIR).mkdir()
    # git keeps no empty folders; the marker makes incidents/ part of the first commit.
    (directory / INCIDENTS_DIR / ".gitkeep").write_bytes(b"")
    written.append(f"{INCIDENTS_DIR}/.gitkeep")
    return written
