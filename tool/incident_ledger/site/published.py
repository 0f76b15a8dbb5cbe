"""The records a site build publishes: read, checked like `inc validate`, filtered by audience.

Knows nothing of MkDocs: the plugin turns `Invalid` into a `PluginError` or a warning.
Confidentiality is decided here, once: a record is published when its visibility is in
the audience's set, references in published records to any other record are redacted,
and every page, feed and figure is made from `Catalog.published` only, so an excluded
record (its text, its title or its id) cannot leak through any of them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..process import visible_to
from ..records import find_records, parse_time
from ..report import text_line
from ..schema import Schema, schema_dir
from ..validate import check_all


@dataclass
class Invalid:
    """The records left out because they have problems (with those problems)."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return sorted({p.path for p in self.problems})

    def lines(self) -> list[str]:
        return [text_line(p) for p in sorted(set(self.problems))]


@dataclass
class Catalog:
    schema: Schema
    now: datetime
    published: list[dict[str, Any]]
    withheld: int
    invalid: Invalid
    audience: str


def load(root: Path, incidents: Path, audience: str, now: datetime) -> Catalog:
    """Read every record under `incidents`, keep the valid ones the audience may read."""
    schema = Schema(schema_dir(root))
    files = find_records(root, [incidents]) if incidents.is_dir() else []
    checked = check_all(files, root, now, os.cpu_count() or 1, keep_data=True, look_on_disk=False)
    invalid = Invalid(checked.problems)
    records = checked.records
    published = [d for d in records if visible_to(d, audience)]
    published.sort(key=_newest_first)
    shown = {d["id"] for d in published}
    published = [redacted(d, shown) for d in published]
    return Catalog(schema, now, published, len(records) - len(published), invalid, audience)


# Anything shaped like an incident id, in any case and with any four characters: a
# mistyped reference to a withheld record must not slip through a stricter pattern.
_ID_LIKE = re.compile(r"(?<![A-Za-z0-9])INC-[0-9]{8}-[A-Za-z0-9]{4}(?![A-Za-z0-9])", re.IGNORECASE)
UNPUBLISHED = "[unpublished incident]"


def redacted(value: Any, shown: set[str]) -> Any:
    """`value` with every incident id the audience may not see replaced by UNPUBLISHED.

    Records name other incidents in free text and in `duplicate_of` (`inc duplicate`
    writes "Duplicate of INC-..." into the timeline); a public record may name an
    internal or restricted one. Redacting the published records themselves, once, keeps
    such ids out of every page, the search index, the feed and any file made from them.
    """
    if isinstance(value, str):
        return _ID_LIKE.sub(lambda m: m.group() if m.group().upper() in shown else UNPUBLISHED, value)
    if isinstance(value, dict):
        return {key: redacted(item, shown) for key, item in value.items()}
    if isinstance(value, list):
        return [redacted(item, shown) for item in value]
    return value


def _newest_first(record: dict[str, Any]) -> tuple[float, str]:
    detected = parse_time(record["detected_at"])
    return (-(detected.timestamp() if detected else 0.0), record["id"])
