"""The `inc` console script: the first code of ours that runs.

It imports nothing but the standard library before it catches Ctrl-C, so a Ctrl-C
while Python is still loading inc (click, the commands) ends quietly, as one during a
command does, instead of with a traceback. A SIGTERM then needs nothing: nothing has
been written yet, and Python's default ends the process without a word.
"""

from __future__ import annotations

import sys


def run() -> None:
    try:
        from .cli.main import main

        code = main()  # from here on cli.main reports every signal itself
    except KeyboardInterrupt:
        sys.stderr.write("inc: interrupted by SIGINT; nothing was changed\n")
        code = 130
    sys.exit(code)
