"""A section of the record cache rewritten in one pass: whatever a pass keeps, changes,
adds or drops, the file read back holds exactly that, sorted, and a pass that changes
nothing writes nothing. Seeded random passes over real files."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from incident_ledger.recordcache import Line, RecordCache

NAMES = [
    "a.yaml",
    "b/c.yaml",
    "b-c.yaml",
    "tab\there.yaml",
    'quote".yaml',
    "back\\slash.yaml",
    "caf\u00e9.yaml",
    "\u2603/z.yaml",
]


def _cache(tmp_path: Path) -> RecordCache:
    (tmp_path / "git").mkdir(exist_ok=True)  # as git's directory is
    return RecordCache(tmp_path, tmp_path / "git", "fingerprint")


def _all_lines(cache: RecordCache, name: str) -> dict[str, Line]:
    """Every line of a section, read back through `Entries` from a fresh cache object."""
    entries = cache.entries(name)
    found: dict[str, Line] = {}
    for start, end in entries.rest():
        for raw in entries.body.read(start, end).splitlines(keepends=True):
            quoted, stamp, payload = raw[:-1].split(b"\t")
            path = json.loads(quoted)
            assert isinstance(path, str)
            found[path] = Line(stamp, payload)
            assert Line(stamp, payload).written(path) == raw
    return found


def _write(cache: RecordCache, name: str, lines: dict[str, Line]) -> None:
    entries = cache.entries(name)
    with cache.rewrite(name) as rewrite:
        for path in sorted(lines):
            assert entries.find(path) is None
            rewrite.replace(entries.span, lines[path].written(path))


def _line(rng: random.Random) -> Line:
    return Line(b"%040x 0 9" % rng.getrandbits(160), b'[[],["INC-%d"]]' % rng.randrange(10**6))


@pytest.mark.parametrize("seed", range(60))
def test_a_pass_leaves_exactly_what_it_decided(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    paths = sorted(
        {
            *rng.sample(NAMES, rng.randrange(len(NAMES) + 1)),
            *(f"r/{rng.randrange(40):02}.yaml" for _ in range(rng.randrange(30))),
        }
    )
    old = {p: _line(rng) for p in paths if rng.random() < 0.7}
    _write(_cache(tmp_path), "checks", old)
    assert _all_lines(_cache(tmp_path), "checks") == old
    file = _cache(tmp_path).section_file("checks")
    before = file.stat() if old else None

    complete = rng.random() < 0.5
    expected = {} if complete else dict(old)
    cache = _cache(tmp_path)
    entries = cache.entries("checks")
    with cache.rewrite("checks") as rewrite:
        for path in paths:
            if rng.random() < 0.2:
                continue  # not seen by this pass
            found = entries.find(path)
            assert found == old.get(path)
            for gone in entries.passed_over():
                if complete:
                    rewrite.replace(gone, None)
            choice = rng.choice(["keep", "keep", "same", "new", "none"])
            if choice in ("keep", "same") and found is not None:
                expected[path] = found
                if choice == "same":
                    rewrite.replace(entries.span, found.written(path))  # the same bytes: no change
            elif choice == "new":
                expected[path] = _line(rng)
                rewrite.replace(entries.span, expected[path].written(path))
            else:
                expected.pop(path, None)
                rewrite.replace(entries.span, None)
        for gone in entries.rest():
            if complete:
                rewrite.replace(gone, None)
    assert _all_lines(_cache(tmp_path), "checks") == expected
    assert list(_all_lines(_cache(tmp_path), "checks")) == sorted(expected)
    assert [f.name for f in file.parent.glob("*")] == ([file.name] if old or expected else [])
    if before is not None and expected == old:
        after = file.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # nothing was written


def test_an_edit_out_of_order_writes_nothing(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    _write(cache, "checks", {"a.yaml": Line(b"1", b"[]"), "b.yaml": Line(b"2", b"[]")})
    content = cache.section_file("checks").read_bytes()
    cache = _cache(tmp_path)
    entries = cache.entries("checks")
    entries.find("b.yaml")
    later = entries.span
    with cache.rewrite("checks") as rewrite:
        rewrite.replace(later, Line(b"3", b"[]").written("b.yaml"))
        rewrite.replace((0, 0), Line(b"4", b"[]").written("0.yaml"))
    assert cache.section_file("checks").read_bytes() == content
    assert [f.name for f in cache.folder.iterdir()] == [cache.section_file("checks").name]


def test_sections_do_not_read_each_other(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    _write(cache, "checks", {"a.yaml": Line(b"1", b"[]")})
    cache.section_file("checks").rename(cache.section_file("facts"))
    assert _all_lines(_cache(tmp_path), "facts") == {}  # its header names the section it was written for


def test_a_pass_reads_and_copies_the_section_it_checked(tmp_path: Path) -> None:
    """Another command may put a new section in place while a pass reads the old one: the
    pass keeps reading, and copying from, the file whose signature it checked."""
    old = {name: Line(b"%d" % n, b"[]") for n, name in enumerate(["a.yaml", "b.yaml", "c.yaml"])}
    _write(_cache(tmp_path), "checks", old)
    cache = _cache(tmp_path)
    entries = cache.entries("checks")
    assert entries.find("a.yaml") == old["a.yaml"]

    # Another command rewrites the section meanwhile, with lines of its own.
    other = _cache(tmp_path)
    other_entries = other.entries("checks")
    with other.rewrite("checks") as rewrite:
        assert other_entries.find("z.yaml") is None
        for gone in other_entries.passed_over():
            rewrite.replace(gone, None)
        rewrite.replace(other_entries.span, Line(b"9", b"[]").written("z.yaml"))
    assert _all_lines(_cache(tmp_path), "checks") == {"z.yaml": Line(b"9", b"[]")}

    changed = Line(b"7", b"[]")
    with cache.rewrite("checks") as rewrite:
        assert entries.find("b.yaml") == old["b.yaml"]
        rewrite.replace(entries.span, changed.written("b.yaml"))
        assert entries.find("c.yaml") == old["c.yaml"]
    assert _all_lines(_cache(tmp_path), "checks") == {**old, "b.yaml": changed}


def test_a_pass_leaves_no_file_open(tmp_path: Path) -> None:
    _write(_cache(tmp_path), "checks", {"a.yaml": Line(b"1", b"[]"), "b.yaml": Line(b"2", b"[]")})
    before = sorted(os.listdir("/proc/self/fd"))
    for _ in range(3):
        assert list(_all_lines(_cache(tmp_path), "checks")) == ["a.yaml", "b.yaml"]
    assert sorted(os.listdir("/proc/self/fd")) == before
