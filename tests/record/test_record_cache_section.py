"""A section of the record cache rewritten in one pass: whatever a pass keeps, changes,
adds or drops, the file read back holds exactly that, sorted, and a pass that changes
nothing writes nothing. Seeded random passes over real files."""

from __future__ import annotations

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
    entries, found = cache.entries(name), {}
    while (key := entries.peek()) is not None:
        line = entries.take()
        assert line is not None
        found[key] = line
    return found


def _write(cache: RecordCache, name: str, lines: dict[str, Line]) -> None:
    with cache.rewrite(name, complete=True) as rewrite:
        for path in sorted(lines):
            rewrite.put(path, lines[path])


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
    cache = _cache(tmp_path)
    old = {p: _line(rng) for p in paths if rng.random() < 0.7}
    _write(cache, "checks", old)
    assert _all_lines(_cache(tmp_path), "checks") == old
    file = cache.section_file("checks")
    before = file.stat() if old else None

    complete = rng.random() < 0.5
    expected = {} if complete else dict(old)
    cache = _cache(tmp_path)
    with cache.rewrite("checks", complete) as rewrite:
        for path in paths:
            if rng.random() < 0.2:
                continue  # not seen by this pass
            found = rewrite.old(path)
            assert found == old.get(path)
            choice = rng.choice(["keep", "keep", "keep", "new", "none", "skip"])
            if choice == "keep" and found is not None:
                rewrite.put(path, found)
                expected[path] = found
            elif choice == "new":
                expected[path] = _line(rng)
                rewrite.put(path, expected[path])
            else:
                expected.pop(path, None)
                if choice == "none":
                    rewrite.put(path, None)
    assert _all_lines(_cache(tmp_path), "checks") == expected
    assert list(_all_lines(_cache(tmp_path), "checks")) == sorted(expected)
    assert [f.name for f in file.parent.glob("*")] == ([file.name] if old or expected else [])
    if before is not None and expected == old:
        after = file.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # nothing was written


def test_a_pass_out_of_order_writes_nothing(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    _write(cache, "checks", {"a.yaml": Line(b"1", b"[]"), "b.yaml": Line(b"2", b"[]")})
    content = cache.section_file("checks").read_bytes()
    with _cache(tmp_path).rewrite("checks", complete=True) as rewrite:
        rewrite.put("b.yaml", Line(b"3", b"[]"))
        rewrite.put("a.yaml", Line(b"4", b"[]"))
    assert cache.section_file("checks").read_bytes() == content
    assert [f.name for f in cache.folder.iterdir()] == [cache.section_file("checks").name]


def test_sections_do_not_read_each_other(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    _write(cache, "checks", {"a.yaml": Line(b"1", b"[]")})
    cache.section_file("checks").rename(cache.section_file("facts"))
    assert _all_lines(_cache(tmp_path), "facts") == {}  # its header names the section it was written for
