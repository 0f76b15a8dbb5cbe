"""Drill scenarios: tabletop exercises kept in the repository, so drills are repeatable.

A scenario is `exercises/scenarios/<name>.yaml`, read with the strict record reader and
checked against `schemas/scenario.schema.json`; `inc new --exercise --from <name>` opens
an exercise record from it (title, summary, services, who facilitates), marked with the
scenario's name so the drill coverage knows which services it exercised.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import LedgerError, Problem, RecordError, UsageError
from .records import bundled_schemas
from .schema import schema_dir

SCENARIOS_DIR = "exercises/scenarios"
SCHEMA_FILE = "scenario.schema.json"
# A scenario's name becomes a path: only these characters, never a folder.
NAME = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
EXERCISE_PREFIX = "Exercise: "


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    summary: str
    services: list[str]
    visibility: str | None
    facilitator: str | None


def available(root: Path) -> list[str]:
    folder = root / SCENARIOS_DIR
    return sorted(f.stem for f in folder.glob("*.yaml")) if folder.is_dir() else []


def load(root: Path, name: str) -> Scenario:
    """The scenario `name`, checked; a LedgerError says what is wrong and where."""
    if not NAME.match(name):
        raise UsageError(f"{name!r} is not a scenario name: lowercase letters, digits, '.', '_' and '-'")
    relative = f"{SCENARIOS_DIR}/{name}.yaml"
    file = root / relative
    if not file.is_file():
        known = ", ".join(available(root)) or f"none; add one as {SCENARIOS_DIR}/<name>.yaml"
        raise UsageError(f"no scenario {name!r} in {SCENARIOS_DIR}/ (scenarios: {known})")
    document = yamlio.read(file, relative)
    problems = document.problems or _schema_problems(root, document)
    if problems:
        raise RecordError(sorted(problems))
    data: dict[str, Any] = document.data
    return Scenario(
        name,
        str(data["title"]),
        str(data["summary"]),
        [str(s) for s in data["services"]],
        data.get("visibility"),
        data.get("facilitator"),
    )


def _schema_problems(root: Path, document: yamlio.Document) -> list[Problem]:
    from jsonschema import Draft202012Validator

    file = schema_dir(root) / SCHEMA_FILE
    if not file.is_file():  # a repository whose own schemas/ predates scenarios
        file = bundled_schemas() / SCHEMA_FILE
    try:
        schema = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LedgerError(f"cannot read the scenario schema: {error}", str(file)) from None
    validator = Draft202012Validator(schema)
    problems = []
    for found in validator.iter_errors(document.data):
        where = tuple(found.absolute_path)
        name = ".".join(map(str, where)) or "the scenario"
        problems.append(Problem(document.path, *document.locate(where), "schema", f"{name}: {found.message}"))
    return problems


# How an exercise record says it was detected (the schema's detected_by value for drills).
DRILL_DETECTED_BY = "exercise"


def record_fields(scenario: Scenario, given: dict[str, Any]) -> dict[str, Any]:
    """The new exercise record's fields: the scenario's, where the command line gave none."""
    return {
        **given,
        "title": given.get("title") or EXERCISE_PREFIX + scenario.title,
        "summary": given.get("summary") or scenario.summary,
        "detected_by": given.get("detected_by") or DRILL_DETECTED_BY,
        "reported_by": given.get("reported_by") or scenario.facilitator,
        "services": list(dict.fromkeys([*scenario.services, *given.get("services", [])])),
        "visibility": given.get("visibility") or scenario.visibility,
        "scenario": scenario.name,
    }
