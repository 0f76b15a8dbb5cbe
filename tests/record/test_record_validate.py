"""`inc validate`: output formats, exit codes, rules across records, workers."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from record_examples import EXAMPLES, NOW, PROJECT, VALID, install

from incident_ledger import recordcheck
from incident_ledger.recordcache import FOLDER
from incident_ledger.validate import validate

INVALID = EXAMPLES / "invalid"


def _two_bad_records(repo: Path) -> None:
    install(repo, INVALID / "priority-matrix.yaml")
    install(repo, VALID[0])
    # The same id as the first: put it where no id would lead.
    shutil.copyfile(INVALID / "yaml-syntax-tab-indent.yaml", repo / "incidents" / "2026" / "broken.yaml")


TEXT = """\
incidents/2026/INC-20261103-3V5G.yaml:19:1: priority-matrix: priority P1 does not match impact high x urgency medium, which the policy sets to P2
incidents/2026/broken.yaml:23:1: yaml-syntax: YAML syntax error: while scanning a plain scalar: found a tab character that violates indentation; indent with spaces, not tabs
"""


def test_text_format(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    _two_bad_records(repo)
    result = run_cli(repo, "validate")
    assert result.exit_code == 1, result
    assert result.stdout == TEXT
    assert result.stderr == "2 problem(s) in 2 file(s)\n"


def test_github_format(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    _two_bad_records(repo)
    result = run_cli(repo, "validate", "--format", "github")
    assert result.exit_code == 1, result
    assert result.stdout == (
        "::error file=incidents/2026/INC-20261103-3V5G.yaml,line=19,col=1,title=priority-matrix::"
        "priority P1 does not match impact high x urgency medium, which the policy sets to P2\n"
        "::error file=incidents/2026/broken.yaml,line=23,col=1,title=yaml-syntax::"
        "YAML syntax error: while scanning a plain scalar: found a tab character that violates indentation; "
        "indent with spaces, not tabs\n"
    )
    assert result.stderr == ""


@pytest.mark.parametrize(("value", "github"), [("true", True), ("1", True), ("false", False), ("", False)])
def test_github_is_the_default_on_github_actions(
    repo: Path, run_cli, monkeypatch: pytest.MonkeyPatch, value: str, github: bool
) -> None:  # type: ignore[no-untyped-def]
    _two_bad_records(repo)
    monkeypatch.setenv("GITHUB_ACTIONS", value)
    result = run_cli(repo, "validate")
    assert result.stdout.startswith("::error file=incidents/2026/INC-20261103-3V5G.yaml,line=19,col=1,") is github
    assert result.stdout.startswith("incidents/2026/INC-20261103-3V5G.yaml:19:1: priority-matrix:") is not github


def test_github_escapes_newlines_and_separators() -> None:
    from incident_ledger.errors import Problem
    from incident_ledger.report import github_line

    line = github_line(Problem("a,b:c.yaml", 3, 4, "schema", "50% done\nnext"))
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=schema::50%25 done%0Anext"


def test_json_format(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    _two_bad_records(repo)
    result = run_cli(repo, "validate", "--format", "json")
    assert result.exit_code == 1, result
    assert json.loads(result.stdout) == [
        {
            "path": "incidents/2026/INC-20261103-3V5G.yaml",
            "line": 19,
            "col": 1,
            "rule": "priority-matrix",
            "message": "priority P1 does not match impact high x urgency medium, which the policy sets to P2",
        },
        {
            "path": "incidents/2026/broken.yaml",
            "line": 23,
            "col": 1,
            "rule": "yaml-syntax",
            "message": "YAML syntax error: while scanning a plain scalar: found a tab character that violates "
            "indentation; indent with spaces, not tabs",
        },
    ]
    assert result.stderr == ""


def test_json_when_clean_is_an_empty_list(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    install(repo, VALID[0])
    result = run_cli(repo, "validate", "--format", "json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "[]\n", "")


def test_exit_0_when_clean(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    install(repo, VALID[0])
    result = run_cli(repo, "validate")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "all records valid\n")


def test_paths_are_checked_alone(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    _two_bad_records(repo)
    result = run_cli(repo, "validate", str(repo / "incidents/2026/INC-20261103-3V5G.yaml"))
    assert result.exit_code == 1
    assert result.stdout == TEXT.splitlines(keepends=True)[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "Invalid value for '--format'"),
        (["no/such/file.yaml"], "no such file or directory"),
        (["--jobs", "0"], "Invalid value for '--jobs'"),
    ],
)
def test_exit_2_on_usage_errors(repo: Path, inc_bin: str, args: list[str], message: str) -> None:
    done = subprocess.run([inc_bin, "validate", *args], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr


def test_installed_inc_validates_the_shipped_records(inc_bin: str) -> None:
    done = subprocess.run([inc_bin, "-C", str(PROJECT), "validate"], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "all records valid\n")


def test_keeps_checking_after_an_unreadable_file(repo: Path) -> None:
    for name in ("yaml-syntax-unclosed-quote", "not-a-record-not-utf8", "yaml-alias-self-reference", "timeline-order"):
        shutil.copyfile(INVALID / f"{name}.yaml", repo / "incidents" / f"{name}.yaml")
    rules = [(Path(p.path).stem, p.rule) for p in validate(repo, NOW)]
    assert rules == [
        ("not-a-record-not-utf8", "not-a-record"),
        ("timeline-order", "path-mismatch"),
        ("timeline-order", "timeline-order"),
        ("yaml-alias-self-reference", "yaml-alias"),
        ("yaml-alias-self-reference", "yaml-alias"),
        ("yaml-syntax-unclosed-quote", "yaml-syntax"),
    ]


def test_duplicate_id_across_records(repo: Path) -> None:
    first = install(repo, VALID[0])
    second = repo / "incidents" / "2026" / "copy" / first.name
    second.parent.mkdir()
    shutil.copyfile(first, second)
    problems = [(p.path, p.line, p.col, p.rule, p.message) for p in validate(repo, NOW)]
    assert problems == [
        (
            "incidents/2026/copy/INC-20261103-1D3N.yaml",
            3,
            1,
            "duplicate-id",
            "id INC-20261103-1D3N is already used by incidents/2026/INC-20261103-1D3N.yaml; "
            "give this incident a new id (inc new creates one)",
        ),
        (
            "incidents/2026/copy/INC-20261103-1D3N.yaml",
            3,
            1,
            "path-mismatch",
            "record with id INC-20261103-1D3N must be at incidents/2026/INC-20261103-1D3N.yaml, "
            "not incidents/2026/copy/INC-20261103-1D3N.yaml: move the file (git mv)",
        ),
    ]


def test_duplicate_of_itself(repo: Path) -> None:
    text = (EXAMPLES / "valid" / "9-duplicate.yaml").read_text()
    file = repo / "incidents" / "2026" / "INC-20261103-9D0P.yaml"
    file.parent.mkdir()
    file.write_text(text.replace("duplicate_of: INC-20261103-1D3N", "duplicate_of: INC-20261103-9D0P"))
    assert [(p.line, p.rule, p.message) for p in validate(repo, NOW)] == [
        (12, "duplicate-of", "duplicate_of names itself (INC-20261103-9D0P); name the incident this one duplicates")
    ]


def test_duplicate_of_target_found_on_disk_when_checking_one_file(repo: Path) -> None:
    target = install(repo, VALID[0])
    duplicate = install(repo, VALID[-1])
    assert validate(repo, NOW, [duplicate]) == []
    target.unlink()
    assert [p.rule for p in validate(repo, NOW, [duplicate])] == ["duplicate-of"]


def test_symlinked_record_is_reported(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    shutil.copyfile(VALID[0], outside)
    link = repo / "incidents" / "2026" / "INC-20261103-1D3N.yaml"
    link.parent.mkdir()
    link.symlink_to(outside)
    assert [(p.rule, p.message) for p in validate(repo, NOW)] == [
        ("not-a-record", "record is a symbolic link; replace it with the file itself")
    ]


def test_workers_give_the_same_answer(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the threshold, records are checked in worker processes; nothing may change."""
    monkeypatch.setattr(recordcheck, "PARALLEL_THRESHOLD", 10)
    monkeypatch.setattr(recordcheck, "CHUNK", 4)
    for file in [*VALID, *sorted(INVALID.glob("*.yaml"))]:
        shutil.copyfile(file, repo / "incidents" / file.name)
    one = validate(repo, NOW, jobs=1)
    shutil.rmtree(repo / ".git" / FOLDER)  # or the record cache would answer for the workers
    two = validate(repo, NOW, jobs=2)
    assert len(one) > 50
    assert two == one


