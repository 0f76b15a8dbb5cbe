"""README's export section lists the columns `COLUMNS` defines; regenerate with --update.

python tests/export/test_export_readme.py --update
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(
    r"(<!-- begin generated: export-columns -->\n)(.*?)(<!-- end generated: export-columns -->)", re.DOTALL
)


def column_table() -> str:
    from incident_ledger.exports.columns import COLUMNS

    rows = ["| column | value | what it holds |", "|---|---|---|"]
    rows += [f"| {c.name} | {c.kind} | {c.doc.replace('|', chr(92) + '|')} |" for c in COLUMNS]
    return "\n".join(rows)


def test_readme_lists_every_export_column_in_order() -> None:
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    assert found, "README has no generated export-columns block"
    assert found.group(2) == column_table() + "\n", (
        "README is out of date: python tests/export/test_export_readme.py --update"
    )


def test_every_column_is_documented() -> None:
    from incident_ledger.exports.columns import COLUMNS, NAMES

    assert len(set(NAMES)) == len(NAMES)
    for column in COLUMNS:
        assert column.doc.endswith(".") and len(column.doc) > 10, column.name


if __name__ == "__main__" and "--update" in sys.argv:
    text = README.read_text(encoding="utf-8")
    README.write_text(BLOCK.sub(lambda m: m.group(1) + column_table() + "\n" + m.group(3), text), encoding="utf-8")
