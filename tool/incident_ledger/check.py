"""`inc check`: the history rules and validation for the records a change touches.

The change is what lies between the merge base of REF and the head, so a pull request is
judged on what it does, not on what landed on REF meanwhile. git's own tree diff names
the changed records and one `git cat-file --batch` reads them at both ends: the cost
follows the size of the change, never the size of the repository.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from . import audit, gitrepo, yamlio
from .errors import Problem, RecordError, UsageError
from .recordcheck import check_document
from .records import INCIDENTS_DIR, RECORD_SUFFIXES, is_valid_id, relative_path
from .rules.change import HistoryContext, RecordChange
from .rules.history import WARNINGS, run_history_rules
from .rules.history_files import has_conflict_markers
from .rules.record import Context
from .schema import Schema, schema_dir

WORKTREE = gitrepo.WORKTREE


@dataclass(frozen=True)
class Outcome:
    problems: list[Problem]
    checked: int  # records present at the head that were checked
    # What does not fail the check but a reviewer should see: the warning rules' findings.
    warnings: list[Problem] = field(default_factory=list)


def check(root: Path, now: datetime, base_ref: str, head_ref: str = "HEAD") -> Outcome:
    """Every problem in the records changed between merge-base(base_ref, head) and the head."""
    top = gitrepo.toplevel(root)
    if top is None:
        raise UsageError(gitrepo.no_work_tree(root, "inc check compares git commits"))
    prefix = gitrepo.prefix(root)
    base = _commit(root, base_ref, "--base")
    head = WORKTREE if head_ref == WORKTREE else _commit(root, head_ref, "--head")
    start = gitrepo.merge_base(root, base, "HEAD" if head == WORKTREE else head)
    if start is None:
        _refuse_shallow(root, f"the history between {base_ref} and {head_ref} is not in this clone")
        raise UsageError(f"{base_ref} and {head_ref} share no history; is --base the branch this one started from?")
    changes = _record_changes(gitrepo.changed_files(root, start, head, prefix + INCIDENTS_DIR + "/"))
    reader = _Reader(root, top, prefix, start, head)
    records = _split_false_renames(reader.read(changes))
    _pair_delete_add(records)
    _mark_taken(root, prefix, base, records)
    schema = Schema(schema_dir(root))
    revisions = f"{start}..{'HEAD' if head == WORKTREE else head}"
    history = HistoryContext(schema, base_ref, now, _entry_times(root, revisions, now if head == WORKTREE else None))
    context = Context(schema, root, now)
    problems = list(reader.problems)
    warnings: list[Problem] = []
    for record in records:
        for problem in run_history_rules(record, history):
            (warnings if problem.rule in WARNINGS else problems).append(problem)
        if record.head is not None:
            problems += check_document(record.head, context)
    return Outcome(sorted(set(problems)), sum(1 for r in records if r.head_path), sorted(warnings))


def _entry_times(
    root: Path, revisions: str, uncommitted: datetime | None
) -> Callable[[str, str, str], datetime | None]:
    """When the commits of `revisions` added each timeline entry (`HistoryContext.added_at`);
    an entry none of them added is work not yet committed, added `uncommitted` (None: not
    known). git's log is read once, when a rule first asks."""
    times: dict[tuple[str, str, str], datetime] | None = None

    def added_at(path: str, kind: str, at: str) -> datetime | None:
        nonlocal times
        if times is None:
            times = audit.entry_times(root, [revisions])
        return times.get((path, kind, at)) or uncommitted

    return added_at


def _commit(root: Path, ref: str, option: str) -> str:
    found = gitrepo.resolve_commit(root, ref)
    if found is None:
        _refuse_shallow(root, f"{option} {ref}: no such commit here")
        raise UsageError(f"{option} {ref}: no such commit here (for a remote branch, fetch it first: git fetch origin)")
    return found


def _refuse_shallow(root: Path, what: str) -> None:
    """In a shallow clone the merge base is usually cut off, and `git fetch` alone keeps
    the clone shallow: say so and how to get the whole history."""
    if gitrepo.is_shallow(root):
        raise UsageError(
            f"{what}: this clone is shallow (made with --depth, as CI checkouts are by default), so the "
            "commits inc check compares are missing; fetch the whole history with `git fetch --unshallow origin` "
            "(in GitHub Actions, give actions/checkout `fetch-depth: 0`)"
        )


def _record_changes(changes: list[gitrepo.Change]) -> list[_Selected]:
    """The changes that have a record at either end, each end kept only where it is one.

    A record can leave its path by any change, not only one that ends at a record: renamed
    to a name that is not a record's (`ID.yaml.bak`), replaced by a submodule, or by a
    folder of other files. Such a change is the record's deletion, so the history rules
    see it as one (and say what took the record's place).
    """
    selected = []
    for change in changes:
        old = change.old_path if change.old_path and _holds_record(change.old_path, change.old_mode) else None
        new = change.new_path if change.new_path and _holds_record(change.new_path, change.new_mode) else None
        if old is None and new is None:
            continue
        status = change.status if old and new else ("A" if new else "D")
        instead = None
        if old is not None and new is None and change.new_path is not None:
            instead = _what_replaced(old, change.new_path, change.new_mode)
        selected.append(_Selected(replace(change, status=status, old_path=old, new_path=new), instead))
    return selected


