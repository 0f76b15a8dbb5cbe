"""Problems to text: the `path:line:col: rule: message` lines, GitHub annotations, JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .errors import Problem
from .safetext import escape_unsafe

FORMATS = ("text", "github", "json")


def _escape_data(text: str) -> str:
    # GitHub's workflow-command escaping: without it a message with a newline or a
    # '%' would end the annotation early or be mangled.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def text_line(problem: Problem) -> str:
    # A path or a message may quote untrusted text (a file name, a record value).
    return escape_unsafe(f"{problem.path}:{problem.line}:{problem.col}: {problem.rule}: {problem.message}")


def github_line(problem: Problem) -> str:
    return (
        f"::error file={_escape_property(escape_unsafe(problem.path))},line={problem.line},col={problem.col},"
        f"title={_escape_property(problem.rule)}::{_escape_data(escape_unsafe(problem.message))}"
    )


def refused(headline: str, problems: Sequence[Problem]) -> str:
    """A refusal's message: what was refused, then each problem as an indented text line."""
    lines = "\n".join(f"  {text_line(p)}" for p in sorted(problems))
    return f"{headline}:\n{lines}"


def render(problems: Sequence[Problem], fmt: str) -> str:
    """The whole report for `problems` in format `fmt` (empty text when there are none)."""
    if fmt == "json":
        return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False)
    line = github_line if fmt == "github" else text_line
    return "\n".join(line(p) for p in problems)


def summary(problems: Sequence[Problem], checked: int | None = None) -> str:
    files = len({p.path for p in problems})
    if not problems:
        return "all records valid" if checked is None else f"{checked} record(s) checked, all valid"
    return f"{len(problems)} problem(s) in {files} file(s)"


def warning_lines(warnings: Sequence[Problem], fmt: str) -> list[str]:
    """Warnings, which never fail a check: `path:line:col: warning: rule: message`, or
    GitHub `::warning` annotations."""
    if fmt == "github":
        return [github_line(w).replace("::error ", "::warning ", 1) for w in warnings]
    return [f"{w.path}:{w.line}:{w.col}: warning: {w.rule}: {w.message}" for w in warnings]
