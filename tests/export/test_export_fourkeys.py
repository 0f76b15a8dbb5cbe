"""`inc export --format fourkeys`: rows for Four Keys' `incidents` table (DORA metrics)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from project_paths import PROJECT
from record_builder import record, write

# Four Keys' BigQuery table (dora-team/fourkeys, setup/incidents_schema.json and the
# `source` column its queries/incidents.sql adds): column -> (type, mode).
FOUR_KEYS_INCIDENTS = {
    "source": ("STRING", "NULLABLE"),
    "incident_id": ("STRING", "NULLABLE"),
    "time_created": ("TIMESTAMP", "NULLABLE"),
    "time_resolved": ("TIMESTAMP", "NULLABLE"),
    "changes": ("STRING", "REPEATED"),
}
# A TIMESTAMP BigQuery's JSON loader reads: canonical date and time, T or space, a zone.
BQ_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")
SHA = "3f9c2d41b7e8a0c5d6f1e2a3b4c5d6e7f8091a2b"


def load_rows(text: str) -> list[dict[str, Any]]:
    """Read NDJSON as `bq load --source_format=NEWLINE_DELIMITED_JSON` would, checking each row."""
    rows = [json.loads(line) for line in text.splitlines()]
    for row in rows:
        assert set(row) == set(FOUR_KEYS_INCIDENTS)
        for name, (kind, mode) in FOUR_KEYS_INCIDENTS.items():
            values = row[name] if mode == "REPEATED" else [row[name]]
            assert isinstance(values, list)
            for value in values:
                if value is None:
                    assert mode == "NULLABLE"
                elif kind == "TIMESTAMP":
                    assert BQ_TIMESTAMP.match(value), (name, value)
                else:
                    assert isinstance(value, str), (name, value)
    return rows


def test_rows_for_counted_incidents(run_cli, repo: Path) -> None:
    deploy = {"kind": "deployment", "ref": "deploy-2026-11-02.3", "url": "https://deploy.example.com/d/3"}
    commit = {"kind": "commit", "ref": SHA, "url": f"https://git.example.com/shop/api/commit/{SHA}"}
    write(repo, record("INC-20261102-FKA1", "recovered", "2026-11-02T08:00:00Z", started_at="2026-11-02T07:40:00Z",
                       caused_by=[commit, deploy]))  # fmt: skip
    write(repo, record("INC-20261103-FKA2", "resolved", "2026-11-03T08:00:00Z"))
    write(repo, record("INC-20261104-FKA3", "recovered", "2026-11-04T08:00:00Z", exercise=True, detected_by="exercise"))
    write(repo, record("INC-20261105-FKA4", "cancelled", "2026-11-05T08:00:00Z"))
    result = run_cli(repo, "export", "--format", "fourkeys")
    assert result.exit_code == 0, result
    assert load_rows(result.stdout) == [
        {
            "source": "incident-ledger",
            "incident_id": "INC-20261102-FKA1",
            "time_created": "2026-11-02T07:40:00Z",  # started_at: the impact began with the deployment
            "time_resolved": "2026-11-02T10:00:00Z",  # recovered_at, 120 minutes after detection
            "changes": [SHA, "deploy-2026-11-02.3"],
        },
        {
            "source": "incident-ledger",
            "incident_id": "INC-20261103-FKA2",
            "time_created": "2026-11-03T08:00:00Z",
            "time_resolved": None,  # resolved, but recovery not yet confirmed
            "changes": [],
        },
    ]


def test_shipped_records(run_cli) -> None:
    result = run_cli(PROJECT, "export", "--format", "fourkeys")
    rows = load_rows(result.stdout)
    listed = json.loads(run_cli(PROJECT, "list", "--format", "json").stdout)
    counted = [r["id"] for r in listed if not r["exercise"] and r["status"] not in ("cancelled", "duplicate")
               and r["visibility"] != "restricted"]  # fmt: skip
    assert [r["incident_id"] for r in rows] == counted
