"""Runs a rule's failing and passing examples the way the rule's kind runs in real use.

An example is a fragment: its top-level fields stand in for those of a complete, valid
record (the valid example in tests/examples/valid with the status the fragment names,
else the investigating one), and a leading comment line stands in for the first line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from project_paths import FIXED_NOW, PROJECT

from incident_ledger import yamlio
from incident_ledger.errors import Problem, RecordError
from incident_ledger.records import parse_time, relative_path
from incident_ledger.rules.base import Example, Kind, Rule
from incident_ledger.rules.change import HistoryContext, RecordChange
from incident_ledger.rules.history import run_history_rules
from incident_ledger.rules.history_files import has_conflict_markers
from incident_ledger.schema import Schema
from incident_ledger.validate import validate

VALID = PROJECT / "tests" / "examples" / "valid"
DEFAULT_STATUS = "investigating"
NOW = parse_time(FIXED_NOW)
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):")
_STATUS = re.compile(r"^status: (\S+)$", re.MULTILINE)
_ID = re.compile(r"^id: (\S+)$", re.MULTILINE)


@lru_cache
def base_record(status: str | None) -> str:
    """The valid example record with this status."""
    wanted = status or DEFAULT_STATUS
    for file in sorted(VALID.glob("*.yaml")):
        text = file.read_text(encoding="utf-8")
        found = _STATUS.search(text)
        if found and found[1] == wanted:
            return text
    raise AssertionError(f"no valid example with status {wanted}")


def _blocks(text: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The lines before the first field, and each top-level field with its lines."""
    head: list[str] = []
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines(keepends=True):
        key = _KEY.match(line)
        if key:
            blocks.append((key[1], [line]))
        elif blocks:
            blocks[-1][1].append(line)
        else:
            head.append(line)
    return head, blocks


def merge(base: str, fragment: str) -> str:
    """`base` with the fields `fragment` has replaced by the fragment's text."""
    base_head, base_blocks = _blocks(base)
    head, blocks = _blocks(fragment)
    if head and all(line.startswith("#") for line in head):
        base_head = head
    elif head:  # lines that belong with the first field (conflict markers)
        blocks[0] = (blocks[0][0], [*head, *blocks[0][1]])
    keys = {key for key, _ in blocks}
    out = list(base_head)
    placed = False
    for key, lines in base_blocks:
        if key not in keys:
            out += lines
        elif not placed:
            out += [line for _, own in blocks for line in own]
            placed = True
    if not placed:
        out += [line for _, own in blocks for line in own]
    return "".join(out)


def status_of(*fragments: str | None) -> str | None:
    for fragment in fragments:
        found = _STATUS.search(fragment or "")
        if found:
            return found[1]
    return None


def record_text(fragment: str, status: str | None = None) -> str:
    return merge(base_record(status or status_of(fragment)), fragment)


def id_path(text: str) -> str:
    found = _ID.search(text)
    assert found, text
    return relative_path(found[1]).as_posix()


def _write(root: Path, text: str, path: str | None) -> Path:
    target = root / (path or id_path(text))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def problems(rule: Rule, example: Example, root: Path) -> list[Problem]:
    """What the commands that run `rule` report on `example`, checked in the folder `root`."""
    if rule.kind is Kind.READER:
        assert example.text is not None
        try:
            return yamlio.parse("record.yaml", example.text).problems
        except RecordError as error:
            return error.problems
    if rule.kind is Kind.HISTORY:
        return _history(example)
    assert example.text is not None
    file = _write(root, record_text(example.text), example.path)
    for other in example.others:
        _write(root, record_text(other), None)
    if rule.kind is Kind.REPOSITORY:
        return validate(root, NOW, jobs=1)
    return validate(root, NOW, [file], jobs=1)


def _history(example: Example) -> list[Problem]:
    """The history rules on the change from `example.before` to `example.text`."""
    status = status_of(example.before, example.text)
    base_text = merge(base_record(status), example.before) if example.before is not None else None
    head_text = merge(base_record(status), example.text) if example.text is not None else None
    base_path = (example.before_path or id_path(base_text)) if base_text is not None else None
    head_path, _, link = (example.path or "").partition(" -> ")
    head_path = head_path or (id_path(head_text) if head_text is not None else "")
    change = RecordChange(
        _git_status(base_path, head_path or None, bool(link)),
        base_path,
        head_path or None,
        base=yamlio.parse(base_path, base_text) if base_path and base_text is not None else None,
        head_symlink=bool(link),
        taken_on_ref=example.taken,
    )
    if head_text is not None and not link:
        change.head_text = head_text
        if not has_conflict_markers(head_text):
            change.head = yamlio.parse(head_path, head_text)
    added = parse_time(example.added) if example.added else None
    context = HistoryContext(Schema(PROJECT / "schemas"), "main", NOW, lambda path, kind, at: added)
    return run_history_rules(change, context)


def _git_status(base_path: str | None, head_path: str | None, link: bool) -> str:
    if base_path is None:
        return "A"
    if head_path is None:
        return "D"
    if base_path != head_path:
        return "R"
    return "T" if link else "M"
