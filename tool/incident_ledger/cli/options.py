"""What several commands share: the command state, the common options, reading text.

The command modules import this module and never the group in `main.py`, so the
group can import every command without a cycle.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import datetime
from functools import cached_property, wraps
from pathlib import Path
from typing import Any, cast

import click

from .. import process

F = Callable[..., Any]


class State:
    """What every command needs: where the repository is and what time it is."""

    def __init__(self, directory: Path | None) -> None:
        self.cwd = (directory or Path.cwd()).absolute()
        self._roots: dict[Path, Path | None] = {}  # one `git rev-parse` per folder asked about
        self._layouts: dict[Path, Any] = {}  # what that `git rev-parse` says a commit there needs
        # Where inc runs is asked of git now, beside the modules the command loads first.
        self._asked = asking_repository_of(self.cwd)
        self.asked_name: Callable[[], str | None] | None = None  # git's user.name (ask_name)
        self._in_git_here = False  # git found a work tree from where inc runs

    @cached_property
    def root(self) -> Path:
        """The ledger's folder for where inc runs (see repository_of)."""
        return self.root_of(self.cwd)

    def root_of(self, path: Path) -> Path:
        """The repository that holds `path` (absolute, or relative to where inc runs), so a
        record is judged where it lives, whatever folder inc was started in."""
        where = self.cwd / path
        folder = where if where.is_dir() else where.parent
        if folder not in self._roots:
            if folder == self.cwd and self._asked is not None:
                self._roots[folder], layout = self._asked()
                self._asked = None
            else:
                self._roots[folder], layout = repository_of(folder)
            if folder == self.cwd:
                self._in_git_here = layout is not None
            if self._roots[folder] == folder:  # the layout holds for the folder it was found from
                self._layouts[folder] = layout
        found = self._roots[folder]
        if found is not None:
            return found
        return self.cwd if folder == self.cwd else self.root

    def ask_name(self) -> None:
        """Ask git now for user.name, the default author, beside the modules the
        command loads; the command's ledger waits for the answer when it needs it."""
        if self.asked_name is None:
            from ..errors import LedgerError
            from ..gitrepo import asking_config

            with contextlib.suppress(LedgerError):  # no git: the ledger says so when it asks
                self.asked_name = asking_config(self.cwd, "user.name")

    def name_for_root(self) -> Callable[[], str | None] | None:
        """The user.name git was asked for, when it is the ledger's: asked where inc runs, it
        is the config of the repository found from there, which holds the ledger's folder.
        (Where git found none, say above GIT_CEILING_DIRECTORIES, the ledger asks itself.)"""
        _ = self.root
        return self.asked_name if self._in_git_here else None

    def close(self) -> None:
        """At the command's end: wait for what git was asked and nobody needed."""
        try:
            if self._asked is not None:
                self._asked()
                self._asked = None
        finally:  # a signal raised while waiting for the first: still wait for the second
            if self.asked_name is not None:
                self.asked_name()

    def layout(self, root: Path) -> Any:
        """The repository layout already found for `root` (gitrepo.Layout), or None."""
        return self._layouts.get(root)

    @staticmethod
    def now() -> datetime:
        return process.now()


pass_state = click.make_pass_decorator(State)


def repository_of(start: Path) -> tuple[Path | None, Any]:
    """The ledger's folder for `start`, inside the work tree git finds from there
    (GIT_DIR and GIT_WORK_TREE included; see records.ledger_root), or None; and the
    layout a commit from `start` needs (gitrepo.Layout), found by the same `git rev-parse`."""
    from ..gitrepo import STATE_PATHS, locate

    return _repository(start, locate(start, STATE_PATHS))


def asking_repository_of(start: Path) -> Callable[[], tuple[Path | None, Any]] | None:
    """`repository_of(start)` with git started now; the function given waits for the
    answer. None when git cannot be asked ahead (the variables naming the repository are
    wrong: `repository_of` says so when the repository is needed)."""
    from ..errors import LedgerError
    from ..gitrepo import STATE_PATHS, locating

    try:
        found = locating(start, STATE_PATHS)
    except LedgerError:
        return None
    return lambda: _repository(start, found())


def _repository(start: Path, found: Any) -> tuple[Path | None, Any]:
    from ..gitrepo import layout_of
    from ..records import ledger_root

    root = ledger_root(start, found.top if found is not None else None, in_git=found is not None)
    return root, layout_of(found) if found is not None else None


def open_ledger(state: State) -> Any:
    """The repository's ledger, at the command's clock."""
    from ..ledger import Ledger

    return Ledger(state.root, state.now(), state.layout(state.root), state.name_for_root())