def test_ids_shared_by_several_records_are_reported_alike_cold_and_warm(repo: Path) -> None:
    first = install(repo, VALID[0])  # INC-20261103-1D3N, where its id says
    for folder in ("copy", "a"):
        (repo / "incidents" / "2026" / folder).mkdir()
        shutil.copyfile(first, repo / "incidents" / "2026" / folder / first.name)
    # Two records whose id is not a valid id at all still clash with each other.
    text = first.read_text().replace("id: INC-20261103-1D3N", "id: INC-1")
    for name in ("odd-2.yaml", "odd-1.yaml"):
        (repo / "incidents" / "2026" / name).write_text(text)
    duplicate = install(repo, VALID[-1])  # duplicate_of INC-20261103-1D3N, which exists
    shutil.copyfile(duplicate, repo / "incidents" / "2026" / "copy" / duplicate.name)
    expected = [
        (f"incidents/2026/{folder}/INC-20261103-1D3N.yaml", 3, 1, "id INC-20261103-1D3N is already used by "
         "incidents/2026/INC-20261103-1D3N.yaml; give this incident a new id (inc new creates one)")
        for folder in ("a", "copy")
    ] + [
        ("incidents/2026/copy/INC-20261103-9D0P.yaml", 3, 1, "id INC-20261103-9D0P is already used by "
         "incidents/2026/INC-20261103-9D0P.yaml; give this incident a new id (inc new creates one)"),
        ("incidents/2026/odd-2.yaml", 3, 1, "id INC-1 is already used by incidents/2026/odd-1.yaml; "
         "give this incident a new id (inc new creates one)"),
    ]  # fmt: skip
    for run in ("cold", "warm"):
        problems = validate(repo, NOW)
        assert [(p.path, p.line, p.col, p.message) for p in problems if p.rule == "duplicate-id"] == expected, run
        assert not [p for p in problems if p.rule in ("duplicate-of", "related")], run
    assert (repo / ".git" / FOLDER).is_dir()


