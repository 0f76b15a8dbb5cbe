"""Benchmark `inc validate` against the parse floor and check-jsonschema (run by hand).

    .venv/bin/python tests/benchmarks/bench_validate.py [--sizes 1000 10000] [--repeat 5]
                                                        [--install regular|current]

For each size N it writes N realistic, seeded records (~5 KiB each, every stage) into a
temporary git repository (committed, as CI checks them out) and times, in the same run,
each repetition taking its turn with every command (interleaved, so a busy machine
weighs on all of them alike):

- the parse floor: one process reading every file and parsing it with PyYAML's C loader
  (`yaml.load(..., CSafeLoader)`), one at a time; and the same with our strict reader;
- `inc validate` cold (no record cache): default workers, and --jobs 1;
- `inc validate` warm (the cache knows every record), and with one record changed;
- `check-jsonschema --schemafile schemas/incident.schema.json` on the same files (once);

and `inc --help` against a bare `python -c pass`. It prints medians, ratios against the
floor, and the peak memory (max RSS of the largest process) of each `inc validate`,
which a small launcher starts so that the benchmark's own size is not counted in it.
Targets: cold CPU within 1.3x of the floor's and wall at or below it with 2 workers;
warm within 0.5 s for 10,000 records; memory not growing with N; `inc --help` under
100 ms over `python -c pass`.

`--install regular` (the default) times inc as users install it, and `python -c pass`
with that install's Python (`installs.regular_install`); `--install current` times this
environment's.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from installs import regular_install

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
STAGES = ["identified", "classified", "investigating", "resolved", "recovered", "closed", "reviewed"]
MATRIX = {
    "high": {"high": "P1", "medium": "P2", "low": "P3"},
    "medium": {"high": "P2", "medium": "P3", "low": "P4"},
    "low": {"high": "P3", "medium": "P4", "low": "P4"},
}
SERVICES = [
    "checkout-api", "payments-gateway", "auth-service", "search", "search-indexer", "catalog-service",
    "cdn-edge", "web-storefront", "mobile-bff", "recommendations", "notifications", "billing-batch",
    "postgres-primary", "kafka-events", "warehouse-sync",
]  # fmt: skip
PEOPLE = [
    "Priya Natarajan", "Jonas Weber", "Sofia Lindgren", "Kenji Watanabe", "Tomás Herrera", "Farah Siddiqui",
    "Oluwaseun Bello", "Nadia Rahman", "Grace Lindqvist", "Lucía Romero", "Ethan Cole", "Daniel Mensah",
]  # fmt: skip
WORDS = [
    "error",
    "rate",
    "latency",
    "rollback",
    "deploy",
    "config",
    "pool",
    "connection",
    "timeout",
    "retry",
    "queue",
    "backlog",
    "replica",
    "failover",
    "certificate",
    "cache",
    "eviction",
    "throttling",
    "quota",
    "index",
    "shard",
    "lag",
    "alert",
    "dashboard",
    "customer",
    "checkout",
    "login",
    "payment",
    "order",
    "export",
    "region",
    "traffic",
    "spike",
    "saturation",
    "memory",
    "leak",
    "restart",
]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _block(rng: random.Random, sentences: int, indent: str = "  ") -> str:
    lines = []
    for _ in range(sentences):
        lines.append(indent + _sentence(rng, rng.randint(8, 14)))
    return "|\n" + "\n".join(lines)


def _at(moment: datetime) -> str:
    return '"' + moment.strftime("%Y-%m-%dT%H:%M:%SZ") + '"'


def record(rng: random.Random, taken: set[str], now: datetime) -> tuple[str, str]:
    """One valid record's (id, text): a random stage, consistent times, ~5 KiB."""
    detected = now - timedelta(days=rng.randint(30, 3 * 365), minutes=rng.randint(0, 1440))
    while True:
        incident_id = f"INC-{detected:%Y%m%d}-" + "".join(rng.choice(CROCKFORD) for _ in range(4))
        if incident_id not in taken:
            taken.add(incident_id)
            break
    stage = rng.choice(STAGES)
    reached = STAGES[: STAGES.index(stage) + 1]
    people = rng.sample(PEOPLE, 4)
    impact, urgency = rng.choice(list(MATRIX)), rng.choice(list(MATRIX))
    out = [
        "# yaml-language-server: $schema=../../schemas/incident.schema.json",
        "schema_version: 1",
        f"id: {incident_id}",
        f"title: {_sentence(rng, 7)[:-1]}",
        f"status: {stage}",
        f"visibility: {rng.choice(['public', 'internal', 'restricted'])}",
        f"exercise: {rng.choice(['false', 'false', 'false', 'true'])}",
        f"summary: {_block(rng, 4)}",
        f"detected_at: {_at(detected)}",
        f"detected_by: {rng.choice(['monitoring', 'user-report', 'staff', 'third-party'])}",
        f"reported_by: {people[0]}",
        f"started_at: {_at(detected - timedelta(minutes=rng.randint(1, 30)))}",
    ]
    moment = detected
    times = {"identified": detected}
    for later in reached[1:]:
        moment += timedelta(
            minutes=rng.randint(5, 90) if later in ("classified", "investigating") else rng.randint(60, 2000)
        )
        times[later] = moment
    if "classified" in times:
        out += [
            f"severity: SEV{rng.randint(1, 4)}",
            f"impact: {impact}",
            f"urgency: {urgency}",
            f"priority: {MATRIX[impact][urgency]}",
            f"category: {rng.choice(['availability', 'performance', 'security', 'data', 'other'])}",
            "services:",
            *[f"  - {s}" for s in rng.sample(SERVICES, rng.randint(1, 3))],
            f"impact_assessment: {_block(rng, 3)}",
        ]
    if "investigating" in times:
        out += [f"commander: {people[1]}", f"acknowledged_at: {_at(times['investigating'])}"]
        out += [f"investigation: {_block(rng, 3)}"]
    if "resolved" in times:
        out += [f"resolved_at: {_at(times['resolved'])}", "resolution:", f"  summary: {_block(rng, 2, '    ')}"]
        out += ["  steps:", *[f"    - {_sentence(rng, 9)}" for _ in range(rng.randint(2, 4))]]
    if "recovered" in times:
        out += [f"recovered_at: {_at(times['recovered'])}", "recovery:", f"  summary: {_sentence(rng, 12)}"]
        out += [f"  verification: {_sentence(rng, 12)}"]
    if "closed" in times:
        out += [f"closed_at: {_at(times['closed'])}", f"root_cause: {_block(rng, 3)}"]
        out += ["contributing_factors:", *[f"  - {_sentence(rng, 8)}" for _ in range(2)]]
    if "reviewed" in times:
        out += [f"reviewed_at: {_at(times['reviewed'])}", "postmortem:", f"  summary: {_block(rng, 2, '    ')}"]
        for part in ("what_went_well", "what_went_wrong", "lessons_learned"):
            out += [f"  {part}:", *[f"    - {_sentence(rng, 9)}" for _ in range(2)]]
        out += ["action_items:"]
        for number in range(1, rng.randint(2, 4)):
            due = times["reviewed"] + timedelta(days=rng.randint(5, 40))
            out += [
                f"  - id: A{number}",
                f"    title: {_sentence(rng, 7)}",
                f"    kind: {rng.choice(['detect', 'mitigate', 'prevent', 'process'])}",
                f"    owner: {rng.choice(people)}",
                f'    due: "{due:%Y-%m-%d}"',
                f"    status: {rng.choice(['open', 'done', 'wontfix'])}",
            ]
    out += ["links:", "  - title: Dashboard", f"    url: https://grafana.example.com/d/{incident_id.lower()}"]
    out += ["timeline:"]
    last = detected
    for reached_stage in reached:
        entry_time = times[reached_stage]
        # A few updates between stages; never past the next stage's time.
        while rng.random() < 0.6 and last + timedelta(minutes=2) < entry_time:
            last += timedelta(minutes=1)
            out += [
                f"  - at: {_at(last)}",
                f"    kind: {rng.choice(['update', 'action', 'note', 'decision'])}",
                f"    author: {rng.choice(people)}",
                f"    text: {_sentence(rng, rng.randint(10, 20))}",
            ]
        last = max(last, entry_time)
        out += [
            f"  - at: {_at(entry_time)}",
            "    kind: status",
            f"    stage: {reached_stage}",
            f"    author: {rng.choice(people)}",
            f"    text: {_sentence(rng, 12)}",
        ]
    text = "\n".join(out) + "\n"
    # Pad with notes at the end of the timeline to about 5 KiB, as long incidents have.
    while len(text) < 4900:
        last += timedelta(minutes=1)
        text += (
            f"  - at: {_at(last)}\n    kind: note\n    author: {rng.choice(people)}\n"
            f"    text: {_sentence(rng, rng.randint(12, 20))}\n"
        )
    return incident_id, text


