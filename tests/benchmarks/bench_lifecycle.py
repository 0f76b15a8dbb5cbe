"""Benchmark the lifecycle commands on a big repository (run by hand, not by pytest).

    .venv/bin/python tests/benchmarks/bench_lifecycle.py [--records 10000] [--commits 2000] [--runs 15]
                                                         [--install regular|current]

Builds a repository of RECORDS valid records and COMMITS commits with `git fast-import`
(seconds, not minutes), then times, each as a whole process as a user runs it, taking
turns within each run (a busy machine weighs on all of them alike):
- `inc log ID TEXT` (read, edit, check, write, commit one file), `inc update` when the
  command exists, and a stage command (`inc resolve`, on another record each run) against
  plain `git add FILE && git commit` of a file after the same kind of edit (target:
  within 4x);
- what inc cannot do without, for reading the ratios above: a Python that only imports
  the libraries every writing command loads (click, PyYAML, jsonschema-rs) and ends as
  inc ends (without the interpreter's teardown, which inc skips), and `git commit --only
  -- FILE`, the commit inc makes, after the same kind of edit. What is left of inc's
  time is its own work: its modules, reading and checking the record, its git reads;
- `inc list` over every record, without and with the record cache, against a process
  that only parses every record with the strict reader (target: within 1.5x).
Prints medians, and for the writes the median of each run's ratio to the git run next
to it (a ratio of two commands timed a moment apart is steadier on a shared machine
than the ratio of two medians), and the machine's load.

`--install regular` (the default) times inc as users install it: a regular (not
editable) install of this checkout in a new virtual environment, its dependencies taken
from this one. An editable install starts slower (its import finder, and setuptools'
`distutils` hook, load modules before inc does). `--install current` times this
environment's `inc`.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installs import regular_install

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
INC = str(BIN / "inc")
NOW = "2026-11-23T12:00:00Z"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

RECORD = """\
# yaml-language-server: $schema=../../schemas/incident.schema.json
schema_version: 1
id: {id}
title: Synthetic incident number {n} on service {service}
status: investigating
visibility: internal
exercise: false
summary: |
  Generated for the benchmark. Requests to {service} failed for some customers.
detected_at: "{day}T08:00:00Z"
detected_by: monitoring
reported_by: Synthetic checks
severity: SEV{sev}
impact: medium
urgency: medium
priority: P3
category: availability
services:
  - {service}
impact_assessment: Some customers saw errors.
commander: Bench Runner
acknowledged_at: "{day}T08:05:00Z"
timeline:
  - at: "{day}T08:00:00Z"
    kind: status
    stage: identified
    author: Synthetic checks
    text: Error rate above 5% for {service}.
  - at: "{day}T08:02:00Z"
    kind: status
    stage: classified
    author: Bench Runner
    text: SEV{sev}, P3.
  - at: "{day}T08:05:00Z"
    kind: status
    stage: investigating
    author: Bench Runner
    text: Looking at recent deploys.
  - at: "{day}T08:20:00Z"
    kind: note
    author: Bench Runner
    text: Rolled back the last deploy of {service}; watching the error rate.
