"""Incident records as files: ids, where a record lives, finding them, reading their times.

Knows nothing of git or the CLI: a record is a file under `incidents/` and a mapping of
fields once read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from .errors import UsageError
from .safetext import shown

INCIDENTS_DIR = "incidents"
RECORD_SUFFIXES = (".yaml", ".yml")
# Crockford base32 leaves out I, L, O and U so an id read aloud on a bridge call is
# never mistaken; four random characters let two branches create incidents the same
# day without colliding (32**4 = 1,048,576 ids per day).
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_PATTERN = re.compile(r"INC-(?P<date>[0-9]{8})-[0-9A-HJKMNP-TV-Z]{4}\Z")
MODELINE_PREFIX = "# yaml-language-server: $schema="
SCHEMAS_DIR = "schemas"
SCHEMA_FILE = "incident.schema.json"


def bundled_schemas() -> Path:
    """The schemas shipped in the package, for a repository without its own."""
    package = Path(__file__).resolve().parent
    installed = package / SCHEMAS_DIR
    if installed.is_dir():
        return installed
    # An editable install runs from the source tree, where the bundled copy's source,
    # the top-level schemas/, sits two folders above this package.
    return package.parents[1] / SCHEMAS_DIR


def is_valid_id(text: str) -> bool:
    return ID_PATTERN.match(text) is not None


def new_id(detected_at: datetime, token: str | None = None) -> str:
    """`INC-<UTC detection date>-<4 random Crockford characters>`."""
    day = detected_at.astimezone(timezone.utc).strftime("%Y%m%d")
    # The system's random source, as `secrets.choice` uses it; `secrets` itself would load
    # OpenSSL (for its token helpers), ~7 ms of `inc new`.
    from random import SystemRandom

    token = token or "".join(SystemRandom().choice(CROCKFORD) for _ in range(4))
    return f"INC-{day}-{token}"


def relative_path(incident_id: str) -> Path:
    """Where a record lives, relative to the repository: incidents/<YYYY>/<ID>.yaml."""
    return Path(relative_name(incident_id))


def relative_name(incident_id: str) -> str:
    """`relative_path` as text with "/" (as git and `inc validate` show paths)."""
    if ID_PATTERN.match(incident_id) is None:
        # Checked before any path is built: an id is untrusted input that becomes a path.
        raise UsageError(f"{shown(incident_id)} is not an incident id; ids look like INC-20261103-4HQ2")
    return placed_name(incident_id)


def placed_name(valid_id: str) -> str:
    """`relative_name` of an id already known to be valid (`is_valid_id`), unchecked."""
    return f"{INCIDENTS_DIR}/{valid_id[4:8]}/{valid_id}.yaml"


def ledger_root(start: Path, top: Path | None, in_git: bool) -> Path | None:
    """The folder whose incidents/ and schemas/ a command works on, or None.

    The nearest folder up from `start` holding incidents/ or the schema, never above
    `top`, the top of the work tree git itself finds from `start` (GIT_DIR and
    GIT_WORK_TREE included); else that top. Walking past it would find an enclosing
    repository's folders, and commit there. Outside git: the nearest such folder or one
    holding .git. In git but with no work tree (a bare repository): `start`.
    """
    if in_git and top is None:
        return start  # a bare repository, or inside a git directory: no work tree to walk
    ceiling = os.path.realpath(top) if top is not None else None
    for folder in (start, *start.parents):
        if (folder / INCIDENTS_DIR).exists() or (folder / "schemas" / "incident.schema.json").is_file():
            return folder
        if ceiling is not None and os.path.realpath(folder) == ceiling:
            return folder
        if not in_git and (folder / ".git").exists():
            return folder
    return top


def modeline(record_file: Path, root: Path) -> str:
    """The editor modeline pointing at the repository's schema, relative to the record."""
    depth = len(record_file.relative_to(root).parts) - 1
    return f"{MODELINE_PREFIX}{'../' * depth}{SCHEMAS_DIR}/{SCHEMA_FILE}"


