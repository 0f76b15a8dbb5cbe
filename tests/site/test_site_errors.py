"""Invalid records stop the build with `inc validate`'s messages, unless told to skip them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from site_fixtures import P1, P4, record, write
from site_helpers import build_environment, inc, new_site_repo

from incident_ledger.schema import Schema

BAD = "INC-20260601-BAD9"
REOPENED = "INC-20261001-RRR1"
DUPLICATE = "INC-20260601-DDD2"


@pytest.fixture(scope="module")
def repo_with_a_bad_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = new_site_repo(tmp_path_factory.mktemp("errors") / "repo")
    schema = Schema(root / "schemas")
    write(root, record(schema, P1, "reviewed", "2026-01-05T10:00:00Z", visibility="public"))
    write(root, record(schema, P4, "investigating", "2026-11-23T09:00:00Z", visibility="public"))
    reopened = record(schema, REOPENED, "resolved", "2026-10-01T10:00:00Z", visibility="public")
    reopened["status"] = "investigating"
    reopened["timeline"].append(
        {
            "at": "2026-10-02T09:00:00Z",
            "kind": "reopened",
            "stage": "investigating",
            "author": "Dana",
            "text": "Back again.",
        }
    )
    write(root, reopened)
    bad = record(schema, BAD, "investigating", "2026-06-01T10:00:00Z", title="Bad record text BADMARK")
    bad["priority"] = "P4"  # the matrix says P1 for high x high
    write(root, bad)
    # Valid, and a duplicate of the invalid record: that incident exists, just not validly.
    write(root, record(schema, DUPLICATE, "duplicate", "2026-06-01T10:30:00Z", visibility="public", duplicate_of=BAD))
    return root


def test_invalid_record_fails_the_build_with_validate_messages(repo_with_a_bad_record: Path, tmp_path: Path) -> None:
    with build_environment(tmp_path):
        _, expected, _ = inc(repo_with_a_bad_record, "validate")
        code, out, err = inc(repo_with_a_bad_record, "site", "build", "--out", str(tmp_path / "out"))
    line = expected.strip()
    assert line.startswith(f"incidents/2026/{BAD}.yaml:") and ": priority-matrix: " in line
    assert code == 1
    assert out == ""
    assert err.startswith("inc: error: the site was not built:\nincidents: 1 invalid record(s):\n")
    assert f"\n{line}\n" in err
    assert not (tmp_path / "out" / "incidents").exists()


def test_skip_invalid_leaves_the_record_out_and_names_it(repo_with_a_bad_record: Path, tmp_path: Path) -> None:
    with build_environment(tmp_path):
        code, out, err = inc(repo_with_a_bad_record, "site", "build", "--skip-invalid", "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert out == f"Site built in {tmp_path / 'out'}\n"
    assert err.startswith(f"inc: warning: incidents: left out 1 invalid record(s): incidents/2026/{BAD}.yaml\n")
    assert ": priority-matrix: " in err
    site = tmp_path / "out"
    assert "duplicate-of" not in err
    assert {p.parent.name for p in site.glob("incidents/*/INC-*/index.html")} == {P1, P4, REOPENED, DUPLICATE}
    reopened = (site / "incidents" / "2026" / REOPENED / "index.html").read_text()
    assert "This incident was reopened 1 time(s), last on 2026-10-02 09:00 UTC." in reopened
    assert not [f for f in site.rglob("*") if f.is_file() and b"BADMARK" in f.read_bytes()]


def test_a_left_out_record_is_named_with_its_unsafe_characters_escaped(tmp_path: Path) -> None:
    root = new_site_repo(tmp_path / "repo")
    schema = Schema(root / "schemas")
    write(root, record(schema, P1, "reviewed", "2026-01-05T10:00:00Z", visibility="public"))
    bad = record(schema, BAD, "investigating", "2026-06-01T10:00:00Z")
    bad["priority"] = "P4"
    file = write(root, bad)
    file.rename(file.with_name(f"{BAD}\x1b[2J.yaml"))  # a file name that clears a terminal
    with build_environment(tmp_path):
        code, _, err = inc(root, "site", "build", "--skip-invalid", "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert err.startswith(f"inc: warning: incidents: left out 1 invalid record(s): incidents/2026/{BAD}\\x1b[2J.yaml\n")
    assert f"\nincidents/2026/{BAD}\\x1b[2J.yaml:" in err
    assert "\x1b" not in err


def test_site_build_without_a_site_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    code, out, err = inc(tmp_path, "site", "build")
    assert (code, out) == (2, "")
    assert err == (
        f"inc: error: {tmp_path}/site/mkdocs.yml: no such file; "
        "the site is configured in site/mkdocs.yml at the repository's top\n"
    )


def test_site_commands_have_help(tmp_path: Path) -> None:
    for command in (["site"], ["site", "build"], ["site", "serve"]):
        code, out, _ = inc(tmp_path, *command, "--help")
        assert code == 0
        assert out.startswith(f"Usage: inc {' '.join(command)} ")


def test_a_fifo_named_like_a_record_fails_the_build_instead_of_hanging(tmp_path: Path, inc_bin: str) -> None:
    root = new_site_repo(tmp_path / "repo")
    write(root, record(Schema(root / "schemas"), P1, "reviewed", "2026-01-05T10:00:00Z", visibility="public"))
    os.mkfifo(root / "incidents" / "2026" / "INC-20260105-F1F0.yaml")
    with build_environment(tmp_path):
        done = subprocess.run(
            [inc_bin, "-C", str(root), "site", "build", "--out", str(tmp_path / "out")],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    assert done.returncode == 1, done
    assert (
        "incidents/2026/INC-20260105-F1F0.yaml:1:1: not-a-record: is a FIFO, not a regular file; "
        "a record is a file: remove it"
    ) in done.stderr
