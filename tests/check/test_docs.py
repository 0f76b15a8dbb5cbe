"""README documents every history rule with the rule's own docstring (one source)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from incident_ledger.rules.base import Kind
from incident_ledger.rules.registry import of_kind

PROJECT = Path(__file__).resolve().parents[2]


def check_section() -> str:
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    return text.split("<!-- section: check -->")[1].split("<!-- section:")[0]


def test_readme_lists_every_history_rule_with_its_docstring() -> None:
    listed = re.findall(r"^- `([a-z-]+)`: (.*)$", check_section(), re.MULTILINE)
    assert listed == [(rule.id, rule.paragraph) for rule in of_kind(Kind.HISTORY)]


def test_readme_documents_the_secret_rule_and_its_pragma() -> None:
    section = check_section()
    assert "rule `secret`" in section
    assert "# pragma: allowlist secret" in section


def test_pre_commit_hooks_definition() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"inc-validate", "inc-check"}
    assert hooks["inc-validate"]["entry"] == "inc validate"
    assert hooks["inc-validate"]["language"] == "python"
    pattern = re.compile(hooks["inc-validate"]["files"])
    assert pattern.search("incidents/2026/INC-20261101-7KQM.yaml")
    assert pattern.search("incidents/2026/INC-20261101-7KQM.yml")
    assert not pattern.search("schemas/policy.yaml")
    assert hooks["inc-check"]["entry"] == "inc check --head WORKTREE"
    assert hooks["inc-check"]["pass_filenames"] is False
