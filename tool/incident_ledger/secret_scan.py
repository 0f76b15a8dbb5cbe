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

import ast
import builtins
import importlib.util
import marshal
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

# The regular-expression parser and compiler (private, but stable since Python 3.5
# under two names). Only used to derive faster gates; without them every pattern is its
# own gate.
try:
    from re import _compiler as _sre_compile  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_compile as _sre_compile
    import sre_parse as _sre_parse

# The file name detect-secrets is told the text comes from: a `.yaml` name makes its
# allowlist look for the pragma in a `#` comment only.
FILENAME = "record.yaml"


@dataclass(frozen=True, order=True)
class Finding:
    line: int
    col: int
    kind: str  # the detector's secret_type, e.g. "AWS Access Key"


class _Unavailable(Exception):
    """The installed detect-secrets is not laid out as the loader expects."""


# -- loading detect-secrets' code from its source ----------------------------------------


def _package() -> Path:
    # find_spec on a top-level package locates it without importing it.
    spec = importlib.util.find_spec("detect_secrets")
    if spec is None or not spec.submodule_search_locations:
        raise _Unavailable("detect-secrets is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _prepare(node: ast.AST) -> set[str]:
    """Drop the annotations in `node` (they name types from modules that are not loaded;
    the code runs without them) and return the names it uses."""
    used = set()
    for part in ast.walk(node):
        if isinstance(part, ast.Name):
            used.add(part.id)
        elif isinstance(part, ast.arg):
            part.annotation = None
        elif isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef)):
            part.returns = None
        elif isinstance(part, ast.AnnAssign):
            raise _Unavailable("annotated assignments are not supported")
    return used


