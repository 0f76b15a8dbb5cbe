"""Running git, in the repository git's own rules find for a folder.

Every git command inc runs goes through `git` here: with the repository's variables
(GIT_DIR, GIT_WORK_TREE) given as absolute paths, a hook's variables dropped, C-locale
messages, and signals passed on to git rather than killing it (`interrupts`).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import IO

from .. import interrupts
from ..errors import LedgerError, UsageError


class GitError(LedgerError):
    """git refused; the message carries git's own reason."""


class GitMissing(LedgerError):
    """No git program to run."""


def git(
    root: Path,
    *args: str,
    stdin: bytes | None = None,
    check: bool = True,
    stoppable: bool = False,
    env: Mapping[str, str] | None = None,
    stdout: IO[bytes] | None = None,
) -> interrupts.Ended:
    """Run `git -C root args...`; raise GitError with git's stderr when it fails.

    git is never killed, which would leave its lock files behind: a signal reaches it as
    `interrupts.run` says (`stoppable`: even inside a step), and is raised here once git
    has ended. `env` adds to the environment git gets; `stdout`, a file git writes its
    output to instead (`interrupts.run`).
    """
    return _run(root, list(args), {**_environment(root), **(env or {})}, stdin, check, stoppable, stdout)


def _run(
    root: Path,
    args: list[str],
    env: dict[str, str],
    stdin: bytes | None = None,
    check: bool = False,
    stoppable: bool = False,
    stdout: IO[bytes] | None = None,
) -> interrupts.Ended:
    try:
        done = interrupts.run(["git", "-C", str(root), *args], stdin=stdin, env=env, stoppable=stoppable, stdout=stdout)
    except FileNotFoundError:
        raise _missing() from None
    if check:
        checked(done)
    return done


def git_start(root: Path, *args: str) -> interrupts.Started:
    """Start `git -C root args...`, a command that only reads, to run beside what inc does
    next; its `wait()` gives the result (`checked` raises GitError on a failure)."""
    try:
        return interrupts.start(["git", "-C", str(root), *args], env=_environment(root))
    except FileNotFoundError:
        raise _missing() from None


def checked(done: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[bytes]:
    """`done`, or GitError with git's own reason when it failed."""
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip() or done.stdout.decode("utf-8", "replace").strip()
        args = list(done.args)[3:]  # after `git -C ROOT`
        raise GitError(f"git {_show(args)} failed: {reason}")
    return done


def _missing() -> GitMissing:
    return GitMissing("git is not installed or not on PATH; install git first")


def git_text(root: Path, *args: str) -> str:
    return git(root, *args).stdout.decode("utf-8", "replace")


def _show(args: Sequence[str]) -> str:
    return " ".join(args[:2])


# Variables that tell git which repository, index and objects to use. A user or a
# wrapper sets GIT_DIR with GIT_WORK_TREE for a git directory kept apart from its work
# tree; git itself exports GIT_DIR to the hooks of linked worktrees and submodules and
# GIT_INDEX_FILE to commit hooks, where they name the repository whose hook runs.
_LOCATING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PREFIX",  # only informs hooks and aliases; git never reads it
)


class Location:
    """Where git finds the repository for a folder, as `git rev-parse` says."""

    __slots__ = ("bare", "common_dir", "git_dir", "git_paths", "inside_git_dir", "top")

    def __init__(
        self, git_dir: Path, common_dir: Path, bare: bool, inside_git_dir: bool, top: Path | None,
        git_paths: tuple[Path, ...] = (),
    ) -> None:  # fmt: skip
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.bare = bare
        self.inside_git_dir = inside_git_dir
        self.top = top  # the work tree's top folder; None in a bare repository or a git dir
        self.git_paths = git_paths  # what `git rev-parse --git-path` says of the names asked for


def locate(directory: Path, git_paths: Sequence[str] = ()) -> Location | None:
    """The repository git works on from `directory` (None outside any, or without git),
    and where git keeps the files named in `git_paths` (in the same `git rev-parse`)."""
    try:
        return _rev_parse(directory, _environment(directory), git_paths)
    except GitMissing:
        return None


def _plain_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LOCATING}
    env["LC_ALL"] = "C"  # stable messages to parse
    return env


def _environment(root: Path) -> dict[str, str]:
    """The environment for git commands about the repository holding `root`.

    git's own rules decide which repository that is, GIT_DIR and GIT_WORK_TREE included;
    the variables are then given to git as absolute paths so every command, from any
    folder, works on that same repository. Variables that describe another repository
    (a hook's, when `inc -C` names a folder elsewhere) are left out.
    """
    env = _plain_environment()
    given = tuple((name, os.environ[name]) for name in _LOCATING if os.environ.get(name))
    if given:
        env.update(_honoured(str(root), given))
    return env


@lru_cache(maxsize=32)
def _honoured(directory: str, given: tuple[tuple[str, str], ...]) -> dict[str, str]:
    variables = dict(given)
    variables.pop("GIT_PREFIX", None)
    plain = _plain_environment()
    if "GIT_DIR" in variables or "GIT_WORK_TREE" in variables:
        named = {k: v for k, v in variables.items() if k in ("GIT_DIR", "GIT_WORK_TREE")}
        found = _rev_parse(Path(directory), {**plain, **named})
        if found is None:
            shown = " and ".join(f"{k}={v}" for k, v in named.items())
            raise UsageError(
                f"{shown} name no git repository for {directory}; correct or unset them "
                "(git itself would refuse to run here)"
            )
        ours, top = _work_tree(found, Path(directory), named)
        if ours:
            pinned = {"GIT_DIR": str(found.git_dir)}
            if top is not None:
                pinned["GIT_WORK_TREE"] = str(top)
            return {**pinned, **_same_repository(variables, found, top)}
        # git exported them to a hook of another repository, which `directory` is not in.
        variables = {k: v for k, v in variables.items() if k not in named}
    found = _rev_parse(Path(directory), plain)
    return _same_repository(variables, found, found.top) if found is not None else {}


