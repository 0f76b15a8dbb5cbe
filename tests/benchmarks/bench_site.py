"""Benchmark: the stakeholder site against plain MkDocs, and what a first search downloads.

Run by hand:  .venv/bin/python tests/benchmarks/bench_site.py [--sizes 1000 5000] [--repeat 3]
              .venv/bin/python tests/benchmarks/bench_site.py --sizes 10000 20000 --repeat 1

For each size N it makes, in a temporary folder,
- a repository with N valid records (copies of the shipped ones under new ids), built
  with `mkdocs build` and the `incidents` plugin (Material; Pagefind for search), and
- the baseline: a MkDocs project with N plain Markdown pages holding the same text, out
  of the nav, with the same theme and Markdown extensions and MkDocs' own search plugin,
and times each `mkdocs build` in a fresh process, REPEAT times, in the same run.
It prints the median seconds (wall and CPU), the plugin's overhead over the baseline,
the largest resident memory of any process of the build and of all its processes together
(sampled; Pagefind runs beside MkDocs) (targets at 20,000 records:
<= 2 minutes, <= 1 GiB, <= 300 MB of output), the size of each built site, and the
5,000/1,000 ratio of each (linear, not quadratic). With Chromium and Playwright
installed it also serves the built site on 127.0.0.1 and counts the bytes a reader's
first search downloads (target <= 1 MB at 10,000 records).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
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
        + "plugins:\n  - incidents:\n      incidents_dir: ../incidents\n"
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


def _tree_pss(root: int) -> int:
    """Memory of process `root` and all its descendants (PSS), from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path("/proc", entry, "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        total += _pss(pid)
    return total


def _pss(pid: int) -> int:
    """A process's proportional set size: its resident memory with pages shared with other
    processes (a forked worker's copy-on-write pages) divided among them, so a sum over
    processes counts each page once."""
    try:
        rollup = Path("/proc", str(pid), "smaps_rollup").read_text()
    except OSError:
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def timed_build(config: Path) -> tuple[float, float, float, float]:
    """(wall seconds, CPU seconds, peak MiB, peak MiB of all processes together) of one
    `mkdocs build` in a fresh process. CPU time (user + system, worker processes included)
    is the steadier figure on a shared machine; the peak is the largest resident set of
    the build's processes (wait4); the build runs Pagefind beside MkDocs, so the sum of
    its processes' proportional set sizes is sampled too (every 0.2 s, so it may miss a short peak)."""
    env = {**os.environ, "INC_NOW": NOW, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = Path(sys.executable).with_name("mkdocs")
    start = time.perf_counter()
    child = subprocess.Popen([str(mkdocs), "build", "-q", "-f", str(config)], env=env)
    together = [0]

    def sample() -> None:
        while child.poll() is None:
            together[0] = max(together[0], _tree_pss(child.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    sampler.join()
    if child.returncode:
        raise SystemExit(f"mkdocs build -f {config} failed with exit {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, together[0] / 2**20


def tree_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def first_search_bytes(site: Path, word: str) -> tuple[int, int] | None:
    """(bytes for the whole visit, bytes for the search itself): a reader opens the home
    page, types `word` in the header's search field and waits for the results. None when no
    browser is installed."""
    sys.path.insert(0, str(PROJECT / "tests" / "site"))
    from browser_helpers import chromium, missing_browser, page_of, serve

    if missing_browser():
        return None
    sizes: list[tuple[str, int]] = []
    with (
        tempfile.TemporaryDirectory() as profile,
        chromium(Path(profile)) as context,
        serve(site) as served,
        page_of(context, served, 1280) as page,
    ):
        page.on("requestfinished", lambda r: sizes.append((r.url, max(0, r.sizes()["responseBodySize"]))))
        page.goto(served.url)
        page.fill(".inc-search__input", word)
        page.press(".inc-search__input", "Enter")
        page.wait_for_selector(".pagefind-ui__result-link")
        page.wait_for_load_state("networkidle")
    total = sum(n for _, n in sizes)
    search = sum(n for url, n in sizes if "/pagefind/" in url or "/search/" in url)
    return total, search


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
            runs: dict[str, list[tuple[float, float, float, float]]] = {"baseline": [], "site": []}
            for _ in range(args.repeat):  # interleaved, so drift in the machine hits both
                runs["baseline"].append(timed_build(baseline))
                runs["site"].append(timed_build(site))
            built = Path(repo, "site", "build")
            pages = len(list(built.joinpath("incidents").rglob("INC-*/index.html")))
            results[size] = {}
            for kind, measured in runs.items():
                results[size][kind] = statistics.median(w for w, _, _, _ in measured)
                results[size][f"{kind} cpu"] = statistics.median(c for _, c, _, _ in measured)
                results[size][f"{kind} MiB"] = max(m for _, _, m, _ in measured)
                results[size][f"{kind} MiB together"] = max(t for _, _, _, t in measured)
            r = results[size]
            site_mb, base_mb = tree_size(built) / 1e6, tree_size(baseline.parent / "build") / 1e6
            print(
                f"{size:>6} records ({pages} incident pages), median of {args.repeat}:\n"
                f"        wall: baseline {r['baseline']:.2f} s, site {r['site']:.2f} s, overhead {r['site'] / r['baseline'] - 1:+.1%}\n"
                f"        cpu:  baseline {r['baseline cpu']:.2f} s, site {r['site cpu']:.2f} s, overhead {r['site cpu'] / r['baseline cpu'] - 1:+.1%}\n"
                f"        peak memory (largest process): baseline {r['baseline MiB']:.0f} MiB, site {r['site MiB']:.0f} MiB; "
                f"all processes together (PSS): baseline {r['baseline MiB together']:.0f} MiB, site {r['site MiB together']:.0f} MiB\n"
                f"        output: baseline {base_mb:.1f} MB, site {site_mb:.1f} MB "
                f"(search index: baseline {tree_size(baseline.parent / 'build' / 'search') / 1e6:.1f} MB, "
                f"site {tree_size(built / 'pagefind') / 1e6:.1f} MB in {1 + len(list((built / 'pagefind').glob('part-*')))} part(s))\n"
                f"        runs (wall/cpu): baseline {', '.join(f'{w:.1f}/{c:.1f}' for w, c, _, _ in runs['baseline'])}; "
                f"site {', '.join(f'{w:.1f}/{c:.1f}' for w, c, _, _ in runs['site'])}",
                flush=True,
            )
            downloaded = first_search_bytes(built, "invoices")
            if downloaded:
                print(
                    f"        first search: {downloaded[0] / 1e6:.2f} MB for the visit (home page, search page, "
                    f"results), {downloaded[1] / 1e6:.2f} MB of it the search page and index",
                    flush=True,
                )
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for kind in ("baseline", "site", "baseline cpu", "site cpu"):
            print(f"{kind}: {large}/{small} records took {results[large][kind] / results[small][kind]:.2f}x")


if __name__ == "__main__":
    main()
