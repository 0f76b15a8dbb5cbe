"""`inc validate`: check every record of a repository and collect every problem.

Records are handled one at a time (memory holds ids and problems, not records), in
worker processes when there are enough of them to pay for starting the workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import Problem, RecordError
from .records import find_records
from .rules.record import Context, run_rules
from .rules.repository import Seen, repository_problems
from .rules.secret import no_credentials
from .schema import Schema, schema_dir

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
CHUNK = 100


@dataclass(slots=True)
class FileResult:
    problems: list[Problem]
    seen: Seen | None
    # The record itself, only when asked for (the site) and only when it has no problem:
    # `inc validate` keeps no records, so its memory does not grow with their number.
    data: dict[str, Any] | None = None


def display_path(file: Path, root: Path) -> str:
    """Paths in output are relative to the repository when they can be, as editors expect."""
    try:
        return file.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return str(file)


def check_document(document: yamlio.Document, context: Context) -> list[Problem]:
    """Every problem in one parsed record: the reader's, the schema's and the rules'."""
    return [
        *document.problems,
        *context.schema.problems(document),
        *run_rules(document, context),
        *no_credentials(document),
    ]


def check_file(file: Path, context: Context, keep_data: bool = False) -> FileResult:
    path = display_path(file, context.root)
    try:
        document = yamlio.read(file, path)
    except RecordError as error:
        return FileResult(error.problems, None)
    problems = check_document(document, context)
    seen = None
    incident_id = document.data.get("id")
    if isinstance(incident_id, str):
        duplicate_of = document.data.get("duplicate_of")
        seen = Seen(
            incident_id,
            path,
            *document.locate(("id",)),
            duplicate_of if isinstance(duplicate_of, str) else None,
            document.locate(("duplicate_of",)),
        )
    return FileResult(problems, seen, document.data if keep_data and not problems else None)


_worker_context: Context | None = None


def _init_worker(root: Path, now: datetime) -> None:
    global _worker_context
    _worker_context = Context(Schema(schema_dir(root)), root, now)


def _check_chunk(files: list[Path], keep_data: bool) -> list[FileResult]:
    assert _worker_context is not None
    return [check_file(f, _worker_context, keep_data) for f in files]


def results(files: list[Path], context: Context, jobs: int, keep_data: bool = False) -> Iterator[FileResult]:
    """Each file's result, from worker processes when there are enough files to pay for them."""
    if jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
        yield from (check_file(f, context, keep_data) for f in files)
        return
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    try:
        pool = ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(context.root, context.now))
    except (OSError, NotImplementedError):
        # Some sandboxes have no working semaphores (no /dev/shm): check in this process.
        yield from (check_file(f, context, keep_data) for f in files)
        return
    with pool:
        for chunk in pool.map(_check_chunk, chunks, [keep_data] * len(chunks)):
            yield from chunk


def validate(root: Path, now: datetime, paths: list[Path] | None = None, jobs: int | None = None) -> list[Problem]:
    """Every problem in the repository's records (or the given paths), sorted by path and line."""
    context = Context(Schema(schema_dir(root)), root, now)
    files = list(find_records(root, paths))
    problems: list[Problem] = []
    seen: list[Seen] = []
    for result in results(files, context, jobs or os.cpu_count() or 1):
        problems += result.problems
        if result.seen:
            seen.append(result.seen)
    problems += repository_problems(seen, root)
    return sorted(set(problems))