def _holds_record(path: str, mode: str) -> bool:
    """A record path whose entry can be a record: a file (or a symbolic link, which the
    `symlink` rule refuses), not a submodule. Unmerged entries (mode 000000) count too."""
    return path.endswith(RECORD_SUFFIXES) and mode not in (gitrepo.GITLINK_MODE, gitrepo.TREE_MODE)


def _what_replaced(old: str, new: str, mode: str) -> str:
    if mode == gitrepo.GITLINK_MODE:
        return "replaced by a submodule"
    if new.startswith(old + "/"):
        return "replaced by a folder"
    return f"renamed to {new}, which is not a record file name"


@dataclass(frozen=True)
class _Selected:
    change: gitrepo.Change
    instead: str | None  # what took a record's place, when the change ends in no record


@dataclass
class _Reader:
    """Reads the changed records at both ends; keeps what the head's reader objected to."""

    root: Path
    top: Path
    prefix: str
    start: str
    head: str
    problems: list[Problem] = field(default_factory=list)

    def display(self, path: str | None) -> str | None:
        return path[len(self.prefix) :] if path is not None else None

    def read(self, selected: list[_Selected]) -> list[RecordChange]:
        changes = [each.change for each in selected]
        # By object id (git diff --raw gives them): no tree is walked again to find a file.
        specs = [c.old_oid for c in changes if c.old_path]
        if self.head != WORKTREE:
            specs += [c.new_oid for c in changes if c.new_path]
        blobs = gitrepo.read_blobs(self.root, specs)
        records = []
        for change, instead in ((each.change, each.instead) for each in selected):
            record = RecordChange(change.status, self.display(change.old_path), self.display(change.new_path))
            record.replaced_by = instead[len(self.prefix) :] if instead and instead.startswith(self.prefix) else instead
            if change.old_path and change.old_mode != gitrepo.SYMLINK_MODE:
                # A base that cannot be read is history: nothing to fix there, so not reported.
                record.base = self.parse(record.base_path, blobs.get(change.old_oid), report=False)
            if change.new_path:
                self.read_head(record, change, blobs.get(change.new_oid))
            records.append(record)
        return records

    def read_head(self, record: RecordChange, change: gitrepo.Change, blob: bytes | None) -> None:
        if self.head == WORKTREE:
            file = self.top / (change.new_path or "")
            record.head_symlink = file.is_symlink()
            raw = None if record.head_symlink else self.read_file(file, record.head_path or "")
        else:
            record.head_symlink = change.new_mode == gitrepo.SYMLINK_MODE
            raw = None if record.head_symlink else blob
        path = record.head_path or ""
        if raw is None:
            return
        try:
            record.head_text = yamlio.decode(path, raw)
        except RecordError as error:
            self.problems += error.problems
            return
        # Conflict markers are reported by their own rule, not as a YAML syntax error.
        if not has_conflict_markers(record.head_text):
            record.head = self.parse(path, raw, report=True)

    def read_file(self, file: Path, path: str) -> bytes | None:
        """A record file in the work tree, as every reader takes one (yamlio.read_bytes: a
        FIFO named like a record would otherwise keep the check waiting forever)."""
        if not os.path.lexists(file):
            return None  # deleted from the work tree but not from the index: git reports it
        try:
            return yamlio.read_bytes(file, path)
        except RecordError as error:
            self.problems += error.problems
            return None

    def parse(self, path: str | None, raw: bytes | None, report: bool) -> yamlio.Document | None:
        if raw is None or path is None:
            return None
        try:
            return yamlio.parse(path, yamlio.decode(path, raw))
        except RecordError as error:
            if report:
                self.problems += error.problems
            return None


def _id(document: yamlio.Document | None) -> str | None:
    value = document.data.get("id") if document else None
    return value if isinstance(value, str) else None


def _split_false_renames(records: list[RecordChange]) -> list[RecordChange]:
    """git pairs a deleted and an added file by similarity, and records share most of their
    shape: a "rename" between two different ids is one record deleted and another added."""
    result = []
    for record in records:
        before, after = _id(record.base), _id(record.head)
        if record.status == "R" and before and after and before != after:
            gone = RecordChange("D", record.base_path, None, base=record.base)
            record.status, record.base_path, record.base = "A", None, None
            result += [gone, record]
        else:
            result.append(record)
    return result


def _pair_delete_add(records: list[RecordChange]) -> None:
    """A record moved *and* edited may be too different for git's rename detection; its
    id (which never changes) pairs the deleted and the added file again."""
    added = {_id(r.head): r for r in records if r.base_path is None and _id(r.head)}
    for record in [r for r in records if r.head_path is None]:
        partner = added.pop(_id(record.base), None) if _id(record.base) else None
        if partner is not None:
            partner.status, partner.base_path, partner.base = "R", record.base_path, record.base
            records.remove(record)


def _mark_taken(root: Path, prefix: str, ref: str, records: list[RecordChange]) -> None:
    """For each new record, whether REF itself already has a record with its id."""
    wanted: dict[str, RecordChange] = {}
    for record in records:
        incident_id = _id(record.head)
        if record.base_path is None and incident_id and is_valid_id(incident_id):
            wanted[prefix + relative_path(incident_id).as_posix()] = record
    if not wanted:
        return
    on_ref = gitrepo.read_blobs(root, [f"{ref}:{path}" for path in wanted])
    for path, record in wanted.items():
        there = on_ref.get(f"{ref}:{path}")
        if there is not None and (record.head_text is None or there.decode("utf-8", "replace") != record.head_text):
            record.taken_on_ref = path[len(prefix) :]
