"""Rule `secret`: credentials found by detect-secrets, at their line and column; its pragma allows a line."""

from __future__ import annotations

from typing import Any

import pytest
from ledger_helpers import Ledger, entry, record, start

from incident_ledger.rules.secret import scan

AWS = "AKIAIOSFODNN7EXAMPLE"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"


@pytest.mark.parametrize(
    ("line", "col", "kind"),
    [
        (f"    text: Rotated key {AWS} after the leak.", 23, "AWS Access Key"),
        ("    text: 'DSN was postgres://app:S3cr3tPassw0rd@db.internal:5432/app'", 35, "Basic Auth Credentials"),
        ("  -----BEGIN RSA PRIVATE KEY-----", 8, "Private Key"),
        (f"    text: token {GITHUB} leaked in logs", 17, "GitHub Token"),
        (f"    text: {SLACK}", 11, "Slack Token"),
    ],
)
def test_credentials_are_found_at_their_place(line: str, col: int, kind: str) -> None:
    problems = scan("r.yaml", f"timeline:\n  - at: x\n{line}\n")
    assert [(p.line, p.col, p.rule) for p in problems] == [(3, col, "secret")]
    assert problems[0].message.startswith(f"this looks like a credential ({kind}); remove it and rotate it")


@pytest.mark.parametrize(
    "text",
    [
        "summary: Password reset emails failed for 2 hours.\n",
        "summary: Deploy 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b broke login from 203.0.113.7.\n",
        "links:\n  - url: https://grafana.example.com/d/abc123/checkout?orgId=1\n",
        f"text: Example key {AWS} from the AWS docs  # pragma: allowlist secret\n",
        f"# pragma: allowlist nextline secret\ntext: {AWS}\n",
    ],
)
def test_ordinary_incident_text_and_allowed_lines_pass(text: str) -> None:
    assert scan("r.yaml", text) == []


def test_validate_reports_a_secret_in_a_record(repo: Any, run_cli: Any) -> None:
    ledger = Ledger(repo, run_cli)
    data = record("identified")
    data["timeline"].append(entry("2026-11-01T10:20:00Z", "note", text=f"Found {AWS} in the build log."))
    path = ledger.write(data)
    result = run_cli(repo, "validate")
    line = ledger.line_of(path, "text: Found")
    assert result.stdout.splitlines() == [
        f"{path}:{line}:15: secret: this looks like a credential (AWS Access Key); remove it and rotate it, "
        "since git keeps it in history. If it is not one, end the line with '# pragma: allowlist secret'"
    ]
    assert result.exit_code == 1
    # allowed explicitly with detect-secrets' pragma
    ledger.write_text(path, ledger.text(path).replace("build log.", "build log.  # pragma: allowlist secret"))
    assert run_cli(repo, "validate").exit_code == 0


def test_check_reports_a_secret_added_in_the_change(ledger: Ledger) -> None:
    data = start(ledger, "identified")
    data["timeline"].append(entry("2026-11-01T10:20:00Z", "note", text=f"Token {GITHUB} in the logs."))
    ledger.write(data)
    ledger.commit("Note")
    result = ledger.check()
    assert result.exit_code == 1
    assert ": secret: this looks like a credential (GitHub Token)" in result.stdout
