"""What a rule is: a stable id, a kind, its documentation, its check and two examples.

As in yamllint, each rule is declared once, next to its check, and the check's docstring
is the rule's user documentation: `inc rules`, README's tables and the tests read it
from the registry (`rules.registry`), never from a copy.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, TypeVar


class Kind(str, enum.Enum):
    """When a rule runs, which says what its check sees."""

    READER = "reader"  # while the file is read: the YAML itself (`inc validate`, every command)
    SCHEMA = "schema"  # the record against schemas/incident.schema.json
    RECORD = "record"  # one record at a time, beyond its schema
    SECRET = "secret"  # one record's text
    REPOSITORY = "repository"  # all records together
    HISTORY = "history"  # what a change does to a record (`inc check`)

    def __str__(self) -> str:
        return self.value


class Example(NamedTuple):
    """A small record (or a change to one) that a rule refuses or lets through.

    For reader rules `text` is a whole file. For the other kinds it is a fragment of a
    record: its top-level fields stand in for those of a complete, valid record, and a
    leading comment line stands in for the record's first line.
    """

    text: str | None  # the record; None when the change deletes it
    # History rules: the record at the base of the change (None: the change adds it).
    before: str | None = None
    # Where the record is, when the rule is about paths ("PATH -> TARGET" for a link).
    path: str | None = None
    before_path: str | None = None
    # History rules: the target branch meanwhile has another record at this path.
    taken: str | None = None
    # Repository rules: the other records of the repository.
    others: tuple[str, ...] = ()


class Rule(NamedTuple):
    """One rule: its id is what output, README and `inc rules` show."""

    id: str
    kind: Kind
    doc: str
    failing: Example
    passing: Example
    # The function that finds the rule's problems; None for reader rules, which the
    # reader (`yamlio`) checks in its one pass over the file.
    check: Callable[..., Iterator[Any]] | None = None

    @property
    def summary(self) -> str:
        """The doc's first line: what `inc rules` lists."""
        return self.doc.split("\n", 1)[0]

    @property
    def details(self) -> str:
        """The doc after its first line, as one paragraph."""
        rest = self.doc.split("\n", 1)[1] if "\n" in self.doc else ""
        return " ".join(rest.split())

    @property
    def paragraph(self) -> str:
        """The whole doc as one paragraph (README's tables)."""
        return " ".join(self.doc.split())


def clean_doc(text: str | None) -> str:
    """A docstring as a rule doc: its summary line, a newline, the rest as one paragraph."""
    lines = (text or "").strip().split("\n")
    summary = lines[0].strip()
    rest = " ".join(" ".join(lines[1:]).split())
    return f"{summary}\n{rest}" if rest else summary


AnyCheck = TypeVar("AnyCheck", bound=Callable[..., Iterator[Any]])


class Declare:
    """`@rule(ID, failing=..., passing=...)` on a check adds its rule to a kind's registry."""

    def __init__(self, registry: list[Rule], kind: Kind) -> None:
        self.registry = registry
        self.kind = kind

    def __call__(self, rule_id: str, *, failing: Example, passing: Example) -> Callable[[AnyCheck], AnyCheck]:
        def register(check: AnyCheck) -> AnyCheck:
            self.registry.append(Rule(rule_id, self.kind, clean_doc(check.__doc__), failing, passing, check))
            return check

        return register
