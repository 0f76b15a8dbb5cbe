"""The `inc` console script: the first code of ours that runs.

It imports nothing but the standard library before it catches Ctrl-C, so a Ctrl-C
while Python is still loading inc (click, the commands) ends quietly, as one during a
command does, instead of with a traceback. A SIGTERM then needs nothing: nothing has
been written yet, and Python's default ends the process without a word.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from typing import NoReturn

# Cyclic garbage collection runs after every 700 new container objects by default.
# Loading inc and its libraries leaves some 20,000 (classes, functions, dicts), none of
# them garbage, and the collector went over them some 40 times for nothing: 3% of the
# instructions of `inc log`. At 50,000 it still runs, so what cycles hold stays bounded
# in the long commands (`inc validate`, the site build) too.
_YOUNG_OBJECTS = 50_000


def run() -> NoReturn:
    _, *older = gc.get_threshold()
    gc.set_threshold(_YOUNG_OBJECTS, *older)
    try:
        from .cli.main import main

        code = main()  # from here on cli.main reports every signal itself
    except KeyboardInterrupt:
        sys.stderr.write("inc: interrupted by SIGINT; nothing was changed\n")
        code = 130
    _leave(code)


def _leave(code: int) -> NoReturn:
    """End the process once the command is done, without the interpreter's teardown.

    Tearing down frees every object of every module one by one (some 12 ms after a
    command that writes a record, a tenth of its time), memory the system takes back at
    once anyway. What teardown does that matters is done here first: exit handlers run
    and the output is flushed. Where that fails (a reader that closed the pipe, a late
    Ctrl-C) or a thread is still running, the usual exit does the rest.
    """
    try:
        if threading.active_count() > 1:
            sys.exit(code)
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        sys.exit(code)
    os._exit(code)
