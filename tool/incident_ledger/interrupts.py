"""Signals (Ctrl-C, SIGTERM, SIGHUP) as one exception, raised only where it can be handled.

A command that writes a record and commits it must never stop half-way: not between
writing the file and committing it, not while git holds `.git/index.lock`, not while a
failed change is being put back. Inside `deferred()` a signal is only noted (and passed
on to the git process that is running, which stops cleanly and removes its own lock
files); it is raised when the step is over, so the step always finishes one way or the
other. Outside, a signal raises `Interrupted` at once, which `cli.main` reports.

git is never killed (SIGKILL): a killed git leaves `index.lock` behind and every later
git command in the repository refuses to run until someone removes it by hand.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import IO, Any

from .errors import Interrupted

# The signals a user or a supervisor sends to stop a command (a terminal's Ctrl-C, a
# closed terminal, `kill`, a CI job cancelled).
SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class _State:
    def __init__(self) -> None:
        self.depth = 0  # how many deferred() steps are open
        self.pending: int | None = None  # a signal noted during a step, raised when it ends
        self.received: int | None = None  # the first signal of this command, for cli.main
        self.count = 0  # signals handled so far (see _cut_short)
        self.children: list[subprocess.Popen[bytes]] = []


_state = _State()


@contextmanager
def handled() -> Iterator[None]:
    """For the duration of one command: signals become `Interrupted`; the handlers that
    were there before (the interpreter's, or a test runner's) come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; leave signals to whoever runs us
        return
    global _state
    previous = {number: signal.getsignal(number) for number in SIGNALS}
    _state = _State()
    for number in SIGNALS:
        signal.signal(number, _on_signal)
    try:
        yield
    finally:
        # The command is over: a signal while the handlers go back is only noted, never
        # raised past the code that reports how the command ended.
        _state.depth += 1
        for number, handler in previous.items():
            signal.signal(number, handler)
        _state.depth -= 1
        _state.pending = None


def signal_name(number: int) -> str:
    """How inc names a signal in its messages: `SIGINT`, or `signal 64` for one without a name."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def received() -> int | None:
    """The signal that interrupted this command, if one did."""
    return _state.received


def _on_signal(number: int, frame: object) -> None:
    _state.count += 1
    if _state.received is None:
        _state.received = number
    for child in list(_state.children):
        _pass_on(child, number)
    if _state.depth:
        if _state.pending is None:
            _state.pending = number
        return
    raise Interrupted(number)


def _pass_on(child: subprocess.Popen[bytes], number: int) -> None:
    if child.returncode is None:
        with contextlib.suppress(OSError):  # it has just ended
            child.send_signal(number)


@contextmanager
def deferred() -> Iterator[None]:
    """A step that finishes once begun: a signal arriving meanwhile is raised at its end."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; its steps are the ones to hold them
        return
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0 and _state.pending is not None:
            number, _state.pending = _state.pending, None
            raise Interrupted(number)


def checkpoint() -> None:
    """Inside a step, before a part that need not start: stop here if a signal came."""
    if _state.pending is not None:
        number, _state.pending = _state.pending, None
        raise Interrupted(number)


class Ended(subprocess.CompletedProcess[bytes]):
    """How a program `run` started ended, and its process id: git names some of its lock
    files after it (`next-index-PID.lock`)."""

    def __init__(self, args: Sequence[str], pid: int, returncode: int, stdout: bytes, stderr: bytes) -> None:
        super().__init__(list(args), returncode, stdout, stderr)
        self.pid = pid


def run(
    args: Sequence[str],
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    stoppable: bool = False,
    stdout: IO[bytes] | None = None,
) -> Ended:
    """Run a program to its end, never killing it; a signal meanwhile is raised once it ends.

    Outside a step, or when `stoppable` (a commit whose hooks may run for long), the
    program shares our signals: the terminal's Ctrl-C reaches it, and one sent to inc
    alone is passed on, so it stops soon and cleanly. Inside a step anything else (the
    reads that decide, the writes that put a file back) must not be cut short: it runs
    in a session of its own, which the terminal's signals do not reach (see `_cut_short`).

    Output goes through temporary files, not pipes: a hook that leaves a process behind
    (a `sleep` in a shell script whose shell was stopped) would hold a pipe open and
    keep us waiting for it long after git has ended. Given a file `stdout` (an
    `anonymous_file`), the program writes there and `Ended.stdout` is empty: output
    read a piece at a time need not be held whole.
    """
    main = threading.current_thread() is threading.main_thread()
    shielded = _state.depth > 0 and not stoppable and main
    given = nullcontext(stdout) if stdout is not None else anonymous_file()
    with deferred(), anonymous_file() as source, given as out, anonymous_file() as err:
        source.write(stdin or b"")

        def spawn(again: bool) -> tuple[subprocess.Popen[bytes], bool]:
            source.seek(0)
            return _spawn(args, shielded, again, stdin=source, stdout=out, stderr=err, env=env)

        child, signalled = spawn(False)
        if shielded:
            child = _whole(child, signalled, spawn, out, err)
        elif main:  # a signal we get is passed on to it
            _state.children.append(child)
            try:
                child.wait()
            finally:
                _state.children.remove(child)
        else:
            child.wait()
        out.seek(0)
        err.seek(0)
        return Ended(args, child.pid, child.returncode, b"" if stdout is not None else out.read(), err.read())


