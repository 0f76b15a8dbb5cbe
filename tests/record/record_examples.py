"""Example files and how to check them: shared by the tests of records and `inc validate`.

Every file in tests/examples/invalid says in comments what it must trigger:
`# expect: RULE LINE:COL` (one line per problem, all of them), and optionally
`# place: incidents/YYYY/ID.yaml` where it is put in the repository (by default where
its id says it belongs).
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

from incident_ledger import yamlio
from incident_ledger.errors import Problem, RecordError
from incident_ledger.records import parse_time, relative_path
from incident_ledger.validate import validate

PROJECT = Path(__file__).resolve().parents[2]
SCHEMAS = PROJECT / "schemas"
SHIPPED = sorted((PROJECT / "incidents").rglob("*.yaml"))
EXAMPLES = PROJECT / "tests" / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.yaml"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))
# The clock tests/conftest.py fixes with INC_NOW.
_NOW = parse_time("2026-11-23T12:00:00Z")
assert _NOW is not None
NOW: datetime = _NOW

_EXPECT = re.compile(rb"^# expect: (?P<rule>[a-z-]+) (?P<line>[0-9]+):(?P<col>[0-9]+)$", re.MULTILINE)
_PLACE = re.compile(rb"^# place: (?P<path>\S+)$", re.MULTILINE)
_ID = re.compile(rb"^id: (?P<id>INC-[0-9]{8}-[0-9A-Z]{4})$", re.MULTILINE)


def expectations(file: Path) -> list[tuple[str, int, int]]:
    """The (rule, line, col) triples the file's comments promise, sorted."""
    raw = file.read_bytes()
    return sorted((m["rule"].decode(), int(m["line"]), int(m["col"])) for m in _EXPECT.finditer(raw))


def placement(file: Path) -> Path:
    """Where the example goes in a repository: its `# place:`, else where its id says."""
    raw = file.read_bytes()
    place = _PLACE.search(raw)
    if place:
        return Path(place["path"].decode())
    found = _ID.search(raw)
    if found and re.fullmatch(r"INC-[0-9]{8}-[0-9A-HJKMNP-TV-Z]{4}", found["id"].decode()):
        return relative_path(found["id"].decode())
    return Path("incidents", "2026", file.name)


def install(root: Path, file: Path) -> Path:
    target = root / placement(file)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, target)
    return target


def check_example(root: Path, file: Path, now: datetime = NOW) -> list[Problem]:
    """Put one example in the repository `root` and validate just that file."""
    return validate(root, now, [install(root, file)], jobs=1)


def read_cleanly(files: list[Path]) -> list[Path]:
    """The files our reader accepts without objection: the ones a second validator is
    compared on. The others are left out: other tools crash on some of them (a
    self-referencing alias, a 5,000-digit integer) and read YAML 1.1/1.2 ambiguous values
    differently on purpose (that is why we flag them)."""
    result = []
    for file in files:
        try:
            if yamlio.read(file).problems:
                continue
        except RecordError:
            continue
        result.append(file)
    return result


def schema_verdicts(tmp_path: Path, files: list[Path]) -> dict[Path, str]:
    """`inc validate`'s schema verdict per file ("valid" or "invalid"), each example checked
    in a repository of its own: other rules may object, only the schema rule counts."""
    verdicts = {}
    for file in files:
        root = tmp_path / f"{file.parent.name}-{file.stem}"
        shutil.copytree(SCHEMAS, root / "schemas")
        rules = {p.rule for p in check_example(root, file)}
        verdicts[file] = "invalid" if "schema" in rules else "valid"
    return verdicts
