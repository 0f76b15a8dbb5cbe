"""`inc init`: a new incident repository a team can adopt as it is.

Writes the scaffold shipped in the package (README, requirements.txt, site/, .github/),
the schemas (the repository's own copy, so the team can tighten its policy), an empty
incidents/, then `git init` on the branch the workflows run on and a first commit. A
failure removes what it created.

Two facts are filled in as the files are written, each in its own marker: the branch
(`__BRANCH__`, in the workflows and the README) and the line that installs this tool
(`__INSTALL__`, written once, in requirements.txt, which the workflows install from and
key their pip cache on).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import gitrepo
from .distribution import DISTRIBUTION, pinned_requirement
from .errors import LedgerError, UsageError
from .records import INCIDENTS_DIR, SCHEMA_FILE
from .schema import POLICY_FILE, POLICY_SCHEMA_FILE, schema_dir

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"
# Shipped without the leading dot: package-data globs skip hidden folders.
_RENAMES = {"github": ".github", "gitignore": ".gitignore"}
REQUIREMENTS_FILE = "requirements.txt"
FIRST_COMMIT = (
    "Start an incident ledger\n\nCreated by `inc init`: schemas/, incidents/, site/, requirements.txt "
    "and the GitHub workflows.\n"
)
# A named requirement: the distribution name, then extras, a version, a URL (`@`) or markers.
_NAMED = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[|==|>=|<=|~=|!=|===|<|>|@|;|$)")
_BRANCH_NAME = re.compile(r"[A-Za-z0-9._/-]+")


@dataclass(frozen=True)
class Settings:
    """What a new repository is made with: the branch and the line that installs inc."""

    branch: str = gitrepo.DEFAULT_BRANCH
    install: str = ""

    def markers(self) -> dict[str, str]:
        return {"__BRANCH__": self.branch, "__INSTALL__": self.install or pinned_requirement()}


def initialise(directory: Path, settings: Settings | None = None) -> list[str]:
    """Create the repository at `directory` (absent or empty); return the files written."""
    settings = settings or Settings()
    _check_install(settings.install)
    existed = directory.exists()
    if existed and (not directory.is_dir() or any(directory.iterdir())):
        raise LedgerError(f"{directory} exists and is not empty; give a new or empty folder")
    _check_branch(next(p for p in (directory, *directory.parents) if p.is_dir()), settings)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LedgerError(f"cannot create {directory}: {error.strerror}; give a folder you can write to") from None
    try:
        written = _write_files(directory, settings.markers())
        gitrepo.initialise(directory, settings.branch)
        gitrepo.commit_all(directory, FIRST_COMMIT)
    except BaseException:
        if existed:
            for child in directory.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        else:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return written


def _check_branch(where: Path, settings: Settings) -> None:
    # The name is written into YAML flow lists (`branches: [NAME]`): keep to characters
    # that need no quoting there, and to what git accepts.
    if not _BRANCH_NAME.fullmatch(settings.branch) or not gitrepo.is_branch_name(where, settings.branch):
        raise UsageError(
            f"--branch {settings.branch!r} is not a branch name git accepts, or has characters other than "
            "letters, digits, '.', '_', '-' and '/'"
        )


def _check_install(install: str) -> None:
    """Refuse an install line that cannot be this tool: one line, and when it names a
    distribution, this one (`incident-ledger` on the public index is another project)."""
    if not install:
        return
    if "\n" in install or "\r" in install or install.strip() != install:
        raise UsageError("--install takes one requirement line, without surrounding spaces")
    if install.startswith(("-", "#")):
        raise UsageError(f"--install {install!r}: give a requirement, not a pip option or a comment")
    looks_like_location = install.startswith((".", "/", "~")) or "://" in install.split("@")[0]
    named = None if looks_like_location else _NAMED.match(install)
    if named is not None and _canonical(named.group(1)) != DISTRIBUTION:
        raise UsageError(
            f"--install {install!r} installs {named.group(1)!r}, not this tool; "
            f"name {DISTRIBUTION} (e.g. {pinned_requirement()}), a URL or a path"
        )


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def render(text: str, markers: dict[str, str]) -> str:
    """A scaffold file with its markers filled in."""
    for marker, value in markers.items():
        text = text.replace(marker, value)
    return text


def _write_files(directory: Path, markers: dict[str, str]) -> list[str]:
    written = []
    for source in sorted(SCAFFOLD.rglob("*")):
        if source.is_dir() or source.name.startswith(("__", ".")):
            continue
        parts = list(source.relative_to(SCAFFOLD).parts)
        parts[0] = _RENAMES.get(parts[0], parts[0])
        target = directory.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(source.read_text(encoding="utf-8"), markers), encoding="utf-8")
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
