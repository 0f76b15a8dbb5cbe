"""Loads `schemas/` (the record's JSON Schema and the process policy) and validates records.

The schema is the single source of the lifecycle: the order of `$defs/stage` is the stage
order, and the `allOf` if/then blocks say what each stage requires. Everything else (the
CLI's refusals, the site's handbook, the rules) reads those facts from here.

A repository's own `schemas/` wins over the copy bundled in the package, so a team can
adopt a stricter policy without forking the tool.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import LedgerError, Problem, RecordError
from .records import SCHEMA_FILE, SCHEMAS_DIR, bundled_schemas
from .rules.schema import SCHEMA
from .safetext import one_line, shown

if TYPE_CHECKING:  # the parser is loaded when a policy is read, not to find the schema files
    from . import yamlio

POLICY_FILE = "policy.yaml"
POLICY_SCHEMA_FILE = "policy.schema.json"
REQUIRED_FORMATS = ("date-time", "date", "uri")


def schema_files(directory: Path) -> list[Path]:
    """The files a `Schema` is read from: what a cached check depends on besides the record."""
    return [directory / SCHEMA_FILE, directory / POLICY_FILE, directory / POLICY_SCHEMA_FILE]


def schema_dir(root: Path) -> Path:
    """The repository's own schemas/ when it has one, else the copy shipped in the package."""
    own = root / SCHEMAS_DIR
    if (own / SCHEMA_FILE).is_file():
        return own
    return bundled_schemas()


def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker()
    missing = [name for name in REQUIRED_FORMATS if name not in checker.checkers]
    if missing:
        # jsonschema skips unknown formats silently: a record with `2026-11-03 10:00`
        # would pass. Refuse to run rather than check less than we claim.
        from .distribution import DISTRIBUTION, pinned_requirement

        raise LedgerError(
            f"the format checkers for {', '.join(missing)} are not installed; "
            f"reinstall {DISTRIBUTION} (pip install --force-reinstall {pinned_requirement()}) so its "
            "dependencies rfc3339-validator and rfc3986-validator are present"
        )
    return checker


def _fast_validator(document: dict[str, Any]) -> Any:
    """A jsonschema-rs validator with format checks on, or None when it is not installed."""
    # The extension imports these modules of the standard library as it loads. A Ctrl-C
    # during such an import inside it (inc turns signals into an exception) makes it
    # panic and print a Rust backtrace; imported here first, a Ctrl-C stops inc quietly.
    import decimal  # noqa: F401
    import email.utils  # noqa: F401

    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(document, validate_formats=True)


class Milestone:
    """A stage and the time field it stamps (`resolved`: `resolved_at`)."""

    __slots__ = ("field", "stage")

    def __init__(self, stage: str, field: str) -> None:
        self.stage = stage
        self.field = field


