"""What git's index vouches for: the blob ids the record cache takes without reading a file.

A blob id given for a file whose bytes differ would let the cache answer for bytes it
never checked, so every case where git cannot vouch for the file must give None.
"""

from __future__ import annotations

import io
import os
import subprocess
import threading
from pathlib import Path

import pytest

from incident_ledger.gitrepo import unchanged_blobs
from incident_ledger.gitrepo.history import IndexBlobs


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def _write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text, encoding="utf-8")


def _listing(text: str, piece: int = 64 * 1024) -> IndexBlobs:
    return IndexBlobs(io.BytesIO(text.encode("utf-8", "surrogateescape")), piece)


def _index_blob(root: Path, path: str) -> str:
    return git(root, "rev-parse", f":{path}").strip()


# Names git sorts around the folder `incidents/2026/`: "-" and "." come before "/".
PLAIN = [
    "incidents/2026-a.yaml",
    "incidents/2026.yaml",
    "incidents/2026/INC-1.yaml",
    "incidents/2026/caf\u00e9 \u2603.yaml",
    "incidents/2026/tab\there.yaml",
    "incidents/2026/z.yaml",
]


OTHERS = ["modified", "deleted", "assumed", "skipped", "executable", "link"]
ASKED = sorted([*PLAIN, *(f"incidents/2026/{name}.yaml" for name in [*OTHERS, "untracked"])])


def _every_kind_of_entry(repo: Path) -> dict[str, str | None]:
    """Files of each kind git lists, and the blob id each may be given."""
    others = OTHERS
    for n, path in enumerate(PLAIN + [f"incidents/2026/{name}.yaml" for name in others]):
        _write(repo, path, f"id: {n}\n")
    os.unlink(repo / "incidents/2026/link.yaml")
    os.symlink("z.yaml", repo / "incidents/2026/link.yaml")
    os.chmod(repo / "incidents/2026/executable.yaml", 0o755)
    git(repo, "add", "incidents")
    git(repo, "commit", "-q", "-m", "Records")
    _write(repo, "incidents/2026/modified.yaml", "id: changed\n")
    os.unlink(repo / "incidents/2026/deleted.yaml")
    git(repo, "update-index", "--assume-unchanged", "incidents/2026/assumed.yaml")
    git(repo, "update-index", "--skip-worktree", "incidents/2026/skipped.yaml")
    _write(repo, "incidents/2026/untracked.yaml", "id: new\n")
    expected: dict[str, str | None] = {path: None for path in ASKED}
    expected.update({path: _index_blob(repo, path) for path in PLAIN})
    expected["incidents/2026/executable.yaml"] = _index_blob(repo, "incidents/2026/executable.yaml")
    return expected


def test_only_files_git_finds_unchanged_have_a_blob(repo: Path) -> None:
    expected = _every_kind_of_entry(repo)
    blobs = unchanged_blobs(repo, "incidents")
    assert {path: blobs.get(path) for path in ASKED} == expected


@pytest.mark.parametrize("piece", [1, 2, 5, 39, 40, 41, 89, 90, 91, 200])
def test_the_listing_read_in_pieces_of_any_size_gives_the_same_blobs(repo: Path, piece: int) -> None:
    """git's listing is read a piece at a time: wherever a piece ends (inside a tag, a blob
    id, a name, on a NUL), every file gets the answer it gets from the listing whole."""
    expected = _every_kind_of_entry(repo)
    listing = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z", "--stage", "--modified", "-v", "--", "incidents"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    assert len(listing) > 10 * 90  # many pieces for every size asked
    blobs = IndexBlobs(io.BytesIO(listing), piece)
    assert {path: blobs.get(path) for path in ASKED} == expected


def test_the_listing_is_closed_once_read_or_dropped(repo: Path) -> None:
    _every_kind_of_entry(repo)
    before = set(os.listdir("/proc/self/fd"))
    blobs = unchanged_blobs(repo, "incidents")
    assert len(set(os.listdir("/proc/self/fd")) - before) == 1  # git's listing, unread
    blobs.get(PLAIN[0])
    del blobs
    assert set(os.listdir("/proc/self/fd")) - before == set()
    read = unchanged_blobs(repo, "incidents")
    assert read.get("incidents/2026/z.yaml") is not None and read.get("incidents/3000.yaml") is None
    assert set(os.listdir("/proc/self/fd")) - before == set()
    unasked = unchanged_blobs(repo, "incidents")
    del unasked  # dropped before its first question
    assert set(os.listdir("/proc/self/fd")) - before == set()


