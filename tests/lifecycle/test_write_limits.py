"""Every record `inc` writes passes `inc validate`, the reader's size limit included."""

from __future__ import annotations

from pathlib import Path

from lifecycle_helpers import commits, git, new_incident, record_path, snapshot

from incident_ledger.yamlio import MAX_BYTES


def _grow_to(repo: Path, incident_id: str, size: int, inc_ok) -> None:  # type: ignore[no-untyped-def]
    """Pad the record's summary (a literal block) until the file is `size` bytes, and commit it."""
    file = record_path(repo, incident_id)
    text = file.read_text(encoding="utf-8")
    head, rest = text.split("summary: EU customers could not pay.\n", 1)
    padding_line = "  " + "x" * 98 + "\n"
    filler = size - len(text.encode()) + len("summary: EU customers could not pay.\n") - len("summary: |\n")
    lines, extra = divmod(filler, len(padding_line))
    body = padding_line * lines + ("  " + "y" * (extra - 3) + "\n" if extra >= 3 else "")
    file.write_text(head + "summary: |\n" + body + rest, encoding="utf-8")
    assert abs(len(file.read_bytes()) - size) < 3
    inc_ok(repo, "validate")
    git(repo, "commit", "-qam", "Long summary")


def test_log_that_would_pass_the_size_limit_is_refused(repo: Path, inc_ok, inc_fails) -> None:  # type: ignore[no-untyped-def]
    incident_id = new_incident(inc_ok, repo)
    _grow_to(repo, incident_id, MAX_BYTES - 1_000, inc_ok)
    before, raw = snapshot(repo), record_path(repo, incident_id).read_bytes()
    result = inc_fails(repo, "log", incident_id, "z" * 2_048, "--at", "2026-11-23T11:00:00Z")
    relative = f"incidents/2026/{incident_id}.yaml"
    assert result.stderr.startswith(
        "inc: error: the change would leave the record invalid, so nothing was written:\n"
        f"  {relative}:1:1: not-a-record: file is 1,04"
    )
    assert "bytes; a record may have at most 1,048,576 (1 MiB)\n" in result.stderr
    assert (snapshot(repo), record_path(repo, incident_id).read_bytes()) == (before, raw)


def test_log_up_to_the_size_limit_is_written_and_valid(repo: Path, inc_ok) -> None:  # type: ignore[no-untyped-def]
    incident_id = new_incident(inc_ok, repo)
    _grow_to(repo, incident_id, MAX_BYTES - 3_000, inc_ok)
    count = commits(repo)
    inc_ok(repo, "log", incident_id, "z" * 2_048, "--at", "2026-11-23T11:00:00Z")
    assert commits(repo) == count + 1
    assert len(record_path(repo, incident_id).read_bytes()) <= MAX_BYTES
    inc_ok(repo, "validate")