def _bound(node: ast.stmt) -> set[str]:
    """The names an import or an assignment binds."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    return set()


def _is_stdlib(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return all(alias.name.split(".")[0] in sys.stdlib_module_names for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] in sys.stdlib_module_names
    return False


_CLASS = re.compile(r"^class (\w+)\(", re.MULTILINE)
# Where a top-level class or function starts: the module is parsed piece by piece.
_DEFINITION = re.compile(r"^(?:class|def) (\w+)", re.MULTILINE)


def _statements(file: Path, source: str, names: set[str]) -> list[ast.stmt]:
    """The module's statements before its first definition and the named definitions:
    parsing only these spares most of the parse (verification code is the bulk of some
    modules). Anything unexpected (a definition split inside a string) parses it whole."""
    starts = [(m.start(), m.group(1)) for m in _DEFINITION.finditer(source)]
    pieces = [source[: starts[0][0]] if starts else source]
    for index, (start, name) in enumerate(starts):
        if name in names:
            end = starts[index + 1][0] if index + 1 < len(starts) else len(source)
            pieces.append(source[start:end])
    try:
        return [node for piece in pieces for node in ast.parse(piece, str(file)).body]
    except SyntaxError:
        return ast.parse(source, str(file)).body


def _load(file: Path, names: Iterable[str], namespace: dict[str, Any], drop_bases: Iterable[str] = ()) -> None:
    """Execute the named classes and functions of a module into `namespace`, with the
    standard-library imports and the constants they use; leave out bases named in
    `drop_bases`. Imports only their verification code needs are not run."""
    wanted, dropped = frozenset(names), frozenset(drop_bases)
    try:
        stat = file.stat()
    except OSError as error:
        raise _Unavailable(f"{file}: {error}") from None
    key = (str(file), stat.st_mtime_ns, stat.st_size, *sorted(wanted), "", *sorted(dropped), "", *sorted(namespace))
    codes = _CODES.codes()
    code = codes.get(key)
    if code is None:
        code = _compiled(file, wanted, namespace, dropped)
        codes[key] = code
        _CODES.changed = True
    namespace.setdefault("__builtins__", builtins)
    try:
        exec(code, namespace)  # detect-secrets' own code, as importing it would run it
    except Exception as error:
        raise _Unavailable(f"{file}: {type(error).__name__}: {error}") from None


def _compiled(file: Path, wanted: frozenset[str], namespace: dict[str, Any], drop_bases: frozenset[str]) -> Any:
    """The code of the named definitions of `file` and of the imports and constants they use."""
    try:
        source = file.read_text(encoding="utf-8")
        statements = _statements(file, source, set(wanted))
    except (OSError, SyntaxError, UnicodeDecodeError) as error:
        raise _Unavailable(f"{file}: {error}") from None
    kept: list[ast.stmt] = [
        n for n in statements if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name in wanted
    ]
    missing = wanted - {n.name for n in kept if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    if missing:
        raise _Unavailable(f"{file} defines no {', '.join(sorted(missing))}")
    used: set[str] = set()
    for node in kept:
        if isinstance(node, ast.ClassDef):
            node.bases = [b for b in node.bases if not (isinstance(b, ast.Name) and b.id in drop_bases)]
        used |= _prepare(node)
    # The imports and constants the kept code uses, and those the constants use in turn.
    supports = [n for n in statements if _is_stdlib(n) or (isinstance(n, ast.Assign) and _bound(n))]
    needed: list[ast.stmt] = []
    used -= set(namespace)
    while True:
        more = [n for n in supports if n not in needed and _bound(n) & used]
        if not more:
            break
        needed += more
        for node in more:
            used |= _prepare(node)
    body = [n for n in statements if n in needed or n in kept]  # in the module's order
    try:
        return compile(ast.Module(body=body, type_ignores=[]), str(file), "exec")
    except Exception as error:
        raise _Unavailable(f"{file}: {type(error).__name__}: {error}") from None


class _CodeCache:
    """The compiled code `_load` runs, kept as Python keeps a module's bytecode.

    Parsing and compiling the detectors' source costs more than a record's scan. Their
    code is kept in this package's `__pycache__` (written unless PYTHONDONTWRITEBYTECODE
    or `-B` says not to, as Python's own .pyc files are), for the same Python and the same
    file of this module, each piece under its source file's path, size and modification
    time: a changed detect-secrets compiles anew. A cache that cannot be read is ignored.
    """

    def __init__(self) -> None:
        self.file = (
            Path(__file__).parent / "__pycache__" / f"{Path(__file__).stem}.{sys.implementation.cache_tag}.codes"
        )
        self._codes: dict[tuple[Any, ...], Any] | None = None
        self.changed = False

    def _stamp(self) -> tuple[Any, ...]:
        own = os.stat(__file__)
        return ("inc-detector-codes-1", sys.version, own.st_mtime_ns, own.st_size)

    def codes(self) -> dict[tuple[Any, ...], Any]:
        if self._codes is None:
            self._codes = {}
            try:
                stamp, codes = marshal.loads(self.file.read_bytes())
                if stamp == self._stamp() and isinstance(codes, dict):
                    self._codes = codes
            except Exception:  # missing, unreadable, foreign or corrupt: compile anew
                pass
        return self._codes

    def save(self) -> None:
        if not self.changed or sys.dont_write_bytecode or self._codes is None:
            return
        self.changed = False
        temporary = self.file.with_name(f"{self.file.name}.{os.getpid()}.tmp")
        try:
            self.file.parent.mkdir(exist_ok=True)
            temporary.write_bytes(marshal.dumps((self._stamp(), self._codes)))
            os.replace(temporary, self.file)
        except OSError:  # a read-only install: compile each time
            temporary.unlink(missing_ok=True)


_CODES = _CodeCache()


class _LazyPattern:
    """A detector's pattern, compiled when first used.

    Compiling all of them costs more than the scan of a record: a command that writes one
    record compiles only those of the detectors its text could hold a match of (see
    `Scanner._suspects`). Every attribute but the pattern's text and flags is the compiled
    pattern's.
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.compiled, name)
        setattr(self, name, value)  # found here from now on: a scan calls `findall` per line
        return value


