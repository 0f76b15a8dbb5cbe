"""Benchmark appending to a long record (run by hand, not by pytest).

    .venv/bin/python tests/benchmarks/bench_append.py [--entries 10000] [--runs 5]

Builds a repository with one valid record holding ENTRIES timeline entries, then times,
each as a whole process as a user runs it:
- `inc validate FILE`: reading and checking the record (the floor: inc log reads and
  checks it before and after the change);
- `inc log ID TEXT`: read, append one entry, check, write, commit;
- the same `inc log` on a copy whose timeline is not the file's last part (a `links:`
  list follows it), which makes inc round-trip the whole document: the cost before
  entries were appended as text.
Prints medians and ratios against `inc validate`, measured in the same run (target: log
within 3x of validate).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
INC = str(Path(sys.executable).parent / "inc")
NOW = "2026-11-23T12:00:00Z"
ID = "INC-20260301-B1G0"
LONG_WAY_ID = "INC-20260301-B1G1"
HEAD = f"""\
# yaml-language-server: $schema=../../schemas/incident.schema.json
schema_version: 1
id: {ID}
title: A long-running incident with a very long timeline
status: identified
visibility: internal
exercise: false
summary: |
  Generated for the benchmark.
detected_at: "2026-03-01T08:00:00Z"
detected_by: monitoring
reported_by: Synthetic checks
# The timeline only grows; every write must keep this comment.
timeline:
  - at: "2026-03-01T08:00:00Z"
    kind: status
    stage: identified
    author: Synthetic checks
    text: Error rate above 5%.
"""
# About 85 bytes an entry: 10,000 entries stay under the reader's 1 MiB limit.
ENTRY = """\
  - at: "2026-03-{day:02d}T{hour:02d}:{minute:02d}:00Z"
    kind: note
    author: Bench
    text: Update {n}.
"""


def build(root: Path, entries: int) -> Path:
    """The repository, with the record and its long-way copy; returns the record's path."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for key, value in (("user.name", "Bench"), ("user.email", "bench@example.com"), ("commit.gpgsign", "false")):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    (root / "schemas").mkdir()
    for file in (PROJECT / "schemas").iterdir():
        (root / "schemas" / file.name).write_bytes(file.read_bytes())
    record = root / "incidents" / "2026" / f"{ID}.yaml"
    record.parent.mkdir(parents=True)
    parts = [HEAD]
    for n in range(1, entries):
        minute = n % (60 * 24 * 20)
        parts.append(ENTRY.format(day=2 + minute // 1440, hour=minute // 60 % 24, minute=minute % 60, n=n))
    record.write_text("".join(parts), encoding="utf-8")
    copy = "".join(parts).replace(ID, LONG_WAY_ID) + "links:\n  - title: Ticket\n    url: https://example.com/1\n"
    (record.parent / f"{LONG_WAY_ID}.yaml").write_text(copy, encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", "Long record"], check=True)
    return record


def timed(command: list[str], root: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, env={**os.environ, "INC_NOW": NOW})
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--long-runs", type=int, default=1, help="runs of the (slow) round-trip path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        record = build(root, args.entries)
        size = record.stat().st_size
        validate = [timed([INC, "validate", str(record)], root) for _ in range(args.runs)]
        log = [timed([INC, "log", ID, f"Appended {n}.", "--author", "Bench"], root) for n in range(args.runs)]
        long_way = [
            timed([INC, "log", LONG_WAY_ID, f"Appended {n}.", "--author", "Bench"], root) for n in range(args.long_runs)
        ]
        last = subprocess.run(
            ["git", "-C", str(root), "diff", "HEAD~1", "--stat"], capture_output=True, text=True, check=True
        )
        print(f"record: {args.entries:,} timeline entries, {size:,} bytes; {args.runs} runs each")
        print(f"inc validate FILE  median {statistics.median(validate):6.2f} s")
        print(f"inc log ID TEXT    median {statistics.median(log):6.2f} s")
        print(f"inc log, round trip median {statistics.median(long_way):6.2f} s ({args.long_runs} run(s))")
        floor = statistics.median(validate)
        print(f"ratio log/validate        {statistics.median(log) / floor:6.2f}x")
        print(f"ratio round trip/validate {statistics.median(long_way) / floor:6.2f}x")
        print(f"last commit: {last.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
