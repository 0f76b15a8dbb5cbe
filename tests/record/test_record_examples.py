"""Acceptance tests driven by the example files in tests/examples (check-jsonschema's way).

Each invalid example says in its own comments which rule it triggers and where; the
test reads that promise from the file, so the examples document the rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from record_examples import INVALID, NOW, PROJECT, VALID, check_example, expectations, install

from incident_ledger import yamlio
from incident_ledger.errors import RecordError
from incident_ledger.rules.registry import VALIDATE_KINDS, of_kind
from incident_ledger.schema import Schema, schema_dir
from incident_ledger.validate import validate


def test_examples_exist() -> None:
    assert len(VALID) >= 9
    assert len(INVALID) >= 40


@pytest.mark.parametrize("file", INVALID, ids=lambda f: f.stem)
def test_invalid_example_reports_exactly_what_it_promises(repo: Path, file: Path) -> None:
    promised = expectations(file)
    assert promised, f"{file.name} names no '# expect: RULE LINE:COL'"
    found = sorted((p.rule, p.line, p.col) for p in check_example(repo, file))
    assert found == promised


def test_every_rule_has_an_invalid_example() -> None:
    covered = {rule for file in INVALID for rule, _, _ in expectations(file)}
    # duplicate-id needs two files: tests/record/test_record_validate.py checks it.
    documented = {rule.id for rule in of_kind(*VALIDATE_KINDS)} - {"duplicate-id"}
    assert documented - covered == set()


def test_valid_examples_cover_every_status(repo: Path) -> None:
    schema = Schema(schema_dir(repo))
    statuses = {yamlio.read(f).data["status"] for f in VALID}
    assert statuses == set(schema.statuses)


def test_valid_examples_are_valid_together(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    for file in VALID:
        install(repo, file)
    result = run_cli(repo, "validate")
    assert (result.exit_code, result.stdout) == (0, ""), result
    assert result.stderr == "all records valid\n"


@pytest.mark.parametrize("file", VALID, ids=lambda f: f.stem)
def test_valid_example_alone(repo: Path, file: Path) -> None:
    problems = check_example(repo, file)
    if file.stem.endswith("duplicate"):
        # Alone, the incident it duplicates is missing: exactly that is reported.
        assert [p.rule for p in problems] == ["duplicate-of"]
    else:
        assert problems == []


def test_fast_and_full_validator_agree_on_every_example(repo: Path) -> None:
    schema = Schema(schema_dir(repo))
    assert schema.fast_validator is not None
    checked = 0
    for file in [*VALID, *INVALID]:
        try:
            document = yamlio.read(file)
        except RecordError:
            continue
        assert schema.fast_validator.is_valid(document.data) == schema.validator.is_valid(document.data), file.name
        checked += 1
    assert checked >= 40


def test_shipped_schemas_are_the_ones_validate_uses_without_own_schemas(tmp_path: Path) -> None:
    bundled = schema_dir(tmp_path)
    assert bundled != tmp_path / "schemas"
    for name in ("incident.schema.json", "policy.yaml", "policy.schema.json"):
        assert (bundled / name).read_bytes() == (PROJECT / "schemas" / name).read_bytes()
    # A repository without schemas/ is checked with the bundled copy.
    install(tmp_path, VALID[0])
    assert validate(tmp_path, NOW) == []
