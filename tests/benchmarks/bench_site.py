"""Benchmark: the stakeholder site for 1,000 and 5,000 records against plain MkDocs.

Run by hand:  .venv/bin/python tests/benchmarks/bench_site.py [--sizes 1000 5000] [--repeat 3]

For each size N it makes, in a temporary folder,
- a repository with N valid records (copies of the shipped ones under new ids), built
  with `mkdocs build` and the `incidents` plugin (Material, search), and
- the baseline: a MkDocs project with N plain Markdown pages holding the same text, out
  of the nav, with the same theme, plugins and Markdown extensions,
and times each `mkdocs build` in a fresh process, REPEAT times, in the same run.
It prints the median seconds, the plugin's overhead over the baseline (target <= 30%)
and the 5,000/1,000 ratio of each (target <= 5.5x: linear, not quadratic).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NOW = "2026-11-23T12:00:00Z"


def templates() -> list[tuple[str, str]]:
    """(id, text) of the shipped records that can be copied freely: published, and
    not pointing at another record (duplicates would need their target)."""
    found = []
    for file in sorted((PROJECT / "incidents").rglob("*.yaml")):
        text = file.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        if data["visibility"] != "restricted" and "duplicate_of" not in data:
            found.append((data["id"], text))
    return found


def token(number: int) -> str:
    chars = []
    for _ in range(4):
        number, digit = divmod(number, 32)
        chars.append(CROCKFORD[digit])
    return "".join(reversed(chars))


def make_records(root: Path, count: int) -> list[tuple[str, str]]:
    shutil.copytree(PROJECT / "schemas", root / "schemas")
    made = []
    base = templates()
    for number in range(count):
        original, text = base[number % len(base)]
        new = f"{original[:13]}{token(number)}"
        body = text.replace(original, new)
        folder = root / "incidents" / new[4:8]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{new}.yaml").write_text(body, encoding="utf-8")
        made.append((new, body))
    return made


COMMON = """\
theme:
  name: material
  font: false
markdown_extensions:
  - toc
  - admonition
  - tables
"""


def make_site(root: Path) -> Path:
    site = root / "site"
    (site / "docs").mkdir(parents=True)
    (site / "docs" / "about.md").write_text("# About\n\nBenchmark site.\n")
    (site / "mkdocs.yml").write_text(
        "site_name: Bench\ndocs_dir: docs\nsite_dir: build\n"
        + COMMON
        + "plugins:\n  - search\n  - incidents:\n      incidents_dir: ../incidents\n"
        + "nav:\n  - index.md\n  - incidents/index.md\n  - postmortems/index.md\n  - exercises/index.md\n"
        + "  - metrics/index.md\n  - process/index.md\n  - about.md\n"
    )
    return site / "mkdocs.yml"


def plain_page(incident_id: str, text: str) -> str:
    """The record's text as an ordinary Markdown page: what MkDocs alone would render."""
    data = yaml.safe_load(text)
    parts = [f"# {incident_id}: {data['title']}", ""]
    for key in ("summary", "impact_assessment", "investigation", "root_cause", "cancel_reason"):
        if key in data:
            parts += [f"## {key.replace('_', ' ').capitalize()}", "", data[key], ""]
    parts += ["## Timeline", ""]
    parts += [f"- {e['at']} {e['author']}: {e['text']}" for e in data["timeline"]]
    for key in ("resolution", "recovery", "postmortem"):
        for name, value in (data.get(key) or {}).items():
            parts += ["", f"### {key} {name}", ""]
            parts += [f"- {v}" for v in value] if isinstance(value, list) else [value]
    for item in data.get("action_items") or []:
        parts.append(f"- {item['id']} {item['title']} ({item['owner']}, {item['due']}, {item['status']})")
    return "\n".join(parts) + "\n"


def make_baseline(root: Path, records: list[tuple[str, str]]) -> Path:
    docs = root / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n\nBaseline.\n")
    for incident_id, text in records:
        (docs / "pages" / f"{incident_id}.md").write_text(plain_page(incident_id, text), encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: Baseline\nsite_dir: build\n"
        + COMMON
        + "plugins:\n  - search\nnot_in_nav: |\n  /pages/\nnav:\n  - index.md\n"
    )
    return root / "mkdocs.yml"


def timed_build(config: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `mkdocs build` in a fresh process. CPU time
    (user + system, worker processes included) is the steadier figure on a shared machine."""
    env = {**os.environ, "INC_NOW": NOW, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = Path(sys.executable).with_name("mkdocs")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(mkdocs), "build", "-q", "-f", str(config)], check=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            repo = Path(tmp, f"repo-{size}")
            records = make_records(repo, size)
            site = make_site(repo)
            baseline = make_baseline(Path(tmp, f"baseline-{size}"), records)
            runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "site": []}
            for _ in range(args.repeat):  # interleaved, so drift in the machine hits both
                runs["baseline"].append(timed_build(baseline))
                runs["site"].append(timed_build(site))
            pages = len(list(Path(repo, "site", "build", "incidents").rglob("INC-*/index.html")))
            results[size] = {}
            for kind, measured in runs.items():
                results[size][kind] = statistics.median(w for w, _ in measured)
                results[size][f"{kind} cpu"] = statistics.median(c for _, c in measured)
            r = results[size]
            print(
                f"{size:>6} records ({pages} incident pages), median of {args.repeat}:\n"
                f"        wall: baseline {r['baseline']:.2f} s, site {r['site']:.2f} s, overhead {r['site'] / r['baseline'] - 1:+.1%}\n"
                f"        cpu:  baseline {r['baseline cpu']:.2f} s, site {r['site cpu']:.2f} s, overhead {r['site cpu'] / r['baseline cpu'] - 1:+.1%}\n"
                f"        runs (wall/cpu): baseline {', '.join(f'{w:.1f}/{c:.1f}' for w, c in runs['baseline'])}; "
                f"site {', '.join(f'{w:.1f}/{c:.1f}' for w, c in runs['site'])}",
                flush=True,
            )
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for kind in ("baseline", "site", "baseline cpu", "site cpu"):
            print(f"{kind}: {large}/{small} records took {results[large][kind] / results[small][kind]:.2f}x")


if __name__ == "__main__":
    main()
