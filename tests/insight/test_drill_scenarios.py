"""`inc new --exercise --from SCENARIO`: repeatable drills from exercises/scenarios/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from project_paths import PROJECT

SCENARIOS = PROJECT / "exercises" / "scenarios"


@pytest.fixture
def drills(repo: Path) -> Path:
    shutil.copytree(SCENARIOS, repo / "exercises" / "scenarios")
    return repo


def test_shipped_scenarios_match_their_schema(repo: Path) -> None:
    from incident_ledger.scenarios import available, load

    shutil.copytree(SCENARIOS, repo / "exercises" / "scenarios")
    names = available(repo)
    assert names == sorted(p.stem for p in SCENARIOS.glob("*.yaml")) and len(names) >= 2
    for name in names:
        assert load(repo, name).services


def test_a_drill_starts_from_a_scenario(run_cli, drills: Path) -> None:
    result = run_cli(drills, "new", "--exercise", "--from", "cdn-config-push", "--at", "2026-11-23T09:00:00Z")
    assert result.exit_code == 0, result
    incident = result.stdout.strip()
    shown = json.loads(run_cli(drills, "show", incident, "--format", "json").stdout)["record"]
    assert shown["title"] == "Exercise: A CDN configuration push breaks asset delivery in Europe"
    assert (shown["exercise"], shown["detected_by"], shown["scenario"]) == (True, "exercise", "cdn-config-push")
    assert (shown["services"], shown["reported_by"], shown["visibility"]) == (
        ["cdn-edge", "web-storefront"], "Grace Lindqvist", "internal"
    )  # fmt: skip
    assert shown["summary"].startswith("A `cdn-edge` configuration change goes live everywhere at once")


def test_the_command_line_wins_over_the_scenario(run_cli, drills: Path) -> None:
    result = run_cli(drills, "new", "Drill: CDN config, EU night shift", "--exercise", "--from", "cdn-config-push",
                     "--service", "checkout-api", "--visibility", "public")  # fmt: skip
    assert result.exit_code == 0, result
    shown = json.loads(run_cli(drills, "show", result.stdout.strip(), "--format", "json").stdout)["record"]
    assert shown["title"] == "Drill: CDN config, EU night shift"
    assert (shown["services"], shown["visibility"]) == (["cdn-edge", "web-storefront", "checkout-api"], "public")


def test_refusals(run_cli, drills: Path) -> None:
    before = sorted(p.name for p in (drills / "incidents").rglob("*"))
    without = run_cli(drills, "new", "--from", "cdn-config-push")
    assert (without.exit_code, "--from starts a drill from a scenario: add --exercise" in without.stderr) == (2, True)
    unknown = run_cli(drills, "new", "--exercise", "--from", "no-such-drill")
    assert unknown.exit_code == 2
    assert "no scenario 'no-such-drill' in exercises/scenarios/ (scenarios: cdn-config-push," in unknown.stderr
    sneaky = run_cli(drills, "new", "--exercise", "--from", "../../etc/passwd")
    assert (sneaky.exit_code, "is not a scenario name" in sneaky.stderr) == (2, True)
    missing = run_cli(drills, "new", "--summary", "x", "--detected-by", "staff")
    assert (missing.exit_code, "TITLE is required" in missing.stderr) == (2, True)
    # Every missing value is named at once, not one per attempt.
    nothing = run_cli(drills, "new")
    assert nothing.exit_code == 2
    assert nothing.stderr.splitlines()[-1] == (
        "Error: TITLE, --summary and --detected-by are required (or start a drill with --exercise --from SCENARIO)"
    )
    two = run_cli(drills, "new", "Checkout down")
    assert two.stderr.splitlines()[-1] == (
        "Error: --summary and --detected-by are required (or start a drill with --exercise --from SCENARIO)"
    )
    assert sorted(p.name for p in (drills / "incidents").rglob("*")) == before


def test_a_broken_scenario_is_reported_where_it_is_broken(run_cli, drills: Path) -> None:
    broken = drills / "exercises" / "scenarios" / "broken.yaml"
    broken.write_text(
        "schema_version: 1\ntitle: Half a drill\nsummary: x\nservices: [Checkout API]\n", encoding="utf-8"
    )
    result = run_cli(drills, "new", "--exercise", "--from", "broken")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "inc: error: exercises/scenarios/broken.yaml:1:1: schema: the scenario: 'injects' is a required property",
        "exercises/scenarios/broken.yaml:4:12: schema: services.0: 'Checkout API' does not match "
        "'^[a-z0-9]+(-[a-z0-9]+)*$'",
    ]


@pytest.mark.parametrize(("title", "accepted"), [("🔥" * 180, True), ("x" * 181, False)])
def test_a_scenario_title_is_counted_in_characters(run_cli, drills: Path, title: str, accepted: bool) -> None:
    """180 characters, as the editor's YAML language server counts them too (it counts
    maxLength in UTF-16 units: 180 emoji would be 360 there)."""
    shipped = drills / "exercises" / "scenarios" / "cdn-config-push.yaml"
    text = shipped.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.startswith("title: "))
    (drills / "exercises" / "scenarios" / "long.yaml").write_text(text.replace(first, f"title: {title}"), "utf-8")
    result = run_cli(drills, "new", "--exercise", "--from", "long", "--at", "2026-11-23T09:00:00Z")
    assert (result.exit_code == 0) is accepted, result
    if not accepted:
        assert "exercises/scenarios/long.yaml:" in result.stderr and "schema: title:" in result.stderr
