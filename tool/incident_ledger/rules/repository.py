"""Rules across records: what no single record can tell on its own.

They see what validation keeps of each record (`Seen`), never the records themselves,
and what is kept of each is a few numbers (`SeenRecords`), so `inc validate`'s memory
barely grows with the number of records.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from ..errors import Problem
from ..records import is_valid_id, placed_name, relative_path
from .base import Declare, Example, Kind, Rule

REPOSITORY_RULES: list[Rule] = []
rule = Declare(REPOSITORY_RULES, Kind.REPOSITORY)


class Seen(NamedTuple):
    """What validation finds of a valid-enough record: enough for the rules across records.
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


# A valid id's date and four characters, read as one number in base 36: every character
# they may hold is a base-36 digit, and twelve digits fit in 63 bits.
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _key(incident_id: str) -> int | None:
    """A valid id as one integer; None for any other text. Two ids are equal exactly when
    their keys are."""
    return int(incident_id[4:12] + incident_id[13:], 36) if is_valid_id(incident_id) else None


def _id(key: int) -> str:
    digits = "".join(_DIGITS[key // 36**power % 36] for power in range(11, -1, -1))
    return f"INC-{digits[:8]}-{digits[8:]}"


# A place (line, column) kept as one number: the line times this, plus the column. A
# record is at most 1 MiB (the reader refuses more), so both are far below it.
_PLACE = 2**31


class SeenRecords:
    """Every `Seen` of a run, as the rules across records ask for them.

    A repository of 10,000 records would hold 10,000 tuples, ids and paths (some 250
    bytes a record). Most records are plain: a valid id, in the file that id names,
    pointing at no other incident. Of those only the id (as an integer) and where it is
    written are kept, in arrays: 16 bytes a record. Any other record is kept whole."""

    __slots__ = ("_in_order", "_keys", "_odd", "_places", "_sorted", "_unkeyed")

    def __init__(self) -> None:
        self._keys = array("q")
        self._places = array("q")
        self._odd: dict[int, Seen] = {}  # by index in the arrays
        self._unkeyed: list[Seen] = []  # ids that are not valid ids
        self._sorted: array[int] | None = None
        # Whether the ids came in order, as they do when the records come in path order
        # (a plain record's path ends with its id): then they need no sorting, and no
        # list of 10,000 numbers is made to sort them.
        self._in_order = True

    def add(self, seen: Seen) -> None:
        key = _key(seen.id)
        if key is None:
            self._unkeyed.append(seen)
            return
        line, col = seen.line, seen.col
        if (
            seen.duplicate_of is not None
            or seen.related
            or not (0 <= line < _PLACE and 0 <= col < _PLACE)
            or seen.path != placed_name(seen.id)
        ):
            self._odd[len(self._keys)] = seen
            line = col = 0
        if self._keys and key < self._keys[-1]:
            self._in_order = False
        self._keys.append(key)
        self._places.append(line * _PLACE + col)
        self._sorted = None

    def __len__(self) -> int:
        return len(self._keys) + len(self._unkeyed)

    def __contains__(self, incident_id: str) -> bool:
        """Whether a record of the run has this id."""
        key = _key(incident_id)
        if key is None:
            return any(seen.id == incident_id for seen in self._unkeyed)
        ordered = self._ordered()
        at = bisect_left(ordered, key)
        return at < len(ordered) and ordered[at] == key

    def sharing_ids(self) -> Iterator[list[Seen]]:
        """The records of each id that more than one record has."""
        ordered = self._ordered()
        shared = {a for a, b in pairwise(ordered) if a == b}
        groups: dict[int | str, list[Seen]] = {}
        for index, key in enumerate(self._keys):
            if key in shared:
                groups.setdefault(key, []).append(self._seen(index))
        for seen in self._unkeyed:
            groups.setdefault(seen.id, []).append(seen)
        yield from (group for group in groups.values() if len(group) > 1)

    def pointing(self) -> Iterator[Seen]:
        """The records that name other incidents (`duplicate_of`, `related`)."""
        yield from (seen for seen in (*self._odd.values(), *self._unkeyed) if seen.duplicate_of or seen.related)

    def _seen(self, index: int) -> Seen:
        odd = self._odd.get(index)
        if odd is not None:
            return odd
        incident_id = _id(self._keys[index])
        line, col = divmod(self._places[index], _PLACE)
        return Seen(incident_id, placed_name(incident_id), line, col, None)

    def _ordered(self) -> array[int]:
        if self._in_order:
            return self._keys
        if self._sorted is None:
            self._sorted = array("q", sorted(self._keys))
        return self._sorted


# Where in which file, and what is wrong.
Finding = tuple[str, int, int, str]


def repository_problems(seen: SeenRecords, root: Path | None = None) -> list[Problem]:
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
def ids_unique(seen: SeenRecords, root: Path | None) -> Iterator[Finding]:
    """Ids are unique across the repository.

    Records are found recursively under incidents/; of two records with the same id, the
    later file by path is reported.
    """
    for group in seen.sharing_ids():
        first, *later = sorted(group, key=lambda s: s.path)
        for record in later:
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
def duplicate_of_exists(seen: SeenRecords, root: Path | None) -> Iterator[Finding]:
    """`duplicate_of` names another incident of the repository.

    A `duplicate` record points at the incident it duplicates: never at itself, never at
    an id no record of the repository has. When only some files are checked, the incident
    it points at counts as existing when its file is where its id says.
    """
    for record in seen.pointing():
        target = record.duplicate_of
        if target and (target == record.id or not (target in seen or _on_disk(root, target))):
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
def related_exist(seen: SeenRecords, root: Path | None) -> Iterator[Finding]:
    """Every id in `related` names another incident of the repository.

    Related incidents are listed on both records' pages, so each one must exist: never
    the record itself, never an id no record of the repository has. When only some files
    are checked, an incident counts as existing when its file is where its id says.
    """
    for record in seen.pointing():
        for target, line, col in record.related:
            if target == record.id or not (target in seen or _on_disk(root, target)):
                why = (
                    "this record itself"
                    if target == record.id
                    else "an incident that does not exist in this repository"
                )
                yield record.path, line, col, f"related names {why} ({target}); remove it or correct the id"


def _on_disk(root: Path | None, incident_id: str) -> bool:
    return root is not None and is_valid_id(incident_id) and (root / relative_path(incident_id)).is_file()
