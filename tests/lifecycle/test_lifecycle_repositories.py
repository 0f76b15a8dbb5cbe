"""Which repository a command commits into is decided by git's own rules: GIT_DIR and
GIT_WORK_TREE set by a user or a wrapper, linked worktrees, a hook's variables (which
never reach a different repository), and repositories with no work tree to write in."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lifecycle_helpers import TITLE, commits, git, last_commit_files, new_incident, snapshot
from project_paths import SCHEMAS

NEW = ["new", TITLE, "--summary", "EU customers could not pay.", "--detected-by", "monitoring"]
NEW += ["--detected-at", "2026-11-23T10:00:00Z"]


def run_inc(inc_bin: str, cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [inc_bin, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def identity(root: Path, env: dict[str, str] | None = None) -> None:
    for key, value in (("user.name", "Dana Whitfield"), ("user.email", "dana@example.com")):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True, env={**os.environ, **(env or {})})


def hook(git_dir: Path, name: str, body: str) -> None:
    (git_dir / "hooks").mkdir(exist_ok=True)
    script = git_dir / "hooks" / name
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


# -- GIT_DIR and GIT_WORK_TREE set by the user ------------------------------------------


@pytest.fixture
def separate(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """A work tree whose git directory lives elsewhere (GIT_DIR/GIT_WORK_TREE, as wrappers
    and some CI systems set them), itself inside another repository."""
    enclosing = tmp_path / "enclosing"
    enclosing.mkdir()
    git(enclosing, "init", "-q", "-b", "main")
    identity(enclosing)
    (enclosing / "README.md").write_text("the enclosing project\n")
    git(enclosing, "add", "README.md")
    git(enclosing, "commit", "-qm", "Enclosing")
    work = enclosing / "ledger"
    work.mkdir()
    shutil.copytree(SCHEMAS, work / "schemas")
    (work / "incidents").mkdir()
    env = {"GIT_DIR": str(tmp_path / "ledger.git"), "GIT_WORK_TREE": str(work)}
    for args in (["init", "-q", "-b", "main"], ["add", "schemas"], ["commit", "-qm", "Ledger"]):
        if args[0] == "add":
            identity(work, env)
        subprocess.run(["git", *args], cwd=work, check=True, env={**os.environ, **env}, capture_output=True)
    return enclosing, env, work


def git_env(env: dict[str, str], *args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True, env={**os.environ, **env}).stdout


def test_git_dir_and_work_tree_are_where_the_record_is_committed(
    separate: tuple[Path, dict[str, str], Path], inc_bin: str
) -> None:
    enclosing, env, work = separate
    before = snapshot(enclosing)
    done = run_inc(inc_bin, work, *NEW, env=env)
    assert done.returncode == 0, done.stderr
    incident = done.stdout.strip()
    path = f"incidents/2026/{incident}.yaml"
    assert (work / path).is_file()
    assert git_env(env, "log", "--format=%s") == f"{incident}: identified: {TITLE}\nLedger\n"
    assert git_env(env, "show", "--name-only", "--format=", "HEAD").split() == [path]
    assert git_env(env, "status", "--porcelain") == ""
    # The enclosing repository sees a new untracked folder, and nothing else.
    assert snapshot(enclosing)[:2] == before[:2]
    # From a folder inside the work tree too: the work tree's top is the ledger's root.
    logged = run_inc(inc_bin, work / "incidents" / "2026", "log", incident[-4:], "Paged the DBA", env=env)
    assert logged.returncode == 0, logged.stderr
    assert git_env(env, "rev-list", "--count", "HEAD") == "3\n"
    assert snapshot(enclosing)[:2] == before[:2]


def test_c_option_with_git_dir_and_work_tree(separate: tuple[Path, dict[str, str], Path], inc_bin: str) -> None:
    enclosing, env, work = separate
    done = run_inc(inc_bin, enclosing.parent, "-C", str(work / "incidents"), *NEW, env=env)
    assert done.returncode == 0, done.stderr
    assert git_env(env, "rev-list", "--count", "HEAD") == "2\n"
    assert commits(enclosing) == 1


def test_a_directory_outside_git_work_tree_is_refused(
    separate: tuple[Path, dict[str, str], Path], inc_bin: str
) -> None:
    enclosing, env, work = separate
    before = snapshot(enclosing)
    done = run_inc(inc_bin, enclosing, *NEW, env=env)
    assert done.returncode == 2
    assert done.stderr == (
        f"inc: error: {enclosing} is outside the work tree GIT_WORK_TREE={work} names; "
        "run inc inside that work tree, or unset GIT_WORK_TREE\n"
    )
    assert snapshot(enclosing) == before


def test_a_git_dir_that_is_no_repository_is_refused(repo: Path, inc_bin: str) -> None:
    before = snapshot(repo)
    done = run_inc(inc_bin, repo, *NEW, env={"GIT_DIR": str(repo / "missing.git")})
    assert done.returncode == 2
    assert done.stderr == (
        f"inc: error: GIT_DIR={repo / 'missing.git'} name no git repository for {repo}; "
        "correct or unset them (git itself would refuse to run here)\n"
    )
    assert snapshot(repo) == before


def test_a_git_dir_with_its_work_tree_recorded_needs_no_git_work_tree(
    separate: tuple[Path, dict[str, str], Path], inc_bin: str
) -> None:
    enclosing, env, work = separate
    assert git_env(env, "config", "core.worktree") == f"{work}\n"  # git init recorded it
    done = run_inc(inc_bin, work / "incidents", *NEW, env={"GIT_DIR": env["GIT_DIR"]})
    assert done.returncode == 0, done.stderr
    assert git_env(env, "show", "--name-only", "--format=", "HEAD").split() == [
        f"incidents/2026/{done.stdout.strip()}.yaml"
    ]
    assert commits(enclosing) == 1


# -- linked worktrees and hooks ---------------------------------------------------------


def test_a_linked_worktree_commits_on_its_own_branch(repo: Path, inc_bin: str) -> None:
    linked = repo.parent / "linked"
    git(repo, "worktree", "add", "-q", "-b", "side", str(linked))
    (linked / "incidents").mkdir()  # git keeps no empty folder
    main_before = snapshot(repo)
    done = run_inc(inc_bin, linked / "incidents", *NEW)
    assert done.returncode == 0, done.stderr
    incident = done.stdout.strip()
    assert last_commit_files(linked) == [f"incidents/2026/{incident}.yaml"]
    assert git(linked, "status", "--porcelain") == ""
    assert git(repo, "log", "-1", "--format=%s", "side") == f"{incident}: identified: {TITLE}\n"
    assert snapshot(repo) == main_before


def test_a_hook_of_a_linked_worktree_runs_inc_in_that_worktree(repo: Path, inc_bin: str) -> None:
    """git exports GIT_DIR (the worktree's git directory) to the hook, whose folder is the
    worktree's top; inc run from a subfolder there still commits at the right paths."""
    linked = repo.parent / "linked"
    git(repo, "worktree", "add", "-q", "-b", "side", str(linked))
    (linked / "incidents").mkdir()  # git keeps no empty folder
    hook(repo / ".git", "post-commit", f'[ "$(git log -1 --format=%s)" = Trigger ] || exit 0\ncd incidents && "{inc_bin}" {" ".join(NEW[:1])} '
         f'"From a hook" --summary s --detected-by staff --detected-at 2026-11-23T10:00:00Z > ../hook.out 2>&1\n')  # fmt: skip
    (linked / "trigger").write_text("x\n")
    git(linked, "add", "trigger")
    git(linked, "commit", "-qm", "Trigger")
    log = git(linked, "log", "--format=%s", "-2").splitlines()
    assert log[1] == "Trigger" and ": identified: From a hook" in log[0], (linked / "hook.out").read_text()
    assert git(linked, "show", "--name-only", "--format=", "HEAD").split()[0].startswith("incidents/2026/INC-")
    assert git(linked, "status", "--porcelain") == "?? hook.out\n"
    assert commits(repo) == 1  # main's branch has only its first commit


@pytest.mark.parametrize("kind", ["linked worktree", "plain repository"])
def test_a_hook_of_another_repository_does_not_steer_inc(repo: Path, inc_bin: str, tmp_path: Path, kind: str) -> None:
    """A hook of repository B runs `inc -C LEDGER new`: git exported B's GIT_DIR (in a linked
    worktree) or B's GIT_INDEX_FILE (during `git commit -a`); the record still goes to LEDGER."""
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    identity(other)
    (other / "notes.txt").write_text("one\n")
    git(other, "add", "notes.txt")
    git(other, "commit", "-qm", "Other")
    where = other
    if kind == "linked worktree":
        where = tmp_path / "other-linked"
        git(other, "worktree", "add", "-q", "-b", "side", str(where))
    hook(other / ".git", "pre-commit", f'env | grep ^GIT_ > "{tmp_path}/hook.env"\n"{inc_bin}" -C "{repo}" '
         f'{NEW[0]} "From another hook" --summary s --detected-by staff > "{tmp_path}/hook.out" 2>&1\n')  # fmt: skip
    (where / "notes.txt").write_text("two\n")
    git(where, "commit", "-qam", "Other again")
    hook_env = (tmp_path / "hook.env").read_text()
    assert ("GIT_DIR=" in hook_env) == (kind == "linked worktree")
    assert "GIT_INDEX_FILE=" in hook_env
    assert commits(repo) == 2, (tmp_path / "hook.out").read_text()
    assert git(repo, "log", "-1", "--format=%s").endswith(": identified: From another hook\n")
    assert git(repo, "status", "--porcelain") == ""
    assert git(where, "show", "--name-only", "--format=", "HEAD").split() == ["notes.txt"]
    assert git(where, "status", "--porcelain") == ""


# -- no work tree ------------------------------------------------------------------------


def test_a_bare_repository_says_so(repo: Path, inc_bin: str, tmp_path: Path) -> None:
    bare = tmp_path / "ledger.git"
    git(repo, "clone", "-q", "--bare", str(repo), str(bare))
    before = sorted(bare.rglob("*"))
    done = run_inc(inc_bin, bare, *NEW, "--author", "Dana Whitfield")
    message = (
        f"{bare} is a bare repository: it has no work tree for the record files, which inc needs; "
        f"clone it (git clone {bare} DIR) and run inc in the clone"
    )
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"inc: error: {message}\n")
    assert sorted(bare.rglob("*")) == before
    checked = run_inc(inc_bin, bare, "check", "--base", "main")
    assert (checked.returncode, checked.stderr) == (2, f"inc: error: {message}\n")


