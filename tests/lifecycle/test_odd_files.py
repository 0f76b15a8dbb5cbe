"""Odd files and file systems: a FIFO named like a record, folders inc may not write, a file
where a folder should be, bytes on stdin or on the command line that are not UTF-8. inc
never hangs, never reports a bug, names the path, and leaves the repository as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lifecycle_helpers import git, new_incident, record_path, snapshot

FIFO_ID = "INC-20261123-F1F0"
# No command may wait this long on a file (the FIFO is never opened for writing).
TIMEOUT = 60


def run(inc_bin: str, repo: Path, *args: str, drop_root: bool = False) -> subprocess.CompletedProcess[str]:
    """The installed inc as a process (a hang fails the test instead of the run)."""
    prefix: list[str] = []
    if drop_root and os.geteuid() == 0:
        # root writes anywhere: without CAP_DAC_OVERRIDE it meets the folders' modes like a user.
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder read-only to this process")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run(
        [*prefix, inc_bin, "-C", str(repo), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def fifo_repo(repo: Path) -> Path:
    folder = repo / "incidents" / "2026"
    folder.mkdir(parents=True)
    os.mkfifo(folder / f"{FIFO_ID}.yaml")
    return repo


def test_validate_reports_a_fifo_instead_of_waiting(fifo_repo: Path, inc_bin: str) -> None:
    done = run(inc_bin, fifo_repo, "validate")
    assert (done.returncode, done.stdout) == (
        1,
        f"incidents/2026/{FIFO_ID}.yaml:1:1: not-a-record: is a FIFO, not a regular file; a record is a file: remove it\n",
    )


def test_list_and_show_report_a_fifo_instead_of_waiting(fifo_repo: Path, inc_bin: str, inc_ok) -> None:  # type: ignore[no-untyped-def]
    other = new_incident(inc_ok, fifo_repo)
    listed = run(inc_bin, fifo_repo, "list")
    assert listed.returncode == 0, listed
    assert other in listed.stdout
    assert f"inc: warning: incidents/2026/{FIFO_ID}.yaml:1:1: not-a-record: is a FIFO" in listed.stderr
    shown = run(inc_bin, fifo_repo, "show", "F1F0")
    assert shown.returncode == 1
    assert "not-a-record: is a FIFO, not a regular file" in shown.stderr
    logged = run(inc_bin, fifo_repo, "log", "F1F0", "text")
    assert logged.returncode == 1 and "is a FIFO" in logged.stderr


def test_check_of_the_work_tree_reports_a_fifo(fifo_repo: Path, inc_bin: str, inc_ok) -> None:  # type: ignore[no-untyped-def]
    incident_id = new_incident(inc_ok, fifo_repo)
    file = record_path(fifo_repo, incident_id)
    file.unlink()
    os.mkfifo(file)
    done = run(inc_bin, fifo_repo, "check", "--base", "HEAD", "--head", "WORKTREE")
    assert done.returncode == 1, done
    assert f"incidents/2026/{incident_id}.yaml:1:1: not-a-record: " in done.stdout
    assert "not a regular file" in done.stdout


def test_new_in_a_read_only_incidents_folder_names_it(repo: Path, inc_bin: str) -> None:
    before = snapshot(repo)
    (repo / "incidents").chmod(0o555)
    try:
        done = run(inc_bin, repo, "new", "T", "--summary", "s", "--detected-by", "staff", drop_root=True)
    finally:
        (repo / "incidents").chmod(0o755)
    assert done.returncode == 1, done
    assert done.stderr == (
        "inc: error: cannot create the folder incidents/2026: Permission denied; check its permissions\n"
    )
    assert snapshot(repo) == before


def test_log_in_a_read_only_year_folder_names_it(repo: Path, inc_bin: str, inc_ok) -> None:  # type: ignore[no-untyped-def]
    incident_id = new_incident(inc_ok, repo)
    before, raw = snapshot(repo), record_path(repo, incident_id).read_bytes()
    year = repo / "incidents" / "2026"
    year.chmod(0o555)
    try:
        done = run(inc_bin, repo, "log", incident_id, "text", drop_root=True)
        created = run(inc_bin, repo, "new", "T", "--summary", "s", "--detected-by", "staff", drop_root=True)
    finally:
        year.chmod(0o755)
    for result in (done, created):
        assert result.returncode == 1, result
        assert (
            result.stderr == f"inc: error: cannot write a record in {year}: Permission denied; check its permissions\n"
        )
    assert (snapshot(repo), record_path(repo, incident_id).read_bytes()) == (before, raw)


def test_a_file_where_the_year_folder_should_be_is_named(repo: Path, inc_fails) -> None:  # type: ignore[no-untyped-def]
    (repo / "incidents" / "2026").write_text("not a folder\n")
    git(repo, "add", "incidents/2026")
    git(repo, "commit", "-qm", "A stray file")
    before = snapshot(repo)
    result = inc_fails(
        repo, "new", "T", "--summary", "s", "--detected-by", "staff", "--detected-at", "2026-11-23T10:00:00Z"
    )
    assert result.stderr == (
        "inc: error: incidents/2026 is a file where the folder for records should be; move it away and try again\n"
    )
    assert snapshot(repo) == before


def test_text_on_stdin_that_is_not_utf8_is_a_usage_error(repo: Path, inc_bin: str, inc_ok) -> None:  # type: ignore[no-untyped-def]
    incident_id = new_incident(inc_ok, repo)
    before = snapshot(repo)
    done = subprocess.run(
        [inc_bin, "-C", str(repo), "log", incident_id, "-"],
        input=b"caf\xe9 au lait\n",
        capture_output=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 2
    assert b"the text on standard input is not UTF-8 (byte 0xe9 at offset 3)" in done.stderr
    assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("args", "named", "where"),
    [
        ([b"log", b"{id}", b"caf\xc3\xa9 \xe9t\xe9"], "'TEXT'", "byte 0xe9 at offset 6"),
        ([b"log", b"{id}", b"Paged the team", b"--author", b"Da\xffna"], "'--author'", "byte 0xff at offset 2"),
        ([b"update", b"{id}", b"\xfeStill degraded"], "'TEXT'", "byte 0xfe at offset 0"),
        (
            [b"new", b"Search \xff", b"--summary", b"s", b"--detected-by", b"staff"],
            "'[TITLE]'",
            "byte 0xff at offset 7",
        ),
        ([b"action", b"add", b"{id}", b"Add a canary", b"--owner", b"\xe9quipe"], "'--owner'", "byte 0xe9 at offset 0"),
    ],
)
def test_text_on_the_command_line_that_is_not_utf8_is_a_usage_error(  # type: ignore[no-untyped-def]
    repo: Path, inc_bin: str, inc_ok, args: list[bytes], named: str, where: str
) -> None:
    # The shell passes bytes (a Latin-1 terminal, a script); a record is UTF-8. The argument
    # is named, as for text on stdin, instead of the change failing on its way into the record.
    incident_id = new_incident(inc_ok, repo)
    before = snapshot(repo)
    given = [a.replace(b"{id}", incident_id.encode()) for a in args]
    done = subprocess.run([inc_bin, "-C", str(repo), *given], capture_output=True, timeout=TIMEOUT)
    assert done.returncode == 2, done
    assert done.stderr.decode().splitlines()[-1] == (
        f"Error: Invalid value for {named}: it is not UTF-8 ({where}); convert it first, e.g. with iconv -t UTF-8"
    )
    assert snapshot(repo) == before
