"""The records a site build publishes: read, checked like `inc validate`, filtered by audience.

Knows nothing of MkDocs: the plugin turns `Invalid` into a `PluginError` or a warning.
Confidentiality is decided here, once: a record is published when its visibility is in
the audience's set, and every page, feed and figure is made from `Catalog.published`
only, so an excluded record cannot leak through any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import yamlio
from ..errors import Problem, RecordError
from ..records import find_records, parse_time
from ..rules import Context
from ..schema import Schema, schema_dir
from ..validate import Seen, check_document, display_path, repository_problems

# restricted is in no audience: such records are never published.
AUDIENCES: dict[str, frozenset[str]] = {
    "public": frozenset({"public"}),
    "internal": frozenset({"public", "internal"}),
}


@dataclass
class Invalid:
    """The records left out because they have problems (with those problems)."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return sorted({p.path for p in self.problems})

    def lines(self) -> list[str]:
        return [f"{p.path}:{p.line}:{p.col}: {p.rule}: {p.message}" for p in sorted(set(self.problems))]


@dataclass
class Catalog:
    schema: Schema
    now: datetime
    published: list[dict[str, Any]]
    withheld: int
    invalid: Invalid


def load(root: Path, incidents: Path, audience: str, now: datetime) -> Catalog:
    """Read every record under `incidents`, keep the valid ones the audience may read."""
    schema = Schema(schema_dir(root))
    context = Context(schema, root, now)
    invalid = Invalid()
    documents: list[yamlio.Document] = []
    seen: list[Seen] = []
    for file in find_records(root, [incidents]) if incidents.is_dir() else []:
        path = display_path(file, root)
        try:
            # Checked under its absolute path: the path-mismatch rule resolves the
            # document's path against the working directory, which is not the
            # repository when MkDocs runs from site/. Messages show `path` again.
            document = yamlio.read(file, str(file.absolute()))
        except RecordError as error:
            invalid.problems += [replace(p, path=path) for p in error.problems]
            continue
        problems = check_document(document, context)
        document.path = path
        if problems:
            invalid.problems += [replace(p, path=path) for p in problems]
            continue
        documents.append(document)
        line, col = document.locate(("id",))
        seen.append(Seen(document.data["id"], path, line, col, document.data.get("duplicate_of")))
    clashes = repository_problems(seen)
    invalid.problems += clashes
    bad = {p.path for p in clashes}
    allowed = AUDIENCES[audience]
    valid = [d.data for d in documents if d.path not in bad]
    published = [d for d in valid if d["visibility"] in allowed]
    published.sort(key=_newest_first)
    return Catalog(schema, now, published, len(valid) - len(published), invalid)


def _newest_first(record: dict[str, Any]) -> tuple[float, str]:
    detected = parse_time(record["detected_at"])
    return (-(detected.timestamp() if detected else 0.0), record["id"])
