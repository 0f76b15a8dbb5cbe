"""The audit trail of the records, read from git: who changed which record, when, and how.

Every `inc` command commits the one record it changed, so the repository's history is the
incidents' legal memory. One `git log --patch` over `incidents/` (one pass for a whole
site build, never one git call per record) gives each commit's added and removed lines;
this module reads from them what the commit did to each record: created it, entered a
stage, added timeline entries (and the times they carry), changed top-level fields.

Reading the patch rather than the whole record at both ends keeps the cost to the size
of the changes; the record format (block YAML, one field per line, as `inc` writes it)
makes the added lines enough to tell an entry's kind, stage and time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import gitrepo
from .records import INCIDENTS_DIR, RECORD_SUFFIXES, format_time, parse_time

# `key: value` on one line, at the top level (no indent) or inside a list item (`- key:`).
_TOP_FIELD = re.compile(r"([a-z_][a-z0-9_]*):(?:\s|$)")
_ITEM_FIELD = re.compile(r"\s*(-\s+)?([a-z_][a-z0-9_]*):\s*(.*)")
# The top-level field whose items are timeline entries, and the one a stage entry moves.
TIMELINE = "timeline"
STATUS = "status"


@dataclass(frozen=True)
class AddedEntry:
    """A timeline entry a commit appended: its kind, the stage it enters (if any), its time."""

    kind: str
    stage: str | None
    at: str | None


@dataclass(frozen=True)
class RecordCommit:
    """One commit's change to one record."""

    sha: str
    authored: datetime
    author: str
    subject: str
    created: bool
    entries: tuple[AddedEntry, ...]
    fields: tuple[str, ...]  # top-level fields added, changed or removed (timeline aside)

    @property
    def stages(self) -> list[str]:
        return [e.stage for e in self.entries if e.stage]

    def as_dict(self) -> dict[str, object]:
        return {
            "commit": self.sha,
            "authored": format_time(self.authored),
            "author": self.author,
            "subject": self.subject,
            "created": self.created,
            "entries": [{"kind": e.kind, "stage": e.stage, "at": e.at} for e in self.entries],
            "fields": list(self.fields),
            "summary": self.summary(),
        }

    def summary(self) -> str:
        """What the commit did, in a few words: `created; entered identified`, `added note`."""
        parts = ["created"] if self.created else []
        parts += [f"entered {stage}" for stage in self.stages]
        others = [e.kind for e in self.entries if not e.stage]
        if others:
            parts.append("added " + ", ".join(others))
        # A stage entry always changes `status`: saying so again tells nothing.
        shown = [f for f in self.fields if not self.created and not (self.stages and f == STATUS)]
        if shown:
            parts.append("changed " + ", ".join(shown))
        return "; ".join(parts) or "no field changed"


def record_commits(commit: gitrepo.LoggedCommit, prefix: str = "") -> Iterator[tuple[str, RecordCommit]]:
    """(record path from `prefix`, its change) for each record file the commit touched."""
    authored = parse_time(commit.authored)
    if authored is None:  # git always writes a zone; a broken date is left out, not guessed
        return
    for patch in commit.files:
        if not patch.path.startswith(prefix) or not patch.path.endswith(RECORD_SUFFIXES):
            continue
        change = RecordCommit(
            commit.sha,
            authored,
            commit.author,
            commit.subject,
            patch.created,
            tuple(_added_entries(patch.added)),
            tuple(_changed_fields(patch.added, patch.removed)),
        )
        yield patch.path[len(prefix) :], change


def _changed_fields(added: Sequence[str], removed: Sequence[str]) -> list[str]:
    names: dict[str, None] = {}
    for line in (*added, *removed):
        match = _TOP_FIELD.match(line)
        if match and match.group(1) != TIMELINE:
            names[match.group(1)] = None
    return list(names)


def _added_entries(added: Sequence[str]) -> Iterator[AddedEntry]:
    """The timeline entries among the added lines: list items that carry an `at:` time."""
    in_timeline = False
    item: dict[str, str] | None = None
    for line in added:
        top = _TOP_FIELD.match(line)
        if top:
            in_timeline = top.group(1) == TIMELINE
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ITEM_FIELD.match(line)
        if match is None:
            continue
        starts, key, value = match.groups()
        if starts:
            if item is not None:
                yield from _entry(item)
            item = {}
            in_timeline = True
        if item is not None and in_timeline:
            item.setdefault(key, _scalar(value))
    if item is not None:
        yield from _entry(item)


def _entry(item: dict[str, str]) -> Iterator[AddedEntry]:
    # Action items are list items too; timeline entries are the ones with a time.
    if "at" in item and "kind" in item:
        yield AddedEntry(item["kind"], item.get("stage") or None, item["at"] or None)


def _scalar(text: str) -> str:
    text = text.split(" #", 1)[0].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def histories(root: Path, revisions: Sequence[str] = ("HEAD",)) -> dict[str, list[RecordCommit]]:
    """Every record's changes, oldest first, keyed by its path from `root` (incidents/...).

    One `git log` for the whole repository. A folder outside git has no history: {}.
    """
    if gitrepo.toplevel(root) is None:
        return {}
    top_prefix = gitrepo.prefix(root)
    found: dict[str, list[RecordCommit]] = defaultdict(list)
    for commit in gitrepo.log_patches(root, top_prefix + INCIDENTS_DIR + "/", revisions):
        for path, change in record_commits(commit, top_prefix):
            found[path].append(change)
    for changes in found.values():
        changes.reverse()
    return dict(found)


def history(root: Path, relative: str) -> list[RecordCommit]:
    """One record's changes, oldest first (`relative` is its path from `root`)."""
    top_prefix = gitrepo.prefix(root)
    changes = [
        change
        for commit in gitrepo.log_patches(root, top_prefix + relative)
        for path, change in record_commits(commit, top_prefix)
        if path == relative
    ]
    return changes[::-1]


def entry_times(root: Path, revisions: Sequence[str]) -> dict[tuple[str, str, str], datetime]:
    """{(record path from `root`, entry kind, entry time as written): when its commit was
    authored} for the timeline entries the commits of `revisions` added (one `git log`)."""
    top_prefix = gitrepo.prefix(root)
    found: dict[tuple[str, str, str], datetime] = {}
    for commit in gitrepo.log_patches(root, top_prefix + INCIDENTS_DIR + "/", revisions):
        for path, change in record_commits(commit, top_prefix):
            for entry in change.entries:
                found.setdefault((path, entry.kind, entry.at or ""), change.authored)
    return found