class Schema:
    """The record schema and policy of one repository, with the facts derived from them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.document: dict[str, Any] = self._load_json(directory / SCHEMA_FILE)
        self.policy: dict[str, Any] = self._load_policy()

    @staticmethod
    def _load_json(file: Path) -> dict[str, Any]:
        try:
            return json.loads(file.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except OSError as error:
            raise LedgerError(f"cannot read the schema: {error.strerror}", str(file)) from None
        except json.JSONDecodeError as error:
            raise LedgerError(f"invalid JSON: {error.msg}", str(file), error.lineno, error.colno) from None

    def _load_policy(self) -> dict[str, Any]:
        file = self.directory / POLICY_FILE
        from . import yamlio

        document = yamlio.read(file)
        if document.problems:
            raise RecordError(document.problems)
        policy_schema = self._load_json(self.directory / POLICY_SCHEMA_FILE)
        fast = _fast_validator(policy_schema)
        if fast is not None and fast.is_valid(document.data):
            # Importing jsonschema costs about a second (its format checkers build
            # grammars at import): only pay for it when there is something to explain.
            return document.data
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(policy_schema, format_checker=_format_checker())
        problems = [
            Problem(str(file), *document.locate(tuple(e.absolute_path)), SCHEMA.id, e.message)
            for e in validator.iter_errors(document.data)
        ]
        if problems:
            raise RecordError(sorted(problems))
        return document.data

    def values_of(self, keypath: tuple[str, ...]) -> list[str]:
        """The values the schema allows for the field at `keypath` (a field of the record,
        or of each item of a list field), in the schema's order; [] for free text."""
        node: dict[str, Any] = self.document
        for key in keypath:
            node = self._dereferenced(node)
            if "items" in node:
                node = self._dereferenced(node["items"])
            node = node.get("properties", {}).get(key, {})
        return self._enum(node)

    def _dereferenced(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.document["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    def _enum(self, node: dict[str, Any]) -> list[str]:
        node = self._dereferenced(node)
        values = [v for v in node.get("enum", []) if isinstance(v, str)]
        for alternative in node.get("anyOf", []):
            values += self._enum(alternative)
        return values

    # -- lifecycle facts, all read from the schema ---------------------------------

    @cached_property
    def stages(self) -> list[str]:
        """The lifecycle stages in order (the order of the `$defs/stage` enum)."""
        return list(self.document["$defs"]["stage"]["enum"])

    @cached_property
    def side_states(self) -> list[str]:
        return list(self.document["$defs"]["side_state"]["enum"])

    @cached_property
    def statuses(self) -> list[str]:
        return self.stages + self.side_states

    def _stage_blocks(self) -> Iterator[tuple[list[str], dict[str, Any]]]:
        for block in self.document.get("allOf", []):
            stages = block.get("if", {}).get("properties", {}).get("status", {}).get("enum")
            if stages:
                yield stages, block.get("then", {})

    def requirements(self, status: str) -> list[str]:
        """Every field (dotted for nested ones) a record at `status` must have, in schema order."""
        fields = list(self.document.get("required", []))
        for stages, then in self._stage_blocks():
            if status not in stages:
                continue
            fields += then.get("required", [])
            for name, sub in then.get("properties", {}).items():
                fields += [f"{name}.{child}" for child in sub.get("required", [])]
        return list(dict.fromkeys(fields))

    def stage_of_requirement(self, block_index: int) -> str | None:
        """The first stage whose allOf block `block_index` applies to (for messages)."""
        blocks = self.document.get("allOf", [])
        if block_index >= len(blocks):
            return None
        stages = blocks[block_index].get("if", {}).get("properties", {}).get("status", {}).get("enum")
        return stages[0] if stages else None

    @cached_property
    def milestones(self) -> list[Milestone]:
        """Each stage's milestone timestamp, in lifecycle order.

        A stage's milestone is the `*_at` field it is the first to require: detected_at for
        identified, acknowledged_at for investigating, resolved_at for resolved, and so on.
        """
        result: list[Milestone] = []
        seen: set[str] = set()
        for stage in self.stages:
            for name in self.requirements(stage):
                if name.endswith("_at") and name not in seen and "." not in name:
                    result.append(Milestone(stage, name))
                seen.add(name)
        return result

    def milestone_of(self, stage: str) -> str | None:
        return next((m.field for m in self.milestones if m.stage == stage), None)

    # -- policy facts ---------------------------------------------------------------

    def priority_for(self, impact: str, urgency: str) -> str | None:
        return self.policy["priority_matrix"].get(impact, {}).get(urgency)  # type: ignore[no-any-return]

    @property
    def severities(self) -> dict[str, dict[str, Any]]:
        return self.policy["severities"]  # type: ignore[no-any-return]

    # -- validation -------------------------------------------------------------------

    @cached_property
    def validator(self) -> Any:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.document, format_checker=_format_checker())

    @cached_property
    def fast_validator(self) -> Any:
        """jsonschema-rs decides validity ~50x faster; jsonschema explains the invalid ones."""
        return _fast_validator(self.document)

    def is_valid(self, data: Any) -> bool:
        fast = self.fast_validator
        if fast is None:
            return bool(self.validator.is_valid(data))
        return bool(fast.is_valid(data))

    def problems(self, document: yamlio.Document) -> list[Problem]:
        """Every schema problem in a record, each at the line of the field it is about."""
        if self.is_valid(document.data):
            return []
        result = []
        errors = list(self.validator.iter_errors(document.data))
        # A timestamp, date or URL carries both a format and a pattern (so that editors,
        # whose format checks are looser, refuse the same values): one problem per value.
        malformed = {tuple(e.absolute_path) for e in errors if e.validator == "format"}
        for error in errors:
            if error.validator == "pattern" and tuple(error.absolute_path) in malformed:
                continue
            for keypath, message in _explain(self, error):
                line, col = document.locate(keypath)
                result.append(Problem(document.path, line, col, SCHEMA.id, message))
        if not result and self.fast_validator is not None:
            # The two validators disagree (a format edge case): never let that pass
            # silently; report the fast validator's own words.
            for fast_error in self.fast_validator.iter_errors(document.data):
                keypath = tuple(fast_error.instance_path)
                name = one_line(".".join(map(str, keypath)) or "the record", 200)
                line, col = document.locate(keypath)
                result.append(Problem(document.path, line, col, SCHEMA.id, f"{name}: {fast_error.message}"))
        if not result:
            result.append(Problem(document.path, 1, 1, SCHEMA.id, "the record does not match the schema"))
        return result


def _explain(schema: Schema, error: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Turn one jsonschema error into (where, message) pairs an engineer can act on."""
    from difflib import get_close_matches

    where = tuple(error.absolute_path)
    name = one_line(".".join(str(p) for p in where) or "the record", 200)
    kind = error.validator
    if kind == "required":
        missing = [f for f in error.validator_value if f not in error.instance]
        stage = _stage_of(schema, error)
        for field in missing:
            full = f"{name}.{field}" if where else field
            if stage:
                yield (
                    where if where else ("status",),
                    (
                        f"missing field '{full}', required from stage '{stage}' on: add it, or move "
                        f"'status' back to a stage before '{stage}'"
                    ),
                )
            else:
                yield where, f"missing required field '{full}'"
    elif kind == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        for extra in sorted(set(error.instance) - set(known)):
            close = get_close_matches(extra, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known fields: {', '.join(known)}"
            yield (*where, extra), f"unknown field {shown(extra)} in {name}{hint}"
    elif kind == "anyOf" and all(sub.validator == "enum" for sub in error.context):
        choices = [c for sub in error.context for c in sub.validator_value]
        yield where, f"{name}: {shown(error.instance)} is not one of {', '.join(choices)}"
    elif kind == "enum":
        yield where, f"{name}: {shown(error.instance)} is not one of {', '.join(map(str, error.validator_value))}"
    elif kind == "format":
        yield (
            where,
            f"{name}: {shown(error.instance)} is not a valid {error.validator_value}{_FORMAT_HINTS.get(error.validator_value, '')}",
        )
    elif kind == "pattern" and (limit := re.fullmatch(_LENGTH_LIMIT, error.validator_value)):
        yield where, _too_long(name, error.instance, int(limit["most"]))
    elif kind == "pattern":
        hint = error.schema.get("description") or f"the pattern {error.validator_value}"
        yield where, f"{name}: {shown(error.instance)} does not have the expected form: {hint}"
    elif kind == "type":
        yield (
            where,
            f"{name}: expected {_TYPE_NAMES.get(error.validator_value, error.validator_value)}, found {_describe(error.instance)}",
        )
    elif kind == "minItems":
        yield where, f"{name}: needs at least {error.validator_value} item(s)"
    elif kind == "minLength":
        yield where, f"{name}: must not be empty"
    elif kind == "maxLength":
        yield where, _too_long(name, error.instance, error.validator_value)
    elif kind == "not" and where and where[-1:] != ("stage",):
        yield (*where, "stage"), f"{name}: only 'status' and 'reopened' entries carry a 'stage'"
    elif kind == "const":
        yield where, f"{name}: must be {error.validator_value!r}, found {_describe(error.instance)}"
    else:
        # jsonschema's own words quote the whole value, which may be long or hostile.
        yield where, f"{name}: {one_line(error.message, 300)}"


# A length limit on free text is written as this pattern rather than maxLength: editors
# running yaml-language-server count maxLength in UTF-16 code units (an emoji counts twice),
# a pattern in characters, as CI does.
_LENGTH_LIMIT = r"\^\[\\s\\S\]\{0,(?P<most>[0-9]+)\}\$"


def _too_long(name: str, value: str, most: int) -> str:
    return f"{name}: {shown(value)} has {len(value):,} characters; at most {most} are allowed"


def _stage_of(schema: Schema, error: Any) -> str | None:
    path = list(error.schema_path)
    if len(path) >= 2 and path[0] == "allOf":
        return schema.stage_of_requirement(int(path[1]))
    return None


_FORMAT_HINTS = {
    "date-time": ': write an ISO-8601 time with a T and a zone, quoted, like "2026-11-03T10:15:00Z"',
    "date": ': write a date as "YYYY-MM-DD", quoted',
    "uri": ": write a full URL such as https://example.com/path",
}
_TYPE_NAMES = {
    "string": "text",
    "array": "a list",
    "object": "a mapping",
    "boolean": "true or false",
    "integer": "a whole number",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"text {shown(value)}"