class _DeferredRe:
    """The `re` module as the detectors' code sees it: `compile` makes a `_LazyPattern`."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def compile(pattern: Any, flags: int = 0) -> Any:
        return _LazyPattern(pattern, int(flags)) if isinstance(pattern, str) else re.compile(pattern, flags)


_DEFERRED_RE = _DeferredRe()


def _import_deferring_re(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
    """`import re` in a detector's module binds `_DeferredRe`; every other import is as usual."""
    if name == "re" and not fromlist and level == 0:
        return _DEFERRED_RE
    return builtins.__import__(name, globals, locals, fromlist, level)


_DETECTOR_BUILTINS = {**vars(builtins), "__import__": _import_deferring_re}


def _load_detectors(names: tuple[str, ...]) -> list[Any]:
    package = _package()
    base: dict[str, Any] = {"__name__": f"{__name__}.base"}
    # BasePlugin, the base above it, carries verification (requests) and baselines.
    _load(package / "plugins" / "base.py", ["RegexBasedDetector"], base, drop_bases=["BasePlugin"])
    regex_based = base["RegexBasedDetector"]
    modules: dict[str, Path] = {}
    for plugin in sorted((package / "plugins").glob("*.py")):
        for found in _CLASS.finditer(plugin.read_text(encoding="utf-8")):
            modules.setdefault(found.group(1), plugin)
    detectors = []
    for name in names:
        module = modules.get(name)
        if module is None:
            raise _Unavailable(f"no detector {name} in {package / 'plugins'}")
        namespace: dict[str, Any] = {
            "__name__": f"{__name__}.{module.stem}",
            "__builtins__": _DETECTOR_BUILTINS,
            "RegexBasedDetector": regex_based,
        }
        _load(module, [name], namespace)
        cls = namespace[name]
        if cls.__bases__ != (regex_based,):
            raise _Unavailable(f"{name} is not a RegexBasedDetector")
        detectors.append(cls())
    _CODES.save()
    return detectors


def _load_allowlist() -> tuple[Callable[..., bool], Callable[..., Any]]:
    package = _package()
    snippets: dict[str, Any] = {"__name__": f"{__name__}.code_snippet"}
    _load(package / "util" / "code_snippet.py", ["get_code_snippet", "CodeSnippet"], snippets)
    allow: dict[str, Any] = {"__name__": f"{__name__}.allowlist"}
    functions = ["is_line_allowlisted", "_get_allowlist_regexes_for_file", "_get_file_to_index_dict"]
    _load(package / "filters" / "allowlist.py", [*functions, "_get_comment_tuples", "get_allowlist_regexes"], allow)
    _CODES.save()
    return allow["is_line_allowlisted"], snippets["get_code_snippet"]


