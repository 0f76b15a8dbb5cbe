"""`inc export --format stix`: security incidents as a STIX 2.1 bundle that OASIS's validator accepts."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from project_paths import PROJECT
from record_builder import record, write

from incident_ledger.exports.stix import EXTENSION, NAMESPACE

REVIEWED = "INC-20261001-SEC1"
INVESTIGATING = "INC-20261002-SEC2"
IDENTIFIED = "INC-20261003-SEC3"
CANCELLED = "INC-20261004-SEC4"
DUPLICATE = "INC-20261005-SEC5"
DRILL = "INC-20261006-SEC6"
OUTAGE = "INC-20261007-AVA7"
CAUSE = {"kind": "pull-request", "ref": "1187", "url": "https://git.example.com/shop/auth/pull/1187"}


def validate(text: str) -> Any:
    from stix2validator import ValidationOptions, validate_string

    # strict: the validator's "should" warnings fail too, all but two. Ids are UUIDv5 so an
    # export is reproducible, which STIX 2.1 (section 2.9) allows: SDOs and SROs "SHOULD
    # use UUIDv4 ... Producers using something other than UUIDv4 ... SHOULD use UUIDv5".
    # A record's links (dashboards, pull requests) are live pages: no hash can describe
    # them, so their external references carry a URL without `hashes`.
    options = ValidationOptions(version="2.1", strict=True, disabled=["uuid-check", "extref-hashes"])
    return validate_string(text, options)


@pytest.fixture
def security_repo(repo: Path) -> Path:
    sec = {"category": "security", "services": ["auth-service"]}
    write(repo, record(REVIEWED, "reviewed", "2026-10-01T08:00:00Z", severity="SEV1", related=[INVESTIGATING],
                       caused_by=[CAUSE], links=[{"title": "Forensics", "url": "https://wiki.example.com/sec1"}], **sec))  # fmt: skip
    write(repo, record(INVESTIGATING, "investigating", "2026-10-02T08:00:00Z", severity="SEV3", detected_by="staff",
                       related=[REVIEWED], **sec))  # fmt: skip
    write(repo, record(IDENTIFIED, "identified", "2026-10-03T08:00:00Z", detected_by="user-report"))
    write(repo, record(CANCELLED, "cancelled", "2026-10-04T08:00:00Z", severity="SEV4", **sec))
    write(repo, record(DUPLICATE, "duplicate", "2026-10-05T08:00:00Z", duplicate_of=REVIEWED, detected_by="third-party",
                       **sec))  # fmt: skip
    write(repo, record(DRILL, "resolved", "2026-10-06T08:00:00Z", exercise=True, detected_by="exercise", **sec))
    write(repo, record(OUTAGE, "resolved", "2026-10-07T08:00:00Z"))
    return repo


def bundle(run_cli: Any, root: Path, *args: str) -> tuple[str, dict[str, Any]]:
    result = run_cli(root, "export", "--format", "stix", *args)
    assert result.exit_code == 0, result
    return result.stdout, json.loads(result.stdout)


def incidents(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for obj in document["objects"]:
        if obj["type"] == "incident":
            found[obj["external_references"][0]["external_id"]] = obj
    return found


def test_the_bundle_passes_the_reference_validator(run_cli, security_repo: Path) -> None:
    text, document = bundle(run_cli, security_repo)
    outcome = validate(text)
    assert outcome.is_valid, [str(e) for e in outcome.errors] + [str(w) for w in outcome.warnings]
    assert outcome.warnings == []
    assert sorted(incidents(document)) == [REVIEWED, INVESTIGATING, CANCELLED, DUPLICATE]  # no drill, no outage


def test_incident_core_extension_from_the_record(run_cli, security_repo: Path) -> None:
    _, document = bundle(run_cli, security_repo)
    core = {key: obj["extensions"][EXTENSION] for key, obj in incidents(document).items()}
    assert core[REVIEWED] == {
        "extension_type": "property-extension",
        "determination": "successful-attempt",
        "investigation_status": "closed",
        "detection_methods": ["automated-tool", "Alertmanager"],
        "criticality": 95,
    }
    assert (core[INVESTIGATING]["determination"], core[INVESTIGATING]["investigation_status"]) == ("suspected", "open")
    assert core[INVESTIGATING]["detection_methods"] == ["human-review"]
    assert core[INVESTIGATING]["criticality"] == 40
    assert (core[CANCELLED]["determination"], core[CANCELLED]["investigation_status"]) == ("false-positive", "closed")
    assert core[DUPLICATE]["detection_methods"] == ["third-party"]
    reviewed = incidents(document)[REVIEWED]
    assert reviewed["id"] == f"incident--{uuid.uuid5(NAMESPACE, 'incident:' + REVIEWED)}"
    assert (reviewed["created"], reviewed["modified"]) == ("2026-10-01T08:00:00.000Z", "2026-10-05T08:00:00.000Z")
    assert {"source_name": "caused by pull-request", "external_id": "1187", "url": CAUSE["url"]} in reviewed[
        "external_references"
    ]


def test_duplicate_and_related_become_relationships(run_cli, security_repo: Path) -> None:
    _, document = bundle(run_cli, security_repo)
    ids = {key: obj["id"] for key, obj in incidents(document).items()}
    relations = sorted(
        (o["relationship_type"], o["source_ref"], o["target_ref"])
        for o in document["objects"]
        if o["type"] == "relationship"
    )
    # related-to is listed on both records but is one relationship.
    first, second = sorted((REVIEWED, INVESTIGATING))
    assert relations == sorted(
        [("duplicate-of", ids[DUPLICATE], ids[REVIEWED]), ("related-to", ids[first], ids[second])]
    )


def test_the_export_is_reproducible(run_cli, security_repo: Path) -> None:
    assert bundle(run_cli, security_repo)[0] == bundle(run_cli, security_repo)[0]


def test_shipped_security_incident_is_restricted_and_exported_only_when_asked(run_cli) -> None:
    text, document = bundle(run_cli, PROJECT)
    assert document["objects"] == [] and validate(text).is_valid
    text, document = bundle(run_cli, PROJECT, "--include-restricted")
    assert list(incidents(document)) == ["INC-20260122-9XDF"]
    assert validate(text).is_valid
