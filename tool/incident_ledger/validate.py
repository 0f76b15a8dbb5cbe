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
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import Problem
from .recordcache import FileResult, RecordCache, decode, encode
from .records import display_path, find_records, micros
from .rules.repository import Seen, repository_problems
from .schema import schema_dir, schema_files

# The record cache's section for what validation found.
CHECKS = "checks"


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
    todo: list[tuple[int, str, tuple[str, FileResult | None]]] = []
    for index, file in enumerate(files):
        path = display_path(file, root)
        entry: Any = entries.get(path)
        known = decode(path, entry, clock) if cache is not None else None
        if known is not None and cache is not None and cache.blob(path, file) != known.blob:
            known = None
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
        from . import recordcheck  # here: a run the cache answers whole loads no parser and no rule
        from .rules.record import Context
        from .schema import Schema

        context = Context(Schema(directory), root, now)
        checking = recordcheck.checked([t for _, _, t in todo], context, jobs, keep_data)
        for (index, path, _), result in zip(todo, checking, strict=True):
            found[index] = result
            if result.blob is None:
                gone.add(path)
                kept.pop(path, None)
            else:
                kept[path] = encode(result)
    if cache is not None:
        if not everything:
            kept = {**{p: e for p, e in entries.items() if p not in gone}, **kept}
        if kept != entries:
            cache.save(CHECKS, kept)
    return [r for r in found if r is not None]


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
