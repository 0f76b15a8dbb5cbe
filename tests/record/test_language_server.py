"""The editor agrees with CI: yaml-language-server, following each record's modeline, gives
the same schema verdict as `inc validate`.

Every record starts with `# yaml-language-server: $schema=../../schemas/incident.schema.json`,
so an engineer's editor (VS Code's YAML extension, or any editor running Red Hat's
yaml-language-server) checks it as they type. Its validator is its own: ECMA-262 regular
expressions, its own `format` checks, string lengths in UTF-16 code units. A record it
accepts and CI refuses (or the reverse) is a broken promise; this test finds them.

It needs Node and `npm install yaml-language-server` (see README, Development); without
the server it is skipped.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from language_server import LanguageServer, find_server, schema_diagnostics
from record_examples import INVALID, NOW, PROJECT, SCHEMAS, SHIPPED, VALID, read_cleanly, schema_verdicts

from incident_ledger.validate import validate

SERVER = find_server(PROJECT)
pytestmark = pytest.mark.skipif(
    SERVER is None,
    reason="yaml-language-server not found ($YAML_LANGUAGE_SERVER, PATH, node_modules/.bin beside the project): "
    "npm install yaml-language-server",
)

MODELINE = "# yaml-language-server: $schema=../../schemas/incident.schema.json\n"
BASE = PROJECT / "tests" / "examples" / "valid" / "7-reviewed.yaml"
TITLE = "title: Checkout API returning 503 for card payments\n"
SUMMARY = "summary: |\n  Card payments failed at checkout with a 503 from `payments-api`.\n"
SERVICE = "  - web-checkout\n"
DETECTED = 'detected_at: "2026-11-03T10:15:00Z"\n'
DUE = 'due: "2026-11-20"\n'
FIRE = "\N{FIRE}"  # outside the Basic Multilingual Plane: two UTF-16 code units
LINK = "link: https://tracker.example.com/PAY-1182\n"

# Hostile or borderline values, each a change to one line of a valid record, and the verdict
# both must give. Quoted YAML escapes put the characters in without making the file unreadable.
VARIANTS: dict[str, tuple[str, str, str]] = {
    "title-bidi-override": (TITLE, 'title: "Checkout \\u202Eyap API\\u202C down"\n', "invalid"),
    "title-bidi-isolate": (TITLE, 'title: "Checkout \\u2067API\\u2069 down"\n', "invalid"),
    "title-bell": (TITLE, 'title: "Checkout\\a API down"\n', "invalid"),
    "title-escape-sequence": (TITLE, 'title: "\\e[31mCheckout API down\\e[0m"\n', "invalid"),
    "title-tab": (TITLE, 'title: "Checkout\\tAPI down"\n', "invalid"),
    "title-next-line": (TITLE, 'title: "Checkout\\NAPI down"\n', "invalid"),
    "title-line-separator": (TITLE, 'title: "Checkout\\LAPI down"\n', "invalid"),
    "title-trailing-newline": (TITLE, 'title: "Checkout API down\\n"\n', "invalid"),
    "title-html": (TITLE, "title: <img src=x onerror=alert(1)> Checkout API down\n", "valid"),
    "title-200-characters": (TITLE, f"title: {'x' * 200}\n", "valid"),
    "title-201-characters": (TITLE, f"title: {'x' * 201}\n", "invalid"),
    "summary-one-long-line": (SUMMARY, f"summary: {'word ' * 4000}end\n", "valid"),
    "service-bidi-override": (SERVICE, '  - "web-\\u202Echeckout"\n', "invalid"),
    "service-control-character": (SERVICE, '  - "web\\x1bcheckout"\n', "invalid"),
    "service-trailing-newline": (SERVICE, '  - "web-checkout\\n"\n', "invalid"),
    "service-html": (SERVICE, '  - "<script>alert(1)</script>"\n', "invalid"),
    "service-63-characters": (SERVICE, f"  - {'a' * 63}\n", "valid"),
    "service-64-characters": (SERVICE, f"  - {'a' * 64}\n", "invalid"),
    "unknown-field": (TITLE, TITLE + "severty: SEV2\n", "invalid"),
    "detected-at-without-zone": (DETECTED, 'detected_at: "2026-11-03T10:15:00"\n', "invalid"),
    "due-month-13": (DUE, 'due: "2026-13-01"\n', "invalid"),
    "link-without-scheme": (LINK, "link: tracker.example.com/PAY-1182\n", "invalid"),
    "title-150-emoji": (TITLE, f"title: {FIRE * 150}\n", "valid"),
    "title-201-emoji": (TITLE, f"title: {FIRE * 201}\n", "invalid"),
    "detected-at-lowercase": (DETECTED, 'detected_at: "2026-11-03t10:15:00z"\n', "valid"),
    "detected-at-february-30": (DETECTED, 'detected_at: "2026-02-30T10:15:00Z"\n', "invalid"),
    "detected-at-leap-second": (DETECTED, 'detected_at: "2026-11-03T10:15:60Z"\n', "invalid"),
    "due-february-29-2026": (DUE, 'due: "2026-02-29"\n', "invalid"),
    "due-february-29-2028": (DUE, 'due: "2028-02-29"\n', "valid"),
    "due-april-31": (DUE, 'due: "2026-04-31"\n', "invalid"),
    "link-with-space": (LINK, 'link: "https://tracker.example.com/PAY 1182"\n', "invalid"),
    "link-non-ascii": (LINK, "link: https://tracker.example.com/PAY-1182-\u00e4\n", "invalid"),
    "link-bad-percent-escape": (LINK, "link: https://tracker.example.com/PAY%zz\n", "invalid"),
    "link-html": (LINK, 'link: "https://tracker.example.com/<script>alert(1)</script>"\n', "invalid"),
    "link-ip-literal": (LINK, "link: https://[::1]/PAY-1182\n", "invalid"),
    "link-percent-encoded": (LINK, "link: https://tracker.example.com/PAY%201182?q=a/b#c\n", "valid"),
    "link-two-fragments": (LINK, "link: https://tracker.example.com/PAY-1182#a#b\n", "invalid"),
}


def _variant(root: Path, name: str, old: str, new: str) -> Path:
    text = BASE.read_text(encoding="utf-8")
    assert text.count(old) >= 1, name
    text = text.replace(old, new, 1)
    lines = text.splitlines(keepends=True)
    target = root / "incidents" / "2026" / f"{name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(MODELINE + "".join(lines[1:]), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A repository of hostile variants: the project's schemas, one record per variant."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(SCHEMAS, root / "schemas")
    return root, [_variant(root, name, old, new) for name, (old, new, _) in VARIANTS.items()]


def _hostile_verdicts(root: Path, files: list[Path]) -> dict[Path, str]:
    invalid = {(root / p.path).resolve() for p in validate(root, NOW, files, jobs=1) if p.rule == "schema"}
    return {file: "invalid" if file.resolve() in invalid else "valid" for file in files}


def test_language_server_agrees_with_inc_validate(tmp_path: Path, hostile: tuple[Path, list[Path]]) -> None:
    root, variants = hostile
    assert read_cleanly(variants) == variants, "a hostile variant must be readable, or it tests nothing"
    files = read_cleanly([*SHIPPED, *VALID, *INVALID])
    ours = {**schema_verdicts(tmp_path, files), **_hostile_verdicts(root, variants)}

    assert SERVER is not None
    with LanguageServer(SERVER, PROJECT) as server:
        published = server.diagnose([*files, *variants])
        schemas = {file: server.schemas_of(file) for file in published}

    # The editor finds the schema through the modeline, for every file that has one (the
    # modeline example lacks it on purpose: the editor checks nothing there).
    without = [file for file, found in schemas.items() if not found]
    assert without == [PROJECT / "tests" / "examples" / "invalid" / "modeline.yaml"]
    assert {uri for found in schemas.values() for uri in found} == {
        (SCHEMAS / "incident.schema.json").as_uri(),
        (root / "schemas" / "incident.schema.json").as_uri(),
    }
    # Nothing else the server says may hide a verdict: no YAML error, no schema that failed to load.
    others = {
        file.name: [d["message"] for d in found if d not in schema_diagnostics(found)]
        for file, found in published.items()
    }
    assert {name: messages for name, messages in others.items() if messages} == {}

    theirs = {file: "invalid" if schema_diagnostics(found) else "valid" for file, found in published.items()}
    del ours[without[0]], theirs[without[0]]
    disagreements = {
        str(file.relative_to(PROJECT) if file.is_relative_to(PROJECT) else file.name): (ours[file], theirs[file])
        for file in ours
        if ours[file] != theirs[file]
    }
    assert not disagreements, "\n".join(
        f"{name}: inc validate says {ours_}, yaml-language-server says {theirs_}"
        for name, (ours_, theirs_) in sorted(disagreements.items())
    )
    assert {file.stem: ours[file] for file in variants} == {name: verdict for name, (*_, verdict) in VARIANTS.items()}
    assert len(ours) == len(files) - 1 + len(variants)
    assert sum(v == "invalid" for v in ours.values()) >= 20
