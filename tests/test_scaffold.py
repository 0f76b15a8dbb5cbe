"""`inc init` gives a new team the same CI as this repository, never a drifting copy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from incident_ledger.scaffolding import SCAFFOLD, render

PROJECT = Path(__file__).resolve().parents[1]
# This repository is the tool: it installs inc from its own source at the locked versions.
# An adopting repository has no source to install: it installs the release requirements.txt
# names, and keys the pip cache on that file. Nothing else may differ.
OURS_TO_SCAFFOLD = [
    (
        "          # This repository is the tool itself: it runs inc from its own source, at the\n"
        "          # dependency versions constraints.txt locks.\n"
        "          cache-dependency-path: constraints.txt\n",
        "          # requirements.txt names the inc release this repository runs (inc init wrote it).\n"
        "          cache-dependency-path: requirements.txt\n",
    ),
    ("        run: pip install -c constraints.txt .\n", "        run: pip install -r requirements.txt\n"),
]


@pytest.mark.parametrize("name", ["validate.yml", "site.yml"])
def test_scaffold_workflows_equal_ours_but_install_the_release(name: str) -> None:
    ours = (PROJECT / ".github" / "workflows" / name).read_text(encoding="utf-8")
    scaffold = (SCAFFOLD / "github" / "workflows" / name).read_text(encoding="utf-8")
    for here, there in OURS_TO_SCAFFOLD:
        assert here in ours
        ours = ours.replace(here, there)
    assert render(scaffold, {"__BRANCH__": "main"}) == ours


@pytest.mark.parametrize("name", ["mkdocs.yml", "docs/about.md"])
def test_scaffold_site_is_ours(name: str) -> None:
    # Same offline theme settings, same plugin configuration: a new team's site is
    # confidential and CDN-free from its first build.
    ours = (PROJECT / "site" / name).read_bytes()
    assert (SCAFFOLD / "site" / name).read_bytes() == ours


def _inc(inc_bin: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([inc_bin, *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def identity() -> None:
    subprocess.run(["git", "config", "--global", "user.name", "Dana Whitfield"], check=True)
    subprocess.run(["git", "config", "--global", "user.email", "dana@example.com"], check=True)


def test_a_new_repository_builds_its_site(tmp_path: Path, inc_bin: str, identity: None) -> None:
    def inc(*args: str, cwd: Path) -> str:
        done = _inc(inc_bin, *args, cwd=cwd)
        assert done.returncode == 0, done.stderr
        return done.stdout

    inc("init", "ledger", cwd=tmp_path)
    root = tmp_path / "ledger"
    incident = inc("new", "Status page unreachable", "--summary", "It timed out.", "--detected-by", "staff", cwd=root)
    inc("site", "build", "--out", str(tmp_path / "out"), cwd=root)
    page = (tmp_path / "out" / "incidents" / incident.strip()[4:8] / incident.strip() / "index.html").read_text()
    assert "Status page unreachable" in page


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout.strip()


def test_init_makes_main_and_writes_the_installed_version_once(tmp_path: Path, inc_bin: str, identity: None) -> None:
    done = _inc(inc_bin, "init", "ledger", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    root = tmp_path / "ledger"
    assert _git(root, "symbolic-ref", "--short", "HEAD") == "main"
    assert _git(root, "config", "incident-ledger.branch") == "main"
    assert _git(root, "log", "--format=%s") == "Start an incident ledger"
    requirements = (root / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in requirements if not line.startswith("#")] == ["git-incident-ledger==0.1.0"]
    for name in ("validate.yml", "site.yml"):
        workflow = (root / ".github" / "workflows" / name).read_text(encoding="utf-8")
        assert "    branches: [main]\n" in workflow
        assert "cache-dependency-path: requirements.txt\n" in workflow
        assert "run: pip install -r requirements.txt\n" in workflow
        assert "git-incident-ledger" not in workflow  # the install line lives in requirements.txt only
    assert "__" not in "".join(
        p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
    )


def test_init_branch_and_install_options(tmp_path: Path, inc_bin: str, identity: None) -> None:
    spec = "git-incident-ledger @ git+https://git.example.com/tools/incident-ledger@v0.1.0"
    done = _inc(inc_bin, "init", "ledger", "--branch", "trunk", "--install", spec, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    root = tmp_path / "ledger"
    assert done.stderr.splitlines()[-1] == f"{root}: new incident repository on branch trunk, first commit made"
    assert _git(root, "symbolic-ref", "--short", "HEAD") == "trunk"
    assert (root / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == spec
    for name in ("validate.yml", "site.yml"):
        assert "    branches: [trunk]\n" in (root / ".github" / "workflows" / name).read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "protect `trunk`, require a pull request and\n   the status check **validate**" in readme


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--install", "incident-ledger==1.1.0"),
            "inc: error: --install 'incident-ledger==1.1.0' installs 'incident-ledger', not this tool; "
            "name git-incident-ledger (e.g. git-incident-ledger==0.1.0), a URL or a path\n",
        ),
        (
            ("--install", "--index-url=https://evil.example/simple"),
            "inc: error: --install '--index-url=https://evil.example/simple': give a requirement, "
            "not a pip option or a comment\n",
        ),
        (
            ("--branch", "a..b"),
            "inc: error: --branch 'a..b' is not a branch name git accepts, or has characters other than "
            "letters, digits, '.', '_', '-' and '/'\n",
        ),
        (
            ("--branch", "main,dev"),
            "inc: error: --branch 'main,dev' is not a branch name git accepts, or has characters other than "
            "letters, digits, '.', '_', '-' and '/'\n",
        ),
    ],
)
def test_init_refuses_an_install_line_or_branch_it_cannot_use(
    tmp_path: Path, inc_bin: str, args: tuple[str, ...], message: str
) -> None:
    done = _inc(inc_bin, "init", "ledger", *args, cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", message)
    assert list(tmp_path.iterdir()) == []