def make_repository(root: Path, count: int, seed: int, now: datetime) -> list[Path]:
    rng = random.Random(seed)
    shutil.copytree(PROJECT / "schemas", root / "schemas")
    taken: set[str] = set()
    files = []
    for _ in range(count):
        incident_id, text = record(rng, taken, now)
        file = root / "incidents" / incident_id[4:8] / f"{incident_id}.yaml"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
        files.append(file)
    return sorted(files)


PARSE_FLOOR = """
import sys, time, yaml
files = [l for l in open(sys.argv[1]).read().split("\\n") if l]
start, cpu = time.perf_counter(), time.process_time()
for f in files:
    with open(f, "rb") as handle:
        yaml.load(handle.read().decode("utf-8"), Loader=yaml.CSafeLoader)
print(time.perf_counter() - start, time.process_time() - cpu)
"""
OUR_READER = """
import sys, time
from pathlib import Path
from incident_ledger import yamlio
files = [l for l in open(sys.argv[1]).read().split("\\n") if l]
start, cpu = time.perf_counter(), time.process_time()
for f in files:
    yamlio.read(Path(f))
print(time.perf_counter() - start, time.process_time() - cpu)
"""


class Run:
    """One measurement: wall seconds, CPU seconds (user + sys, children included), max RSS."""

    def __init__(self, wall: float, cpu: float, rss_kib: int = 0) -> None:
        self.wall, self.cpu, self.rss_kib = wall, cpu, rss_kib


