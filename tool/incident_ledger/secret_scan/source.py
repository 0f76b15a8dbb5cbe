"""Loading detect-secrets' detectors and allowlist from its installed source, without
importing its package (see the package's docstring for why), and keeping their
compiled code between runs as Python keeps bytecode."""

from __future__ import annotations

import ast
import builtins
import importlib.util
import marshal
import os
import re
import sys
from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import cached_property, partial
from pathlib import Path
from typing import Any


class Unavailable(Exception):
    """The installed detect-secrets is not laid out as the loader expects."""


def _package() -> Path:
    # find_spec on a top-level package locates it without importing it.
    spec = importlib.util.find_spec("detect_secrets")
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable("detect-secrets is not installed")
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
            raise Unavailable("annotated assignments are not supported")
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


# Both are needed only when the cache of compiled code misses: compiled by `re` then.
_CLASS = r"(?m)^class (\w+)\("
# Where a top-level class or function starts: the module is parsed piece by piece.
_DEFINITION = r"(?m)^(?:class|def) (\w+)"


def _statements(file: Path, source: str, names: set[str]) -> list[ast.stmt]:
    """The module's statements before its first definition and the named definitions:
    parsing only these spares most of the parse (verification code is the bulk of some
    modules). Anything unexpected (a definition split inside a string) parses it whole."""
    starts = [(m.start(), m.group(1)) for m in re.finditer(_DEFINITION, source)]
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
        stamp = file_stamp(str(file))
    except OSError as error:
        raise Unavailable(f"{file}: {error}") from None
    key = (str(file), *stamp, *sorted(wanted), "", *sorted(dropped), "", *sorted(namespace))
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
        raise Unavailable(f"{file}: {type(error).__name__}: {error}") from None


