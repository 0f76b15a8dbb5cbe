"""Rows to JSON, NDJSON and CSV, each as its consumers read it.

CSV is written for spreadsheets first (Excel, LibreOffice, Google Sheets), which is where
people open an export:
- UTF-8 with a byte-order mark, the one signal Excel reads to decode UTF-8 instead of the
  machine's legacy code page (read it in code with `encoding="utf-8-sig"`);
- RFC 4180: CRLF line ends, every text cell quoted, so commas and line breaks in record
  text stay inside their cell; numbers bare, so they sum;
- times as ISO-8601 UTC text (`2026-11-03T10:15:00Z`), which no spreadsheet rewrites into
  a locale's date;
- lists joined with `; `;
- no formula injection: record text is untrusted, and a cell starting with `=`, `+`, `-`,
  `@`, a tab or a carriage return is run as a formula by spreadsheets (OWASP "CSV
  injection"), so such a cell is written with a leading `'`, which spreadsheets show as
  text and do not display.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

FORMATS = ("json", "ndjson", "csv")
BOM = "\ufeff"
LIST_SEPARATOR = "; "
# Characters that make a spreadsheet read a cell as a formula (or a DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text: a leading `'` before a formula-starting character."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return spreadsheet_safe(LIST_SEPARATOR.join(str(v) for v in value))
    return spreadsheet_safe(str(value))


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in columns])
    return BOM + out.getvalue()


def to_json(rows: Iterable[dict[str, Any]]) -> str:
    """A JSON array, one row per line (readable, and json's C encoder does the work)."""
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


def to_ndjson(rows: Iterable[dict[str, Any]]) -> str:
    """One JSON object per line (JSON Lines), as log pipelines and BigQuery load them."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def render(fmt: str, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    if fmt == "csv":
        return to_csv(columns, rows)
    if fmt == "ndjson":
        return to_ndjson(rows)
    return to_json(rows)
