"""Every record's headline facts, for `inc list` and `inc actions`, kept in the record cache.

Parsing 10,000 records takes seconds; their facts change only when their bytes do. The
facts are kept in the record cache (`recordcache`, shared with `inc validate` and the
site), keyed by each file's git blob id, so a repeated `inc list` reads only what
changed, and a tracked file git finds unchanged is not even read.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import RecordError
from .recordcache import Line, RecordCache, blob_id, dump
from .records import display_paths, find_records
from .stakeholders import update_facts

# The record cache's section for the facts.
SECTION = "facts"
# Facts `inc list`, `inc show --format` and `inc actions` need; the full record is read by `inc show`.
FACTS = (
    "id",
    "title",
    "status",
    "visibility",
    "exercise",
    "severity",
    "priority",
    "category",
    "services",
    "detected_at",
    "resolved_at",
    "closed_at",
    "action_items",
)
# Derived, not a record field: the last stakeholder update's time and promised next one.
LATEST_UPDATE = "latest_update"


@dataclass(frozen=True)
class Summary:
    path: str
    facts: dict[str, Any]
    error: str | None = None


def _facts(path: str, raw: bytes) -> tuple[dict[str, Any], str | None]:
    try:
        document = yamlio.parse(path, yamlio.decode(path, raw))
    except RecordError as error:
        return {}, str(error).splitlines()[0]
    found = {k: document.data[k] for k in FACTS if k in document.data}
    last = update_facts(document.data)
    if last:
        found[LATEST_UPDATE] = last
    return found, None


def _read(file: str, relative: str) -> bytes | Summary:
    """A record's bytes, or the Summary that says why there are none."""
    try:
        if stat.S_ISLNK(os.lstat(file).st_mode):
            return Summary(relative, {}, f"{relative}: record is a symbolic link; replace it with the file")
        return yamlio.read_bytes(Path(file), relative)
    except RecordError as error:
        return Summary(relative, {}, str(error).splitlines()[0])
    except OSError as error:
        return Summary(relative, {}, f"{relative}: cannot read: {error.strerror}")


def summaries(root: Path) -> list[Summary]:
    """Every record's facts, sorted by path; unreadable records carry an error instead."""
    from .schema import schema_dir, schema_files

    cache = RecordCache.open(root, schema_files(schema_dir(root)))
    records = display_paths(find_records(root), root)
    if cache is None:
        return [_summary(relative, file)[0] for relative, file in records]
    entries = cache.entries(SECTION)
    result = []
    with cache.rewrite(SECTION) as rewrite:
        for relative, file in records:
            old = entries.find(relative)
            for gone in entries.passed_over():
                rewrite.replace(gone, None)  # a record that is gone
            if old is not None and cache.blob(relative, file) == old.stamp.decode("ascii", "replace"):
                known = _known(old)
                if known is not None:
                    result.append(Summary(relative, *known))
                    continue
            summary, line = _summary(relative, file)
            result.append(summary)
            rewrite.replace(entries.span, line)
        for gone in entries.rest():
            rewrite.replace(gone, None)
    return result


def _summary(relative: str, file: str) -> tuple[Summary, bytes | None]:
    """A record's summary, read from its file, and its line in the cache (none when the
    file cannot be read)."""
    raw = _read(file, relative)
    if isinstance(raw, Summary):
        return raw, None
    facts, error = _facts(relative, raw)
    return Summary(relative, facts, error), Line(blob_id(raw).encode("ascii"), dump([facts, error])).written(relative)


def _known(line: Line) -> tuple[dict[str, Any], str | None] | None:
    """A cache line's facts and error (stamp: the blob id; payload: [facts, error])."""
    try:
        facts, error = json.loads(line.payload)
    except (TypeError, ValueError):
        return None
    return (facts, error) if isinstance(facts, dict) and (error is None or isinstance(error, str)) else None
