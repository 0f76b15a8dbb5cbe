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
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

from .errors import Problem
from .recordcache import FileResult, RecordCache, current_blob, decode, encode
from .records import display_path, display_paths, find_records, micros
from .rules.repository import Seen, repository_problems
from .schema import schema_dir, schema_files

# The record cache's section for what validation found.
CHECKS = "checks"


def results(
    files: list[str], root: Path, now: datetime, jobs: int, keep_data: bool = False, everything: bool = False
) -> Iterator[FileResult]:
    """Each file's result, in path order (each file once): from the record cache when it
    knows the file's bytes and the clock is inside the result's window, else checked.
    With `everything` (`files` are all the repository's records, as `find_records` sorts
    them) the cache's lines for records that are gone are dropped.

    Two passes beside the cache's section, both in path order: the first finds what must
    be checked (from the lines' stamps: no JSON is parsed), the second yields every
    result while the section is rewritten, so neither the results nor the section are
    ever held whole."""
    directory = schema_dir(root)
    cache = RecordCache.open(root, schema_files(directory))
    ordered = files if everything else sorted(set(files), key=lambda f: display_path(f, root))
    clock = micros(now)
    answered = bytearray(len(ordered))  # 1: the cache's line holds for this file
    todo: list[tuple[str, FileResult | None]] = []
    entries = cache.entries(CHECKS) if cache is not None else None
    for index, (path, file) in enumerate(display_paths(ordered, root)):
        line = entries.find(path) if entries is not None else None
        blob = current_blob(line, clock) if line is not None else None
        if line is None or blob is None or cache is None or cache.blob(path, file) != blob:
            todo.append((file, None))
        elif keep_data and (known := decode(path, line)) is not None and not known.problems:
            todo.append((file, known))  # the site wants the record itself: parse it, check nothing
        else:
            answered[index] = 1
    checking = _checking(todo, directory, root, now, jobs, keep_data)
    with cache.rewrite(CHECKS, complete=everything) if cache is not None else nullcontext() as rewrite:
        for index, (path, file) in enumerate(display_paths(ordered, root)):
            old = rewrite.old(path) if rewrite is not None else None
            result = decode(path, old) if answered[index] and old is not None else None
            if result is not None:
                line = old  # what the cache answered stays as it was, not encoded again
            else:
                # Checked now; or, were a signed line unreadable after all, checked here.
                result = next(checking) if not answered[index] else _check_here(file, directory, root, now)
                line = encode(result) if result.blob is not None else None
            if rewrite is not None:
                rewrite.put(path, line)
            yield result


def _checking(
    todo: list[tuple[str, FileResult | None]], directory: Path, root: Path, now: datetime, jobs: int, keep_data: bool
) -> Iterator[FileResult]:
    if not todo:
        return iter(())
    from . import recordcheck  # here: a run the cache answers whole loads no parser and no rule
    from .rules.record import Context
    from .schema import Schema

    return recordcheck.checked(todo, Context(Schema(directory), root, now), jobs, keep_data)


def _check_here(file: str, directory: Path, root: Path, now: datetime) -> FileResult:
    from . import recordcheck
    from .rules.record import Context
    from .schema import Schema

    return recordcheck.check_file(file, Context(Schema(directory), root, now))


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
