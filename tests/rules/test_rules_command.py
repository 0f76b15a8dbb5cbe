"""`inc rules`: the registry's list, one rule's page with its examples, close matches."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from incident_ledger.rules.registry import RULES

PRIORITY_MATRIX = """\
priority-matrix (record rule)

`priority` follows the policy's impact x urgency matrix.

`priority` is what the matrix in schemas/policy.yaml gives for the record's impact and
urgency, so priority means the same thing on every incident.

Refused (only the fields that matter are shown; the rest of the record is valid):

    impact: high
    urgency: medium
    priority: P1

Passes:

    impact: high
    urgency: medium
    priority: P2
"""


def test_rules_lists_every_rule_with_its_kind_and_summary(tmp_path: Path, run_cli: Any) -> None:
    result = run_cli(tmp_path, "rules")
    assert (result.exit_code, result.stderr) == (0, ""), result
    rows = [line.split(None, 2) for line in result.stdout.splitlines()]
    assert rows == [[rule.id, str(rule.kind), rule.summary] for rule in RULES]
    assert rows[0] == ["yaml-syntax", "reader", "The file is valid YAML."]
    assert ["secret", "secret", "No credentials in a record."] in rows


def test_rules_rule_prints_its_doc_and_examples(tmp_path: Path, run_cli: Any) -> None:
    result = run_cli(tmp_path, "rules", "priority-matrix")
    assert (result.exit_code, result.stdout, result.stderr) == (0, PRIORITY_MATRIX, ""), result


def test_rules_rule_shows_a_change_for_history_rules(tmp_path: Path, run_cli: Any) -> None:
    result = run_cli(tmp_path, "rules", "Record-Deleted")
    assert result.exit_code == 0, result
    assert result.stdout.startswith("record-deleted (history rule)\n\nA record file is never deleted.\n\n")
    refused = result.stdout.split("Refused", 1)[1].split("Passes:", 1)[0]
    assert "    Before:\n        status: investigating\n" in refused
    assert refused.rstrip().endswith("    After: the file is deleted.")
    assert "        status: cancelled\n" in result.stdout.split("Passes:", 1)[1]


def test_unknown_rule_is_a_usage_error_naming_close_matches(tmp_path: Path, run_cli: Any) -> None:
    result = run_cli(tmp_path, "rules", "timline-order")
    assert (result.exit_code, result.stdout) == (2, ""), result
    assert result.stderr == (
        "inc: error: no rule 'timline-order'; did you mean timeline-order, milestone-order, "
        "timeline-rewritten? (`inc rules` lists them all)\n"
    )
    result = run_cli(tmp_path, "rules", "no-such-thing")
    assert (result.exit_code, result.stderr) == (
        2,
        "inc: error: no rule 'no-such-thing' (`inc rules` lists them all)\n",
    )


def test_installed_inc_rules(tmp_path: Path, inc_bin: str) -> None:
    done = subprocess.run([inc_bin, "rules", "yaml-value"], cwd=tmp_path, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, ""), done
    assert "    exercise: True\n\nand this one is read:\n\n    exercise: true\n" in done.stdout
