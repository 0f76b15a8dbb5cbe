"""Every record's headline facts, for `inc list` and `inc actions`, with a parse cache.

Parsing 10,000 records takes seconds; their facts change only when their bytes do. The
cache maps each file's content hash to its facts, so a repeated `inc list` reads
only what changed. It lives under `.git/` (never in the tracked tree), and a file whose
size and modification time are unchanged since the cache was written is not even read.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISLNK
from typing import Any

from . import yamlio
from .errors import RecordError
from .records import INCIDENTS_DIR, RECORD_SUFFIXES

CACHE_VERSION = 2  # 2: closed_at joined the facts (post-mortems are due from it)
CACHE_NAME = "inc-cache/records.json"
# Facts `inc list`, `inc show --format` and `inc actions` need; the full record is read by `inc show`.
FACTS = (
    "id",
    "title",
    "status",
    "visibility",
    "exercise",
    "severity",
    "priority",
    "services",
    "detected_at",
    "resolved_at",
    "closed_at",
    "action_items",
)
# A file changed within this many nanoseconds of the cache being written may have the same
# size and time as the cached copy (racy git): such entries are always re-hashed.
_RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Summary:
    path: str
    facts: dict[str, Any]
    error: str | None = None


def _cache_file(root: Path) -> Path | None:
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git / CACHE_NAME
    if dot_git.is_file():  # a linked worktree: .git holds `gitdir: PATH`
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            folder = Path(text[7:].strip())
            return (folder if folder.is_absolute() else root / folder) / CACHE_NAME
    return None


def _load(cache: Path | None) -> dict[str, Any]:
    if cache is None:
        return {}
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _save(cache: Path, entries: dict[str, Any]) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"version": CACHE_VERSION, "entries": entries}, out, separators=(",", ":"))
        os.replace(temporary, cache)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _facts(path: str, raw: bytes) -> tuple[dict[str, Any], str | None]:
    try:
        document = yamlio.parse(path, yamlio.decode(path, raw))
    except RecordError as error:
        return {}, str(error).splitlines()[0]
    return {k: document.data[k] for k in FACTS if k in document.data}, None


def _record_files(root: Path) -> list[str]:
    """Record paths under incidents/, relative to the repository, sorted.

    os.walk on strings: pathlib's rglob and Path sorting cost more than parsing the cache.
    """
    top = os.path.join(root, INCIDENTS_DIR)
    found = []
    for folder, subfolders, names in os.walk(top):
        subfolders.sort()
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        found += [f"{relative}/{name}" for name in names if name.endswith(RECORD_SUFFIXES)]
    return sorted(found)


def summaries(root: Path) -> list[Summary]:
    """Every record's facts, sorted by path; unreadable records carry an error instead."""
    cache = _cache_file(root)
    old = _load(cache)
    new: dict[str, Any] = {}
    result = []
    changed = False
    now_ns = time.time_ns()
    for relative in _record_files(root):
        file = os.path.join(root, relative)
        try:
            stat = os.lstat(file)
        except OSError:
            continue
        if S_ISLNK(stat.st_mode):
            result.append(Summary(relative, {}, f"{relative}: record is a symbolic link; replace it with the file"))
            continue
        entry = old.get(relative)
        key = [stat.st_size, stat.st_mtime_ns]
        if entry and entry[0] == key and now_ns - stat.st_mtime_ns > _RACY_NS:
            new[relative] = entry
            result.append(Summary(relative, entry[2], entry[3]))
            continue
        try:
            with open(file, "rb") as handle:
                raw = handle.read()
        except OSError as error:
            result.append(Summary(relative, {}, f"{relative}: cannot read: {error.strerror}"))
            continue
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        if entry and entry[1] == digest:
            facts, error_text = entry[2], entry[3]
        else:
            facts, error_text = _facts(relative, raw)
        new[relative] = [key, digest, facts, error_text]
        changed = True
        result.append(Summary(relative, facts, error_text))
    if cache is not None and (changed or len(new) != len(old)):
        _save(cache, new)
    return result
