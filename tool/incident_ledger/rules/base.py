"""What a rule is: a stable id, a kind, its documentation, its check and two examples.

As in yamllint, each rule is declared once, next to its check, and the check's docstring
is the rule's user documentation: `inc rules`, README's tables and the tests read it
from the registry (`rules.registry`), never from a copy.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from typing import Any, TypeVar


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


class Example:
    """A small record (or a change to one) that a rule refuses or lets through.

    For reader rules `text` is a whole file. For the other kinds it is a fragment of a
    record: its top-level fields stand in for those of a complete, valid record, and a
    leading comment line stands in for the record's first line.
    """

    __slots__ = ("added", "before", "before_path", "others", "path", "taken", "text")

    def __init__(
        self,
        text: str | None,
        before: str | None = None,
        path: str | None = None,
        before_path: str | None = None,
        taken: str | None = None,
        others: tuple[str, ...] = (),
        added: str | None = None,
    ) -> None:
        self.text = text  # the record; None when the change deletes it
        # History rules: the record at the base of the change (None: the change adds it).
        self.before = before
        # Where the record is, when the rule is about paths ("PATH -> TARGET" for a link).
        self.path = path
        self.before_path = before_path
        # History rules: the target branch meanwhile has another record at this path.
        self.taken = taken
        # Repository rules: the other records of the repository.
        self.others = others
        # History rules: when the change was committed (None: as the entries it adds say).
        self.added = added


class Rule:
    """One rule: its id is what output, README and `inc rules` show."""

    __slots__ = ("check", "doc", "failing", "id", "kind", "passing", "warning")

    def __init__(
        self,
        id: str,
        kind: Kind,
        doc: str,
        failing: Example,
        passing: Example,
        check: Callable[..., Iterator[Any]] | None = None,
        warning: bool = False,
    ) -> None:
        self.id = id
        self.kind = kind
        self.doc = doc
        self.failing = failing
        self.passing = passing
        # The function that finds the rule's problems; None for reader rules, which the
        # reader (`yamlio`) checks in its one pass over the file.
        self.check = check
        # A warning is shown to the reviewer and never fails the command.
        self.warning = warning

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

    def __call__(
        self, rule_id: str, *, failing: Example, passing: Example, warning: bool = False
    ) -> Callable[[AnyCheck], AnyCheck]:
        def register(check: AnyCheck) -> AnyCheck:
            doc = clean_doc(check.__doc__)
            self.registry.append(Rule(rule_id, self.kind, doc, failing, passing, check, warning))
            return check

        return register