def _import_detectors(names: tuple[str, ...]) -> list[Any]:
    """detect-secrets imported as usual: the slow way, for versions the loader does not know."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    found: dict[str, Any] = get_mapping_from_secret_type_to_class()
    classes = {cls.__name__: cls for cls in found.values()}
    return [classes[name]() for name in names if name in classes]


def _import_allowlist() -> tuple[Callable[..., bool], Callable[..., Any]]:
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.util.code_snippet import get_code_snippet

    return is_line_allowlisted, get_code_snippet


# -- gates: a cheap test on the whole text that every line-level match implies ----------

_LITERAL = _sre_parse.LITERAL
_NEWLINE = ord("\n")
# Line breaks str.splitlines() knows besides "\n": text holding one is gated line by line.


@dataclass
class Gate:
    """A pattern in a form tried once on the whole text instead of on every line.

    It must match the text whenever the pattern matches one of its lines. It does when
    compiled with MULTILINE (`^` and `$` then hold at each line's ends) unless the
    pattern asserts the start or end of the whole string or looks around for something
    a line break could satisfy; such a pattern is tried line by line (`regex` None).
    Where the pattern has a literal part, only the pattern from that literal on is
    tried (every match contains a match of it), which lets the regex engine skip to
    the literal instead of trying every position; text without the literal (compared
    in lower case for case-insensitive patterns) is not searched at all. The regex is
    compiled when first tried: the literal test alone (`admits`) costs only the parse.
    """

    pattern: Any  # a compiled pattern, or a detector's `_LazyPattern`
    literal: bytes = b""  # UTF-8: one pass of the bytes per literal, whatever the text holds
    ignore_case: bool = False
    make_regex: Callable[[], re.Pattern[str]] | None = field(default=None, repr=False)

    @cached_property
    def regex(self) -> re.Pattern[str] | None:
        if self.make_regex is None:
            return None
        try:
            return self.make_regex()
        except Exception:  # a surprise from the private compiler: the pattern alone, line by line
            self.literal = b""
            return None

    def admits(self, text: Text) -> bool:
        """False when the text lacks the literal every match holds: no line can match."""
        if self.literal:
            folded = text.lowered if self.ignore_case else text.data
            if folded is not None and self.literal not in folded:
                return False
        return True

    def opens(self, text: Text) -> bool:
        regex = self.regex  # first: a regex that cannot be made leaves no literal to test
        if self.literal:  # as `admits` does, inline: this runs for every gate of every text
            folded = text.lowered if self.ignore_case else text.data
            if folded is not None and self.literal not in folded:
                return False
        if regex is not None:
            return regex.search(text.whole) is not None
        return any(self.pattern.search(line) for line in text.lines)


# Line breaks str.splitlines() knows besides "\n", and a search for them in UTF-8.
_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_ASCII_BREAKS = tuple(c.encode() for c in _BREAKS if c.isascii())  # one byte each: memchr
_OTHER_BREAKS = tuple(c.encode() for c in _BREAKS if not c.isascii())
# The characters beyond ASCII that a case-insensitive pattern matches to an ASCII letter
# (the dotted and dotless i, the long s, the Kelvin sign), where lower-casing the ASCII
# bytes does not give that letter: text holding one gets no case-insensitive literal test.
CASE_TWINS = "\u0130\u0131\u017f\u212a"
_TWIN_BYTES = tuple(c.encode() for c in CASE_TWINS)


class Text:
    """One text as the gates look at it, each view made once and only when asked for."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Literals are looked for in the UTF-8 bytes: an ASCII literal is in the text
        # exactly when its bytes are in these (no multi-byte character holds an ASCII
        # byte), and bytes.find() is one fast pass where str.find() over non-ASCII text
        # is several times slower.
        self.data = text.encode("utf-8", "surrogatepass")

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def whole(self) -> str:
        """The text for MULTILINE gates: its lines joined with "\n"."""
        data = self.data
        other = any(b in data for b in _ASCII_BREAKS) or (not data.isascii() and any(b in data for b in _OTHER_BREAKS))
        return "\n".join(self.lines) if other else self.text

    @cached_property
    def lowered(self) -> bytes | None:
        """The bytes with ASCII letters in lower case: every case-insensitive match of an
        ASCII literal shows there as the literal in lower case, unless a case twin is in
        the text (then None)."""
        if not self.data.isascii() and any(b in self.data for b in _TWIN_BYTES):
            return None
        return self.data.lower()


def gate_for(pattern: Any) -> Gate:
    """The gate of one pattern."""
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
        flags = pattern.flags | parsed.state.flags
        if not _line_safe(parsed.data):
            return Gate(pattern)
        start, literal = _longest_literal(parsed.data)
        ignore_case = bool(flags & re.IGNORECASE)
        if ignore_case:
            literal = literal.lower() if literal.isascii() else ""
        if any(c in _BREAKS or c == "\n" for c in literal):
            literal = ""  # the gates look at the lines joined with "\n"
        source = pattern.pattern
        if not literal or _refers_back(parsed.data[start:]):
            return Gate(pattern, literal.encode(), ignore_case, lambda: re.compile(source, flags | re.MULTILINE))
        tail = _sre_parse.SubPattern(parsed.state, parsed.data[start:])
        return Gate(pattern, literal.encode(), ignore_case, lambda: _sre_compile.compile(tail, flags | re.MULTILINE))
    except Exception:  # any surprise from the private parser: the pattern gates itself, line by line
        return Gate(pattern)


def _longest_literal(items: list[tuple[Any, Any]]) -> tuple[int, str]:
    """The longest run of plain characters in the pattern's top-level sequence, and where it starts."""
    best = (0, "")
    index = 0
    while index < len(items):
        end = index
        while end < len(items) and items[end][0] is _LITERAL:
            end += 1
        if end - index > len(best[1]):
            best = (index, "".join(chr(value) for _, value in items[index:end]))
        index = end + 1
    return best


def _walk(items: Any) -> Iterator[tuple[Any, Any]]:
    """Every (op, value) of a parsed pattern, nested ones included."""
    for op, value in items:
        yield op, value
        parts = [value] if isinstance(value, _sre_parse.SubPattern) else value if isinstance(value, tuple) else ()
        for part in parts:
            if isinstance(part, _sre_parse.SubPattern):
                yield from _walk(part.data)
            elif isinstance(part, list):  # a branch's alternatives
                yield from (pair for alternative in part for pair in _walk(alternative.data))


def _line_safe(items: Any) -> bool:
    """Whether a match on a line implies a MULTILINE match on the text holding the line."""
    for op, value in _walk(items):
        if op is _sre_parse.AT and value in (_sre_parse.AT_BEGINNING_STRING, _sre_parse.AT_END_STRING):
            return False
        if op is _sre_parse.ASSERT_NOT and not _never_newline(value[1].data):
            return False
    return True


def _never_newline(items: Any) -> bool:
    """A negative lookaround of one character class that cannot be a line break (`(?!\\w)`)."""
    if len(items) != 1:
        return False
    op, value = items[0]
    if op is _LITERAL:
        return bool(value != _NEWLINE)
    if op is not _sre_parse.IN:
        return False
    for kind, member in value:
        if kind is _LITERAL:
            ok = member != _NEWLINE
        elif kind is _sre_parse.RANGE:
            ok = not member[0] <= _NEWLINE <= member[1]
        elif kind is _sre_parse.CATEGORY:
            ok = member in (_sre_parse.CATEGORY_WORD, _sre_parse.CATEGORY_DIGIT)
        else:
            ok = False
        if not ok:
            return False
    return True


def _refers_back(items: Any) -> bool:
    refs = (_sre_parse.GROUPREF, _sre_parse.GROUPREF_EXISTS)
    return any(op in refs for op, _ in _walk(items))


# -- the scanner --------------------------------------------------------------------------


@dataclass
class Scanner:
    """The named detect-secrets detectors (class names), ready to scan texts."""

    names: tuple[str, ...]
    fast: bool = True  # loaded from source; False: detect-secrets imported as usual
    # Whole-text gate regexes cost more to compile (~6 ms) than they save on a text or two:
    # a command that writes one record tests only the gates' literals (which costs the
    # patterns' parse), then scans line by line with the detectors the literals admit,
    # compiling only their patterns.
    gate_after: int = 2
    _scanned: int = 0
    _allowlist: tuple[Callable[..., bool], Callable[..., Any]] | None = field(default=None, repr=False)

    @cached_property
    def detectors(self) -> list[Any]:
        if self.fast:
            try:
                return _load_detectors(self.names)
            except _Unavailable:
                self.fast = False
        return _import_detectors(self.names)

    @cached_property
    def gates(self) -> list[tuple[Any, list[Gate]]]:
        return [(d, [gate_for(p) for p in d.denylist]) for d in self.detectors]

    def allowed(self, lines: list[str], number: int) -> bool:
        """Whether detect-secrets' pragma allows line `number` (1-based)."""
        if self._allowlist is None:
            try:
                self._allowlist = _load_allowlist() if self.fast else _import_allowlist()
            except _Unavailable:
                self._allowlist = _import_allowlist()
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
        for index, gate in self._flat_gates:
            if index not in opened and (gate.admits(view) if literals_only else gate.opens(view)):
                opened.add(index)
        return [detector for index, detector in enumerate(self.detectors) if index in opened]

    @cached_property
    def _flat_gates(self) -> list[tuple[int, Gate]]:
        return [(index, gate) for index, (_, gates) in enumerate(self.gates) for gate in gates]
