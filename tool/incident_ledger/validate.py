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
from array import array
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from .errors import Problem
from .recordcache import Entries, FileResult, RecordCache, decode, encode, stamp
from .records import display_path, display_paths, find_records, micros
from .rules.repository import SeenRecords, repository_problems
from .schema import schema_dir, schema_files

# The record cache's section for what validation found.
CHECKS = "checks"


def results(
    files: Iterable[str], root: Path, now: datetime, jobs: int, keep_data: bool = False, everything: bool = False
) -> Iterator[FileResult]:
    """Each file's result, once: first those the record cache knows (it knows the file's
    bytes, and the clock is inside the result's window), then those checked now, each in
    path order. With `everything` (`files` are all the repository's records, as
    `find_records` sorts them) the cache's lines for records that are gone are dropped.

    The cache's section is read beside the sorted files, never held parsed; when
    something must change, the section is rewritten as the results of the records
    checked now arrive: only their lines are edited, the rest is copied as it was."""
    directory = schema_dir(root)
    cache = RecordCache.open(root, schema_files(directory))
    ordered = files if everything else sorted(set(files), key=lambda f: display_path(f, root))
    entries = cache.entries(CHECKS) if cache is not None else None
    clock = micros(now)
    todo: list[tuple[str, FileResult | None]] = []
    # Each one's path, and where its line is in the section (or would go): its start and
    # end side by side in an array rather than a tuple a record (a cold run has 10,000).
    paths: list[str] = []
    spans = array("q")
    for path, file in display_paths(ordered, root):
        known = _cached(cache, entries, path, file, clock) if cache is not None and entries is not None else None
        if known is not None and not (keep_data and not known.problems):
            yield known
            continue
        # Checked now; or, when the site wants the record itself, parsed with nothing checked.
        todo.append((file, known))
        if entries is not None:
            paths.append(path)
            spans.extend(entries.span)
    checking = _checking(todo, directory, root, now, jobs, keep_data)
    gone = entries.rest() if entries is not None and everything else []
    if cache is None or not (todo or gone):
        yield from checking
        return
    with cache.rewrite(CHECKS) as rewrite:
        dropped = 0
        ends = iter(spans)
        for path, span, result in zip(paths, zip(ends, ends, strict=True), checking, strict=True):
            while dropped < len(gone) and gone[dropped][0] < span[0]:  # edits go in the order of the body
                rewrite.replace(gone[dropped], None)
                dropped += 1
            line = encode(result).written(path) if result.blob is not None else None
            rewrite.replace(span, line)
            yield result
        for span in gone[dropped:]:
            rewrite.replace(span, None)


def _cached(cache: RecordCache, entries: Entries, path: str, file: str, clock: int) -> FileResult | None:
    """What the cache knows of the record at `path`, if it holds for the file's bytes and
    at this clock reading."""
    line = entries.find(path)
    stamped = stamp(line) if line is not None else None
    if line is None or stamped is None or not stamped[1] <= clock < stamped[2] or cache.blob(path, file) != stamped[0]:
        return None
    return decode(path, line, stamped)


def _checking(
    todo: list[tuple[str, FileResult | None]], directory: Path, root: Path, now: datetime, jobs: int, keep_data: bool
) -> Iterator[FileResult]:
    if not todo:
        return iter(())
    from . import recordcheck  # here: a run the cache answers whole loads no parser and no rule
    from .rules.record import Context
    from .schema import Schema

    return recordcheck.checked(todo, Context(Schema(directory), root, now), jobs, keep_data)


def validate(root: Path, now: datetime, paths: list[Path] | None = None, jobs: int | None = None) -> list[Problem]:
    """Every problem in the repository's records (or the given paths), sorted by path and line."""
    problems: list[Problem] = []
    seen = SeenRecords()
    for result in results(find_records(root, paths), root, now, jobs or os.cpu_count() or 1, everything=not paths):
        problems += result.problems
        if result.seen:
            seen.add(result.seen)
    problems += repository_problems(seen, root)
    return sorted(set(problems))
