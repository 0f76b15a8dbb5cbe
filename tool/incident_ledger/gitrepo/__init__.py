"""The only package that talks to git, through the `git` command line.

The command line (not GitPython's object API) because it is what the user's hooks,
signing and identity settings apply to, and because it is fast: one `git diff` plus
`git show` takes ~13 ms, the same through GitPython ~144-209 ms; and the audit trail of
1,000 records in 11,941 commits is one `git log --patch` of 2.8 s CPU, against 54 s
(`Commit.stats`) to 90 s (`Commit.diff`) through GitPython, which runs git once per
commit (tests/benchmarks/bench_history.py).

`command` runs git in the repository git finds; `commit` commits one record; `branch`
knows the branch records land on; `history` reads trees, changes and the log. Callers
use the names below, as `gitrepo.NAME`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .branch import BRANCH_KEY, DEFAULT_BRANCH, commit_all, default_base, initialise, is_branch_name
from .command import GitError, GitMissing, Location, git, git_text, locate, locating, no_work_tree, toplevel
from .commit import (
    STATE_PATHS,
    Before,
    Layout,
    asking_config,
    check_can_commit,
    commit_one,
    committed_on,
    comparing_with_head,
    config_value,
    exclusive,
    head_commit,
    index_entry,
    layout_of,
    match_head,
    reading_before,
    restore_index_entry,
    unborn_branch,
)

if TYPE_CHECKING:
    from .history import (
        GITLINK_MODE,
        SYMLINK_MODE,
        TREE_MODE,
        WORKTREE,
        Change,
        FilePatch,
        IndexBlobs,
        LoggedCommit,
        changed_files,
        git_dir,
        is_shallow,
        log_patches,
        merge_base,
        prefix,
        read_blobs,
        resolve_commit,
        unchanged_blobs,
    )

# Reading history (trees, logs, patches) is loaded when first asked for: a command that
# commits one record reads none of it.
_HISTORY = frozenset(
    (
        "GITLINK_MODE",
        "SYMLINK_MODE",
        "TREE_MODE",
        "WORKTREE",
        "Change",
        "FilePatch",
        "IndexBlobs",
        "LoggedCommit",
        "changed_files",
        "git_dir",
        "is_shallow",
        "log_patches",
        "merge_base",
        "prefix",
        "read_blobs",
        "resolve_commit",
        "unchanged_blobs",
    )
)


def __getattr__(name: str) -> Any:
    if name in _HISTORY:
        return getattr(import_module(f"{__name__}.history"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BRANCH_KEY",
    "DEFAULT_BRANCH",
    "GITLINK_MODE",
    "STATE_PATHS",
    "SYMLINK_MODE",
    "TREE_MODE",
    "WORKTREE",
    "Before",
    "Change",
    "FilePatch",
    "GitError",
    "GitMissing",
    "IndexBlobs",
    "Layout",
    "Location",
    "LoggedCommit",
    "asking_config",
    "changed_files",
    "check_can_commit",
    "commit_all",
    "commit_one",
    "committed_on",
    "comparing_with_head",
    "config_value",
    "default_base",
    "exclusive",
    "git",
    "git_dir",
    "git_text",
    "head_commit",
    "index_entry",
    "initialise",
    "is_branch_name",
    "is_shallow",
    "layout_of",
    "locate",
    "locating",
    "log_patches",
    "match_head",
    "merge_base",
    "no_work_tree",
    "prefix",
    "read_blobs",
    "reading_before",
    "resolve_commit",
    "restore_index_entry",
    "toplevel",
    "unborn_branch",
    "unchanged_blobs",
]
