"""Benchmark `inc export` against `inc validate` on the same records (run by hand).

    .venv/bin/python tests/benchmarks/bench_export.py [--sizes 10000] [--repeat 3]

For each size N it writes N realistic, seeded records (bench_validate's generator) into a
temporary repository and times, in the same run and as processes (CPU includes the worker
processes): `inc validate`, and `inc export --include-restricted` in each format, written
to a file. It prints medians and the ratio of each export to `inc validate`.
Target (issue 11): `inc export` of 10,000 records within 1.5x of `inc validate`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_validate import BIN, make_repository, measure, process

FORMATS = ("csv", "json", "ndjson", "fourkeys", "stix")


def bench_size(count: int, repeat: int, seed: int, now: datetime) -> None:
    with tempfile.TemporaryDirectory(prefix=f"incident-ledger-bench-export-{count}-") as tmp:
        root = Path(tmp)
        make_repository(root, count, seed, now)
        print(f"\n{count:,} records, seed {seed}", flush=True)
        env = {**os.environ, "INC_NOW": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        inc = str(BIN / "inc")
        base = measure("inc validate", repeat, lambda: process([inc, "validate"], root, env))
        for fmt in FORMATS:
            out = str(root / f"export.{fmt}")
            args = [inc, "export", "--include-restricted", "--format", fmt, "-o", out]
            run = measure(f"inc export --format {fmt}", repeat, lambda args=args: process(args, root, env))
            print(f"    ratio to inc validate: {run.wall / base.wall:.2f}x wall, {run.cpu / base.cpu:.2f}x cpu"
                  "  (target <= 1.5x)", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261103)
    options = parser.parse_args()
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
    for count in options.sizes:
        bench_size(count, options.repeat, options.seed, now)


if __name__ == "__main__":
    main()
