"""Checking records: every problem the reader, the schema, the rules and the secret scan
find in one record, and the worker processes that check many.

`inc validate`, `inc check`, the site, the exports and every command that writes a
record check through here; `validate` imports it only when the record cache does not
already know a record, so a run that changed nothing loads no parser and no rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from . import interrupts, yamlio
from .errors import Problem, RecordError
from .records import display_path
from .rules.record import Context, clock_window, run_rules
from .rules.secret import no_credentials
from .schema import Schema, schema_dir

if TYPE_CHECKING:  # loaded by check_file: a command that checks one text needs neither
    from .recordcache import FileResult

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
CHUNK = 100


def check_document(document: yamlio.Document, context: Context) -> list[Problem]:
    """Every problem in one parsed record: the reader's, the schema's and the rules'."""
    return [
        *document.problems,
        *context.schema.problems(document),
        *run_rules(document, context),
        *no_credentials(document),
    ]


def check_file(file: str, context: Context, keep_data: bool = False, known: FileResult | None = None) -> FileResult:
    """One record's result. `known` is what the cache holds for it, when only its data is wanted."""
    from .recordcache import FileResult, blob_id
    from .rules.repository import Seen

    path = display_path(file, context.root)
    try:
        raw = yamlio.read_bytes(Path(file), path)
    except RecordError as error:
        return FileResult(error.problems, None)
    blob = blob_id(raw)
    try:
        document = yamlio.parse(path, yamlio.decode(path, raw))
    except RecordError as error:
        return FileResult(error.problems, None, blob=blob)
    if known is not None and known.blob == blob:
        return FileResult(known.problems, known.seen, document.data, blob, known.window)
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
            _related(document),
        )
    data = document.data if keep_data and not problems else None
    return FileResult(problems, seen, data, blob, clock_window(document, context))


def _related(document: yamlio.Document) -> tuple[tuple[str, int, int], ...]:
    found = document.data.get("related")
    ids = found if isinstance(found, list) else []
    return tuple((i, *document.locate(("related", n))) for n, i in enumerate(ids) if isinstance(i, str))


Task: TypeAlias = "tuple[str, FileResult | None]"
_worker_context: Context | None = None


def _init_worker(root: Path, now: datetime) -> None:
    global _worker_context
    interrupts.in_worker()
    _worker_context = Context(Schema(schema_dir(root)), root, now)


def _check_chunk(tasks: list[Task], keep_data: bool) -> list[FileResult]:
    assert _worker_context is not None
    return [check_file(f, _worker_context, keep_data, known) for f, known in tasks]


def checked(tasks: list[Task], context: Context, jobs: int, keep_data: bool) -> Iterator[FileResult]:
    """Each task's result, from worker processes when there are enough to pay for them."""
    if jobs <= 1 or len(tasks) < PARALLEL_THRESHOLD:
        yield from (check_file(f, context, keep_data, known) for f, known in tasks)
        return
    from concurrent.futures import ProcessPoolExecutor  # here: it loads multiprocessing

    chunks = [tasks[i : i + CHUNK] for i in range(0, len(tasks), CHUNK)]
    try:
        pool = ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(context.root, context.now))
    except (OSError, NotImplementedError):
        # Some sandboxes have no working semaphores (no /dev/shm): check in this process.
        yield from (check_file(f, context, keep_data, known) for f, known in tasks)
        return
    with pool:
        for chunk in pool.map(_check_chunk, chunks, [keep_data] * len(chunks)):
            yield from chunk