def _compiled(file: Path, wanted: frozenset[str], namespace: dict[str, Any], drop_bases: frozenset[str]) -> Any:
    """The code of the named definitions of `file` and of the imports and constants they use."""
    try:
        source = file.read_text(encoding="utf-8")
        statements = _statements(file, source, set(wanted))
    except (OSError, SyntaxError, UnicodeDecodeError) as error:
        raise Unavailable(f"{file}: {error}") from None
    kept: list[ast.stmt] = [
        n for n in statements if isinstance(n, (ast.ClassDef, ast.FunctionDef)) and n.name in wanted
    ]
    missing = wanted - {n.name for n in kept if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    if missing:
        raise Unavailable(f"{file} defines no {', '.join(sorted(missing))}")
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
        raise Unavailable(f"{file}: {type(error).__name__}: {error}") from None


def file_stamp(file: str) -> tuple[int, int]:
    """A source file's modification time and size: what the cached pieces are kept under."""
    found = os.stat(file)
    return (found.st_mtime_ns, found.st_size)


class _CodeCache:
    """The compiled code `_load` runs (and what the gates found in the patterns), kept as
    Python keeps a module's bytecode.

    Parsing and compiling the detectors' source costs more than a record's scan. Their
    code is kept beside this module's own bytecode (in its `__pycache__`, or under
    PYTHONPYCACHEPREFIX, where a read-only install keeps its bytecode; written unless
    PYTHONDONTWRITEBYTECODE or `-B` says not to), for the same Python and the same file of
    this module, each piece under its source file's path, size and modification time: a
    changed detect-secrets compiles anew. A cache that cannot be read is ignored.
    """

    def __init__(self) -> None:
        self.file = _beside_bytecode(__file__, ".codes")
        self._codes: dict[tuple[Any, ...], Any] | None = None
        self.changed = False

    def _stamp(self) -> tuple[Any, ...]:
        return ("inc-detector-codes-1", sys.version, *file_stamp(__file__))

    def codes(self) -> dict[tuple[Any, ...], Any]:
        if self._codes is None:
            self._codes = self._read() or {}
        return self._codes

    def _read(self) -> dict[tuple[Any, ...], Any] | None:
        if self.file is None:
            return None
        try:
            stamp, codes = marshal.loads(self.file.read_bytes())
        except Exception:  # missing, unreadable, foreign or corrupt: compile anew
            return None
        return codes if stamp == self._stamp() and isinstance(codes, dict) else None

    def save(self) -> None:
        if not self.changed or sys.dont_write_bytecode or self._codes is None or self.file is None:
            return
        self.changed = False
        temporary = self.file.with_name(f"{self.file.name}.{os.getpid()}.tmp")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(marshal.dumps((self._stamp(), self._codes)))
            os.replace(temporary, self.file)
        except OSError:  # a read-only install, or a prefix that is no folder: compile each time
            with suppress(OSError):
                temporary.unlink()


def _beside_bytecode(source: str, suffix: str) -> Path | None:
    """Where Python keeps the bytecode of `source`, with `suffix` for `.pyc`; None in a
    Python that keeps none."""
    try:
        return Path(importlib.util.cache_from_source(source)).with_suffix(suffix)
    except NotImplementedError:
        return None


_CODES = _CodeCache()


def remembered(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """What `make()` gives, kept in the cache of compiled code under `key` (a value
    `marshal` can write); `keep_remembered` writes what was made."""
    codes = _CODES.codes()
    if key not in codes:
        codes[key] = make()
        _CODES.changed = True
    return codes[key]


def keep_remembered() -> None:
    _CODES.save()


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


def _classes_in(plugins: Path, listing: list[tuple[str, int, int]]) -> dict[str, str]:
    """Each class of the plugin modules, by the name of the first module that defines it."""
    modules: dict[str, str] = {}
    for file_name, *_ in listing:
        try:
            source = (plugins / file_name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise Unavailable(f"{plugins / file_name}: {error}") from None
        for found in re.finditer(_CLASS, source):
            modules.setdefault(found.group(1), file_name)
    return modules


def load_detectors(names: tuple[str, ...]) -> list[Any]:
    package = _package()
    base: dict[str, Any] = {"__name__": f"{__name__}.base"}
    # BasePlugin, the base above it, carries verification (requests) and baselines.
    _load(package / "plugins" / "base.py", ["RegexBasedDetector"], base, drop_bases=["BasePlugin"])
    regex_based = base["RegexBasedDetector"]
    plugins = package / "plugins"
    try:
        listing = sorted(
            (entry.name, *file_stamp(entry.path)) for entry in os.scandir(plugins) if entry.name.endswith(".py")
        )
    except OSError as error:
        raise Unavailable(f"{plugins}: {error}") from None
    # Which module defines which detector: reading every plugin's source costs more than
    # loading the detectors, so it is kept with their code, under each plugin's stamp.
    modules = remembered(("detector-modules", str(plugins), *listing), partial(_classes_in, plugins, listing))
    detectors = []
    for name in names:
        if name not in modules:
            raise Unavailable(f"no detector {name} in {plugins}")
        module = plugins / modules[name]
        namespace: dict[str, Any] = {
            "__name__": f"{__name__}.{module.stem}",
            "__builtins__": _DETECTOR_BUILTINS,
            "RegexBasedDetector": regex_based,
        }
        _load(module, [name], namespace)
        cls = namespace[name]
        if cls.__bases__ != (regex_based,):
            raise Unavailable(f"{name} is not a RegexBasedDetector")
        detectors.append(cls())
    _CODES.save()
    return detectors


def load_allowlist() -> tuple[Callable[..., bool], Callable[..., Any]]:
    package = _package()
    snippets: dict[str, Any] = {"__name__": f"{__name__}.code_snippet"}
    _load(package / "util" / "code_snippet.py", ["get_code_snippet", "CodeSnippet"], snippets)
    allow: dict[str, Any] = {"__name__": f"{__name__}.allowlist"}
    functions = ["is_line_allowlisted", "_get_allowlist_regexes_for_file", "_get_file_to_index_dict"]
    _load(package / "filters" / "allowlist.py", [*functions, "_get_comment_tuples", "get_allowlist_regexes"], allow)
    _CODES.save()
    return allow["is_line_allowlisted"], snippets["get_code_snippet"]


def import_detectors(names: tuple[str, ...]) -> list[Any]:
    """detect-secrets imported as usual: the slow way, for versions the loader does not know."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    found: dict[str, Any] = get_mapping_from_secret_type_to_class()
    classes = {cls.__name__: cls for cls in found.values()}
    return [classes[name]() for name in names if name in classes]


def import_allowlist() -> tuple[Callable[..., bool], Callable[..., Any]]:
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.util.code_snippet import get_code_snippet

    return is_line_allowlisted, get_code_snippet
