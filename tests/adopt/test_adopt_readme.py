"""README's "Adopt it in your team", run as written: its shell blocks in order, against a
local stand-in for GitHub (a bare repository the GitHub address is redirected to), then
the pull request it opens checked and the site published by the workflows it wrote."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from project_paths import PROJECT
from runner_helpers import Event, Runner, git

GITHUB_ADDRESS = "git@github.com:your-org/incidents.git"


def _section_commands() -> str:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section: adopt -->", 1)[1].split("<!-- section:", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 2, blocks
    return "".join(blocks)


def test_readme_adopt_section_runs_as_written(tmp_path: Path, offline_index: tuple[Path, Path]) -> None:
    wheels, libraries = offline_index
    origin = tmp_path / "github" / "incidents.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    for key, value in (
        ("user.name", "Dana Whitfield"),
        ("user.email", "dana@example.com"),
        (f"url.{origin.as_uri()}.insteadOf", GITHUB_ADDRESS),
    ):
        git(tmp_path, "config", "--global", key, value)
    desk = tmp_path / "desk"
    desk.mkdir()
    env = {
        **os.environ,
        # python3 is a Python with venv; pip finds git-incident-ledger in a local folder and
        # sees the libraries it needs as installed, since this test has no network.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_COMPILE": "1",
        "PYTHONPATH": str(libraries),
    }
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", _section_commands()], cwd=desk, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (desk / ".venv" / "bin" / "inc").is_file()
    assert git(origin, "for-each-ref", "--format=%(refname:short)").split() == ["first-incident", "main"]
    subjects = git(origin, "log", "--format=%s", "main..first-incident").splitlines()
    assert len(subjects) == 2, subjects
    git(origin, "symbolic-ref", "HEAD", "refs/heads/main")  # GitHub: the first branch pushed

    # The pull request's check, then the merge and the site, as GitHub would run them.
    repo = desk / "incidents"
    runner = Runner(origin=origin, work=tmp_path / "runner", libraries=libraries, wheels=wheels)
    runner.work.mkdir()
    git(repo, "fetch", "-q", "origin")
    git(repo, "checkout", "-q", "--detach", "origin/main")
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "first-incident")
    git(repo, "push", "-q", "origin", "HEAD:refs/pull/1/merge")
    pull_request = Event("pull_request", "refs/pull/1/merge", {"github.base_ref": "main"}, {"GITHUB_BASE_REF": "main"})
    checked = runner.run(repo / ".github" / "workflows" / "validate.yml", pull_request)
    assert [s.returncode for s in checked] == [0] * len(checked), runner.transcript
    assert checked[-1].name == "Check what the pull request does to records"
    git(repo, "push", "-q", "origin", "HEAD:main")
    push = Event("push", "refs/heads/main", {"vars.SITE_AUDIENCE || 'public'": "public"})
    published = runner.run(repo / ".github" / "workflows" / "site.yml", push)
    assert [s.returncode for s in published] == [0] * len(published), runner.transcript
    assert published[-1].name == "actions/deploy-pages"
    pages = list((next(runner.work.glob("job*-build")) / "repo" / "_site" / "incidents").rglob("index.html"))
    assert any("Checkout API returns 5xx" in page.read_text(encoding="utf-8") for page in pages)