def test_inside_the_git_directory_says_so(repo: Path, inc_bin: str) -> None:
    before = snapshot(repo)
    done = run_inc(inc_bin, repo / ".git" / "refs", *NEW)
    assert done.returncode == 1
    assert done.stderr == (
        f"inc: error: {repo / '.git' / 'refs'} is inside the git directory {repo / '.git'}; "
        "run inc in the work tree instead\n"
    )
    assert snapshot(repo) == before


def test_run_cli_inside_a_subfolder_finds_the_work_tree_top(repo: Path, run_cli: Any) -> None:
    """Without incidents/ anywhere, the work tree's top is the ledger's root, never a folder above it."""
    (repo / "incidents").rmdir()
    outer = repo.parent
    (outer / "incidents").mkdir()
    (repo / "docs").mkdir()
    result = run_cli(repo / "docs", *NEW)
    assert result.exit_code == 0, result
    assert last_commit_files(repo) == [f"incidents/2026/{result.stdout.strip()}.yaml"]
    assert list((outer / "incidents").iterdir()) == []


def test_init_makes_a_new_repository_whatever_git_dir_says(
    separate: tuple[Path, dict[str, str], Path], inc_bin: str, tmp_path: Path
) -> None:
    _, env, work = separate
    before = git_env(env, "log", "--format=%H")
    who = {
        f"GIT_{role}_{key}": value
        for role in ("AUTHOR", "COMMITTER")
        for key, value in (("NAME", "Dana"), ("EMAIL", "d@e"))
    }
    done = run_inc(inc_bin, work, "init", str(tmp_path / "fresh"), env={**env, **who})
    assert done.returncode == 0, done.stderr
    assert git(tmp_path / "fresh", "log", "--format=%s").startswith("Start an incident ledger")
    assert (tmp_path / "fresh" / ".git").is_dir()
    assert git_env(env, "log", "--format=%H") == before
    assert git_env(env, "status", "--porcelain") == ""


