"""This tool as a package on the index: the one place its distribution name is written.

The import package is `incident_ledger` and the command `inc`, but the distribution is
`git-incident-ledger`: the name `incident-ledger` on the public index belongs to an
unrelated project, so an install line naming it would run a stranger's code. Every
install line the tool prints or writes is made here.
"""

from __future__ import annotations

DISTRIBUTION = "git-incident-ledger"


def version() -> str:
    """The installed version of this tool."""
    from importlib import metadata  # only when asked: every `inc` run imports this module

    return metadata.version(DISTRIBUTION)


def pinned_requirement() -> str:
    """A requirement line for exactly the running version of this tool."""
    return f"{DISTRIBUTION}=={version()}"