def moment_at(state: State, at: str | None) -> Any:
    """The time an `--at` option names, or now."""
    from ..lifecycle import parse_moment

    return parse_moment(at, state.now())


def report_outcome(outcome: Any) -> None:
    """One line on stderr saying what a writing command did to which file."""
    done = "committed" if outcome.committed else "written (not committed)"
    click.echo(f"{outcome.incident_id}: {outcome.what}; {outcome.path} {done}", err=True)


def warn(message: str) -> None:
    """Say a warning on stderr, as every command says one. It may name a record's file or
    quote its text, so unsafe characters are shown escaped."""
    from ..safetext import escape_unsafe

    click.echo(f"inc: warning: {escape_unsafe(message)}", err=True)


def warn_without_records(root: Path) -> None:
    """Say on stderr that the repository has no incidents/ folder (see `no_records_folder`)."""
    from ..records import no_records_folder

    warning = no_records_folder(root)
    if warning is not None:
        warn(warning)


def read_text(value: str | None) -> str | None:
    """`-` reads the text from stdin (for long Markdown, or text from another tool)."""
    if value != "-":
        return value
    stream: Any = click.get_binary_stream("stdin")  # type: ignore[operator]  # click types it as object
    raw: bytes = stream.read()
    try:
        text = raw.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        raise click.UsageError(f"the text on standard input is {_not_utf8(raw, error.start)}") from None
    return text.rstrip("\n") + ("\n" if "\n" in text.rstrip("\n") else "")


def read_texts(values: tuple[str, ...]) -> list[str]:
    return [t for t in (read_text(v) for v in values) if t is not None]


def common(timeline: bool = True) -> Callable[[F], F]:
    """The options every writing command takes; and the refusal of text given on the
    command line that is not UTF-8 (`_utf8_only`)."""

    def decorate(command: F) -> F:
        command = _utf8_only(command)
        command = click.option("--no-commit", is_flag=True, help="Only write the file; leave committing to you.")(
            command
        )
        command = click.option(
            "--author",
            metavar="WHO",
            help="Who writes the entry (default: git's user.name).",
            callback=_ask_name_unless_given,
        )(command)
        if timeline:
            command = click.option(
                "--at",
                metavar="TS",
                help="When it happened, ISO-8601 with a zone (default: now); for recording afterwards.",
            )(command)
        return command

    return decorate


def _utf8_only(command: F) -> F:
    """`command`, refusing first each of its values that is not UTF-8.

    The shell passes bytes; Python keeps the ones that are not UTF-8 as stand-ins that no
    record can hold. Refused here, the message names the argument, as it does for text on
    standard input (`read_text`), instead of the change failing later on its way into the
    record."""

    @wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            for text in value if isinstance(value, tuple) else (value,):
                if isinstance(text, str):
                    _refuse_unless_utf8(name, text)
        return command(*args, **kwargs)

    return cast(F, checked)


def _refuse_unless_utf8(name: str, text: str) -> None:
    try:
        _as_passed(text).decode("utf-8")
    except UnicodeDecodeError as error:
        ctx = click.get_current_context()
        param = next((p for p in ctx.command.params if p.name == name), None)
        raise click.BadParameter(f"it is {_not_utf8(error.object, error.start)}", ctx=ctx, param=param) from None


def _as_passed(text: str) -> bytes:
    """A command-line value as the bytes the shell passed (PEP 383: Python keeps a byte that
    is not UTF-8 as the stand-in U+DC80 + the byte). A lone surrogate no byte stands for
    (only code can pass one) comes back as Python would write it, not UTF-8 either."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _not_utf8(raw: bytes, offset: int) -> str:
    """How a refusal of text that is not UTF-8 says where it is and what to do, for text
    on standard input and on the command line alike."""
    return f"not UTF-8 (byte 0x{raw[offset]:02x} at offset {offset}); convert it first, e.g. with iconv -t UTF-8"


def _ask_name_unless_given(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if not value:
        state = ctx.find_object(State)
        if state is not None:
            state.ask_name()
    return value


def note_option(command: F) -> F:
    return click.option("--note", metavar="TEXT", help="Text of the timeline entry (default: a short description).")(
        command
    )


def default_problem_format() -> str:
    # GitHub sets it to "true"; any value but an explicit "false" means a workflow.
    return "github" if os.environ.get("GITHUB_ACTIONS", "false").lower() not in ("", "false", "0") else "text"


# The problem formats of `inc validate` and `inc check`, which report alike.
problem_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default=default_problem_format,
    show_default="text; github when GITHUB_ACTIONS is set",
    help="Output format.",
)


def listing_format_option(*choices: str) -> Callable[[F], F]:
    """`--format` of the listing commands: the first choice is the default."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True)