def test_kept_ids_come_back_exactly() -> None:
    """What the rules across records keep of a plain record is its id as a number: every
    character an id may hold comes back as it was, whether the ids came in order (as
    records come in path order) or not."""
    from incident_ledger.records import CROCKFORD
    from incident_ledger.rules.repository import Seen, SeenRecords

    ids = [f"INC-{day}-{CROCKFORD[n]}{CROCKFORD[31 - n]}{CROCKFORD[n // 2]}{CROCKFORD[(n * 7) % 32]}"
           for n, day in zip(range(32), ["00000101", "20261231", "99991231", "20260229"] * 8, strict=True)]  # fmt: skip
    for order in (ids * 2, sorted(ids * 2)):
        kept = SeenRecords()
        for n, incident_id in enumerate(order):
            kept.add(Seen(incident_id, f"incidents/{incident_id[4:8]}/{incident_id}.yaml", n, n + 1, None))
        groups = sorted(kept.sharing_ids(), key=lambda group: group[0].id)
        assert [group[0].id for group in groups] == sorted(ids)
        first = min(ids)
        assert [(s.path, s.line, s.col) for s in groups[0]] == [
            (f"incidents/{first[4:8]}/{first}.yaml", n, n + 1) for n, i in enumerate(order) if i == first
        ]
        assert all(incident_id in kept for incident_id in ids)
        assert "INC-20261231-0000" not in kept and "INC-1" not in kept and len(kept) == 64
