"""A stand-in for a GitHub Actions runner, enough to run our workflows here, offline.

Each `run:` step runs for real, in order, in a clone made as actions/checkout makes it
(with the workflow's fetch depth), with the environment GitHub gives it. The `uses:`
steps we ship are played by checks of what would make them fail on GitHub: setup-python
with `cache: pip` needs a file to key the cache on, the Pages artifact needs the built
site, the deploy job needs its permissions. A step this module does not know fails the
test, so a new action is never silently skipped.

"Installing" works as on a runner, from a fresh Python environment and the workflow's
own install line, but offline: pip finds this project's wheel in a local folder, and the
libraries it needs are visible from the test environment (all but this project's own
distribution, so that the install step has to provide it).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# PyYAML reads the `on:` key as True (YAML 1.1); the workflows are read as GitHub does.
ON = True
SHA_PIN = re.compile(r"([\w.-]+/[\w.-]+)@([0-9a-f]{40})")


def load_workflow(path: Path) -> dict[Any, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


@dataclass
class Event:
    """What triggered the workflow: its name, the ref checked out, its expression values."""

    name: str
    ref: str
    facts: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Step:
    name: str
    returncode: int
    stdout: str = ""
    stderr: str = ""

    def line(self) -> str:
        return f"{self.name} -> exit {self.returncode}"


def build_wheel(project: Path, work: Path) -> Path:
    """This project's wheel, built offline from a copy of its sources (never in the checkout)."""
    source = work / "source"
    for name in ("pyproject.toml", "README.md", "tool", "schemas"):
        if (project / name).is_dir():
            shutil.copytree(project / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(project / name, source / name)
    wheels = work / "wheels"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return wheels


def libraries_view(work: Path) -> Path:
    """The test environment's installed libraries, less this project's distribution."""
    view = work / "libraries"
    view.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if "incident_ledger" in entry.name or entry.name.startswith("__editable__") or entry.suffix == ".pth":
            continue
        (view / entry.name).symlink_to(entry)
    return view


def fresh_python(where: Path, libraries: Path) -> Path:
    """What setup-python gives a job: a Python of its own with pip, and nothing installed."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "libraries.pth").write_text(f"{libraries}\n", encoding="utf-8")
    pip = where / "bin" / "pip"
    pip.write_text(f"#!{python}\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n")
    pip.chmod(0o755)
    return where / "bin"


@dataclass
class Runner:
    """Runs one repository's workflows as GitHub would, against a bare `origin` repository."""

    origin: Path
    work: Path
    libraries: Path
    wheels: Path
    transcript: list[str] = field(default_factory=list)
    _jobs: int = 0

    def run(self, workflow: Path, event: Event) -> list[Step]:
        definition = load_workflow(workflow)
        assert event.name in definition[ON], f"{workflow.name} does not run on {event.name}"
        self.transcript.append(f"== {workflow.name} on {event.name} ({event.ref})")
        steps: list[Step] = []
        for job_id, job in definition["jobs"].items():
            for need in _as_list(job.get("needs")):
                assert need in definition["jobs"], f"{job_id} needs unknown job {need}"
            if any(s.returncode != 0 for s in steps):
                break  # a failed job stops the jobs that need it
            steps += self._job(job_id, job, definition, event)
        return steps

    def _job(self, job_id: str, job: dict[str, Any], workflow: dict[str, Any], event: Event) -> list[Step]:
        self._jobs += 1
        workspace = self.work / f"job{self._jobs}-{job_id}"
        workspace.mkdir()
        env = self._environment(workspace, event)
        permissions = job.get("permissions", workflow.get("permissions", {}))
        steps: list[Step] = []
        for step in job["steps"]:
            if not self._runs(step.get("if"), event):
                continue
            started = time.monotonic()
            if "uses" in step:
                result = self._action(step, workspace, env, permissions, event)
            else:
                result = self._script(step, workspace, env, event)
            steps.append(result)
            self.transcript.append(f"   {result.line()} ({time.monotonic() - started:.1f} s)")
            # The last lines say how the step ended (pip's "Successfully installed ...").
            for line in (result.stdout + result.stderr).splitlines()[-2:]:
                self.transcript.append(f"      {line}")
            if result.returncode != 0:
                break
        return steps

    def _environment(self, workspace: Path, event: Event) -> dict[str, str]:
        path = [p for p in os.environ["PATH"].split(os.pathsep) if Path(p).resolve() != Path(sys.executable).parent]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
        env.update(
            {
                "PATH": os.pathsep.join(path),
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_EVENT_NAME": event.name,
                "GITHUB_WORKSPACE": str(workspace / "repo"),
                "RUNNER_TEMP": str(workspace / "tmp"),
                # Offline: pip takes this project's wheel from the local folder.
                "PIP_NO_INDEX": "1",
                "PIP_FIND_LINKS": str(self.wheels),
                "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_NO_CACHE_DIR": "1",
                "PIP_NO_COMPILE": "1",
                "PIP_CONFIG_FILE": os.devnull,
            }
        )
        env.update(event.env)
        return env

    def _runs(self, condition: str | None, event: Event) -> bool:
        if condition is None:
            return True
        found = re.fullmatch(r"github\.event_name == '(\w+)'", condition.strip())
        assert found, f"the runner cannot evaluate `if: {condition}`"
        return found.group(1) == event.name

    def _script(self, step: dict[str, Any], workspace: Path, env: dict[str, str], event: Event) -> Step:
        step_env = {**env, **{k: _evaluate(str(v), event) for k, v in step.get("env", {}).items()}}
        # GitHub's default shell for run: on Linux is `bash -e {0}` (with pipefail when named).
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workspace / "repo",
            env=step_env,
            capture_output=True,
            text=True,
        )
        return Step(step.get("name", step["run"].splitlines()[0]), done.returncode, done.stdout, done.stderr)

    def _action(
        self, step: dict[str, Any], workspace: Path, env: dict[str, str], permissions: Any, event: Event
    ) -> Step:
        pinned = SHA_PIN.fullmatch(step["uses"])
        assert pinned, f"{step['uses']} is not pinned to a full commit SHA"
        action, inputs = pinned.group(1), step.get("with", {})
        if action == "actions/checkout":
            return self._checkout(inputs, workspace, event)
        if action == "actions/setup-python":
            return self._setup_python(inputs, workspace, env)
        if action == "actions/upload-pages-artifact":
            site = workspace / "repo" / inputs.get("path", "_site/")
            ok = (site / "index.html").is_file()
            return Step(f"{action} ({site.name}/)", 0 if ok else 1, "", "" if ok else f"no site at {site}")
        if action == "actions/deploy-pages":
            ok = isinstance(permissions, dict) and permissions.get("pages") == "write"
            ok = ok and permissions.get("id-token") == "write"
            return Step(action, 0 if ok else 1, "", "" if ok else "deploy-pages needs pages: write, id-token: write")
        raise AssertionError(f"the runner does not know the action {action}; teach it what that action needs")

    def _checkout(self, inputs: dict[str, Any], workspace: Path, event: Event) -> Step:
        repo = workspace / "repo"
        repo.mkdir()
        (workspace / "tmp").mkdir()
        git(repo, "init", "-q")
        git(repo, "remote", "add", "origin", self.origin.as_uri())
        depth = int(inputs.get("fetch-depth", 1))
        shallow = [f"--depth={depth}"] if depth > 0 else []
        if depth == 0:
            # fetch-depth 0: every branch and tag, as actions/checkout fetches them.
            git(repo, "fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")
        git(repo, "fetch", "-q", *shallow, "origin", f"+{event.ref}:refs/remotes/checkout")
        git(repo, "checkout", "-q", "--detach", "refs/remotes/checkout")
        if str(inputs.get("persist-credentials", True)).lower() != "false":
            return Step("actions/checkout", 1, "", "persist-credentials must be false: no token stays in .git/config")
        return Step(f"actions/checkout (fetch-depth {depth})", 0)

    def _setup_python(self, inputs: dict[str, Any], workspace: Path, env: dict[str, str]) -> Step:
        patterns = "none"
        if inputs.get("cache") == "pip":
            # setup-python fails the job when nothing matches the files it keys the cache on.
            patterns = str(inputs.get("cache-dependency-path", "**/requirements.txt\n**/pyproject.toml"))
            keyed = [f for p in patterns.split() for f in glob.glob(p, root_dir=workspace / "repo", recursive=True)]
            if not keyed:
                return Step("actions/setup-python", 1, "", f"No file matched to [{patterns}]")
        binaries = fresh_python(workspace / "python", self.libraries)
        env["PATH"] = f"{binaries}{os.pathsep}{env['PATH']}"
        return Step(f"actions/setup-python (Python {inputs.get('python-version')}, cache key {patterns})", 0)


def _evaluate(value: str, event: Event) -> str:
    """Stand in for GitHub's expression evaluation with the facts of the event."""

    def replace(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        assert expression in event.facts, f"the runner knows no value for ${{{{ {expression} }}}}"
        return event.facts[expression]

    return re.sub(r"\$\{\{(.*?)\}\}", replace, value)


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]