def test_no_listing_is_left_open_when_git_cannot_be_run(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from incident_ledger.errors import LedgerError

    _every_kind_of_entry(repo)
    monkeypatch.setenv("PATH", str(repo))  # no git there
    before = set(os.listdir("/proc/self/fd"))
    with pytest.raises(LedgerError):
        unchanged_blobs(repo, "incidents")
    assert set(os.listdir("/proc/self/fd")) - before == set()


def test_a_conflicted_file_has_no_blob(repo: Path) -> None:
    _write(repo, "incidents/a.yaml", "id: base\n")
    _write(repo, "incidents/b.yaml", "id: b\n")
    git(repo, "add", "incidents")
    git(repo, "commit", "-q", "-m", "Base")
    git(repo, "checkout", "-q", "-b", "other")
    _write(repo, "incidents/a.yaml", "id: other\n")
    git(repo, "commit", "-q", "-am", "Other")
    git(repo, "checkout", "-q", "main")
    _write(repo, "incidents/a.yaml", "id: main\n")
    git(repo, "commit", "-q", "-am", "Main")
    merge = subprocess.run(["git", "-C", str(repo), "merge", "-q", "other"], capture_output=True, text=True)
    assert merge.returncode == 1

    blobs = unchanged_blobs(repo, "incidents")
    assert blobs.get("incidents/a.yaml") is None
    assert blobs.get("incidents/b.yaml") == _index_blob(repo, "incidents/b.yaml")


def test_a_path_asked_out_of_order_is_never_given_a_wrong_blob(repo: Path) -> None:
    for path in PLAIN:
        _write(repo, path, f"{path}\n")
    git(repo, "add", "incidents")
    git(repo, "commit", "-q", "-m", "Records")
    blobs = unchanged_blobs(repo, "incidents")

    assert blobs.get(PLAIN[3]) == _index_blob(repo, PLAIN[3])
    assert blobs.get(PLAIN[3]) == _index_blob(repo, PLAIN[3])  # asked again
    # Passed already: None (the caller reads the file) or the right blob, never another one.
    assert blobs.get(PLAIN[0]) in (None, _index_blob(repo, PLAIN[0]))
    assert blobs.get(PLAIN[5]) == _index_blob(repo, PLAIN[5])


def test_modified_entries_listed_after_all_others_are_still_seen() -> None:
    """git before 2.31 lists every cached entry first and the modified ones after them."""
    one, two = "1" * 40, "2" * 40
    entries = [
        f"H 100644 {one} 0\tincidents/a.yaml",
        f"H 100644 {two} 0\tincidents/b.yaml",
        f"C 100644 {one} 0\tincidents/a.yaml",
    ]
    for piece in (1, 60, 1000):
        blobs = _listing("".join(f"{entry}\0" for entry in entries), piece)
        assert (blobs.get("incidents/a.yaml"), blobs.get("incidents/b.yaml")) == (None, two)


def test_a_first_entry_that_is_not_plain_is_seen() -> None:
    one, two = "1" * 40, "2" * 40
    blobs = _listing(f"h 100644 {one} 0\tincidents/a.yaml\0H 100644 {two} 0\tincidents/b.yaml\0")
    assert (blobs.get("incidents/a.yaml"), blobs.get("incidents/b.yaml")) == (None, two)


def test_a_listing_without_its_last_nul_ends_the_search() -> None:
    """An entry without its closing NUL gives no blob id, and a search past it ends."""
    blobs = _listing(f"H 100644 {'1' * 40} 0\tincidents/a.yam")
    answers: list[str | None] = []

    def ask() -> None:
        answers.extend([blobs.get("incidents/a.yam"), blobs.get("incidents/b.yaml")])

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(timeout=10)
    assert answers == [None, None]
