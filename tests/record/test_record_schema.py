"""The schema and policy: well-formed, consistent with each other, checked by a second validator."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from record_examples import INVALID, NOW, PROJECT, SCHEMAS, SHIPPED, VALID, read_cleanly, schema_verdicts

from incident_ledger import yamlio
from incident_ledger.schema import Schema
from incident_ledger.validate import validate

CHECK_JSONSCHEMA = str(Path(sys.executable).with_name("check-jsonschema"))


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema(SCHEMAS)


def test_schemas_pass_the_metaschema() -> None:
    files = [str(SCHEMAS / "incident.schema.json"), str(SCHEMAS / "policy.schema.json")]
    done = subprocess.run([CHECK_JSONSCHEMA, "--check-metaschema", *files], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_policy_passes_its_schema() -> None:
    done = subprocess.run(
        [CHECK_JSONSCHEMA, "--schemafile", str(SCHEMAS / "policy.schema.json"), str(SCHEMAS / "policy.yaml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_policy_severities_are_the_schema_severities(schema: Schema) -> None:
    assert list(schema.severities) == schema.document["$defs"]["severity"]["enum"]


def test_priority_matrix_is_complete(schema: Schema) -> None:
    levels = schema.document["$defs"]["level"]["enum"]
    priorities = schema.document["properties"]["priority"]["enum"]
    assert sorted(schema.policy["priority_matrix"]) == sorted(levels)
    for impact in levels:
        assert sorted(schema.policy["priority_matrix"][impact]) == sorted(levels)
        for urgency in levels:
            assert schema.priority_for(impact, urgency) in priorities
    assert sorted(schema.policy["priorities"]) == sorted(priorities)


def test_stage_blocks_are_cumulative_suffixes_of_the_stage_list(schema: Schema) -> None:
    """Each allOf block for a stage applies to that stage and every later one, so
    requirements cannot drift out of order; side states each have their own block."""
    stage_blocks = []
    side_blocks = []
    for block in schema.document["allOf"]:
        enum = block["if"]["properties"]["status"]["enum"]
        assert block["if"]["required"] == ["status"]
        if enum[0] in schema.side_states:
            side_blocks.append(enum)
        else:
            stage_blocks.append(enum)
    stages = schema.stages
    assert stage_blocks == [stages[i:] for i in range(1, len(stages))]
    assert side_blocks == [[state] for state in schema.side_states]


def test_requirements_grow_with_the_stage(schema: Schema) -> None:
    previous: set[str] = set()
    for stage in schema.stages:
        now = set(schema.requirements(stage))
        assert previous < now or stage == schema.stages[0]
        previous = now
    assert schema.requirements("cancelled") == [*schema.document["required"], "cancel_reason"]
    assert schema.requirements("duplicate") == [*schema.document["required"], "duplicate_of"]


def test_milestones_are_read_from_the_schema(schema: Schema) -> None:
    assert [(m.stage, m.field) for m in schema.milestones] == [
        ("identified", "detected_at"),
        ("investigating", "acknowledged_at"),
        ("resolved", "resolved_at"),
        ("recovered", "recovered_at"),
        ("closed", "closed_at"),
        ("reviewed", "reviewed_at"),
    ]
    assert schema.milestone_of("classified") is None


def test_side_states_limit_is_a_stage(schema: Schema) -> None:
    assert schema.policy["side_states_before"] in schema.stages


@pytest.mark.parametrize("value", ["2026-11-03 10:00", "2026-11-03T10:00", "2026-11-03T10:00:00", "03/11/2026 10:00"])
def test_date_time_format_really_runs(schema: Schema, value: str) -> None:
    record = yamlio.read(VALID[0]).data
    assert schema.is_valid(record)
    broken = {**record, "detected_at": value}
    assert not schema.fast_validator.is_valid(broken)
    assert not schema.validator.is_valid(broken)


@pytest.mark.parametrize(
    ("field", "value"), [("due", "2026-13-01"), ("due", "2026-11-03T00:00:00Z"), ("link", "https://exa mple.com")]
)
def test_date_and_uri_formats_really_run(schema: Schema, field: str, value: str) -> None:
    record = yamlio.read(VALID[6]).data
    assert schema.is_valid(record)
    item = {**record["action_items"][0], field: value}
    broken = {**record, "action_items": [item]}
    assert not schema.fast_validator.is_valid(broken)
    assert not schema.validator.is_valid(broken)


def _check_jsonschema(files: list[Path]) -> dict[str, str]:
    """check-jsonschema's verdict per file: valid, invalid or unparsable."""
    done = subprocess.run(
        [CHECK_JSONSCHEMA, "--schemafile", str(SCHEMAS / "incident.schema.json"), "-o", "json", *map(str, files)],
        capture_output=True,
        text=True,
    )
    report = json.loads(done.stdout)
    verdict = dict.fromkeys(map(str, files), "valid")
    verdict.update({e["filename"]: "invalid" for e in report.get("errors", [])})
    verdict.update({e["filename"]: "unparsable" for e in report.get("parse_errors", [])})
    return verdict


def test_check_jsonschema_agrees_with_inc_validate(tmp_path: Path) -> None:
    """A second, independent validator gives the same schema verdict on the shipped records
    and the examples our reader accepts (see `read_cleanly`)."""
    files = read_cleanly([*SHIPPED, *VALID, *INVALID])
    theirs = _check_jsonschema(files)
    ours = {str(file): verdict for file, verdict in schema_verdicts(tmp_path, files).items()}
    assert ours == theirs
    counts = Counter(ours.values())
    assert counts["invalid"] >= 7
    assert counts["valid"] >= len(SHIPPED) + len(VALID)


def test_shipped_records_are_valid() -> None:
    assert validate(PROJECT, NOW) == []


def test_shipped_records_cover_the_process(schema: Schema) -> None:
    records = [yamlio.read(file).data for file in SHIPPED]
    assert 8 <= len(records) <= 20
    assert {r["status"] for r in records} == set(schema.statuses)
    assert {r["severity"] for r in records if "severity" in r} == set(schema.severities)
    assert {r["visibility"] for r in records} == {"public", "internal", "restricted"}
    assert any(r["exercise"] for r in records)
    assert any(e["kind"] == "reopened" for r in records for e in r["timeline"])


def test_format_checkers_for_every_format_the_schema_uses_are_installed() -> None:
    from incident_ledger.schema import REQUIRED_FORMATS, _format_checker

    used = set(re.findall(r'"format": "([a-z-]+)"', (SCHEMAS / "incident.schema.json").read_text()))
    assert used <= set(REQUIRED_FORMATS)
    assert set(REQUIRED_FORMATS) <= set(_format_checker().checkers)
