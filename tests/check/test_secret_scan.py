"""The fast credential scan finds exactly what detect-secrets' own detectors find.

The reference below imports detect-secrets as usual and runs each selected detector's
`analyze_string` on every line, skipping lines its allowlist pragma allows: what rule
`secret` promises. The scanner under test loads the same detectors from detect-secrets'
source without importing it, and gates them on the whole text first.
"""

from __future__ import annotations

import random
import string
import subprocess
import sys

import pytest

from incident_ledger.rules.secret import PLUGINS
from incident_ledger.secret_scan import CASE_TWINS, FILENAME, Finding, Scanner, Text, gate_for

rng = random.Random(20261103)


def _token(alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


ALNUM = string.ascii_letters + string.digits
LOWER_HEX = "0123456789abcdef"
UPPER_ALNUM = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"

# Real-looking credentials, assembled at run time so this file holds none literally.
CREDENTIALS = {
    "aws key": "AK" + "IA" + _token(UPPER_ALNUM, 16),
    "aws session key": "AS" + "IA" + _token(UPPER_ALNUM, 16),
    "aws secret": "aws_secret_access_key = '" + _token(B64, 40) + "'",
    "artifactory token": " AK" + "C" + _token(ALNUM, 40) + " ",
    "artifactory password": '"AP' + "6" + _token(ALNUM, 20) + '"',
    "azure": "DefaultEndpointsProtocol=https;Account" + "Key=" + _token(B64, 86) + "==",
    "basic auth": "postgres://app:" + "S3cr3t" + _token(ALNUM, 8) + "@db.internal:5432/app",
    "discord": "M" + _token(ALNUM, 23) + "." + _token(ALNUM, 6) + "." + _token(ALNUM, 27),
    "github": "gh" + "p_" + _token(ALNUM, 36),
    "github app": "gh" + "s_" + _token(ALNUM, 36),
    "gitlab": "gl" + "pat-" + _token(ALNUM, 20),
    "gitlab runner": "GR" + "1348941" + _token(ALNUM, 20),
    "jwt": "ey" + "JhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "mailchimp": _token("0123456789abcdef", 32) + "-us" + "12",
    "npm": "//registry.npmjs.org/:_auth" + "Token=npm_" + _token(ALNUM, 36),
    "openai": "sk-" + _token(ALNUM, 20) + "T3Blbk" + "FJ" + _token(ALNUM, 20),
    "private key": "-----BEGIN RSA PRIVATE" + " KEY-----",
    "openssh key": "-----BEGIN OPENSSH PRIVATE" + " KEY-----",
    "pypi": "pypi-" + "AgEIcHlwaS5vcmc" + _token(ALNUM, 80),
    "sendgrid": "SG." + _token(ALNUM, 22) + "." + _token(ALNUM, 43),
    "slack": "xo" + "xb-123456789012-1234567890123-" + _token(ALNUM, 24),
    "slack upper": "XO" + "XP-1234-5678-" + _token(LOWER_HEX, 20),
    "slack webhook": "https://hooks.slack.com/services/T" + _token(UPPER_ALNUM, 8) + "/B" + _token(ALNUM, 8) + "/x1",
    "square": "sq0" + "csp-" + _token(ALNUM, 43),
    "stripe": "sk" + "_live_" + _token(ALNUM, 24),
    "telegram": "123456789:" + _token(ALNUM, 35),
    "twilio": "AC" + _token(LOWER_HEX, 32),
}

CLEAN = [
    "summary: Password reset emails failed for 2 hours.",
    "  - text: Deploy 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b broke login from 203.0.113.7.",
    "  - url: https://grafana.example.com/d/abc123/checkout?orgId=1",
    '    at: "2026-11-03T10:15:00Z"',
    "    text: The API gateway (APIGW) returned 502 for card payments; AWS us-east-1 was fine.",
    "    text: Request ids req_8f7a6b5c4d3e2f1a and trace 0af7651916cd43dd8448eb211c80319c were kept.",
    "title: Checkout API returning 503 for card payments",
    "    text: Rolled back release 2026.11.03-4 of checkout-api; see INC-20261103-7R8W.",
    "    text: Token refresh job ran at 10:15:00; keys rotated by the vault operator.",
    "    text: Stripe webhooks delayed; sk_test keys are not used in production.",
    "  - https://hooks.slack.com/services/ (the incident channel's webhook, redacted)",
    "commander: Priya Natarajan",
]

PRAGMAS = [
    "{secret}  # pragma: allowlist secret",
    "{secret} # pragma:allowlist secret",
    "{secret}  # pragma: whitelist secret",
    "{secret}  #pragma: allowlist-secret because it is the docs' example",
    "{secret}  // pragma: allowlist secret",
    "{secret}  # pragma: allowlist  secret",
]
NEXTLINE = [
    "# pragma: allowlist nextline secret",
    "  # pragma: allowlist nextline secret",
    "x: 1  # pragma: allowlist nextline secret",
    "# pragma: allowlist-nextline-secret",
]


def reference(text: str) -> list[Finding]:
    """What detect-secrets' detectors find, line by line, imported and run as usual."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.util.code_snippet import get_code_snippet

    classes = {cls.__name__: cls for cls in get_mapping_from_secret_type_to_class().values()}
    detectors = [classes[name]() for name in PLUGINS]
    lines = text.splitlines()
    found = set()
    for number, line in enumerate(lines, start=1):
        for detector in detectors:
            for value in detector.analyze_string(line):
                if is_line_allowlisted(FILENAME, line, get_code_snippet(lines=lines, line_number=number)):
                    break
                found.add(Finding(number, max(line.find(value), 0) + 1, detector.secret_type))
    return sorted(found)


def _record(lines: list[str]) -> str:
    return "\n".join(["# yaml-language-server: $schema=../../schemas/incident.schema.json", *lines]) + "\n"


def _variants(secret: str) -> list[str]:
    """The secret among incident text, alone on a line (`^` and `$` hold at both of its
    ends), allowed by each form of the pragma, and after a nextline pragma."""
    texts = [_record([*CLEAN[:3], f"    text: Found {secret} in the build log.", *CLEAN[3:]]), _record([secret])]
    texts += [_record([pragma.format(secret=secret)]) for pragma in PRAGMAS]
    texts += [_record([CLEAN[0], pragma, f"  text: {secret}", secret]) for pragma in NEXTLINE]
    return texts


# Line breaks other than "\n", case-folding look-alikes, and JWT-shaped text that is not one.
EDGES = [
    _record(CLEAN),
    "\r\n".join(CREDENTIALS.values()) + "\r\n",
    "\u2028".join(CREDENTIALS.values()) + "\x0c" + CLEAN[0],
    "text: \u017fk_live_ and AW\u017f key 'x'; xo\u212ab-1-abc; \u0130 " + CREDENTIALS["slack"],
    "text: eyJhbGciOiJIUzI1NiJ9.notjson.sig and eyJ" + "x" * 30 + ".e30",
    # IGNORECASE matches the long s and the Kelvin sign where str.lower() does not.
    "AW\u017f_secret_key = '" + _token(ALNUM, 40) + "'\nhttps://hooks.\u017flack.com/services/T1/B2/x3",
]


def _mixed(count: int) -> list[str]:
    """Texts cut and glued from the corpus at random places: secrets split over lines,
    fused with their neighbours, or at the very start and end of the text."""
    pieces = [*CREDENTIALS.values(), *CLEAN, *NEXTLINE, "# pragma: allowlist secret", "\n", "\r", " ", "'", '"', ":"]
    texts = []
    for _ in range(count):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        cut = rng.randint(0, len(text))
        texts.append(text[cut:] + text[:cut])
    return texts


@pytest.fixture(scope="module")
def gated() -> Scanner:
    scanner = Scanner(PLUGINS)
    scanner.gate_after = 0  # gate from the first text on
    return scanner


@pytest.mark.parametrize("kind", CREDENTIALS)
def test_the_scan_finds_what_detect_secrets_finds(kind: str, gated: Scanner) -> None:
    for text in _variants(CREDENTIALS[kind]):
        assert (text, gated.scan(text)) == (text, reference(text))
    assert gated.fast, "detect-secrets was imported: the installed version's layout is not understood"


def test_edge_cases_agree(gated: Scanner) -> None:
    for text in EDGES:
        assert (text, gated.scan(text)) == (text, reference(text))


def test_every_kind_of_credential_is_found(gated: Scanner) -> None:
    found = {f.kind for secret in CREDENTIALS.values() for f in gated.scan(f"text: {secret}\n")}
    detectors = {d.secret_type for d in gated.detectors}
    assert found == detectors


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"^tok[0-9]{3}$", "a: 1\ntok123\nb: 2"),  # ^ and $ at the ends of a middle line
        (r"^tok[0-9]{3}$", "tok123\u2028tail"),  # a line break other than \n
        (r"\Atok[0-9]{3}", "a: 1\ntok123"),  # the start of a line is the start of the string scanned
        (r"tok[0-9]{3}\Z", "tok123\nb"),
        (r"(?<!\s)tok[0-9]{3}", "a\ntok123"),  # nothing before the line, a line break in the text
        (r"tok[0-9]{3}(?![\s,])", "tok123\nb"),
        (r"(?i)aws_key", "AW\u017f_KEY"),  # matched case-insensitively, but not by str.lower()
        (r"(a)b\1tok", "abatok"),  # a back-reference to a group before the literal
        (r"(?>x+)tok[0-9]", "xxtok1"),
        (r"(ghp|gho)_[a-z]{3}", "a: gho_abc"),  # one of an alternation's strings
        (r"xo[xy](?:a|bc)-[0-9]", "xoybc-1"),  # a class and an alternation: xoxa-, xoxbc-, xoya-, xoybc-
        (r"(?i)(ghp|gho)_[a-z]{3}", "GHO_ABC"),
        (r"(a|b)(c|)d", "a: ad"),  # an empty alternative
    ],
)
def test_a_gate_opens_wherever_its_pattern_matches_a_line(pattern: str, text: str) -> None:
    import re

    compiled = re.compile(pattern)
    assert any(compiled.search(line) for line in text.splitlines())
    assert gate_for(compiled).opens(Text(text))


def test_a_first_text_holding_none_of_an_alternations_strings_is_not_admitted() -> None:
    import re

    gate = gate_for(re.compile(r"(ghp|gho|ghu)_[A-Za-z0-9]{4}"))
    assert (gate.literal, gate.choices) == (b"_", (b"ghp_", b"gho_", b"ghu_"))
    texts = ["ghu_", "a gho_ b", "gh_ ghp ghu-", ""]
    assert [gate.holds_a_choice(Text(t)) for t in texts] == [True, True, False, False]
    assert gate.opens(Text("x: ghu_AbC9\n"))  # a necessary test: the regex from `_` on decides


def test_the_case_twins_are_all_the_characters_a_case_insensitive_ascii_letter_matches() -> None:
    import re

    every = "".join(chr(c) for c in range(128, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert set(re.findall("[a-z]", every, re.IGNORECASE)) == set(CASE_TWINS)


def test_random_mixtures_agree(gated: Scanner) -> None:
    texts = _mixed(400)
    assert [gated.scan(t) for t in texts] == [reference(t) for t in texts]
    assert sum(1 for t in texts if reference(t)) > 100  # most hold a finding: the test tests something


def test_ungated_first_texts_agree() -> None:
    scanner = Scanner(PLUGINS)
    for text in [*_variants(CREDENTIALS["jwt"]), *EDGES]:
        assert (text, scanner.scan(text)) == (text, reference(text))


def test_the_scan_imports_neither_detect_secrets_nor_requests() -> None:
    script = (
        "import sys\n"
        "from incident_ledger.rules.secret import PLUGINS\n"
        "from incident_ledger.secret_scan import Scanner\n"
        f"found = Scanner(PLUGINS).scan({CREDENTIALS['github']!r} + '\\n' + {CREDENTIALS['jwt']!r})\n"
        "assert [f.kind for f in found] == ['GitHub Token', 'JSON Web Token'], found\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('detect_secrets', 'requests', 'urllib3'))\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")


def test_a_layout_the_loader_does_not_know_falls_back_to_importing() -> None:
    scanner = Scanner((*PLUGINS[:2], "NoSuchDetector"))
    assert [d.__class__.__name__ for d in scanner.detectors] == list(PLUGINS[:2])
    assert not scanner.fast
    secret = CREDENTIALS["aws key"]
    assert scanner.scan(f"text: {secret}\n") == [Finding(1, 7, "AWS Access Key")]


def test_a_first_text_compiles_only_the_patterns_its_gates_literals_admit() -> None:
    scanner = Scanner(PLUGINS)
    # It holds `_` and `-`, which GitHub's and GitLab's token prefixes (`ghp_`, `glpat-`) end with.
    assert scanner.scan("text: The db_pool ran dry at 10:02; rolled back (see the run-book).\n") == []
    for name in ("PrivateKeyDetector", "GitHubTokenDetector", "GitLabTokenDetector", "SlackDetector"):
        detector = next(d for d in scanner.detectors if d.__class__.__name__ == name)
        assert detector.denylist and all("compiled" not in vars(p) for p in detector.denylist), name
    text = f"text: {CREDENTIALS['private key']}\n"
    assert scanner.scan(text) == reference(text) != []


def test_the_detectors_compiled_code_is_kept_and_an_unreadable_cache_is_ignored(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from incident_ledger.secret_scan import source as secret_scan

    def cache_at(file: Path) -> secret_scan._CodeCache:
        cache = secret_scan._CodeCache()
        cache.file = file
        monkeypatch.setattr(secret_scan, "_CODES", cache)
        return cache

    compiled = []
    compile_source = secret_scan._compiled
    monkeypatch.setattr(secret_scan, "_compiled", lambda *args: compiled.append(args[0].name) or compile_source(*args))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    text = f"text: {CREDENTIALS['github']}\n"
    written = cache_at(tmp_path / "codes")
    assert Scanner(PLUGINS).scan(text) == reference(text) != []
    assert written.file.is_file()
    kept = cache_at(written.file)
    assert {Path(key[0]).name for key in kept.codes()} >= {"base.py", "aws.py", "github_token.py", "allowlist.py"}
    # Which plugin defines which detector is kept too: no plugin's source is read again.
    (classes,) = [found for key, found in kept.codes().items() if key[0] == "detector-modules"]
    assert classes["GitHubTokenDetector"] == "github_token.py" and classes["AWSKeyDetector"] == "aws.py"
    compiled.clear()
    assert Scanner(PLUGINS).scan(text) == reference(text)
    assert compiled == []  # every piece came from the cache
    written.file.write_bytes(b"not what the cache writes")
    assert cache_at(written.file).codes() == {}
    assert Scanner(PLUGINS).scan(text) == reference(text)
    assert "github_token.py" in compiled


def _new_record_with_bytecode_under(prefix, inc_bin, repo):  # type: ignore[no-untyped-def]
    """`inc new`, installed, with PYTHONPYCACHEPREFIX set to `prefix` and bytecode written."""
    import os

    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(prefix)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    new = [inc_bin, "new", "Search is slow", "--summary", "Slow.", "--detected-by", "staff"]
    return subprocess.run(new, cwd=repo, env=env, capture_output=True, text=True)


def test_the_compiled_code_goes_where_python_keeps_bytecode(repo, inc_bin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Under PYTHONPYCACHEPREFIX (how a read-only install keeps bytecode somewhere it can
    write) the detectors' code is kept there too, beside this module's own bytecode."""
    from pathlib import Path

    from incident_ledger.secret_scan import source

    prefix = tmp_path / "bytecode"
    done = _new_record_with_bytecode_under(prefix, inc_bin, repo)
    assert done.returncode == 0, done.stderr
    module = Path(source.__file__)  # as Python names it, links not followed
    tag = sys.implementation.cache_tag
    kept = prefix / module.parent.relative_to(module.anchor) / f"{module.stem}.{tag}.codes"
    assert list(prefix.rglob("*.codes")) == [kept]
    assert kept.stat().st_size > 1000


def test_a_cache_place_that_cannot_be_written_only_costs_time(repo, inc_bin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A PYTHONPYCACHEPREFIX that is a file (Python itself then writes no bytecode, and says
    nothing) or a read-only install: inc compiles the detectors each time and goes on."""

    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    done = _new_record_with_bytecode_under(not_a_folder, inc_bin, repo)
    assert (done.returncode, done.stdout.startswith("INC-")) == (0, True), done.stderr
    assert not_a_folder.read_text() == ""
