"""Operations on one repository's records: find, create, change, and commit each change.

A change is all or nothing: the record is read and checked, edited in memory with the
round-trip writer, the result is checked with the same checks as `inc validate`, written
atomically, and committed alone. When git refuses the commit, the file and its index
entry are put back exactly as they were.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from . import gitrepo, lifecycle, yamledit, yamlio
from .errors import LedgerError, Problem, RecordError, UsageError
from .process import STATUS_ENTRY, timeline
from .recordcheck import check_document
from .recordfile import write_and_commit
from .records import ID_PATTERN, INCIDENTS_DIR, format_time, modeline, new_id, relative_path
from .report import refused
from .rules.record import Context
from .safetext import one_line, shown
from .schema import Schema, schema_dir

_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)
_SUFFIX = r"[0-9A-Z-]{1,17}\Z"
_REFUSED = "the change would leave the record invalid, so nothing was written"
_TIMELINE = "timeline"
# Written last in a record, as the shipped records do: the timeline only grows, at the end.
_LAST_FIELDS = ("links", "timeline")


class Outcome:
    """What a change did, for the commit message and the user."""

    __slots__ = ("committed", "incident_id", "path", "result", "stage", "what")

    def __init__(self, incident_id: str, path: str, what: str, stage: str, committed: bool, result: str = "") -> None:
        self.incident_id = incident_id
        self.path = path
        self.what = what
        self.stage = stage
        self.committed = committed
        self.result = result  # what the command prints (an action id, ...)


# An edit returns what it did (`resolved`, `note`, `action A1 added`), and optionally the
# words for the commit subject; by default the text of the timeline entry it appended.
Edit = Callable[[Any, dict[str, Any]], "str | tuple[str, str]"]
# What a commit goes back to if it fails, read by git beside the change (see
# `Ledger._committing`); None for a change that is only written.
ReadBefore = Callable[[], gitrepo.Before] | None


class Ledger:
    """The records of one repository, at one moment (`now` is the clock every check uses)."""

    def __init__(
        self,
        root: Path,
        now: datetime,
        layout: gitrepo.Layout | None = None,
        asked_name: Callable[[], str | None] | None = None,
    ) -> None:
        self.root = root
        self.now = now
        self.layout = layout  # the repository's layout when the caller has found it already
        self._asked_name = asked_name  # git's user.name, when the caller asked git for it ahead

    @cached_property
    def schema(self) -> Schema:
        return Schema(schema_dir(self.root))

    @cached_property
    def context(self) -> Context:
        return Context(self.schema, self.root, self.now)

    @cached_property
    def field_order(self) -> list[str]:
        names = [n for n in self.schema.document["properties"] if n not in _LAST_FIELDS]
        return names + list(_LAST_FIELDS)

    # -- finding records ----------------------------------------------------------------

    def resolve(self, given: str) -> str:
        """An id from the whole id or any unique suffix of it (`4HQ2`, `1103-4HQ2`)."""
        text = given.strip().upper()
        if ID_PATTERN.match(text):
            if not (self.root / relative_path(text)).is_file():
                raise LedgerError(f"no incident {text} in {self.root / INCIDENTS_DIR}")
            return text
        # Checked before it is compared with anything: only id characters can be a suffix.
        if not re.match(_SUFFIX, text):
            raise UsageError(
                f"{shown(given)} is not an incident id or the end of one (ids look like INC-20261103-4HQ2)"
            )
        candidates = sorted(i for i in self.all_ids() if i.endswith(text))
        if not candidates:
            raise LedgerError(f"no incident id ends with {text}")
        if len(candidates) > 1:
            listed = ", ".join(candidates[:20]) + (" ..." if len(candidates) > 20 else "")
            raise LedgerError(f"{text} is ambiguous; it ends {len(candidates)} incident ids: {listed}")
        return candidates[0]

    def all_ids(self) -> list[str]:
        ids = []
        top = self.root / INCIDENTS_DIR
        if not top.is_dir():
            return []
        for year in os.scandir(top):
            if year.is_dir():
                ids += [e.name[:-5] for e in os.scandir(year.path) if e.name.endswith(".yaml")]
        return [i for i in ids if ID_PATTERN.match(i)]

    def author(self, given: str | None) -> str:
        if given:
            return given
        name = self._asked_name() if self._asked_name else gitrepo.config_value(self.root, "user.name")
        if not name:
            raise UsageError("who is writing this? set git's identity (git config user.name 'NAME') or pass --author")
        return name

    # -- reading ------------------------------------------------------------------------

    def read(self, incident_id: str) -> tuple[bytes, str, yamlio.Document]:
        """A record's text and document, refusing one that is broken or mid-merge."""
        relative = relative_path(incident_id).as_posix()
        file = self.root / relative
        if file.is_symlink():
            raise LedgerError("the record is a symbolic link; replace it with the file itself", relative, 1, 1)
        raw = yamlio.read_bytes(file, relative)
        text = yamlio.decode(relative, raw)
        conflict = _CONFLICT.search(text)
        if conflict:
            line = text.count("\n", 0, conflict.start()) + 1
            raise LedgerError(
                "the record has git conflict markers; resolve the conflict, then `git add` it", relative, line, 1
            )
        document, problems = self._check(relative, text)
        if problems:
            raise _invalid(f"{relative} is not a valid record; fix it first (`inc validate {relative}`)", problems)
        return raw, text, document

    # -- changing -----------------------------------------------------------------------

    def change(self, incident_id: str, edit: Edit, commit: bool, given: Mapping[str, str]) -> Outcome:
        """Apply `edit` to one record, check the result, write it, commit it alone.

        `given` holds the values of the command's options, which a refusal names.
        """
        relative = relative_path(incident_id).as_posix()
        with self._committing(relative, commit) as state:
            return self._change(incident_id, relative, edit, given, state)

    @contextlib.contextmanager
    def _committing(self, relative: str, commit: bool) -> Iterator[ReadBefore]:
        """For a change that commits: the command lock, the checks that a commit can be
        made, and what the commit goes back to if it fails (the record's index entry and
        HEAD), which git reads beside the work in the block. None for a change that only
        writes."""
        if not commit:
            yield None
            return
        with gitrepo.exclusive(self.root, self.layout) as found:
            gitrepo.check_can_commit(self.root, found)
            with gitrepo.reading_before(self.root, relative) as state:
                yield state

    def _change(
        self, incident_id: str, relative: str, edit: Edit, given: Mapping[str, str], state: ReadBefore
    ) -> Outcome:
        old, text, document = self.read(incident_id)
        entries = len(timeline(document.data))
        new_text, data, done = self._edited(relative, text, document, lambda data: edit(data, document.data), given)
        what, detail = done if isinstance(done, tuple) else (done, _appended_text(data, entries))
        stage = str(data.get("status"))
        detail = detail or str(data.get("title", ""))
        return self._store(incident_id, relative, old, new_text, what, stage, detail, state)

    def append_entry(
        self,
        incident_id: str,
        entry_for: Callable[[dict[str, Any]], yamledit.Entry],
        what: str,
        commit: bool,
        given: Mapping[str, str],
    ) -> Outcome:
        """Add the entry `entry_for(record)` makes at the end of the timeline; commit it alone.

        On a long record the round trip of the whole document through the round-trip
        writer costs seconds (12 s at 10,000 entries), so the entry's text is appended to
        the file instead, then read back and checked like any change. A record it cannot
        be appended to that way (the timeline is not its last part) goes the long way.
        """
        relative = relative_path(incident_id).as_posix()
        with self._committing(relative, commit) as state:
            old, text, document = self.read(incident_id)
            entry = entry_for(document.data)
            new_text = yamledit.appended(text, document, _TIMELINE, entry)
            timeline = document.data.get(_TIMELINE)
            expected = {**document.data, _TIMELINE: [*(timeline or []), yamledit.plain(entry)]}
            if new_text is None or not self._reads_back(relative, new_text, expected, given):

                def edit(data: Any, current: dict[str, Any]) -> str:
                    if isinstance(data.get(_TIMELINE), list):
                        data[_TIMELINE].append(yamledit.editable(entry))
                    else:
                        self.set(data, _TIMELINE, yamledit.sequence([yamledit.editable(entry)]))
                    return what

                return self._change(incident_id, relative, edit, given, state)
            # The subject says what the entry says (`ID: note: Pool exhausted`).
            stage, detail = str(document.data.get("status")), str(entry.get("text", ""))
            return self._store(incident_id, relative, old, new_text, what, stage, detail, state)

    def _store(
        self,
        incident_id: str,
        relative: str,
        old: bytes,
        new_text: str,
        what: str,
        stage: str,
        detail: str,
        state: ReadBefore,
    ) -> Outcome:
        """Write the checked text over the record and commit it alone (or put all back);
        `state` (see `_committing`) is None when the change is not committed."""
        message = commit_message(incident_id, what, detail, stage) if state is not None else None
        write_and_commit(self.root, relative, new_text.encode("utf-8"), old, message, self.now, state)
        return Outcome(incident_id, relative, what, stage, state is not None)

    def create(self, fields: dict[str, Any], author: str, note: str | None, commit: bool) -> Outcome:
        """Write a new record at the first stage with its first timeline entry; commit it alone.

        `fields` holds plain values; `detected_at` and `started_at` are datetimes.
        """
        detected: datetime = fields["detected_at"]
        with gitrepo.exclusive(self.root, self.layout) if commit else contextlib.nullcontext() as found:
            if commit:
                gitrepo.check_can_commit(self.root, found)
            return self._create(fields, detected, author, note, commit)

    def _create(
        self, fields: dict[str, Any], detected: datetime, author: str, note: str | None, commit: bool
    ) -> Outcome:
        for _ in range(20):
            incident_id = new_id(detected)
            if not (self.root / relative_path(incident_id)).exists():
                break
        else:  # pragma: no cover - 20 collisions in a space of a million
            raise LedgerError("could not find a free incident id; try again")
        relative = relative_path(incident_id).as_posix()
        head = f"{modeline(self.root / relative, self.root)}\nschema_version: 1\n"
        given = {"--at": format_time(detected)}
        if fields.get("started_at"):
            given["--started-at"] = format_time(fields["started_at"])

        def fill(data: Any) -> None:  # the fields after `schema_version`, in order
            for name, value in self._first_fields(incident_id, fields, detected, author, note).items():
                data[name] = value

        new_text, _, _ = self._edited(relative, head, self._parse(relative, head), fill, given)
        stage = self.schema.stages[0]
        message = commit_message(incident_id, stage, str(fields["title"]), stage)
        write_and_commit(self.root, relative, new_text.encode("utf-8"), None, message if commit else None, self.now)
        return Outcome(incident_id, relative, stage, stage, commit, incident_id)

    def _first_fields(
        self, incident_id: str, fields: dict[str, Any], detected: datetime, author: str, note: str | None
    ) -> dict[str, Any]:
        """A new record's fields after `schema_version`, in the schema's order, with its
        first timeline entry (values in the types `yamledit`'s makers give at the time)."""
        stage = self.schema.stages[0]
        values = _new_values({**fields, "reported_by": fields.get("reported_by") or author})
        values.update(id=incident_id, status=stage)
        record = {name: values[name] for name in self.field_order if name in values}
        text = note or f"Incident opened: {fields['title']}"
        record["timeline"] = yamledit.sequence(
            [yamledit.editable(self.entry(detected, STATUS_ENTRY, author, text, stage))]
        )
        return record

    def _edited(
        self,
        relative: str,
        text: str,
        document: yamlio.Document,
        edit: Callable[[Any], Any],
        given: Mapping[str, str],
    ) -> tuple[str, Any, Any]:
        """The text after `edit` (which changes the record's data it is given), the data
        after it and what `edit` returned, checked. The edit runs first on a plain copy,
        written into the text where it changes (no round trip); again on the round-trip
        writer's document when the change is not one `spliced` writes."""
        data: Any = yamledit.plain(document.data)  # a copy: the edit changes its mappings and lists
        with yamledit.plain_values():
            done = edit(data)
        new_text = yamledit.spliced(text, document, data)
        if new_text is None or not self._reads_back(relative, new_text, yamledit.plain(data), given):
            editable = yamledit.Editable(relative, text)
            done = edit(editable.data)
            new_text, data = self._checked_text(relative, editable, text, given), editable.data
        return new_text, data, done

    def _checked_text(self, relative: str, editable: yamledit.Editable, before: str, given: Mapping[str, str]) -> str:
        """The edited text, refused unless it reads back as written and passes every check
        (the rules of `inc validate`: the refusal names the option that fixes a problem)."""
        new_text = editable.text()
        if "\r\n" in before:
            new_text = new_text.replace("\r\n", "\n").replace("\n", "\r\n")
        if not self._reads_back(relative, new_text, yamledit.plain(editable.data), given):  # pragma: no cover
            raise LedgerError("inc would write a value that reads back differently; this is a bug", relative)
        return new_text

    def _reads_back(self, relative: str, new_text: str, expected: dict[str, Any], given: Mapping[str, str]) -> bool:
        """Whether `new_text` reads back as `expected`; when it does, it must also pass every
        check of `inc validate` (the size limit included), or the change is refused."""
        try:
            # What the reader refuses before parsing (the size limit, a NUL) is refused
            # here too: `inc validate` must accept every record `inc` writes.
            yamlio.decode(relative, new_text.encode("utf-8"))
        except RecordError as error:
            raise _invalid(_REFUSED, error.problems) from None
        try:
            document = self._parse(relative, new_text)
        except RecordError:  # written past what the text's layout allows (a `...` end marker)
            return False
        if document.data != expected:
            return False
        problems = self._problems(relative, document)
        if problems:
            raise lifecycle.refusal(problems, given, self.now)
        return True

    def _check(self, relative: str, text: str) -> tuple[yamlio.Document, list[Problem]]:
        """`inc validate`'s checks on one record's text, reported with its repository path."""
        try:
            document = self._parse(relative, text)
        except RecordError as error:
            raise _invalid(f"{relative} cannot be read; fix it first", _relative(error.problems, relative)) from None
        return document, self._problems(relative, document)

    def _parse(self, relative: str, text: str) -> yamlio.Document:
        # The rules resolve a relative path against the process's folder, so they get the
        # absolute one; messages show the path from the repository's top (`_problems`).
        return yamlio.parse(str(self.root / relative), text)

    def _problems(self, relative: str, document: yamlio.Document) -> list[Problem]:
        return _relative(check_document(document, self.context), relative)

    # -- values commands write ----------------------------------------------------------

    def entry(self, at: datetime, kind: str, author: str, text: str, stage: str | None = None) -> yamledit.Entry:
        """A timeline entry, keys in the order the shipped records use (as plain data:
        `yamledit.editable` makes it a part of a document being edited)."""
        entry: yamledit.Entry = {"at": yamledit.Quoted(format_time(at)), "kind": kind}
        if stage:
            entry["stage"] = stage
        entry.update(author=yamledit.text_scalar(author), text=yamledit.text_scalar(text))
        return entry

    def set(self, data: Any, name: str, value: Any) -> None:
        yamledit.set_field(data, name, value, self.field_order)


