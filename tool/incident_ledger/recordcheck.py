"""Checking records: every problem the reader, the schema, the rules and the secret scan
find in one record, and the worker processes that check many.

`inc validate`, `inc check`, the site, the exports and every command that writes a
record check through here; `validate` imports it only when the record cache does not
already know a record, so a run that changed nothing loads no parser and no rule.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from . import interrupts, yamlio
from .errors import Problem, RecordError
from .records import display_path
from .rules.record import Context, clock_window, run_rules
from .rules.secret import no_credentials
from .schema import Schema, schema_dir

if TYPE_CHECKING:  # loaded when used: a command that checks one text needs neither
    from concurrent.futures import Future, ProcessPoolExecutor

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


class Checking:
    """Records checked as they are handed over (`add`), each result given back in the
    order its record came: in this process until there are enough records to pay for
    worker processes, then by workers, a few chunks in flight at a time. Nothing holds a
    list of every record, so a cold `inc validate` does not grow with the repository.
    A context manager: leaving it stops the workers, dropping the chunks not yet begun."""

    def __init__(self, context: Context, jobs: int, keep_data: bool) -> None:
        self._context, self._jobs, self._keep_data = context, jobs, keep_data
        self._waiting: list[Task] = []  # not yet sent: a chunk, or the first records
        self._pool: ProcessPoolExecutor | None = None
        self._sent: deque[Future[list[FileResult]]] = deque()
        self._here = jobs <= 1  # checked in this process, as they come

    def add(self, task: Task) -> list[FileResult]:
        """Check a record; the results that are ready, in order (none, or several)."""
        if self._here:
            return [self._check(task)]
        self._waiting.append(task)
        if self._pool is None:
            if len(self._waiting) < PARALLEL_THRESHOLD:
                return []
            self._start()
            if self._pool is None:  # no workers here after all
                return self._in_process()
        self._send()
        ready: list[FileResult] = []
        # Enough in flight to keep every worker busy; past that, wait for the oldest.
        while self._sent and (self._sent[0].done() or len(self._sent) > 2 * self._jobs):
            ready += self._sent.popleft().result()
        return ready

    def finish(self) -> Iterator[FileResult]:
        """The results of the records still waiting or in flight, in order."""
        if self._pool is None:
            yield from self._in_process()
            return
        self._send(rest=True)
        while self._sent:
            yield from self._sent.popleft().result()

    def _check(self, task: Task) -> FileResult:
        file, known = task
        return check_file(file, self._context, self._keep_data, known)

    def _in_process(self) -> list[FileResult]:
        waiting, self._waiting = self._waiting, []
        self._here = True
        return [self._check(task) for task in waiting]

    def _start(self) -> None:
        from concurrent.futures import ProcessPoolExecutor  # here: it loads multiprocessing

        context = self._context
        # Some sandboxes have no working semaphores (no /dev/shm): then no pool, and the
        # records are checked in this process.
        with suppress(OSError, NotImplementedError):
            self._pool = ProcessPoolExecutor(self._jobs, initializer=_init_worker, initargs=(context.root, context.now))

    def _send(self, rest: bool = False) -> None:
        """Send the records waiting to the workers, in whole chunks (and the `rest`)."""
        assert self._pool is not None
        while len(self._waiting) >= CHUNK or (rest and self._waiting):
            chunk, self._waiting = self._waiting[:CHUNK], self._waiting[CHUNK:]
            self._sent.append(self._pool.submit(_check_chunk, chunk, self._keep_data))

    def __enter__(self) -> Checking:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