def test_a_commit_whose_head_cannot_be_read_afterwards_is_not_undone(repo: Path, inc_ok: Any, inc_bin: str) -> None:
    """A post-commit hook leaves HEAD unreadable (as could a tool that kills inc's read of
    it): the commit was made on `main`, so the record must not be put back; inc says it
    cannot tell and leaves the written record, which is the committed one."""
    incident = new_incident(inc_ok, repo)
    path = f"incidents/2026/{incident}.yaml"
    made = commits(repo)
    hook(repo / ".git", "post-commit", 'printf "ref: refs/heads/nowhere\\n" > "$(git rev-parse --git-dir)/HEAD"\n')
    done = run_inc(inc_bin, repo, "log", incident, "Paged the database team")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"inc: error: {path} was written, but HEAD could not be read after `git commit`, so inc cannot tell whether the"
        f" commit was made; nothing was put back. See `git status` and `git log -1 -- {path}`\n"
    )
    assert git(repo, "rev-list", "--count", "main") == f"{made + 1}\n"
    assert git(repo, "log", "-1", "--format=%s", "main").endswith(": Paged the database team\n")
    assert (repo / path).read_bytes().decode() == git(repo, "show", f"main:{path}")
    assert "Paged the database team" in (repo / path).read_text()


def without_commits(tmp_path: Path) -> Path:
    """A repository with the schemas in its work tree and no commit yet (the branch unborn)."""
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    identity(root)
    shutil.copytree(SCHEMAS, root / "schemas")
    return root


