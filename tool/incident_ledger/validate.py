"""`inc validate`: check every record of a repository and collect every problem.

Records are handled one at a time (memory holds ids and problems, not records), in
worker processes when there are enough of them to pay for starting the workers. What
was found in a record is kept in the record cache (`recordcache`), so a record is
checked again only when its bytes, the schema, the policy or the tool change, or when
the clock passes a time its findings depend on (`rules.record.clock_window`). The rules
across records (duplicate ids) always see every record.
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
from .recordcache import RecordCache, blob_id
from .records import find_records
from .rules.record import ALWAYS, Context, clock_window, micros, run_rules
from .rules.repository import Seen, repository_problems
from .rules.secret import no_credentials
from .schema import Schema, schema_dir, schema_files

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
CHUNK = 100
# The record cache's section for what validation found.
CHECKS = "checks"


@dataclass(slots=True)
class FileResult:
    problems: list[Problem]
    seen: Seen | None
    # The record itself, only when asked for (the site) and only when it has no problem:
    # `inc validate` keeps no records, so its memory does not grow with their number.
    data: dict[str, Any] | None = None
    # For the record cache: the blob id of the bytes checked (None when none were read),
    # and the clock readings over which the problems hold.
    blob: str | None = None
    window: tuple[int, int] = ALWAYS


def display_path(file: str, root: Path) -> str:
    """Paths in output are relative to the repository when they can be, as editors expect."""
    top = str(root) + os.sep
    if file.startswith(top) and f"{os.sep}..{os.sep}" not in file:  # the usual case, without resolving anything
        return file[len(top) :].replace(os.sep, "/")
    try:
        return Path(file).absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return file


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


Task = tuple[str, FileResult | None]
_worker_context: Context | None = None


def _init_worker(root: Path, now: datetime) -> None:
    global _worker_context
    _worker_context = Context(Schema(schema_dir(root)), root, now)


def _check_chunk(tasks: list[Task], keep_data: bool) -> list[FileResult]:
    assert _worker_context is not None
    return [check_file(f, _worker_context, keep_data, known) for f, known in tasks]


def _checked(tasks: list[Task], context: Context, jobs: int, keep_data: bool) -> Iterator[FileResult]:
    """Each task's result, from worker processes when there are enough to pay for them."""
    if jobs <= 1 or len(tasks) < PARALLEL_THRESHOLD:
        yield from (check_file(f, context, keep_data, known) for f, known in tasks)
        return
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


def results(
    files: list[str], root: Path, now: datetime, jobs: int, keep_data: bool = False, everything: bool = False
) -> list[FileResult]:
    """Each file's result, in order: from the record cache when it knows the file's bytes
    and the clock is inside the result's window, else checked. With `everything` (the
    files are all the repository's records) entries of files that are gone are dropped."""
    directory = schema_dir(root)
    cache = RecordCache.open(root, schema_files(directory))
    entries = cache.section(CHECKS) if cache is not None else {}
    kept: dict[str, Any] = {}
    gone: set[str] = set()
    clock = micros(now)
    found: list[FileResult | None] = []
    todo: list[tuple[int, str, Task]] = []
    for index, file in enumerate(files):
        path = display_path(file, root)
        entry: Any = entries.get(path)
        known = None
        if cache is not None and _current(entry, clock) and cache.blob(path, file) == entry[0]:
            known = _decode(path, entry)
        if known is not None:
            kept[path] = entry
            if not keep_data or known.problems:
                found.append(known)
                continue
            todo.append((index, path, (file, known)))  # the site wants the record itself: parse it, check nothing
        else:
            todo.append((index, path, (file, None)))
        found.append(None)
    if todo:
        context = Context(Schema(directory), root, now)
        for (index, path, _), result in zip(
            todo, _checked([t for _, _, t in todo], context, jobs, keep_data), strict=True
        ):
            found[index] = result
            if result.blob is None:
                gone.add(path)
                kept.pop(path, None)
            else:
                kept[path] = _encode(result)
    if cache is not None:
        if not everything:
            kept = {**{p: e for p, e in entries.items() if p not in gone}, **kept}
        if kept != entries:
            cache.save(CHECKS, kept)
    return [r for r in found if r is not None]


def _encode(result: FileResult) -> list[Any]:
    seen = result.seen
    return [
        result.blob,
        *result.window,
        [[p.line, p.col, p.rule, p.message] for p in result.problems],
        [seen.id, seen.line, seen.col, seen.duplicate_of, *seen.duplicate_of_at, [list(r) for r in seen.related]]
        if seen
        else None,
    ]


def _current(entry: Any, clock: int) -> bool:
    """Whether a cache entry's findings hold at this clock reading (entries: see `_encode`)."""
    if not (isinstance(entry, list) and len(entry) == 5):
        return False
    low, high = entry[1], entry[2]
    return isinstance(low, int) and isinstance(high, int) and low <= clock < high


def _decode(path: str, entry: Any) -> FileResult | None:
    """A cache entry back as a result; None when it is not one (the cache is signed, but
    an entry written by another version of this code may have another shape)."""
    try:
        blob, low, high, problems, seen = entry
        return FileResult(
            [Problem(path, line, col, rule, message) for line, col, rule, message in problems],
            Seen(seen[0], path, seen[1], seen[2], seen[3], (seen[4], seen[5]), tuple(tuple(r) for r in seen[6]))
            if seen
            else None,
            None,
            blob,
            (low, high),
        )
    except (TypeError, ValueError, IndexError):
        return None


def validate(root: Path, now: datetime, paths: list[Path] | None = None, jobs: int | None = None) -> list[Problem]:
    """Every problem in the repository's records (or the given paths), sorted by path and line."""
    files = find_records(root, paths)
    problems: list[Problem] = []
    seen: list[Seen] = []
    for result in results(files, root, now, jobs or os.cpu_count() or 1, everything=not paths):
        problems += result.problems
        if result.seen:
            seen.append(result.seen)
    problems += repository_problems(seen, root)
    return sorted(set(problems))