def in_process(script: str, listing: Path) -> Run:
    """A loop inside one fresh Python process (interpreter startup excluded)."""
    done = subprocess.run([sys.executable, "-c", script, str(listing)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the timing loop failed:\n{done.stderr[-3000:]}")
    wall, cpu = map(float, done.stdout.split())
    return Run(wall, cpu)


# A process's peak memory (ru_maxrss) counts the pages of the process it was started
# from, as they were when it started its program (Linux keeps the larger of the two at
# exec). Started from this benchmark, which holds thousands of paths, every figure read
# at least the benchmark's own size: 22.3 MiB for a warm `inc validate` that peaks at
# 21.3 MiB. So a bare Python (a few MiB) starts each command and reports what wait4
# gives for it, timing it from its start to its end.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ,
                      file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def process(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """One process run to completion. wait4's usage covers the process and the workers it
    waited for, so CPU time includes `inc validate`'s worker processes; max RSS is the
    largest single process among them."""
    launched = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LAUNCHER, *argv], cwd=cwd, env=env, capture_output=True, text=True
    )
    try:
        code, wall, cpu, rss = launched.stdout.split()
    except ValueError:
        raise SystemExit(f"{' '.join(argv[:3])} ... could not be started:\n{launched.stderr[-2000:]}") from None
    if int(code) != 0:
        raise SystemExit(f"{' '.join(argv[:3])} ... exited {code}:\n{launched.stderr[:2000]}")
    return Run(float(wall), float(cpu), int(rss))


def summary(label: str, runs: list[Run]) -> Run:
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    rss = max(r.rss_kib for r in runs)
    memory = f"  max RSS {rss / 1024:5.1f} MiB" if rss else ""
    walls = ", ".join(f"{r.wall:.2f}" for r in runs)
    print(f"  {label:<48} wall {wall:7.2f} s  cpu {cpu:7.2f} s{memory}  (wall runs: {walls})", flush=True)
    return Run(wall, cpu, rss)


def _ratio(label: str, a: Run, b: Run, target: str = "") -> None:
    print(f"    {label:<44} {a.wall / b.wall:6.2f}x wall, {a.cpu / b.cpu:6.2f}x cpu  {target}")


def _paired(label: str, a: list[Run], b: list[Run], target: str = "") -> None:
    """The median of each turn's ratio: two commands timed a moment apart share the
    machine's state, which on a shared machine drifts more than the medians do."""
    wall = statistics.median(x.wall / y.wall for x, y in zip(a, b, strict=True))
    cpu = statistics.median(x.cpu / y.cpu for x, y in zip(a, b, strict=True))
    print(f"    {label:<44} {wall:6.2f}x wall, {cpu:6.2f}x cpu  {target}")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def bench_size(
    count: int, repeat: int, seed: int, now: datetime, skip_check_jsonschema: bool, bin_dir: Path
) -> dict[str, Run]:
    with tempfile.TemporaryDirectory(prefix=f"incident-ledger-bench-validate-{count}-") as tmp:
        root = Path(tmp)
        files = make_repository(root, count, seed, now)
        _git(root, "init", "-q")
        for key, value in (("user.name", "Bench"), ("user.email", "bench@example.com"), ("commit.gpgsign", "false")):
            _git(root, "config", key, value)
        _git(root, "add", "schemas", "incidents")
        _git(root, "commit", "-q", "-m", "Records")
        size = sum(f.stat().st_size for f in files)
        listing = root / "files.txt"
        listing.write_text("\n".join(map(str, files)))
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"\n{count:,} records, {size / count / 1024:.1f} KiB each on average, seed {seed}; load {load}", flush=True
        )
        env = {**os.environ, "INC_NOW": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        inc = str(bin_dir / "inc")
        cache = root / ".git" / "inc-cache"
        changed = files[len(files) // 2]
        original = changed.read_text(encoding="utf-8")

        def cold(*options: str) -> Run:
            shutil.rmtree(cache, ignore_errors=True)
            return process([inc, "validate", *options], root, env)

        def one_changed(turn: int) -> Run:
            changed.write_text(original + f"# changed in run {turn}\n", encoding="utf-8")
            return process([inc, "validate"], root, env)

        runs: dict[str, list[Run]] = {k: [] for k in ("floor", "reader", "inc", "inc1", "warm", "one")}
        for turn in range(repeat):
            runs["floor"].append(in_process(PARSE_FLOOR, listing))
            runs["reader"].append(in_process(OUR_READER, listing))
            runs["inc"].append(cold())
            runs["inc1"].append(cold("--jobs", "1"))
            runs["warm"].append(process([inc, "validate"], root, env))
            runs["one"].append(one_changed(turn))
        changed.write_text(original, encoding="utf-8")
        print(f"  load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        result = {
            "floor": summary("parse floor: yaml.load(CSafeLoader), 1 process", runs["floor"]),
            "reader": summary("our strict reader (yamlio.read), 1 process", runs["reader"]),
            "inc": summary("inc validate, cold (default workers)", runs["inc"]),
            "inc1": summary("inc validate, cold, --jobs 1", runs["inc1"]),
            "warm": summary("inc validate, warm (cache knows every record)", runs["warm"]),
            "one": summary("inc validate, one record changed", runs["one"]),
        }
        if not skip_check_jsonschema:
            cj = [str(BIN / "check-jsonschema"), "--schemafile", str(root / "schemas/incident.schema.json")]
            result["cj"] = summary("check-jsonschema --schemafile (once)", [process([*cj, *map(str, files)], root)])
        print("  ratios (medians of the same run):")
        _ratio(
            "inc validate cold / C-loader floor", result["inc"], result["floor"], "(target: cpu <= 1.3x, wall <= 1x)"
        )
        _ratio("inc validate cold --jobs 1 / C-loader floor", result["inc1"], result["floor"])
        print("  the same, as the median of each turn's ratio:")
        _paired("inc validate cold / C-loader floor", runs["inc"], runs["floor"], "(target: cpu <= 1.3x, wall <= 1x)")
        _paired("inc validate cold --jobs 1 / C-loader floor", runs["inc1"], runs["floor"])
        _ratio("inc validate warm / C-loader floor", result["warm"], result["floor"])
        _ratio("one changed / warm", result["one"], result["warm"])
        _ratio("our reader / C-loader floor", result["reader"], result["floor"])
        if "cj" in result:
            _ratio("check-jsonschema / inc validate cold", result["cj"], result["inc"], "(target >= 4x)")
        return result


def bench_help(repeat: int, bin_dir: Path) -> None:
    def python_pass() -> float:
        return process([str(bin_dir / "python"), "-c", "pass"], PROJECT).wall

    def inc_help() -> float:
        return process([str(bin_dir / "inc"), "--help"], PROJECT).wall

    runs = max(repeat, 20)
    bare = statistics.median([python_pass() for _ in range(runs)])
    help_time = statistics.median([inc_help() for _ in range(runs)])
    print(
        f"\npython -c pass: {bare * 1000:.0f} ms, inc --help: {help_time * 1000:.0f} ms, "
        f"difference {(help_time - bare) * 1000:.0f} ms (target < 100 ms); medians of {runs}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261103)
    parser.add_argument("--skip-check-jsonschema", action="store_true")
    parser.add_argument("--install", choices=("regular", "current"), default="regular")
    options = parser.parse_args()
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
    with tempfile.TemporaryDirectory(prefix="inc-bench-install-") as work:
        bin_dir = regular_install(Path(work)) if options.install == "regular" else BIN
        print(f"inc: {options.install} install ({bin_dir / 'inc'})")
        bench_all(options, now, bin_dir)


def bench_all(options: argparse.Namespace, now: datetime, bin_dir: Path) -> None:
    results = {
        n: bench_size(n, options.repeat, options.seed, now, options.skip_check_jsonschema, bin_dir)
        for n in options.sizes
    }
    if len(results) >= 2:
        small, large = results[min(results)], results[max(results)]
        for key, label in (("inc", "cold"), ("inc1", "cold --jobs 1"), ("warm", "warm")):
            print(
                f"\nmax RSS of inc validate {label}, {max(results):,} vs {min(results):,} records: "
                f"{large[key].rss_kib / 1024:.1f} vs {small[key].rss_kib / 1024:.1f} MiB, "
                f"{large[key].rss_kib / small[key].rss_kib:.2f}x",
                end="",
            )
        print()
    bench_help(options.repeat, bin_dir)


if __name__ == "__main__":
    main()
