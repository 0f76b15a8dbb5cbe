"""Benchmark: reading the records' audit trail from git, git CLI against GitPython.

    .venv/bin/python tests/benchmarks/bench_history.py [--records 1000] [--repeat 3]

It makes, in a temporary folder and with `git fast-import`, a repository whose history
holds RECORDS records, each committed once per stage reached and once per note added
(realistic records from bench_validate, one commit per `inc` command, interleaved in
time as real work is). Then it times, in the same run:

- the git CLI as `inc` uses it: `audit.histories()`, one `git log --patch` for all records;
- GitPython, the design's git library, two ways: `iter_commits(paths=...)` with each
  commit's patch (`Commit.diff(parent, create_patch=True)`), and with `Commit.stats`
  (the cheapest per-commit call GitPython offers), both giving what changed per record.

It prints the median seconds and the ratio GitPython / CLI. GitPython must be installed
(`pip install GitPython`) for its rows; without it they are skipped.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_validate import PROJECT, record

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def versions(text: str) -> list[str]:
    """The record as each successive commit left it: the timeline grown one entry at a time."""
    head, _, timeline = text.partition("timeline:\n")
    entries = ["  - at:" + part for part in timeline.split("  - at:")[1:]]
    return [head + "timeline:\n" + "".join(entries[:count]) for count in range(1, len(entries) + 1)]


def make_history(root: Path, count: int, seed: int) -> int:
    """A repository with `count` records committed version by version; returns the commit count."""
    rng = random.Random(seed)
    taken: set[str] = set()
    changes: list[tuple[float, str, str]] = []  # (when, path, content)
    for _ in range(count):
        incident_id, text = record(rng, taken, NOW)
        start = rng.uniform(0, 3 * 365 * 86400)
        path = f"incidents/{incident_id[4:8]}/{incident_id}.yaml"
        for step, content in enumerate(versions(text)[:12]):
            changes.append((start + step * 600, path, content))
    changes.sort()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = []
    base = int(NOW.timestamp()) - 4 * 365 * 86400
    for number, (when, path, content) in enumerate(changes, start=1):
        data = content.encode()
        message = f"{Path(path).stem}: change {number}".encode()
        stamp = f"{base + int(when)} +0000"
        stream.append(
            b"commit refs/heads/main\n"
            + f"mark :{number}\nauthor Dana <d@example.com> {stamp}\ncommitter Dana <d@example.com> {stamp}\n".encode()
            + f"data {len(message)}\n".encode()
            + message
            + b"\n"
            + (f"from :{number - 1}\n".encode() if number > 1 else b"")
            + f"M 100644 inline {path}\ndata {len(data)}\n".encode()
            + data
            + b"\n"
        )
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "main"], check=True)
    return len(changes)


def with_cli(root: Path) -> int:
    from incident_ledger import audit

    return sum(len(changes) for changes in audit.histories(root).values())


def with_gitpython_patches(root: Path) -> int:
    import git

    repo = git.Repo(root)
    total = 0
    for commit in repo.iter_commits("HEAD", paths="incidents"):
        parent = commit.parents[0] if commit.parents else git.NULL_TREE
        for diff in commit.diff(parent, paths="incidents", create_patch=True, unified=0, R=True):
            total += bool(diff.diff)
    repo.close()
    return total


def with_gitpython_stats(root: Path) -> int:
    import git

    repo = git.Repo(root)
    total = sum(len(commit.stats.files) for commit in repo.iter_commits("HEAD", paths="incidents"))
    repo.close()
    return total


def _cpu() -> float:
    """CPU seconds of this process and of the git processes it waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(label: str, repeat: int, run: Callable[[], int]) -> tuple[float, float]:
    """Median wall and CPU seconds (CPU is steadier on a shared machine)."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), _cpu()
        found = run()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    shown = ", ".join(f"{t:.2f}" for t in walls)
    print(
        f"  {label:<58} wall {wall:7.2f} s  cpu {cpu:7.2f} s  ({found} record changes; wall runs: {shown})", flush=True
    )
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261103)
    options = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, project {PROJECT}")
    with tempfile.TemporaryDirectory(prefix="incident-ledger-bench-history-") as tmp:
        root = Path(tmp) / "repo"
        commits = make_history(root, options.records, options.seed)
        print(f"\n{options.records:,} records, {commits:,} commits touching incidents/", flush=True)
        cli = measure("git CLI: audit.histories (one git log --patch)", options.repeat, lambda: with_cli(root))
        try:
            import git  # noqa: F401
        except ImportError:
            print("  GitPython is not installed: pip install GitPython to compare")
            return
        patches = measure(
            "GitPython: iter_commits + Commit.diff(create_patch=True)",
            options.repeat,
            lambda: with_gitpython_patches(root),
        )
        stats = measure("GitPython: iter_commits + Commit.stats", options.repeat, lambda: with_gitpython_stats(root))
        for label, (wall, cpu) in (("patches", patches), ("stats", stats)):
            print(f"  GitPython {label} / CLI: {wall / cli[0]:.1f}x wall, {cpu / cli[1]:.1f}x cpu")


if __name__ == "__main__":
    main()
