"""The `inc` command line: click only. Parses options, calls the core, prints.

Heavy modules (jsonschema, ruamel, git) are imported inside the commands, so
`inc --help` stays instant.
"""

from __future__ import annotations

from .main import inc, main

__all__ = ["inc", "main"]
