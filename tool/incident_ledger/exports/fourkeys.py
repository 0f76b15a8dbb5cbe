"""The Four Keys project's `incidents` table, so DORA dashboards can count our incidents.

Four Keys (github.com/dora-team/fourkeys) derives DORA's change failure rate and failed
deployment recovery time from a BigQuery table `four_keys.incidents` whose columns are
(its `setup/incidents_schema.json` and `queries/incidents.sql`):

- `source` (STRING): where the incident came from;
- `incident_id` (STRING);
- `time_created` (TIMESTAMP): the earliest known time of the incident (Four Keys takes
  the earlier of the issue's creation and the deployment of its root-cause change);
- `time_resolved` (TIMESTAMP, nullable): when service was restored;
- `changes` (REPEATED STRING): the change ids that caused it, joined by its dashboard
  with `four_keys.changes.change_id` (a commit SHA).

`inc export --format fourkeys` writes one such row per counted incident as
newline-delimited JSON, the format `bq load --source_format=NEWLINE_DELIMITED_JSON`
reads. The mapping: `time_created` is `started_at` when the impact's start is known,
else `detected_at`; `time_resolved` is `recovered_at` (normal operation confirmed: DORA's
recovery time runs to the restoration of service, not to the stop of the impact alone);
`changes` are the `ref`s of the record's `caused_by` entries (commit SHAs join with Four
Keys' changes; pull request and deployment refs are kept as written).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..records import format_time, parse_time

SOURCE = "incident-ledger"
COLUMNS = ("source", "incident_id", "time_created", "time_resolved", "changes")


def _time(value: object) -> str | None:
    moment = parse_time(value)
    return format_time(moment) if moment else None


def caused_by_refs(record: Mapping[str, Any]) -> list[str]:
    """The refs of the changes that caused the incident, in the record's order."""
    found = record.get("caused_by")
    entries = found if isinstance(found, list) else []
    return [str(e["ref"]) for e in entries if isinstance(e, Mapping) and isinstance(e.get("ref"), str)]


def row(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "source": SOURCE,
        "incident_id": record.get("id"),
        "time_created": _time(record.get("started_at")) or _time(record.get("detected_at")),
        "time_resolved": _time(record.get("recovered_at")),
        "changes": caused_by_refs(record),
    }
