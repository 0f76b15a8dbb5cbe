"""A team's first day, without GitHub: `inc init`, push, pull requests checked by the
workflows `inc init` wrote, and the site published, each workflow step run as a runner
would run it (see runner_helpers)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from runner_helpers import Event, Runner, Step, git

LEAD = ("Dana Whitfield", "dana@example.com")
TEAMMATE = ("Sam Okafor", "sam@example.com")


def _inc(inc_bin: str, cwd: Path, *args: str) -> str:
    done = subprocess.run([inc_bin, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _person(root: Path, who: tuple[str, str]) -> None:
    git(root, "config", "user.name", who[0])
    git(root, "config", "user.email", who[1])


def _pull_request(clone: Path, number: int, branch: str) -> Event:
    """Push `branch` and make GitHub's merge ref for it (the pull request merged into main)."""
    git(clone, "push", "-q", "origin", branch)
    git(clone, "fetch", "-q", "origin")
    git(clone, "checkout", "-q", "--detach", "origin/main")
    git(clone, "merge", "-q", "--no-ff", "--no-edit", branch)
    git(clone, "push", "-q", "origin", f"HEAD:refs/pull/{number}/merge")
    git(clone, "checkout", "-q", branch)
    return Event(
        "pull_request",
        f"refs/pull/{number}/merge",
        facts={"github.base_ref": "main"},
        env={"GITHUB_BASE_REF": "main", "GITHUB_HEAD_REF": branch, "GITHUB_REF": f"refs/pull/{number}/merge"},
    )


def _merge_group(origin: Path, clone: Path, number: int) -> Event:
    """The merge queue's branch for pull request `number`: main plus the pull request."""
    base = git(clone, "rev-parse", "origin/main").strip()
    queue = f"refs/heads/gh-readonly-queue/main/pr-{number}-{base}"
    merged = git(origin, "rev-parse", f"refs/pull/{number}/merge").strip()
    git(origin, "update-ref", queue, merged)
    return Event(
        "merge_group",
        queue,
        facts={"github.event.merge_group.base_sha": base},
        env={"GITHUB_REF": queue},
    )


def _failed(steps: list[Step]) -> list[Step]:
    return [s for s in steps if s.returncode != 0]


def test_first_day_from_inc_init_to_checked_pull_requests_and_a_published_site(
    tmp_path: Path, inc_bin: str, offline_index: tuple[Path, Path]
) -> None:
    wheels, libraries = offline_index
    runner = Runner(origin=tmp_path / "origin.git", work=tmp_path / "runner", libraries=libraries, wheels=wheels)
    runner.work.mkdir()

    # The lead makes the repository with the installed inc and pushes it.
    lead = tmp_path / "ledger"
    git(tmp_path, "config", "--global", "user.name", LEAD[0])
    git(tmp_path, "config", "--global", "user.email", LEAD[1])
    _inc(inc_bin, tmp_path, "init", str(lead))
    first = _inc(
        inc_bin, lead, "new", "Status page unreachable", "--summary", "It timed out.", "--detected-by", "staff",
        "--visibility", "public",
    )  # fmt: skip
    git(tmp_path, "init", "-q", "--bare", str(runner.origin))
    git(lead, "remote", "add", "origin", runner.origin.as_uri())
    git(lead, "push", "-q", "-u", "origin", "main")
    # GitHub makes the first branch pushed to an empty repository its default branch.
    git(runner.origin, "symbolic-ref", "HEAD", "refs/heads/main")
    assert (lead / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == "git-incident-ledger==0.1.0"

    # A teammate clones it and opens an honest pull request with inc itself.
    mate = tmp_path / "mate"
    git(tmp_path, "clone", "-q", runner.origin.as_uri(), str(mate))
    _person(mate, TEAMMATE)
    git(mate, "checkout", "-q", "-b", "classify-status-page")
    _inc(
        inc_bin, mate, "classify", first, "--severity", "SEV3", "--impact", "low", "--urgency", "medium",
        "--category", "availability", "--service", "status-page", "--impact-assessment", "Nobody could see it.",
    )  # fmt: skip
    _inc(inc_bin, mate, "investigate", first, "--commander", TEAMMATE[0])
    honest = _pull_request(mate, 1, "classify-status-page")
    steps = runner.run(lead / ".github" / "workflows" / "validate.yml", honest)
    assert not _failed(steps), runner.transcript
    installed = [s for s in steps if s.name == "Install inc"]
    assert installed and "git-incident-ledger" in installed[0].stdout, installed
    assert [s.name for s in steps][-1] == "Check what the pull request does to records"

    queued = runner.run(lead / ".github" / "workflows" / "validate.yml", _merge_group(runner.origin, mate, 1))
    assert not _failed(queued), runner.transcript
    assert [s.name for s in queued][-1] == "Check what the merge group does to records"

    # Another pull request rewrites what the timeline already said: stopped, with annotations.
    git(mate, "checkout", "-q", "-b", "tidy-timeline", "origin/main")
    record = next((mate / "incidents").rglob(f"{first}.yaml"))
    text = record.read_text(encoding="utf-8")
    entry = re.search(r"^    text: (.+)$", text, re.MULTILINE)
    assert entry, text
    record.write_text(text.replace(entry.group(0), "    text: Nothing happened."), encoding="utf-8")
    git(mate, "commit", "-q", "-am", "Tidy the timeline")
    dishonest = _pull_request(mate, 2, "tidy-timeline")
    stopped = runner.run(lead / ".github" / "workflows" / "validate.yml", dishonest)
    (failure,) = _failed(stopped)
    assert failure.name == "Check what the pull request does to records"
    assert failure.returncode == 1
    path = record.relative_to(mate).as_posix()
    assert re.match(rf"::error file={re.escape(path)},line=\d+,col=\d+,title=timeline-rewritten::", failure.stdout)

    # The honest pull request lands; the push to main is validated and the site published.
    git(mate, "checkout", "-q", "classify-status-page")
    git(mate, "push", "-q", "origin", "classify-status-page:main")
    push = Event(
        "push",
        "refs/heads/main",
        facts={"vars.SITE_AUDIENCE || 'public'": "public"},
        env={"GITHUB_REF": "refs/heads/main"},
    )
    assert not _failed(runner.run(lead / ".github" / "workflows" / "validate.yml", push)), runner.transcript
    published = runner.run(lead / ".github" / "workflows" / "site.yml", push)
    assert not _failed(published), runner.transcript
    assert [s.name.split(" ")[0] for s in published][-2:] == ["actions/upload-pages-artifact", "actions/deploy-pages"]
    site = next(runner.work.glob("job*-build")) / "repo" / "_site"
    page = site / "incidents" / first[4:8] / first / "index.html"
    assert "Status page unreachable" in page.read_text(encoding="utf-8")
    print("\n".join(runner.transcript))