def _new_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Plain values as a new record writes them: times quoted, lists each once, no empties."""
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None or value == []:
            continue
        if isinstance(value, datetime):
            values[name] = yamledit.time_value(format_time(value))
        elif isinstance(value, str):
            values[name] = yamledit.text_value(value)
        elif isinstance(value, list):
            values[name] = yamledit.sequence(yamledit.text_value(v) for v in dict.fromkeys(value))
        else:
            values[name] = value
    return values


def commit_message(incident_id: str, what: str, detail: str, stage: str) -> str:
    """`INC-...: note: Pool exhausted`: what the change did, so `git log --oneline --
    incidents/` reads as the incidents' story; trailers tools can search (`git log --grep`).

    `detail` is record text, untrusted: its words go in the subject on one line, unsafe
    characters escaped and cut short, so a subject is always one line a terminal shows as
    written.
    """
    subject = f"{incident_id}: {what}: {one_line(' '.join(detail.split()), SUBJECT_DETAIL)}"
    return f"{subject}\n\nIncident: {incident_id}\nStage: {stage}\n"


# Room for the detail in a subject: git's tools show about 72 characters of one.
SUBJECT_DETAIL = 72


def _appended_text(data: Any, before: int) -> str | None:
    """The text of the last timeline entry an edit appended, if it appended one."""
    added = timeline(data)[before:]
    text = added[-1].get("text") if added else None
    return str(text) if text is not None else None


def _relative(problems: list[Problem], relative: str) -> list[Problem]:
    return [Problem(relative, p.line, p.col, p.rule, p.message) for p in problems]


def _invalid(headline: str, problems: list[Problem]) -> LedgerError:
    return LedgerError(refused(headline, problems))
