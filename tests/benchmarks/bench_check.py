"""Benchmark: `inc check` costs what the change costs, not what the repository weighs.

Run by hand:  .venv/bin/python tests/benchmarks/bench_check.py [--runs 7] [--keep DIR]

Builds, with `git fast-import`, a repository of 100 records and one of 10,000 records
with 2,000 commits, then times the installed `inc check --base main` (a new process
each time, as CI runs it) on a branch that changes 1 record in each, and 1, 10 and 100
records in the large one. Prints medians and ratios against the baseline measured in
the same run. Targets: large/small within 1.5x for one record; about linear in the
number of changed records.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MODELINE = "# yaml-language-server: $schema=../../schemas/incident.schema.json\n"
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "INC_NOW": "2026-11-23T12:00:00Z",
}


def incident_id(index: int) -> str:
    day = 1 + index % 28
    token = "".join(CROCKFORD[(index // 32**k) % 32] for k in range(3, -1, -1))
    return f"INC-202610{day:02d}-{token}"


def record(index: int, extra_entries: int = 0) -> str:
    rid = incident_id(index)
    day = rid[10:12]
    entries = [
        ("10:00", "status", "identified", "Alert fired."),
        ("10:20", "status", "classified", "SEV3, a subset of users affected."),
        ("10:30", "status", "investigating", "Looking at it."),
    ] + [(f"11:{i:02d}", "note", None, f"Finding number {i}.") for i in range(extra_entries)]
    timeline = "".join(
        f'  - at: "2026-10-{day}T{at}:00Z"\n    kind: {kind}\n'
        + (f"    stage: {stage}\n" if stage else "")
        + f"    author: Dana Whitfield\n    text: {text}\n"
        for at, kind, stage, text in entries
    )
    return (
        f"{MODELINE}schema_version: 1\nid: {rid}\ntitle: Service {index} returned errors\n"
        "status: investigating\nvisibility: internal\nexercise: false\n"
        f"summary: |\n  Requests to service {index} failed for some users.\n"
        f'detected_at: "2026-10-{day}T10:00:00Z"\ndetected_by: monitoring\nreported_by: error-rate alert\n'
        "severity: SEV3\nimpact: medium\nurgency: medium\npriority: P3\ncategory: availability\n"
        f"services:\n  - service-{index}\nimpact_assessment: |\n  Some users saw errors.\n"
        f'commander: Dana Whitfield\nacknowledged_at: "2026-10-{day}T10:30:00Z"\n'
        f"timeline:\n{timeline}"
    )


def path_of(index: int) -> str:
    return f"incidents/2026/{incident_id(index)}.yaml"


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def build(root: Path, records: int, commits: int) -> None:
    """A repository whose main adds `records` records over `commits` commits (fast-import)."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=ENV)
    stream = bytearray()
    per_commit = max(1, records // commits)
    schema_files = sorted((PROJECT / "schemas").iterdir())
    for number in range(commits):
        stream += b"commit refs/heads/main\nmark :%d\n" % (number + 1)
        stream += b"committer Bench <bench@example.com> %d +0000\n" % (1_700_000_000 + number)
        stream += _data(f"Commit {number}")
        if number:
            stream += b"from :%d\n" % number
        else:
            for file in schema_files:
                stream += f"M 100644 inline schemas/{file.name}\n".encode() + _data(file.read_text())
        first = number * per_commit
        last = records if number == commits - 1 else min(records, first + per_commit)
        for index in range(first, last):
            stream += f"M 100644 inline {path_of(index)}\n".encode() + _data(record(index))
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=bytes(stream), check=True, env=ENV)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "main"], check=True, env=ENV)


def branch_changing(root: Path, name: str, count: int) -> None:
    """A branch off main appending a timeline entry to `count` records (an honest change)."""
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "checkout", "-q", "-B", name, "main"], check=True, env=ENV)
    for index in range(count):
        (root / path_of(index)).write_text(record(index, extra_entries=1))
    subprocess.run([*git, "commit", "-q", "-am", f"Change {count}"], check=True, env=ENV)


def inc_command() -> str:
    found = shutil.which("inc", path=str(Path(sys.executable).parent))
    if not found:
        sys.exit("the inc command is not installed next to this Python; pip install -e . first")
    return found


def time_check(root: Path, runs: int) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(
            [inc_command(), "check", "--base", "main"], cwd=root, capture_output=True, text=True, env=ENV
        )
        samples.append(time.perf_counter() - began)
        if done.returncode != 0:
            sys.exit(f"inc check failed in {root}:\n{done.stdout}{done.stderr}")
    return statistics.median(samples)


def time_in_process(root: Path, runs: int) -> float:
    """The same check called in this process once imports are warm: the work that
    follows the change, without Python's start-up and imports (a constant per run)."""
    from incident_ledger.check import check
    from incident_ledger.records import parse_time

    now = parse_time(ENV["INC_NOW"])
    assert now is not None
    check(root, now, "main")  # warm imports and caches
    samples = []
    for _ in range(runs * 5):  # cheap, and noisier than a whole process: more samples
        began = time.perf_counter()
        outcome = check(root, now, "main")
        samples.append(time.perf_counter() - began)
        assert not outcome.problems, outcome.problems
    return statistics.median(samples)


def report(title: str, baseline: float, timings: dict[int, float]) -> None:
    ratio = timings[1] / baseline
    verdict = "within" if ratio <= 1.5 else "NOT within"
    print(f"\n{title}")
    print(f"  100 records, 20 commits,         1 changed: {baseline * 1000:8.1f} ms  (baseline)")
    print(
        f"  10,000 records, 2,000 commits,   1 changed: {timings[1] * 1000:8.1f} ms  "
        f"({ratio:.2f}x, {verdict} the 1.5x target)"
    )
    for count in (10, 100):
        seconds = timings[count]
        per = (seconds - timings[1]) / (count - 1) * 1000
        print(
            f"  10,000 records, 2,000 commits, {count:>3} changed: {seconds * 1000:8.1f} ms  "
            f"({seconds / timings[1]:5.2f}x of 1 changed; {per:.2f} ms per extra record)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the repositories here and keep them")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-check-"))
    base.mkdir(parents=True, exist_ok=True)
    small, large = base / "small", base / "large"
    for root, records, commits in ((small, 100, 20), (large, 10_000, 2_000)):
        if not root.exists():
            began = time.perf_counter()
            build(root, records, commits)
            print(f"built {root.name}: {records} records, {commits} commits in {time.perf_counter() - began:.1f} s")
    try:
        branch_changing(small, "one", 1)
        small_process, small_inside = time_check(small, args.runs), time_in_process(small, args.runs)
        process, inside = {}, {}
        for count in (1, 10, 100):
            branch_changing(large, f"change-{count}", count)
            process[count] = time_check(large, args.runs)
            inside[count] = time_in_process(large, args.runs)
        report(
            f"installed `inc check --base main`, a new process per run (median of {args.runs}):", small_process, process
        )
        report(f"check() in-process, imports warm (median of {args.runs * 5}):", small_inside, inside)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
