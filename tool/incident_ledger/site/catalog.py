"""The records a site build publishes: read, checked like `inc validate`, filtered by audience.

Knows nothing of MkDocs: the plugin turns `Invalid` into a `PluginError` or a warning.
Confidentiality is decided here, once: a record is published when its visibility is in
the audience's set, and every page, feed and figure is made from `Catalog.published`
only, so an excluded record cannot leak through any of them.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import yamlio
from ..errors import Problem, RecordError
from ..records import find_records, parse_time
from ..rules import Context
from ..schema import Schema, schema_dir
from ..validate import CHUNK, PARALLEL_THRESHOLD, Seen, check_document, display_path, repository_problems

# restricted is in no audience: such records are never published.
AUDIENCES: dict[str, frozenset[str]] = {
    "public": frozenset({"public"}),
    "internal": frozenset({"public", "internal"}),
}


@dataclass
class Invalid:
    """The records left out because they have problems (with those problems)."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return sorted({p.path for p in self.problems})

    def lines(self) -> list[str]:
        return [f"{p.path}:{p.line}:{p.col}: {p.rule}: {p.message}" for p in sorted(set(self.problems))]


@dataclass
class Catalog:
    schema: Schema
    now: datetime
    published: list[dict[str, Any]]
    withheld: int
    invalid: Invalid


@dataclass
class _Checked:
    path: str
    data: dict[str, Any] | None
    problems: list[Problem]
    line: int = 1
    col: int = 1
    # Every record with an id counts for the rules across records, valid or not: an
    # invalid record still holds its id, and a duplicate of it points at a real incident.
    seen: Seen | None = None


def _check(file: Path, root: Path, context: Context) -> _Checked:
    """Read and check one record as `inc validate` does (same problems, same messages)."""
    path = display_path(file, root)
    try:
        # Checked under its absolute path: the path-mismatch rule resolves the document's
        # path against the working directory, which is not the repository when MkDocs
        # runs from site/. Messages show the repository-relative `path` again.
        document = yamlio.read(file, str(file.absolute()))
    except RecordError as error:
        return _Checked(path, None, [replace(p, path=path) for p in error.problems])
    problems = [replace(p, path=path) for p in check_document(document, context)]
    line, col = document.locate(("id",))
    incident_id, duplicate_of = document.data.get("id"), document.data.get("duplicate_of")
    seen = None
    if isinstance(incident_id, str):
        target = duplicate_of if isinstance(duplicate_of, str) else None
        seen = Seen(incident_id, path, line, col, target, document.locate(("duplicate_of",)))
    return _Checked(path, None if problems else document.data, problems, line, col, seen)


_worker: tuple[Path, Context] | None = None


def _init_worker(root: Path, now: datetime) -> None:
    global _worker
    _worker = (root, Context(Schema(schema_dir(root)), root, now))


def _check_chunk(files: list[Path]) -> list[_Checked]:
    assert _worker is not None
    return [_check(f, *_worker) for f in files]


def _check_all(files: list[Path], root: Path, context: Context) -> list[_Checked]:
    # Reading a record with locations costs ~1.5 ms: past a few hundred records, worker
    # processes (one per core, as `inc validate` uses) pay for their start-up.
    jobs = os.cpu_count() or 1
    if jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
        return [_check(f, root, context) for f in files]
    size = max(CHUNK, len(files) // (jobs * 4) + 1)
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(root, context.now)) as pool:
        return [checked for chunk in pool.map(_check_chunk, chunks) for checked in chunk]


def load(root: Path, incidents: Path, audience: str, now: datetime) -> Catalog:
    """Read every record under `incidents`, keep the valid ones the audience may read."""
    schema = Schema(schema_dir(root))
    context = Context(schema, root, now)
    files = list(find_records(root, [incidents])) if incidents.is_dir() else []
    invalid = Invalid()
    valid: list[_Checked] = []
    seen: list[Seen] = []
    for checked in _check_all(files, root, context):
        invalid.problems += checked.problems
        if checked.data is not None:
            valid.append(checked)
        if checked.seen is not None:
            seen.append(checked.seen)
    clashes = repository_problems(seen)
    invalid.problems += clashes
    bad = {p.path for p in clashes}
    allowed = AUDIENCES[audience]
    records = [c.data for c in valid if c.data is not None and c.path not in bad]
    published = [d for d in records if d["visibility"] in allowed]
    published.sort(key=_newest_first)
    return Catalog(schema, now, published, len(records) - len(published), invalid)


def _newest_first(record: dict[str, Any]) -> tuple[float, str]:
    detected = parse_time(record["detected_at"])
    return (-(detected.timestamp() if detected else 0.0), record["id"])
