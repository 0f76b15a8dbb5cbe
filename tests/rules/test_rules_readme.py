"""README's rule tables are generated from the rule registry and tested against it (one source).

python tests/rules/test_rules_readme.py --update    # rewrite the generated blocks
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from incident_ledger.rules.base import Kind
from incident_ledger.rules.registry import RULES, VALIDATE_KINDS, of_kind

README = Path(__file__).resolve().parents[2] / "README.md"


def rule_table() -> str:
    """Every rule `inc validate` can report, in the order a record meets them."""
    rows = ["| rule | kind | what it means |", "|---|---|---|"]
    for rule in of_kind(*VALIDATE_KINDS):
        cell = rule.paragraph.replace("|", "\\|")  # a literal | would end the cell
        rows.append(f"| `{rule.id}` | {rule.kind} | {cell} |")
    return "\n".join(rows)


def history_rules() -> str:
    return "\n".join(f"- `{rule.id}`: {rule.paragraph}" for rule in of_kind(Kind.HISTORY))


GENERATED = {"rule-table": rule_table, "history-rules": history_rules}


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- begin generated: {name} -->\n)(.*?)(<!-- end generated: {name} -->)", re.DOTALL)


def test_readme_rule_blocks_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    stale = []
    for name, make in GENERATED.items():
        found = _block(name).search(text)
        assert found, f"README has no generated block {name!r}"
        if found.group(2) != make() + "\n":
            stale.append(name)
    assert stale == [], "README is out of date: run python tests/rules/test_rules_readme.py --update"


def test_readme_documents_every_rule_once() -> None:
    text = README.read_text(encoding="utf-8")
    for rule in RULES:
        mentions = text.count(f"| `{rule.id}` |") + len(re.findall(rf"^- `{re.escape(rule.id)}`: ", text, re.M))
        assert mentions == 1, rule.id


def update() -> None:
    text = README.read_text(encoding="utf-8")
    for name, make in GENERATED.items():
        text = _block(name).sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(3), text)
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__" and "--update" in sys.argv:
    update()
