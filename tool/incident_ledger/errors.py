"""The one family of exceptions Incident Ledger raises, and the problem record.

Every failure a user can cause ends up as a `LedgerError`; `cli.main` turns it into
a message and an exit code in exactly one place, so no traceback ever reaches an
engineer in the middle of an incident.
"""

from __future__ import annotations

from typing import NamedTuple

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_BUG = 3


class Problem(NamedTuple):
    """One thing wrong with one record, at a place an editor can jump to."""

    path: str
    line: int
    col: int
    rule: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "rule": self.rule,
            "message": self.message,
        }


class LedgerError(Exception):
    """A failure the user can act on. Carries where it happened when known."""

    exit_code = EXIT_PROBLEMS

    def __init__(self, message: str, path: str | None = None, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.col = col

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line:
                where += f":{self.line}"
                if self.col:
                    where += f":{self.col}"
            where += ": "
        return where + self.message


class UsageError(LedgerError):
    """The command line asked for something impossible (exit 2, like click)."""

    exit_code = EXIT_USAGE


class RecordError(LedgerError):
    """A record cannot be used; carries every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.message, first.path, first.line, first.col)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(f"{p.path}:{p.line}:{p.col}: {p.rule}: {p.message}" for p in self.problems)


class Interrupted(BaseException):
    """A signal asked the command to stop (Ctrl-C, SIGTERM, a closed terminal).

    A BaseException, as KeyboardInterrupt is: no `except Exception` meant for failures
    may swallow it. `interrupts` raises it only where stopping leaves nothing half-done;
    `note` says what the command had done by then.
    """

    def __init__(self, signal_number: int, note: str = "") -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number
        self.note = note

    @property
    def exit_code(self) -> int:
        return 128 + self.signal_number  # what a shell reports for a process a signal ended
