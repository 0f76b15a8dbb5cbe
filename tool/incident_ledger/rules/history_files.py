"""History rules about the record file: it stays, at the path its id gives, as a plain file.

`inc check` runs them on every record a change touches (see `rules.change`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..records import is_valid_id, relative_path
from .base import Declare, Example, Kind, Rule
from .change import At, Finding, HistoryContext, RecordChange

FILE_RULES: list[Rule] = []
history_rule = Declare(FILE_RULES, Kind.HISTORY)

# git's conflict markers, at the start of a line (diff3 style adds the ||||||| one).
_MARKER = re.compile(r"^(<{7}|\|{7}|>{7})(?: |$)|^={7}$")
_MARKER_EDGE = re.compile(r"^(<{7}|>{7})(?: |$)")

_ID = "id: INC-20261103-3V5G\n"
_PATH = "incidents/2026/INC-20261103-3V5G.yaml"
_INVESTIGATING = (
    '  - at: "2026-11-03T10:21:00Z"\n'
    "    kind: status\n"
    "    stage: investigating\n"
    "    author: Priya Natarajan\n"
    "    text: Priya is commander.\n"
)
_CANCELLED = (
    '  - at: "2026-11-03T10:30:00Z"\n'
    "    kind: status\n"
    "    stage: cancelled\n"
    "    author: Priya Natarajan\n"
    "    text: It was the staging load test, not checkout.\n"
)


@history_rule(
    "symlink",
    failing=Example("commander: Priya Natarajan\n", path=f"{_PATH} -> ../../drafts/checkout.yaml"),
    passing=Example("commander: Priya Natarajan\n", path=_PATH),
)
def no_symlink(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A record is a regular file, never a symbolic link.

    A link could point anywhere (outside the repository, at another record) and every
    reader would follow it.
    """
    if change.head_symlink:
        yield At(1), "record is a symbolic link; replace it with the record file itself"


@history_rule(
    "conflict-markers",
    failing=Example(
        "<<<<<<< HEAD\ncommander: Priya Natarajan\n=======\ncommander: Tom Becker\n>>>>>>> hand-over\n",
        before="commander: Priya Natarajan\n",
    ),
    passing=Example("commander: Tom Becker\n", before="commander: Priya Natarajan\n"),
)
def no_conflict_markers(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A record holds no git conflict markers.

    Lines `<<<<<<<`, `=======` and `>>>>>>>` are a merge left unresolved, which would
    otherwise be reported as a puzzling YAML syntax error.
    """
    text = change.head_text
    if text is None or not has_conflict_markers(text):
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if _MARKER.match(line):
            yield (
                At(number),
                f"git conflict marker {line[:7]!r}: finish resolving the merge (keep the right lines, "
                "delete the marker lines) before committing",
            )


def has_conflict_markers(text: str) -> bool:
    """True when `text` holds an opening or closing conflict marker line."""
    return any(_MARKER_EDGE.match(line) for line in text.splitlines())


@history_rule(
    "record-deleted",
    failing=Example(None, before="status: investigating\ntimeline:\n" + _INVESTIGATING),
    passing=Example(
        "status: cancelled\ntimeline:\n" + _INVESTIGATING + _CANCELLED,
        before="status: investigating\ntimeline:\n" + _INVESTIGATING,
    ),
)
def not_deleted(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A record file is never deleted.

    Nor is it moved out of `incidents/`, renamed to a name that is not a record's
    (`ID.yaml.bak`) or replaced by something that is not a file (a submodule, a folder):
    incident history is kept for good. An incident that was not one is ended with a
    side state instead.
    """
    if change.head_path is None and change.base_path is not None:
        ends = " or ".join(context.process.side_states)
        yield (
            (),
            f"record {change.base_path} was {change.replaced_by or 'deleted'}; records are never deleted: restore it "
            f"(git checkout {context.ref} -- {change.base_path}) and set its status to {ends} if it was not an incident",
        )


@history_rule(
    "record-moved",
    failing=Example(_ID, before=_ID, path="incidents/2026/checkout-outage.yaml"),
    passing=Example(_ID, before=_ID, before_path="incidents/2026/checkout-outage.yaml"),
)
def not_moved(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A record stays at the path its id gives.

    A record is never renamed or moved to a path that does not match its id
    (`incidents/<YYYY>/<ID>.yaml`): links and `inc` commands find a record by its id.
    Moving a misplaced record to its right path is allowed.
    """
    if change.base_path is None or change.head_path is None or change.base_path == change.head_path:
        return
    incident_id = change.base.data.get("id") if change.base else None
    if not isinstance(incident_id, str) or not is_valid_id(incident_id):
        return
    expected = relative_path(incident_id).as_posix()
    if change.head_path != expected:
        yield (
            ("id",),
            f"record {incident_id} was moved from {change.base_path} to {change.head_path}; "
            f"it must stay at {expected}: move it back (git mv)",
        )


@history_rule(
    "id-collision",
    failing=Example(_ID, taken=_PATH),
    passing=Example(_ID),
)
def id_not_taken(change: RecordChange, context: HistoryContext) -> Iterator[Finding]:
    """A new record's id is free on the target branch.

    Free on the target branch itself, not only at the merge base: another branch may
    have landed the same id while this one was open.
    """
    if change.base is None and change.taken_on_ref:
        incident_id = change.head.data.get("id") if change.head else None
        yield (
            ("id",),
            f"id {incident_id} is already used on {context.ref} by {change.taken_on_ref}, which landed "
            "after this branch started; give this incident a new id (inc new creates one)",
        )