"""


def record_id(n: int) -> tuple[str, str]:
    day = f"{2020 + n % 6}-{1 + n % 12:02d}-{1 + n % 28:02d}"
    token = "".join(CROCKFORD[(n >> (5 * i)) % 32] for i in range(4))
    return f"INC-{day.replace('-', '')}-{token}", day


def record(n: int) -> tuple[str, bytes]:
    incident_id, day = record_id(n)
    text = RECORD.format(id=incident_id, n=n, service=f"svc-{n % 40}", day=day, sev=1 + n % 4)
    return f"incidents/{day[:4]}/{incident_id}.yaml", text.encode()


def build(root: Path, records: int, commits: int) -> None:
    """One commit with the schemas and the first records, then one commit per further record."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for key, value in (("user.name", "Bench Runner"), ("user.email", "bench@example.com"), ("commit.gpgsign", "false")):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    stream = bytearray()
    stamp = 1_700_000_000
    first = records - (commits - 1)

    def commit(mark: int, message: str, files: list[tuple[str, bytes]]) -> None:
        body = message.encode()
        stream.extend(f"commit refs/heads/main\nmark :{mark}\n".encode())
        stream.extend(f"committer Bench Runner <bench@example.com> {stamp + mark} +0000\n".encode())
        stream.extend(f"data {len(body)}\n".encode() + body + b"\n")
        if mark > 1:
            stream.extend(f"from :{mark - 1}\n".encode())
        for path, content in files:
            stream.extend(f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n")

    schema_files = [
        (f"schemas/{p.name}", p.read_bytes()) for p in sorted((PROJECT / "schemas").iterdir()) if p.is_file()
    ]
    commit(1, "Initial records", schema_files + [record(n) for n in range(first)])
    for index, n in enumerate(range(first, records), start=2):
        incident_id, _ = record_id(n)
        commit(index, f"{incident_id}: identified: Synthetic incident number {n}", [record(n)])
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=bytes(stream), check=True)
    subprocess.run(["git", "-C", str(root), "reset", "-q", "--hard", "main"], check=True)


def timed(args: list[str], cwd: Path, env: dict[str, str], stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, input=stdin, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr.decode()}")
    return elapsed


def at(day: str, run: int, step: int) -> str:
    """A distinct time for each command of each run, in order."""
    return f"{day}T{9 + run // 15:02d}:{4 * (run % 15) + step:02d}:00Z"


# What every writing command loads before it does anything of its own: Python, the CLI
# library, the YAML parser and the schema validator (which loads email.utils and decimal).
LIBRARIES = "import click, yaml, jsonschema_rs"
# inc ends without the interpreter's teardown (`launch._leave`): some 20 ms after these
# imports, which a floor that tears down would count against git and not against inc.
FLOOR = f"{LIBRARIES}, os; os._exit(0)"


def bench_writes(
    root: Path, env: dict[str, str], runs: int, records: int, inc: str, python: str
) -> dict[str, list[float]]:
    """Each run: plain git, then each inc command, on the same kind of change, and a
    Python that only loads the libraries a writing command needs (the floor under inc)."""
    incident_id, day = record_id(7)
    relative = f"incidents/{day[:4]}/{incident_id}.yaml"
    file = root / relative
    has_update = subprocess.run([inc, "update", "--help"], cwd=root, env=env, capture_output=True).returncode == 0
    times: dict[str, list[float]] = {"git": [], "commit_only": [], "libraries": [], "log": [], "resolve": []}
    if has_update:
        times["update"] = []

    def edit(run: int, step: int, text: str) -> None:  # one timeline entry, as inc log writes it
        entry = f'  - at: "{at(day, run, step)}"\n    kind: note\n    author: Bench Runner\n    text: {text}\n'
        file.write_bytes(file.read_bytes() + entry.encode())

    for run in range(runs):
        # Plain git: the same kind of edit, then add and commit that file.
        edit(run, 0, f"Plain git entry {run}.")
        times["git"].append(timed(["sh", "-c", f"git add -- {relative} && git commit -q -m 'plain {run}'"], root, env))
        edit(run, 1, f"Commit-only entry {run}.")
        times["commit_only"].append(
            timed(["git", "commit", "--only", "-q", "-m", f"only {run}", "--", relative], root, env)
        )
        times["libraries"].append(timed([python, "-c", FLOOR], root, env))
        times["log"].append(timed([inc, "log", incident_id, f"inc entry {run}", "--at", at(day, run, 2)], root, env))
        if has_update:
            times["update"].append(
                timed([inc, "update", incident_id, f"update {run}", "--at", at(day, run, 3)], root, env)
            )
        other, other_day = record_id(records - 1 - run)  # a record still investigating
        resolve = [inc, "resolve", other, "--summary", "Rolled back.", "--step", "Rolled back the deploy."]
        times["resolve"].append(timed([*resolve, "--at", f"{other_day}T10:00:00Z"], root, env))
    return times


