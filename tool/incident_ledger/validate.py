"""`inc validate`: check every record of a repository and collect every problem.

What was found in a record is kept in the record cache (`recordcache`), so a record is
checked again (`recordcheck`: one at a time, in worker processes when there are enough)
only when its bytes, the schema, the policy or the tool change, or when the clock
passes a time its findings depend on (`rules.record.clock_window`). The rules across
records (duplicate ids) always see every record. Memory holds ids and problems, not
records.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Problem
from .recordcache import Entries, FileResult, RecordCache, Rewrite, Span, decode, encode, stamp
from .records import display_path, display_paths, find_records, micros
from .rules.repository import SeenRecords, repository_problems
from .schema import schema_dir, schema_files

if TYPE_CHECKING:
    from .recordcheck import Checking

# The record cache's section for what validation found.
CHECKS = "checks"


def results(
    files: Iterable[str], root: Path, now: datetime, jobs: int, keep_data: bool = False, everything: bool = False
) -> Iterator[FileResult]:
    """Each file's result, once, in path order but for those checked now, which come as
    their checks end. With `everything` (`files` are all the repository's records, as
    `find_records` gives them) the cache's lines for records that are gone are dropped.

    The cache's section is read beside the files, never held parsed; when something
    must change, the section is rewritten as the pass goes: only the lines of the
    records checked now are edited, the rest is copied as it was. Nothing is kept of a
    record once its result is given: a run holds a few chunks of records in flight."""
    directory = schema_dir(root)
    cache = RecordCache.open(root, schema_files(directory))
    ordered = files if everything else sorted(set(files), key=lambda f: display_path(f, root))
    entries = cache.entries(CHECKS, passed=everything) if cache is not None else None
    clock = micros(now)
    # Each record sent to be checked, in order: its path and where its line is in the
    # section (or would go). And the lines of records that are gone, to drop in order.
    sent: deque[tuple[str, Span]] = deque()
    gone: deque[Span] = deque()
    with ExitStack() as stack:
        rewrite = stack.enter_context(cache.rewrite(CHECKS)) if cache is not None else None
        checking: Checking | None = None
        for path, file in display_paths(ordered, root):
            known = _cached(cache, entries, path, file, clock) if cache is not None and entries is not None else None
            if known is not None and not (keep_data and not known.problems):
                yield known
                continue
            # Checked now; or, when the site wants the record itself, parsed with nothing checked.
            if checking is None:
                checking = stack.enter_context(_checking(directory, root, now, jobs, keep_data))
            if entries is not None:
                gone += entries.passed_over()  # the lines of records gone before this one
            sent.append((path, entries.span if entries is not None else (0, 0)))
            for result in checking.add((file, known)):
                yield _written(result, sent.popleft(), gone, rewrite)
        for result in checking.finish() if checking is not None else ():
            yield _written(result, sent.popleft(), gone, rewrite)
        if rewrite is not None and entries is not None:
            for span in (*gone, *entries.rest()):
                rewrite.replace(span, None)


def _written(result: FileResult, sent: tuple[str, Span], gone: deque[Span], rewrite: Rewrite | None) -> FileResult:
    """A result checked now, once its line is put in the section (in order: first the
    lines of records gone before it are dropped)."""
    if rewrite is not None:
        path, span = sent
        while gone and gone[0][0] < span[0]:
            rewrite.replace(gone.popleft(), None)
        rewrite.replace(span, encode(result).written(path) if result.blob is not None else None)
    return result


def _cached(cache: RecordCache, entries: Entries, path: str, file: str, clock: int) -> FileResult | None:
    """What the cache knows of the record at `path`, if it holds for the file's bytes and
    at this clock reading."""
    line = entries.find(path)
    stamped = stamp(line) if line is not None else None
    if line is None or stamped is None or not stamped[1] <= clock < stamped[2] or cache.blob(path, file) != stamped[0]:
        return None
    return decode(path, line, stamped)


def _checking(directory: Path, root: Path, now: datetime, jobs: int, keep_data: bool) -> Checking:
    from . import recordcheck  # here: a run the cache answers whole loads no parser and no rule
    from .rules.record import Context
    from .schema import Schema

    return recordcheck.Checking(Context(Schema(directory), root, now), jobs, keep_data)


@dataclass
class Checked:
    """What a pass over records found: every problem, each record's and those across
    records; and, when their data was asked for, the records that have none, in path
    order."""

    problems: list[Problem]
    records: list[dict[str, Any]]


def check_all(
    files: Iterable[str],
    root: Path,
    now: datetime,
    jobs: int,
    keep_data: bool = False,
    everything: bool = False,
    look_on_disk: bool = True,
) -> Checked:
    """Check `files` (`results`), then the rules across records over all of them. Every
    record with an id counts for those rules, valid or not: an invalid record still holds
    its id, and a duplicate of it points at a real incident. With `look_on_disk`, an id
    named but not among `files` counts as existing when its file is where its id says."""
    problems: list[Problem] = []
    seen = SeenRecords()
    kept: list[tuple[str, dict[str, Any]]] = []
    for result in results(files, root, now, jobs, keep_data, everything):
        problems += result.problems
        if result.seen is not None:
            seen.add(result.seen)
            if result.data is not None:
                kept.append((result.seen.path, result.data))
    clashes = repository_problems(seen, root if look_on_disk else None)
    bad = {p.path for p in clashes}
    return Checked(problems + clashes, [data for path, data in kept if path not in bad])


def validate(root: Path, now: datetime, paths: list[Path] | None = None, jobs: int | None = None) -> list[Problem]:
    """Every problem in the repository's records (or the given paths), sorted by path and line."""
    checked = check_all(find_records(root, paths), root, now, jobs or os.cpu_count() or 1, everything=not paths)
    return sorted(set(checked.problems))
