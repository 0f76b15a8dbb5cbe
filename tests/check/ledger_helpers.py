"""Helpers for tests of `inc check`: a small incident repository to change in tests of `inc check`: records built per stage,
written with PyYAML (which quotes timestamps and YAML 1.1 words), committed with real git."""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

MODELINE = "# yaml-language-server: $schema=../../schemas/incident.schema.json\n"
ID = "INC-20261101-7KQM"
OTHER_ID = "INC-20261102-3HVX"


def record(stage: str, incident_id: str = ID) -> dict[str, Any]:
    """A valid record at `stage`, with one status timeline entry per stage entered."""
    day = incident_id[10:12]
    times = {s: f"2026-11-{day}T{10 + i:02d}:00:00Z" for i, s in enumerate(_STAGES)}
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": incident_id,
        "title": "Checkout API returned 5xx to EU customers",
        "status": stage,
        "visibility": "internal",
        "exercise": False,
        "summary": "Checkout failed for a third of EU customers.\n",
        "detected_at": times["identified"],
        "detected_by": "monitoring",
        "reported_by": "checkout error-rate alert",
        "timeline": [],
    }
    for current in _STAGES[: _STAGES.index(stage) + 1]:
        data.update(copy.deepcopy(_FIELDS[current](times[current])))
        data["timeline"].append(
            {
                "at": times[current],
                "kind": "status",
                "stage": current,
                "author": "Dana Whitfield",
                "text": f"Entered {current}.",
            }
        )
    return data


_STAGES = ["identified", "classified", "investigating", "resolved", "recovered", "closed", "reviewed"]
_FIELDS: dict[str, Any] = {
    "identified": lambda at: {},
    "classified": lambda at: {
        "severity": "SEV2",
        "impact": "high",
        "urgency": "medium",
        "priority": "P2",
        "category": "availability",
        "services": ["checkout-api"],
        "impact_assessment": "About a third of EU checkouts failed.\n",
    },
    "investigating": lambda at: {"commander": "Dana Whitfield", "acknowledged_at": at},
    "resolved": lambda at: {
        "resolved_at": at,
        "resolution": {"summary": "Rolled back release 4.12.\n", "steps": ["Rolled back 4.12."]},
    },
    "recovered": lambda at: {
        "recovered_at": at,
        "recovery": {"summary": "Error rate back to baseline.\n", "verification": "One hour at baseline.\n"},
    },
    "closed": lambda at: {"closed_at": at, "root_cause": "A connection pool limit was halved in 4.12.\n"},
    "reviewed": lambda at: {
        "reviewed_at": at,
        "postmortem": {
            "summary": "A config change halved the pool.\n",
            "what_went_well": ["Alert fired in two minutes."],
            "what_went_wrong": ["The change was not reviewed."],
            "lessons_learned": ["Review pool settings."],
        },
        "action_items": [
            {
                "id": "A1",
                "title": "Lint pool settings in CI",
                "kind": "prevent",
                "owner": "Dana Whitfield",
                "due": "2026-12-15",
                "status": "open",
            }
        ],
    },
}


def entry(at: str, kind: str = "update", stage: str | None = None, text: str = "Still looking.") -> dict[str, Any]:
    result: dict[str, Any] = {"at": at, "kind": kind, "author": "Ravi Menon", "text": text}
    if stage:
        result["stage"] = stage
    return result


def dump(data: dict[str, Any]) -> str:
    return MODELINE + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


class Ledger:
    """The repository under test, with the operations a pull request is made of."""

    def __init__(self, root: Path, run_cli: Any) -> None:
        self.root = root
        self.run_cli = run_cli

    def path(self, incident_id: str = ID) -> str:
        return f"incidents/{incident_id[4:8]}/{incident_id}.yaml"

    def write(self, data: dict[str, Any], path: str | None = None) -> str:
        rel = path or self.path(data["id"])
        file = self.root / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(dump(data), encoding="utf-8")
        return rel

    def write_text(self, rel: str, text: str) -> None:
        (self.root / rel).write_text(text, encoding="utf-8")

    def text(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def line_of(self, rel: str, start: str, nth: int = 1) -> int:
        """1-based number of the nth line starting with `start` (after indentation)."""
        found = [i for i, line in enumerate(self.text(rel).splitlines(), 1) if line.lstrip().startswith(start)]
        return found[nth - 1]

    def commit(self, message: str = "change") -> None:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)

    def branch(self, name: str = "change") -> None:
        git(self.root, "checkout", "-q", "-b", name)

    def checkout(self, name: str) -> None:
        git(self.root, "checkout", "-q", name)

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def check(self, *args: str) -> Any:
        return self.run_cli(self.root, "check", "--base", "main", *args)

    def symlink(self, rel: str, target: str) -> None:
        file = self.root / rel
        file.unlink()
        os.symlink(target, file)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def start(ledger: Ledger, stage: str, *more: dict[str, Any]) -> dict[str, Any]:
    """main holds a record at `stage` (and `more` records); a branch `change` is checked out."""
    data = record(stage)
    ledger.write(data)
    for other in more:
        ledger.write(other)
    ledger.commit("Add records")
    ledger.branch()
    return data
