"""`inc list`, `inc show`, `inc actions`, and `inc init` in a fresh folder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from lifecycle_helpers import git, new_incident, record_path

CLASSIFY = ["--severity", "SEV2", "--impact", "high", "--urgency", "medium", "--category", "availability",
            "--service", "search", "--impact-assessment", "Slow search."]  # fmt: skip


def three_incidents(repo: Path, inc_ok: Any) -> tuple[str, str, str]:
    first = new_incident(inc_ok, repo, "--service", "checkout-api")
    inc_ok(repo, "classify", first, *CLASSIFY, "--service", "checkout-api")
    second = inc_ok(repo, "new", "Old outage", "--summary", "Old.", "--detected-by", "staff",
                    "--detected-at", "2026-10-01T08:00:00Z").stdout.strip()  # fmt: skip
    third = new_incident(inc_ok, repo)
    inc_ok(repo, "cancel", third, "--reason", "A false positive.")
    return first, second, third


def test_list_filters_and_json(repo: Path, inc_ok: Any) -> None:
    first, second, third = three_incidents(repo, inc_ok)
    rows = json.loads(inc_ok(repo, "list", "--format", "json").stdout)
    assert [r["id"] for r in rows] == [second, *sorted([first, third])]
    assert rows[0] == {
        "path": f"incidents/2026/{second}.yaml",
        "id": second,
        "title": "Old outage",
        "status": "identified",
        "visibility": "internal",
        "exercise": False,
        "detected_at": "2026-10-01T08:00:00Z",
    }
    by_id = {r["id"]: r for r in rows}
    assert by_id[first]["services"] == ["checkout-api", "search"]
    assert by_id[first]["priority"] == "P2"

    def ids(*args: str) -> list[str]:
        return [r["id"] for r in json.loads(inc_ok(repo, "list", "--format", "json", *args).stdout)]

    assert sorted(ids("--open")) == sorted([first, second])
    assert ids("--status", "cancelled") == [third]
    assert ids("--status", "cancelled", "--status", "classified") in ([first, third], [third, first])
    assert ids("--severity", "SEV2") == [first]
    assert ids("--service", "search") == [first]
    assert sorted(ids("--since", "2026-11-01")) == sorted([first, third])
    table = inc_ok(repo, "list", "--open").stdout.splitlines()
    assert table[0].split() == ["ID", "STATUS", "SEVERITY", "PRIORITY", "DETECTED_AT", "TITLE"]
    assert table[1].split()[:5] == [second, "identified", "-", "-", "2026-10-01T08:00:00Z"]


def test_list_cache_follows_edits(repo: Path, inc_ok: Any) -> None:
    first, _, _ = three_incidents(repo, inc_ok)
    inc_ok(repo, "list")
    assert [f.name.startswith("records-") for f in (repo / ".git" / "inc-cache").iterdir()] == [True]
    assert git(repo, "status", "--porcelain") == ""
    file = record_path(repo, first)
    file.write_text(file.read_text().replace("title: Checkout", "title: Payments"))
    rows = json.loads(inc_ok(repo, "list", "--format", "json").stdout)
    assert [r["title"] for r in rows if r["id"] == first] == ["Payments API returned 5xx to EU customers"]


def test_show_text_and_json(repo: Path, inc_ok: Any) -> None:
    first, _, _ = three_incidents(repo, inc_ok)
    text = inc_ok(repo, "show", first[-4:]).stdout
    assert text.startswith(f"{first}  Checkout API returned 5xx to EU customers\n  incidents/2026/{first}.yaml\n")
    assert "  status:       classified\n" in text
    assert "  2026-11-23T12:00:00Z  status -> classified  (Dana Whitfield)\n" in text
    data = json.loads(inc_ok(repo, "show", first, "--format", "json").stdout)
    assert data["record"]["severity"] == "SEV2"
    assert data["aging"] == {"postmortem_overdue_since": None, "overdue_actions": []}


def test_actions_across_incidents_open_overdue_owner(repo: Path, inc_ok: Any) -> None:
    first, second, _ = three_incidents(repo, inc_ok)
    inc_ok(repo, "action", "add", first, "Alert on 5xx", "--owner", "Ann", "--due", "2026-11-01", "--kind", "detect")
    inc_ok(repo, "action", "add", first, "Canary", "--owner", "Bo", "--due", "2026-12-31",
           "--link", "https://tracker.example.com/T-1")  # fmt: skip
    inc_ok(repo, "action", "add", second, "Runbook", "--owner", "Ann", "--due", "2026-11-02", "--kind", "process")
    inc_ok(repo, "action", "done", second, "A1")

    def rows(*args: str) -> list[tuple[str, str, str, bool]]:
        found = json.loads(inc_ok(repo, "actions", "--format", "json", *args).stdout)
        return sorted((r["incident"], r["id"], r["status"], r["overdue"]) for r in found)

    assert rows() == sorted([(first, "A1", "open", True), (first, "A2", "open", False), (second, "A1", "done", False)])
    assert rows("--open") == [(first, "A1", "open", True), (first, "A2", "open", False)]
    assert rows("--overdue") == [(first, "A1", "open", True)]
    assert rows("--owner", "Ann") == sorted([(first, "A1", "open", True), (second, "A1", "done", False)])
    table = inc_ok(repo, "actions", "--overdue").stdout.splitlines()
    assert table[1].split()[:5] == [first, "A1", "open", "2026-11-01", "OVERDUE"]
    assert "    link: https://tracker.example.com/T-1\n" in record_path(repo, first).read_text()


def closed_on_november_2nd(repo: Path, inc_ok: Any) -> str:
    """A SEV2 incident closed on 2026-11-02 09:00 UTC: its post-mortem was due 10 days later."""
    incident = new_incident(inc_ok, repo, "--detected-at", "2026-11-01T10:00:00Z")
    inc_ok(repo, "classify", incident, *CLASSIFY, "--at", "2026-11-01T10:05:00Z")
    inc_ok(repo, "investigate", incident, "--commander", "Ann", "--at", "2026-11-01T10:06:00Z")
    inc_ok(repo, "resolve", incident, "--summary", "Fixed.", "--step", "Restart", "--at", "2026-11-01T11:00:00Z")
    inc_ok(
        repo,
        "recover",
        incident,
        "--summary",
        "Back.",
        "--verification",
        "Checks green.",
        "--at",
        "2026-11-01T12:00:00Z",
    )
    inc_ok(repo, "close", incident, "--root-cause", "A bad deploy.", "--at", "2026-11-02T09:00:00Z")
    return incident


def test_show_reports_an_overdue_postmortem(repo: Path, inc_ok: Any) -> None:
    first = closed_on_november_2nd(repo, inc_ok)
    # SEV2: the policy gives 10 days from closed_at; the clock says 2026-11-23.
    assert "  post-mortem overdue: due 2026-11-12\n" in inc_ok(repo, "show", first).stdout
    assert inc_ok(repo, "validate").exit_code == 0  # aging is reported by commands, never by validation


def test_init_then_new_then_validate_with_the_installed_inc(tmp_path: Path, inc_bin: str) -> None:
    target = tmp_path / "ledger"

    def run(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([inc_bin, *args], cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done

    subprocess.run(["git", "config", "--global", "user.name", "Dana Whitfield"], check=True)
    subprocess.run(["git", "config", "--global", "user.email", "dana@example.com"], check=True)
    run("init", "ledger")
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file() and ".git/" not in
                   p.relative_to(target).as_posix() + "/")  # fmt: skip
    assert files == [
        ".github/dependabot.yml",
        ".github/workflows/site.yml",
        ".github/workflows/validate.yml",
        ".gitignore",
        "README.md",
        "incidents/.gitkeep",
        "requirements.txt",
        "schemas/incident.schema.json",
        "schemas/policy.schema.json",
        "schemas/policy.yaml",
        "site/docs/about.md",
        "site/mkdocs.yml",
    ]
    assert git(target, "log", "--format=%s") == "Start an incident ledger\n"
    assert git(target, "status", "--porcelain") == ""
    assert "inc validate" in (target / ".github" / "workflows" / "validate.yml").read_text()
    assert "- incidents" in (target / "site" / "mkdocs.yml").read_text()
    incident = run("new", "First incident", "--summary", "Testing.", "--detected-by", "exercise", "--exercise",
                   cwd=target).stdout.strip()  # fmt: skip
    assert record_path(target, incident).is_file()
    assert run("validate", cwd=target).returncode == 0
    assert git(target, "rev-list", "--count", "HEAD") == "2\n"


def test_init_refuses_a_folder_with_files(tmp_path: Path, inc_fails: Any) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine\n")
    result = inc_fails(tmp_path, "init", "taken")
    assert "taken exists and is not empty" in result.stderr
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


def test_init_without_identity_removes_what_it_created(tmp_path: Path, inc_fails: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("GIT_AUTHOR_NAME", "")
    monkeypatch.setenv("EMAIL", "")
    subprocess.run(["git", "config", "--global", "user.useConfigOnly", "true"], check=True)
    result = inc_fails(tmp_path, "init", "ledger")
    assert "git refused the commit" in result.stderr
    assert not (tmp_path / "ledger").exists()


def test_terminal_escapes_in_records_are_not_printed(repo: Path, inc_ok: Any, run_cli: Any) -> None:
    incident = new_incident(inc_ok, repo)
    file = record_path(repo, incident)
    file.write_text(file.read_text().replace("title: Checkout", 'title: "\\e[2J\\x9bCheckout'))
    file.write_text(file.read_text().replace("customers\n", 'customers"\n', 1))
    # The schema refuses control characters in a title; list and show still show the
    # record, with the characters escaped.
    refused = run_cli(repo, "validate")
    assert refused.exit_code == 1 and "schema: title: '\\x1b[2J\\x9bCheckout" in refused.stdout, refused
    for output in (inc_ok(repo, "show", incident).stdout, inc_ok(repo, "list").stdout):
        assert "\x1b" not in output and "\x9b" not in output
        assert "\\x1b[2J\\x9bCheckout" in output
    assert "\\u001b[2J" in inc_ok(repo, "list", "--format", "json").stdout


def test_list_reports_overdue_postmortems(repo: Path, inc_ok: Any) -> None:
    closed_on_november_2nd(repo, inc_ok)
    rows = json.loads(inc_ok(repo, "list", "--format", "json").stdout)
    assert rows[0]["postmortem_overdue_since"] == "2026-11-12"
    assert "[post-mortem overdue since 2026-11-12]" in inc_ok(repo, "list").stdout