# A program in a session of its own can still be reached by the terminal's signal in the
# moment after fork, before it has entered that session (and before it has run): the
# signal kills it there, once in ten starts under a stream of Ctrl-Cs, more on a busy
# machine. A HEAD read killed so made a finished commit look undone. Such a program is
# started again (`_cut_short` says which); the bound only stops a program that always
# ends by SIGINT (a wrapper script that kills itself) from looping. Blocking our signals
# around the start instead would leave them blocked in git and in every hook it runs, so
# that not even `kill PID` could stop them. The programs started so only read, put back
# one index entry, or mark a new file with `add --intent-to-add`: starting one again
# repeats nothing it did.
#
# Why the gap: Python starts a program with vfork, whose child sets our handlers back to
# the default and unblocks signals before it enters its own session, and a signal that
# came meanwhile kills it there. Under a stream of signals on a busy machine, hundreds of
# starts in a row died so. A start again therefore forks (Python's documented switch
# `subprocess._USE_VFORK`): a forked child keeps our handler until it runs the program,
# so such a signal is only noted in the child's copy of inc, and the program starts.
# Forking copies the page tables of the whole process, so the first start uses vfork.
_ATTEMPTS = 100


def _spawn(
    args: Sequence[str], own_session: bool, again: bool = False, **options: Any
) -> tuple[subprocess.Popen[bytes], bool]:
    """Start a program (forked, not vforked, when it is started `again`); and whether inc
    handled a signal while it was being started."""
    before = _state.count
    vfork = getattr(subprocess, "_USE_VFORK", None)
    if again and vfork is not None:
        subprocess._USE_VFORK = False  # type: ignore[attr-defined]
    try:
        child = subprocess.Popen(args, start_new_session=own_session, **options)
    finally:
        if again and vfork is not None:
            subprocess._USE_VFORK = vfork  # type: ignore[attr-defined]
    return child, _state.count != before


def _cut_short(child: subprocess.Popen[bytes], signalled: bool) -> bool:
    """Whether a program of its own session ended by a signal that inc got too while the
    program was being started (`signalled`): one sent to our process group before the
    program had left it, so before it did anything. (Popen returns once the program runs;
    inc's handler runs before that.) A program killed later (`kill PID`, a hung hook)
    was meant to stop, and is not started again."""
    code = child.returncode
    return signalled and code is not None and code < 0 and -code in SIGNALS


def _whole(
    child: subprocess.Popen[bytes],
    signalled: bool,
    spawn: Callable[[bool], tuple[subprocess.Popen[bytes], bool]],
    *outputs: IO[bytes],
) -> subprocess.Popen[bytes]:
    """A program of its own session, waited for to its end; started again, its output
    emptied, while a signal at its start cut it short (`_cut_short`), at most `_ATTEMPTS`
    starts in all."""
    child.wait()
    for _ in range(_ATTEMPTS - 1):
        if not _cut_short(child, signalled):
            break
        _empty(*outputs)
        try:
            child, signalled = spawn(True)
        except OSError:  # the program gone meanwhile: the run that ended is the answer
            break
        child.wait()
    return child


def _empty(*files: IO[bytes]) -> None:
    for file in files:
        file.seek(0)
        file.truncate()


class Started:
    """A program `start` began; `wait` waits for its end and gives what it printed."""

    def __init__(self, args: Sequence[str], env: dict[str, str] | None) -> None:
        self._args = list(args)
        self._env = env
        self._out = anonymous_file()
        try:
            self._err = anonymous_file()
        except BaseException:
            self._out.close()
            raise
        self._child: subprocess.Popen[bytes] | None = None
        self._signalled = False  # a signal came while the program was being started
        self._done: subprocess.CompletedProcess[bytes] | None = None

    @property
    def spawned(self) -> bool:
        return self._child is not None

    def spawn(self) -> None:
        self._child, self._signalled = self._spawn(False)

    def _spawn(self, again: bool) -> tuple[subprocess.Popen[bytes], bool]:
        return _spawn(
            self._args, True, again, stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err, env=self._env
        )

    def close(self) -> None:
        self._out.close()
        self._err.close()

    def wait(self) -> subprocess.CompletedProcess[bytes]:
        """The program's end (waited for once; a signal meanwhile is raised after it)."""
        if self._done is None:
            assert self._child is not None
            with deferred():
                self._child = _whole(self._child, self._signalled, self._spawn, self._out, self._err)
                with self._out, self._err:
                    self._out.seek(0)
                    self._err.seek(0)
                    output = self._out.read(), self._err.read()
                self._done = subprocess.CompletedProcess(self._args, self._child.returncode, *output)
        return self._done


def start(args: Sequence[str], env: dict[str, str] | None = None) -> Started:
    """Start a program that only reads (git asked something about the repository), to run
    beside what inc does until it needs the answer (`Started.wait`).

    Such a program ends within milliseconds and is always waited for: it runs in a
    session of its own, which the terminal's signals do not reach, so a Ctrl-C meanwhile
    stops inc at the next step, never the program half-way.
    """
    started = Started(args, env)
    try:
        with deferred():  # a signal while the program starts is raised once it is known
            started.spawn()
    except BaseException:
        if not started.spawned:
            started.close()
        else:  # started, then a signal came: wait for it, as for every program we start
            started.wait()
        raise
    return started


def anonymous_file() -> IO[bytes]:
    """An anonymous file for a program's input or output: in memory where the system has
    such files (Linux), else a temporary file (`tempfile` costs ~4 ms to import)."""
    try:
        return open(os.memfd_create("inc-git", os.MFD_CLOEXEC), "w+b")
    except (AttributeError, OSError):
        import tempfile

        return tempfile.TemporaryFile()


def in_worker() -> None:
    """In a worker process of a pool: the parent decides what a signal means and ends
    the workers, so a worker neither reports it nor takes the parent's handlers along."""
    global _state
    _state = _State()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for number in SIGNALS:
            if number != signal.SIGINT:
                signal.signal(number, signal.SIG_DFL)