def bench_list(root: Path, env: dict[str, str], runs: int, inc: str, python: str) -> tuple[float, float, float]:
    parse_only = (
        "import sys\nfrom pathlib import Path\nfrom incident_ledger import yamlio\n"
        "for f in sorted(Path('incidents').rglob('*.yaml')):\n    yamlio.read(f)\n"
    )
    cache = root / ".git" / "inc-cache"
    cold, warm, parse = [], [], []
    for _ in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(timed([inc, "list", "--format", "json"], root, env))
        warm.append(timed([inc, "list", "--format", "json"], root, env))
        parse.append(timed([python, "-c", parse_only], root, env))
    return statistics.median(cold), statistics.median(warm), statistics.median(parse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--install", choices=("regular", "current"), default="regular")
    parser.add_argument("--keep", action="store_true", help="Keep the repository and print where it is.")
    options = parser.parse_args()
    if options.records < options.runs + 8:  # `inc log` writes record 7; each run resolves another
        parser.error(f"--records must be at least --runs + 8 ({options.runs + 8})")
    # An installed package has its bytecode compiled; an editable checkout may not.
    import incident_ledger

    compileall.compile_dir(str(Path(incident_ledger.__file__).parent), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="inc-bench-"))
    root = work / "repo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(INC_NOW=NOW, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, PYTHONDONTWRITEBYTECODE="")
    env.pop("PYTHONDONTWRITEBYTECODE")
    try:
        start = time.perf_counter()
        build(root, options.records, options.commits)
        count = subprocess.run(["git", "-C", str(root), "rev-list", "--count", "HEAD"], capture_output=True, text=True)
        print(
            f"repository: {options.records} records, {count.stdout.strip()} commits, "
            f"built in {time.perf_counter() - start:.1f} s"
        )
        bin_dir = regular_install(work) if options.install == "regular" else BIN
        inc, python = str(bin_dir / "inc"), str(bin_dir / "python")
        print(f"inc: {options.install} install ({inc})")
        print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        writes = bench_writes(root, env, options.runs, options.records, inc, python)
        git_runs = writes.pop("git")
        git_commit = statistics.median(git_runs)
        print(f"{'git add && git commit':<42} median {git_commit * 1000:7.1f} ms  (baseline)")
        floor = writes.pop("libraries")
        commit_only = writes.pop("commit_only")
        for label, runs in ((f"python: {LIBRARIES}", floor), ("git commit --only -- FILE (inc's commit)", commit_only)):
            print(
                f"{label:<42} median {statistics.median(runs) * 1000:7.1f} ms  "
                f"{statistics.median(runs) / git_commit:5.2f}x git, median of each run's ratio "
                f"{statistics.median(a / b for a, b in zip(runs, git_runs, strict=True)):5.2f}x  (no target: the floor)"
            )
        for name, runs in writes.items():
            median = statistics.median(runs)
            paired = statistics.median(a / b for a, b in zip(runs, git_runs, strict=True))
            # Each run's time less that run's floor and commit: what inc does of its own.
            own = [t - f - c for t, f, c in zip(runs, floor, commit_only, strict=True)]
            print(
                f"inc {name:<38} median {median * 1000:7.1f} ms  {median / git_commit:5.2f}x git, "
                f"median of each run's ratio {paired:5.2f}x  (target <= 4x); "
                f"its own work {statistics.median(own) * 1000:5.1f} ms, "
                f"{statistics.median(o / g for o, g in zip(own, git_runs, strict=True)):4.2f}x git"
            )
        cold, warm, parse = bench_list(root, env, options.runs, inc, python)
        print(f"inc list, no cache           median {cold * 1000:7.1f} ms")
        print(f"inc list, cache warm         median {warm * 1000:7.1f} ms")
        print(f"parse every record only      median {parse * 1000:7.1f} ms")
        print(f"  ratio list (no cache)/parse {cold / parse:5.2f}x   (target <= 1.5x)")
        print(f"  ratio list (warm)/parse     {warm / parse:5.2f}x")
        print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        if options.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