def _work_tree(found: Location, directory: Path, named: dict[str, str]) -> tuple[bool, Path | None]:
    """Whether the variables describe the repository `directory` is in, and its work tree."""
    if "GIT_WORK_TREE" in named:
        if found.top is None or not _inside(directory, found.top):
            raise UsageError(
                f"{directory} is outside the work tree GIT_WORK_TREE={named['GIT_WORK_TREE']} names; "
                "run inc inside that work tree, or unset GIT_WORK_TREE"
            )
        return True, found.top
    own = _own_work_tree(found.git_dir)
    if own is None:
        # A git directory with no work tree of its own (a wrapper's): git takes the
        # current folder as the top of the work tree.
        return True, found.top
    # A linked worktree's or a submodule's git directory, as git exports it to their
    # hooks: it describes `directory` only inside that work tree, whose top is the top
    # whichever subfolder inc runs in.
    return _inside(directory, own), own


def _own_work_tree(git_dir: Path) -> Path | None:
    """The work tree a git directory belongs to by itself, if it has one: a linked
    worktree's, a submodule's (core.worktree), or the folder around a `.git`."""
    link = git_dir / "gitdir"
    if link.is_file() and (git_dir / "commondir").is_file():
        return Path(link.read_text(encoding="utf-8", errors="replace").strip()).parent
    done = _run(git_dir, ["config", "--get", "core.worktree"], _plain_environment() | {"GIT_DIR": str(git_dir)})
    if done.returncode == 0 and done.stdout.strip():
        return (git_dir / done.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    return git_dir.parent if git_dir.name == ".git" else None


def _same_repository(variables: dict[str, str], found: Location, top: Path | None) -> dict[str, str]:
    """GIT_INDEX_FILE and the object directories, kept when they lie in this repository's
    git directory (a commit hook's temporary index) and left out when they name another's."""
    kept: dict[str, str] = {}
    base = top or found.git_dir
    for name in ("GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        if name in variables:
            path = (base / variables[name]).resolve()  # git reads a relative one from the top
            if any(_inside(path, d) for d in (found.git_dir, found.common_dir)):
                kept[name] = str(path)
    if "GIT_OBJECT_DIRECTORY" in kept and "GIT_ALTERNATE_OBJECT_DIRECTORIES" in variables:
        kept["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = variables["GIT_ALTERNATE_OBJECT_DIRECTORIES"]
    return kept


def _inside(path: Path, folder: Path) -> bool:
    real, container = os.path.realpath(path), os.path.realpath(folder)
    return real == container or real.startswith(container.rstrip(os.sep) + os.sep)


def _rev_parse(directory: Path, env: dict[str, str], git_paths: Sequence[str] = ()) -> Location | None:
    return _location(directory, _run(directory, _locate_args(git_paths), env), git_paths)


def locating(directory: Path, git_paths: Sequence[str] = ()) -> Callable[[], Location | None]:
    """`locate`, with git started now to run beside what inc does next (loading the
    command's modules); the function given waits for the answer."""
    env = _environment(directory)
    try:
        started = interrupts.start(["git", "-C", str(directory), *_locate_args(git_paths)], env=env)
    except FileNotFoundError:
        return lambda: None
    return lambda: _location(directory, started.wait(), git_paths)


def _locate_args(git_paths: Sequence[str]) -> list[str]:
    args = ["rev-parse", "--absolute-git-dir", "--git-common-dir", "--is-bare-repository", "--is-inside-git-dir"]
    for name in git_paths:
        args += ["--git-path", name]
    return [*args, "--show-toplevel"]


def _location(directory: Path, done: subprocess.CompletedProcess[bytes], git_paths: Sequence[str]) -> Location | None:
    lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    known = 4 + len(git_paths)
    if len(lines) < known:
        return None  # not a repository (a bare one stops before --show-toplevel)
    common = Path(lines[1])
    return Location(
        git_dir=Path(lines[0]),
        common_dir=common if common.is_absolute() else (directory / common).resolve(),
        bare=lines[2] == "true",
        inside_git_dir=lines[3] == "true",
        top=Path(lines[known]) if done.returncode == 0 and len(lines) > known else None,
        git_paths=tuple(git_path(directory, line) for line in lines[4:known]),
    )


def no_work_tree(root: Path, otherwise: str) -> str:
    """Why `root` has no work tree to write records in, and what to do (`otherwise`: when
    it is in no repository at all)."""
    found = locate(root)
    if found is not None and found.bare:
        return (
            f"{found.git_dir} is a bare repository: it has no work tree for the record files, "
            f"which inc needs; clone it (git clone {found.git_dir} DIR) and run inc in the clone"
        )
    if found is not None and found.inside_git_dir:
        return f"{root} is inside the git directory {found.git_dir}; run inc in the work tree instead"
    return f"{root} is not inside a git repository; {otherwise}"


def toplevel(path: Path) -> Path | None:
    """The work tree's top folder containing `path`, or None outside a git repository."""
    done = git(path, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode().strip())


def git_plain(
    directory: Path, *args: str, stdin: bytes | None = None, check: bool = False
) -> subprocess.CompletedProcess[bytes]:
    """Run git about no repository the environment names: GIT_DIR and the like left out
    (`inc init` makes a new repository, and checks a branch name before there is one)."""
    return _run(directory, list(args), _plain_environment(), stdin, check)


def git_path(root: Path, line: str) -> Path:
    """A path `git rev-parse --git-path` printed, relative to `root` when it is not absolute."""
    path = Path(line)
    return path if path.is_absolute() else root / path
