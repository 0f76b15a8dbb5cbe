"""Finds credentials in text with detect-secrets' own detectors, without importing detect-secrets.

Every `inc` command that writes a record scans it first, so a password pasted into
`inc log` is refused before it is committed. Importing detect-secrets costs ~80 ms: its
package imports its whole scan engine, and its plugin base imports `requests` to verify
found secrets online, which `inc` never does (no network at run time). That alone was
more than plain `git commit` takes.

So the detectors are loaded from the installed package's source instead of imported:
for each detector class, its module's standard-library imports, its constants and the
class itself are executed, with the plugin base's `RegexBasedDetector` (loaded the same
way, without the plugin machinery above it) as its only base. The patterns, the code
that applies them (JWT's extra check included) and the allowlist pragma are
detect-secrets' own, read from the installed version at run time; nothing is copied.
When the installed version is laid out differently, detect-secrets is imported as usual:
slower, same findings. A test checks that both find exactly the same.

What is found is what detect-secrets' detectors find line by line (`analyze_string` on
each line), minus lines its pragma allows. Scanning every line with every pattern is
most of `inc validate`'s time, so each pattern is first tried on the whole text in a
cheaper form that every line-level match implies (see `Gate`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, partial
from typing import Any, NamedTuple

from . import gates as gates_module
from .gates import CASE_TWINS, Gate, Text, gate_facts, gate_for
from .source import (
    Unavailable,
    file_stamp,
    import_allowlist,
    import_detectors,
    keep_remembered,
    load_allowlist,
    load_detectors,
    remembered,
)

__all__ = ["CASE_TWINS", "FILENAME", "Finding", "Scanner", "Text", "gate_for"]

# The file name detect-secrets is told the text comes from: a `.yaml` name makes its
# allowlist look for the pragma in a `#` comment only.
FILENAME = "record.yaml"


class Finding(NamedTuple):
    line: int
    col: int
    kind: str  # the detector's secret_type, e.g. "AWS Access Key"


class Scanner:
    """The named detect-secrets detectors (class names), ready to scan texts."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.fast = True  # loaded from source; False: detect-secrets imported as usual
        # Whole-text gate regexes cost more to compile (~6 ms) than they save on a text or
        # two: a command that writes one record tests only the gates' literals (which costs
        # the patterns' parse), then scans line by line with the detectors the literals
        # admit, compiling only their patterns.
        self.gate_after = 2
        self._scanned = 0
        self._allowlist: tuple[Callable[..., bool], Callable[..., Any]] | None = None

    @cached_property
    def detectors(self) -> list[Any]:
        if self.fast:
            try:
                return load_detectors(self.names)
            except Unavailable:
                self.fast = False
        return import_detectors(self.names)

    @cached_property
    def gates(self) -> list[tuple[Any, list[Gate]]]:
        # What a gate needs of its pattern comes from the pattern's parse: kept between
        # runs, under the pattern and this version of the gates.
        version = ("gate", *file_stamp(gates_module.__file__))
        found = [
            (d, [gate_for(p, remembered((*version, p.pattern, p.flags), partial(gate_facts, p))) for p in d.denylist])
            for d in self.detectors
        ]
        keep_remembered()
        return found

    def allowed(self, lines: list[str], number: int) -> bool:
        """Whether detect-secrets' pragma allows line `number` (1-based)."""
        if self._allowlist is None:
            try:
                self._allowlist = load_allowlist() if self.fast else import_allowlist()
            except Unavailable:
                self._allowlist = import_allowlist()
        is_line_allowlisted, get_code_snippet = self._allowlist
        snippet = get_code_snippet(lines=lines, line_number=number)
        return bool(is_line_allowlisted(FILENAME, lines[number - 1], snippet))

    def scan(self, text: str) -> list[Finding]:
        """Every credential-looking string in `text`: line, column and kind, sorted."""
        try:
            return self._scan(text)
        except Exception:
            if not self.fast:
                raise
            # detect-secrets' code ran outside its package and failed: import it as usual.
            self.fast = False
            self._allowlist = None
            for name in ("detectors", "gates", "_flat_gates"):
                self.__dict__.pop(name, None)
            return self._scan(text)

    def _scan(self, text: str) -> list[Finding]:
        view = Text(text)
        self._scanned += 1
        suspects = self._suspects(view, literals_only=self._scanned <= self.gate_after)
        found = set()
        for detector in suspects:
            for number, line in enumerate(view.lines, start=1):
                for value in detector.analyze_string(line):
                    if self.allowed(view.lines, number):
                        break
                    found.add(Finding(number, max(line.find(value), 0) + 1, detector.secret_type))
        return sorted(found)

    def _suspects(self, view: Text, literals_only: bool = False) -> list[Any]:
        """The detectors one of whose gates opens on the text (or admits it: has its literal)."""
        opened: set[int] = set()
        data = view.data
        for index, gate in self._flat_gates:
            if index in opened:
                continue
            # The literal test of Gate.opens, inline: it runs for every gate of every record.
            literal = gate.literal
            if literal:
                folded = view.lowered if gate.ignore_case else data
                if folded is not None and literal not in folded:
                    continue
            if gate.holds_a_choice(view) if literals_only else gate.searched(view):
                opened.add(index)
        return [detector for index, detector in enumerate(self.detectors) if index in opened]

    @cached_property
    def _flat_gates(self) -> list[tuple[int, Gate]]:
        return [(index, gate) for index, (_, gates) in enumerate(self.gates) for gate in gates]
