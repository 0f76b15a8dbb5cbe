"""What the reader says when the parser gives up, and the scans it makes before parsing.

libyaml's messages name the parser's state, not the engineer's mistake: these turn them
into the mistake (an unclosed quote, a tab, text with `: `) at the line it is on.
"""

from __future__ import annotations

import re

import yaml

from ..errors import Problem
from ..rules.reader import NOT_A_RECORD, YAML_ALIAS, YAML_SYNTAX
from .loader import MAX_DEPTH, Loader, mark

# The characters YAML 1.2 refuses in a stream (c-printable's complement).
# A pattern string: compiling this class costs more than parsing a record, and only a
# file that failed to parse is searched with it.
_NOT_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def syntax_problem(path: str, text: str, error: yaml.MarkedYAMLError) -> Problem:
    stop = error.problem_mark or error.context_mark
    where = mark(stop) if stop is not None else (1, 1)
    lines = text.split("\n")
    tab = stop is not None and stop.line < len(lines) and lines[stop.line][stop.column : stop.column + 1] == "\t"
    what = error.problem or "invalid YAML"
    if error.context and "undefined alias" not in what:
        what = f"{error.context}: {what}"
    if "exceeded maximum nesting depth" in what:
        # libyaml 0.2.5 and newer stop at their own depth limit (1,000) while scanning, before
        # our own count of levels sees that many: the same refusal, whatever the version.
        return Problem(path, *where, NOT_A_RECORD.id, "the YAML is nested too deeply")
    if "undefined alias" in what:
        return Problem(
            path, *where, YAML_ALIAS.id, "YAML aliases (*name) are not allowed in a record; write the value out"
        )
    if "expected a single document" in (error.context or ""):
        return Problem(
            path,
            *where,
            NOT_A_RECORD.id,
            "several YAML documents in one file; a record is one document: remove the '---' line "
            "or move the second incident to its own file",
        )
    hint = ""
    if "mapping values are not allowed" in what or "could not find expected ':'" in what:
        hint = "; check the indentation, and quote text that contains ': '"
    elif "scanning an alias" in what or "scanning an anchor" in what:
        hint = "; quote text that starts with '*' or '&' (such as Markdown emphasis)"
    elif "did not find expected key" in what or "expected <block end>" in what:
        opened = _unclosed_quote_line(lines, where[0])
        hint = (
            f"; the double quote opened on line {opened} may not be closed"
            if opened
            else "; check the indentation and the quotes on this line and the lines above it"
        )
    elif tab or "tab character" in what or "found character '\\t'" in what:
        hint = "; indent with spaces, not tabs"
    return Problem(path, *where, YAML_SYNTAX.id, f"YAML syntax error: {what}{hint}")


def _unclosed_quote_line(lines: list[str], error_line: int) -> int | None:
    """The nearest line above `error_line` with an odd number of double quotes: a quoted
    value left open runs on until the next quote, so the parser stops far below it."""
    for number in range(min(error_line, len(lines)) - 1, 0, -1):
        line = lines[number - 1]
        if not line.lstrip().startswith("#") and line.replace('\\"', "").count('"') % 2 == 1:
            return number
    return None


def unprintable_problem(path: str, text: str, error: Exception) -> Problem:
    found = re.search(_NOT_PRINTABLE, text)
    if found is None:
        return Problem(path, 1, 1, YAML_SYNTAX.id, f"YAML syntax error: {error}".split("\n")[0])
    at = found.start()
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return Problem(
        path,
        line,
        col,
        YAML_SYNTAX.id,
        f"control character U+{ord(found.group()):04X} is not allowed in YAML; delete it (it is invisible in most editors)",
    )


def anchor_problems(path: str, text: str) -> list[Problem]:
    """Anchors and aliases share data between parts of a record; nothing else reads them the same."""
    problems = []
    try:
        for event in yaml.parse(text, Loader=Loader):
            anchor = getattr(event, "anchor", None)
            if anchor is None:
                continue
            if isinstance(event, yaml.AliasEvent):
                message = (
                    f"YAML alias *{anchor} is not allowed in a record; write the value out "
                    "(quote text that starts with '*', such as Markdown emphasis)"
                )
            else:
                message = (
                    f"YAML anchor &{anchor} is not allowed in a record; remove it (quote text that starts with '&')"
                )
            problems.append(Problem(path, *mark(event.start_mark), YAML_ALIAS.id, message))
    except (yaml.YAMLError, UnicodeEncodeError):
        pass  # the compose step reports syntax errors with better context
    return problems


# A line that starts with this many indentation or indicator characters may nest deeply.
_DEEP_LINE = re.compile(rf"^[ \t?:-]{{{MAX_DEPTH}}}", re.MULTILINE)


def nesting_problem(path: str, text: str) -> Problem | None:
    """Refuse absurd nesting before composing: libyaml's composer recurses per level and
    crashes the whole process (a segmentation fault, not an exception) somewhere past
    ten thousand levels, which a 200 KB file of `[` reaches.

    Nesting needs either an opening bracket or more indentation per level, so records
    with few brackets and shallow lines skip the extra pass over the events."""
    if text.count("[") + text.count("{") <= MAX_DEPTH and not _DEEP_LINE.search(text):
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(path, *mark(event.start_mark), NOT_A_RECORD.id, "the YAML is nested too deeply")
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except (yaml.YAMLError, UnicodeEncodeError):
        pass  # composing reports the syntax error with better context
    return None