def test_a_first_commit_whose_head_cannot_be_read_afterwards_is_not_undone(tmp_path: Path, inc_bin: str) -> None:
    """On a branch yet unborn a failed read of HEAD is no answer either: the commit was
    made on `main` (the only commit of the repository), so the record stays."""
    root = without_commits(tmp_path)
    hook(root / ".git", "post-commit", 'printf "ref: refs/heads/nowhere\\n" > "$(git rev-parse --git-dir)/HEAD"\n')
    done = run_inc(inc_bin, root, *NEW)
    assert done.returncode == 1, done.stderr
    assert "HEAD could not be read after `git commit`, so inc cannot tell whether the commit was made" in done.stderr
    (path,) = git(root, "show", "--name-only", "--format=", "main").split()
    assert (root / path).read_text() == git(root, "show", f"main:{path}")


def test_a_refused_commit_whose_head_cannot_be_read_says_what_git_said(repo: Path, inc_ok: Any, inc_bin: str) -> None:
    incident = new_incident(inc_ok, repo)
    path = f"incidents/2026/{incident}.yaml"
    hook(repo / ".git", "pre-commit", 'echo "lint: refused by policy" >&2\n'
         'printf "ref: refs/heads/nowhere\\n" > "$(git rev-parse --git-dir)/HEAD"\nexit 1\n')  # fmt: skip
    done = run_inc(inc_bin, repo, "log", incident, "Paged the database team")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"inc: error: git refused the commit: lint: refused by policy; {path} was written, but HEAD could not be"
        f" read after `git commit`, so inc cannot tell whether the commit was made; nothing was put back. See"
        f" `git status` and `git log -1 -- {path}`\n"
    )
    assert "Paged the database team" not in git(repo, "log", "-1", "--format=%s", "main")


def test_a_refused_first_commit_in_a_repository_without_commits_is_undone(tmp_path: Path, inc_bin: str) -> None:
    root = without_commits(tmp_path)
    hook(root / ".git", "pre-commit", 'echo "lint: refused by policy" >&2\nexit 1\n')
    done = run_inc(inc_bin, root, *NEW)
    assert (done.returncode, done.stderr) == (1, "inc: error: git refused the commit: lint: refused by policy\n")
    assert git(root, "status", "--porcelain") == "?? schemas/\n"
    assert not (root / "incidents").exists()


def test_a_refused_first_commit_on_an_orphan_branch_is_undone(repo: Path, inc_bin: str) -> None:
    """The branch is unborn but the repository has commits (`git checkout --orphan`, a
    fetch): HEAD cannot be read before or after, and the branch it names still does not
    exist, so git made no commit and everything is put back."""
    git(repo, "checkout", "-q", "--orphan", "ledger")
    hook(repo / ".git", "pre-commit", 'echo "lint: refused by policy" >&2\nexit 1\n')
    before = git(repo, "status", "--porcelain")
    done = run_inc(inc_bin, repo, *NEW)
    assert (done.returncode, done.stderr) == (1, "inc: error: git refused the commit: lint: refused by policy\n")
    assert git(repo, "status", "--porcelain") == before
    assert list((repo / "incidents").iterdir()) == []
