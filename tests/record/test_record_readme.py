"""README's records section states facts owned by the schema; these tests regenerate those
parts and fail when README has drifted (the rule table: tests/rules/test_rules_readme.py).

    python tests/record/test_record_readme.py --update    # rewrite the generated blocks
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
README = PROJECT / "README.md"
EXAMPLE = PROJECT / "tests" / "examples" / "valid" / "7-reviewed.yaml"


def _resolve(schema: Any, node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return schema.document["$defs"][ref.removeprefix("#/$defs/")]  # type: ignore[no-any-return]
    return node


def _describe_field(schema: Any, dotted: str) -> str:
    node: dict[str, Any] = {"properties": schema.document["properties"]}
    for part in dotted.split("."):
        node = _resolve(schema, node.get("properties", {}).get(part, {}))
    choices = node.get("enum")
    if node.get("anyOf"):
        choices = [c for sub in node["anyOf"] for c in _resolve(schema, sub).get("enum", [])]
    if "const" in node:
        return f"`{dotted}` ({node['const']})"
    if choices:
        return f"`{dotted}` ({', '.join(map(str, choices))})"
    if node.get("type") == "array":
        least = max([node.get("minItems", 0), *_then_min_items(schema, dotted)])
        return f"`{dotted}` (a list of at least {least})" if least else f"`{dotted}` (a list)"
    if node.get("type") == "boolean":
        return f"`{dotted}` (true or false)"
    if node.get("format") in ("date-time", "date"):
        return f"`{dotted}` ({node['format']})"
    return f"`{dotted}`"


def _then_min_items(schema: Any, name: str) -> list[int]:
    """minItems a stage's then-block adds to a list (action_items at reviewed)."""
    return [
        block.get("then", {}).get("properties", {}).get(name, {}).get("minItems", 0)
        for block in schema.document.get("allOf", [])
    ]


def _fields(schema: Any, names: list[str]) -> str:
    # A nested field's parent needs no row of its own: `resolution.summary` implies `resolution`.
    shown = [n for n in names if not any(other.startswith(n + ".") for other in names)]
    return ", ".join(_describe_field(schema, n) for n in shown)


def stage_table() -> str:
    from incident_ledger.schema import Schema

    schema = Schema(PROJECT / "schemas")
    base = schema.requirements(schema.stages[0])
    rows = ["| status | what the record must then also have |", "|---|---|"]
    before: list[str] = []
    for stage in schema.stages:
        added = [f for f in schema.requirements(stage) if f not in before]
        rows.append(f"| `{stage}` | {_fields(schema, added)} |")
        before = schema.requirements(stage)
    limit = schema.policy["side_states_before"]
    for state in schema.side_states:
        added = [f for f in schema.requirements(state) if f not in base]
        fields = _fields(schema, added)
        rows.append(f"| `{state}` (side state, from any stage before `{limit}`) | {fields} |")
    return "\n".join(rows)


def example_record() -> str:
    """The reviewed example, with the modeline it has in its place under incidents/."""
    from incident_ledger import yamlio
    from incident_ledger.records import modeline, relative_path

    text = EXAMPLE.read_text(encoding="utf-8")
    place = PROJECT / relative_path(yamlio.read(EXAMPLE).data["id"])
    body = text.split("\n", 1)[1]
    return "```yaml\n" + modeline(place, PROJECT) + "\n" + body + "```"


GENERATED = {"stage-table": stage_table, "example-record": example_record}


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- begin generated: {name} -->\n)(.*?)(<!-- end generated: {name} -->)", re.DOTALL)


def _records_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("<!-- section: records -->", 1)[1].split("<!-- section:", 1)[0]


def test_readme_generated_blocks_are_current() -> None:
    section = _records_section()
    stale = []
    for name, make in GENERATED.items():
        found = _block(name).search(section)
        assert found, f"README's records section has no generated block {name!r}"
        if found.group(2) != make() + "\n":
            stale.append(name)
    assert stale == [], "README is out of date: run python tests/record/test_record_readme.py --update"


def test_readme_names_the_output_formats_and_exit_codes() -> None:
    section = _records_section()
    for needle in ("--format text", "--format github", "--format json", "| 0 |", "| 1 |", "| 2 |"):
        assert needle in section


def test_readme_text_output_example_is_real() -> None:
    from test_record_validate import TEXT

    assert "```text\n" + TEXT + "```" in _records_section()


def update() -> None:
    text = README.read_text(encoding="utf-8")
    head, rest = text.split("<!-- section: records -->", 1)
    section, tail = rest.split("<!-- section:", 1)
    for name, make in GENERATED.items():
        section = _block(name).sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(3), section)
    README.write_text(head + "<!-- section: records -->" + section + "<!-- section:" + tail, encoding="utf-8")


if __name__ == "__main__" and "--update" in sys.argv:
    update()
