"""Rules across records: what no single record can tell on its own.

They see what validation keeps of each record (`Seen`), never the records themselves,
so `inc validate` holds ids in memory, not records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from ..errors import Problem
from ..records import is_valid_id, relative_path
from .base import Declare, Example, Kind, Rule

REPOSITORY_RULES: list[Rule] = []
rule = Declare(REPOSITORY_RULES, Kind.REPOSITORY)


class Seen(NamedTuple):
    """What validation keeps of a valid-enough record: enough for the rules across records.
    A NamedTuple: a cached `inc validate` makes one per record, and a tuple is made in a
    fifth of a frozen dataclass's time."""

    id: str
    path: str
    line: int
    col: int
    duplicate_of: str | None
    # Where `duplicate_of` is written, so a problem with it points there.
    duplicate_of_at: tuple[int, int] = (1, 1)
    # The ids in `related`, each with where it is written.
    related: tuple[tuple[str, int, int], ...] = ()


# Where in which file, and what is wrong.
Finding = tuple[str, int, int, str]


def repository_problems(seen: list[Seen], root: Path | None = None) -> list[Problem]:
    """Every problem across the records `seen`; `root` finds records that were not checked."""
    problems = []
    for each in REPOSITORY_RULES:
        assert each.check is not None
        problems += [Problem(path, line, col, each.id, message) for path, line, col, message in each.check(seen, root)]
    return problems


@rule(
    "duplicate-id",
    failing=Example(
        "id: INC-20261103-3V5G\n",
        path="incidents/2026/old/INC-20261103-3V5G.yaml",
        others=("id: INC-20261103-3V5G\n",),
    ),
    passing=Example("id: INC-20261103-3V5G\n", others=("id: INC-20261104-7KQM\n",)),
)
def ids_unique(seen: list[Seen], root: Path | None) -> Iterator[Finding]:
    """Ids are unique across the repository.

    Records are found recursively under incidents/; of two records with the same id, the
    later file by path is reported.
    """
    first_by_id: dict[str, Seen] = {}
    for record in sorted(seen, key=lambda s: s.path):
        first = first_by_id.setdefault(record.id, record)
        if first is not record:
            yield (
                record.path,
                record.line,
                record.col,
                f"id {record.id} is already used by {first.path}; give this incident a new id (inc new creates one)",
            )


@rule(
    "duplicate-of",
    failing=Example("status: duplicate\nduplicate_of: INC-20261104-7KQM\n"),
    passing=Example("status: duplicate\nduplicate_of: INC-20261104-7KQM\n", others=("id: INC-20261104-7KQM\n",)),
)
def duplicate_of_exists(seen: list[Seen], root: Path | None) -> Iterator[Finding]:
    """`duplicate_of` names another incident of the repository.

    A `duplicate` record points at the incident it duplicates: never at itself, never at
    an id no record of the repository has. When only some files are checked, the incident
    it points at counts as existing when its file is where its id says.
    """
    ids = {record.id for record in seen}
    for record in seen:
        target = record.duplicate_of
        if target and (target == record.id or not (target in ids or _on_disk(root, target))):
            why = "itself" if target == record.id else "an incident that does not exist in this repository"
            yield (
                record.path,
                *record.duplicate_of_at,
                f"duplicate_of names {why} ({target}); name the incident this one duplicates",
            )


@rule(
    "related",
    failing=Example("related:\n  - INC-20261104-7KQM\n"),
    passing=Example("related:\n  - INC-20261104-7KQM\n", others=("id: INC-20261104-7KQM\n",)),
)
def related_exist(seen: list[Seen], root: Path | None) -> Iterator[Finding]:
    """Every id in `related` names another incident of the repository.

    Related incidents are listed on both records' pages, so each one must exist: never
    the record itself, never an id no record of the repository has. When only some files
    are checked, an incident counts as existing when its file is where its id says.
    """
    ids = {record.id for record in seen}
    for record in seen:
        for target, line, col in record.related:
            if target == record.id or not (target in ids or _on_disk(root, target)):
                why = (
                    "this record itself"
                    if target == record.id
                    else "an incident that does not exist in this repository"
                )
                yield record.path, line, col, f"related names {why} ({target}); remove it or correct the id"


def _on_disk(root: Path | None, incident_id: str) -> bool:
    return root is not None and is_valid_id(incident_id) and (root / relative_path(incident_id)).is_file()
