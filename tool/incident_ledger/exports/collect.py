"""`inc export`: read and check every record, pick the ones asked for, write one format.

Records are read through `inc validate`'s checker and worker pool, so an export never
carries a record `inc validate` would reject: an invalid record stops the export (with
the same problems `inc validate` prints) unless the caller chooses to leave it out.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import insight, listing
from ..errors import Problem, RecordError
from ..listing import IncidentFilter
from ..process import RESTRICTED, Process
from ..records import find_records
from ..schema import Schema, schema_dir
from ..validate import check_all
from . import columns, fourkeys, stix, tabular

FORMATS = (*tabular.FORMATS, "fourkeys", "stix")

Record = dict[str, Any]


@dataclass(frozen=True)
class Selection:
    """Which records to export: `inc list`'s filters, and whether restricted ones go too."""

    keep: IncidentFilter = field(default_factory=IncidentFilter)
    include_restricted: bool = False


@dataclass
class Loaded:
    process: Process
    records: list[Record]
    problems: list[Problem] = field(default_factory=list)


def load(root: Path, now: datetime, jobs: int | None = None) -> Loaded:
    """Every record of the repository that passes `inc validate`, and the problems of the others."""
    schema = Schema(schema_dir(root))
    checked = check_all(find_records(root), root, now, jobs or os.cpu_count() or 1, keep_data=True, everything=True)
    loaded = Loaded(Process(schema), checked.records, checked.problems)
    loaded.records.sort(key=lambda r: (str(r.get("detected_at", "")), str(r.get("id", ""))))
    return loaded


def select(loaded: Loaded, selection: Selection, now: datetime) -> list[columns.Subject]:
    """The records the filters keep (as `inc list` keeps them), restricted ones only when
    asked for, each with its related incidents and recurrence."""
    related = insight.related_both_ways(loaded.records)
    kept = listing.select(loaded.process, selection.keep, loaded.records)
    return [
        columns.Subject(r, loaded.process, now, tuple(related.get(str(r.get("id")), ())), recurrence)
        for r, recurrence in kept
        if selection.include_restricted or r.get("visibility") != RESTRICTED
    ]


def stix_facts(process: Process) -> stix.StixFacts:
    criticality = {name: int(s["criticality"]) for name, s in process.severities.items() if "criticality" in s}
    return stix.StixFacts(process, criticality)


def render(fmt: str, loaded: Loaded, subjects: list[columns.Subject]) -> str:
    """The export of the selected records in `fmt`."""
    records = [s.record for s in subjects]
    if fmt == "stix":
        return stix.to_json(stix.bundle(stix.selected(records), stix_facts(loaded.process)))
    if fmt == "fourkeys":
        return tabular.to_ndjson(fourkeys.row(r) for r in records if loaded.process.counted(r))
    return tabular.render(fmt, columns.NAMES, (columns.row(s) for s in subjects))


def export(root: Path, now: datetime, fmt: str, selection: Selection, skip_invalid: bool = False,
           warn: Callable[[str], None] | None = None) -> str:  # fmt: skip
    """The export text; raises RecordError with every problem when a record is invalid."""
    loaded = load(root, now)
    if loaded.problems:
        if not skip_invalid:
            raise RecordError(sorted(set(loaded.problems)))
        if warn is not None:
            paths = sorted({p.path for p in loaded.problems})
            warn(f"left out {len(paths)} invalid record(s): {', '.join(paths)} (inc validate shows why)")
    return render(fmt, loaded, select(loaded, selection, now))