def no_records_folder(root: Path) -> str | None:
    """The warning for a repository without `incidents/`, None when it has one.

    Such a repository is valid (a fresh one, or one whose last record was deleted: git
    keeps no empty folders), but a job or a reader in the wrong folder would otherwise
    see "all valid" or an empty list and never notice.
    """
    if (root / INCIDENTS_DIR).is_dir():
        return None
    return f"no {INCIDENTS_DIR}/ folder in {root}; it holds no records"


def find_records(root: Path, paths: list[Path] | None = None) -> Iterator[str]:
    """Record files under `incidents/` (recursively), or under the paths given, in order:
    each folder's in the order of their full names, as `sorted` gives them.

    Names, not Paths: a repository holds tens of thousands of records, and making a
    Path of each costs more than the rest of a cached `inc validate`. Found as they are
    asked for, holding the names of one folder at a time rather than a list of all.
    A path given that does not exist is refused at once.
    """
    if not paths and not (root / INCIDENTS_DIR).exists():
        # git keeps no empty folders: a repository whose last record was deleted, or a
        # fresh one, simply has no records.
        return iter(())
    targets = paths if paths else [root / INCIDENTS_DIR]
    for target in targets:
        if not (target.exists() or target.is_symlink()):
            raise UsageError(f"{target}: no such file or directory")
    if len(targets) == 1 and _is_folder(targets[0]):
        return _files_under(str(targets[0]))  # the usual case, one generator less a record
    return _found(targets)


def _is_folder(target: Path) -> bool:
    return target.is_dir() and not target.is_symlink()


def _found(targets: list[Path]) -> Iterator[str]:
    for target in targets:
        if _is_folder(target):
            yield from _files_under(str(target))
        else:
            yield str(target)


def _files_under(top: str) -> Iterator[str]:
    """Record files below a folder, as `sorted` orders their full names. Folders that are
    symbolic links are not followed; files that are, are listed (the reader refuses them
    with a message). A folder that cannot be read is passed over, as `os.walk` does."""
    # The folders being listed, innermost last: each one's path and its names still to go.
    open_folders = [(top + os.sep, iter(_names(top)))]
    while open_folders:
        prefix, names = open_folders[-1]
        for name in names:
            if name.endswith(os.sep):
                open_folders.append((prefix + name, iter(_names(prefix + name[:-1]))))
                break
            yield prefix + name
        else:
            open_folders.pop()


def _names(folder: str) -> list[str]:
    """A folder's record files and its folders (named with a separator after them,
    where their files sort), sorted."""
    names: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if _is_dir(entry):
                    if not entry.is_symlink():
                        names.append(entry.name + os.sep)
                elif entry.name.endswith(RECORD_SUFFIXES) and entry.name not in RECORD_SUFFIXES:
                    names.append(entry.name)
    except OSError:
        return []
    names.sort()
    return names


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is a folder, or a link to one. A link that loops or leads where we
    may not look is not: it is listed, and the reader says what is wrong with it."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 timestamp with a zone, or None when it is not one (the schema says why)."""
    if not isinstance(value, str) or ("T" not in value and "t" not in value):
        return None
    return _parse_time(value)


# Several rules read the same timestamps of a record; a small cache parses each once.
@lru_cache(maxsize=512)
def _parse_time(value: str) -> datetime | None:
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def display_path(file: str, root: Path) -> str:
    """Paths in output are relative to the repository when they can be, as editors expect."""
    return next(display_paths([file], root))[0]


def display_paths(files: Iterable[str], root: Path) -> Iterator[tuple[str, str]]:
    """Each file with its `display_path`: for a run over every record, without a call each."""
    top = str(root) + os.sep
    parent = f"{os.sep}..{os.sep}"
    for file in files:
        if file.startswith(top) and parent not in file:  # the usual case, without resolving anything
            yield file[len(top) :].replace(os.sep, "/"), file
            continue
        try:
            yield Path(file).absolute().relative_to(root.absolute()).as_posix(), file
        except ValueError:
            yield file, file


# The clock's range, in microseconds since the epoch: what holds at any time holds in it.
ALWAYS = (-(2**63), 2**63 - 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def micros(moment: datetime) -> int:
    """A time as microseconds since the epoch: exact, and comparable as integers."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def format_time(moment: datetime) -> str:
    """How commands write a timestamp: UTC, to the second, with a Z."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
