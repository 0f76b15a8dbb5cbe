"""Security incidents as a STIX 2.1 bundle, for threat-intelligence platforms.

Each record of category `security` becomes an `incident` object (STIX 2.1 section 4.9)
with the OASIS CTI Incident Core Extension (`extension-definition--ef765651-...`, in
oasis-open/cti-stix-common-objects, `extension-definition-specifications/incident-core`):

- `determination` (incident-determination-enum): `false-positive` for a cancelled
  record (it turned out not to be an incident), `suspected` while the impact has not
  stopped, `successful-attempt` once it is resolved (the incident did cause harm);
- `investigation_status` (incident-investigation-ov): `new` at the first stage (no
  formal work yet), `closed` once the record is closed or ended early, else `open`;
- `criticality` (0-100): the policy's `criticality` for the record's severity (the
  bundled policy uses the extension's Appendix B qualitative scale);
- `detection_methods` (detection-methods-ov): from `detected_by` (monitoring is
  `automated-tool`, named by its reporter too, as the vocabulary asks; a user report
  `user-reporting`; staff `human-review`; a third party keeps its own term).

`duplicate_of` becomes a `duplicate-of` relationship and `related` a `related-to` one,
when both incidents are in the bundle. Ids are UUIDv5 from the incident id (and, for a
relationship, its ends), so exporting the same records twice gives the same bundle.
Exercises are never exported: a drill is not threat intelligence.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..process import CANCELLED, RESOLVED, Process, timeline
from ..records import parse_time

EXTENSION = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
CATEGORY = "security"
# Fixed namespace of this tool's STIX ids: uuid5(NAMESPACE_URL, "https://incident-ledger.example/stix").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://incident-ledger.example/stix")
DETECTION_METHODS = {
    "monitoring": "automated-tool",
    "user-report": "user-reporting",
    "staff": "human-review",
}
SOURCE_NAME = "incident-ledger"

Record = Mapping[str, Any]


def stix_id(kind: str, name: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{kind}:{name}')}"


def timestamp(moment: datetime) -> str:
    """STIX timestamps: UTC, millisecond precision, a Z (section 3.2)."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class StixFacts:
    """The process and the policy's criticality per severity (0-100)."""

    process: Process
    criticality: Mapping[str, int]

    def investigation_status(self, status: str) -> str:
        if self.process.ended(status):
            return "closed"  # closed, reviewed, or ended early (cancelled, duplicate)
        return "new" if status == self.process.first_stage else "open"

    def determination(self, status: str) -> str:
        if status == CANCELLED:
            return "false-positive"
        return "successful-attempt" if self.process.reached(status, RESOLVED) else "suspected"


def selected(records: Iterable[Record]) -> list[Record]:
    """The records a STIX export holds: incidents of category security, exercises left out."""
    return [r for r in records if r.get("category") == CATEGORY and r.get("exercise") is not True]


def _modified(record: Record, created: datetime) -> datetime:
    times = [parse_time(e.get("at")) for e in timeline(record)]
    times += [parse_time(v) for k, v in record.items() if k.endswith("_at")]
    return max([created, *(t for t in times if t is not None)])


def _detection(record: Record) -> list[str]:
    how = str(record.get("detected_by"))
    methods = [DETECTION_METHODS.get(how, how)]
    if how == "monitoring" and isinstance(record.get("reported_by"), str):
        methods.append(str(record["reported_by"]))
    return methods


def incident(record: Record, facts: StixFacts) -> dict[str, Any]:
    created = parse_time(record.get("detected_at"))
    assert created is not None  # a valid record has one
    status = str(record.get("status"))
    extension: dict[str, Any] = {
        "extension_type": "property-extension",
        "determination": facts.determination(status),
        "investigation_status": facts.investigation_status(status),
        "detection_methods": _detection(record),
    }
    criticality = facts.criticality.get(str(record.get("severity")))
    if criticality is not None:
        extension["criticality"] = criticality
    references = [{"source_name": SOURCE_NAME, "external_id": str(record["id"])}]
    for link in record.get("links") or []:
        references.append({"source_name": str(link["title"]), "url": str(link["url"])})
    for change in record.get("caused_by") or []:
        references.append({"source_name": f"caused by {change['kind']}", "external_id": str(change["ref"]),
                           "url": str(change["url"])})  # fmt: skip
    result: dict[str, Any] = {
        "type": "incident",
        "spec_version": "2.1",
        "id": stix_id("incident", str(record["id"])),
        "created": timestamp(created),
        "modified": timestamp(_modified(record, created)),
        "name": str(record["title"]),
        "description": str(record["summary"]),
        "external_references": references,
        "extensions": {EXTENSION: extension},
    }
    return result


def relationship(kind: str, source: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    when = max(source["modified"], target["modified"])
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": stix_id("relationship", f"{kind}:{source['id']}:{target['id']}"),
        "created": when,
        "modified": when,
        "relationship_type": kind,
        "source_ref": source["id"],
        "target_ref": target["id"],
    }


def bundle(records: Iterable[Record], facts: StixFacts) -> dict[str, Any]:
    """The STIX bundle of `records` (already selected)."""
    ordered = sorted(records, key=lambda r: str(r["id"]))
    objects = {str(r["id"]): incident(r, facts) for r in ordered}
    links: dict[str, dict[str, Any]] = {}
    for record in ordered:
        here = objects[str(record["id"])]
        target = record.get("duplicate_of")
        if isinstance(target, str) and target in objects:
            made = relationship("duplicate-of", here, objects[target])
            links[made["id"]] = made
        for other in record.get("related") or []:
            if other in objects and other != record["id"]:
                # related-to has no direction: one relationship per pair, from the smaller id.
                first, second = sorted((str(record["id"]), str(other)))
                made = relationship("related-to", objects[first], objects[second])
                links[made["id"]] = made
    contents = [*objects.values(), *sorted(links.values(), key=lambda o: str(o["id"]))]
    name = ",".join(str(o["id"]) for o in contents)
    return {"type": "bundle", "id": stix_id("bundle", name), "objects": contents}


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
