"""The `inc` group, its commands, and the one place errors become exit codes."""

from __future__ import annotations

import os
import signal
import sys
from importlib import import_module
from pathlib import Path

import click

from .. import interrupts
from ..distribution import DISTRIBUTION
from ..errors import EXIT_BUG, EXIT_USAGE, Interrupted, LedgerError
from ..safetext import escape_unsafe, one_line
from .options import State

# Each command, as `name: module.function` in this package. A command's module is loaded
# when the command runs (or help lists it): `inc log` builds the click options of its own
# group only, not those of `inc export` or of the stage commands.
COMMANDS = {
    "new": "opening.new",
    "classify": "stages.classify",
    "investigate": "stages.investigate",
    "resolve": "stages.resolve",
    "recover": "stages.recover",
    "close": "stages.close",
    "review": "stages.review",
    "advance": "stages.advance",
    "log": "entries.log",
    "update": "entries.update",
    "reopen": "corrections.reopen",
    "cancel": "corrections.cancel",
    "duplicate": "corrections.duplicate",
    "init": "init.init",
    "action": "actions.action",
    "actions": "actions.actions",
    "list": "actions.list_",
    "show": "actions.show",
    "check": "check.check",
    "validate": "validate.validate",
    "export": "export.export",
    "rules": "rules.rules",
    "history": "history.history",
    "site": "site.site",
}


class _Commands(click.Group):
    """The `inc` group, loading each command's module when the command is wanted."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, name = where.split(".")
        command: click.Command = getattr(import_module(f".{module}", __package__), name)
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run as if inc was started in this directory.",
)
@click.version_option(package_name=DISTRIBUTION, prog_name="inc")
@click.pass_context
def inc(ctx: click.Context, directory: Path | None) -> None:
    """Incident Ledger: IT incidents as YAML records in git.

    Records live in incidents/<YYYY>/<ID>.yaml; the schema and the process policy
    live in schemas/. Text given to a command is UTF-8. Run `inc COMMAND --help` for
    each command.
    """
    if directory is not None and not directory.is_dir():
        from ..safetext import shown

        raise click.BadParameter(f"{shown(str(directory), 200)} is not a directory", param_hint="-C")
    ctx.obj = State(directory)
    ctx.call_on_close(ctx.obj.close)


def main(argv: list[str] | None = None) -> int:
    """Run `inc`; the one place where failures become messages and exit codes."""
    with interrupts.handled():
        try:
            return _main(argv)
        except Interrupted as stop:
            return _interrupted(stop.signal_number, stop.note)
        except BaseException as error:  # a Rust extension's PanicException, ...
            if isinstance(error, (SystemExit, GeneratorExit)):
                raise
            number = interrupts.received()
            if number is not None:  # a signal surfaced inside an extension as its own error
                return _interrupted(number, "")
            return _bug(error)


def _main(argv: list[str] | None) -> int:
    try:
        # Without standalone mode click returns the code of a `click.exceptions.Exit`.
        code = inc.main(args=argv, prog_name="inc", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Abort as abort:
        if isinstance(abort.__cause__, KeyboardInterrupt):  # Ctrl-C before our handler was in place
            return _interrupted(signal.SIGINT, "")
        click.echo("inc: aborted", err=True)
        return EXIT_USAGE
    except LedgerError as error:
        # Messages quote record values and paths, which are untrusted.
        click.echo(f"inc: error: {escape_unsafe(str(error))}", err=True)
        return error.exit_code
    except KeyboardInterrupt:
        return _interrupted(signal.SIGINT, "")
    except Exception as error:
        return _bug(error)
    return code if isinstance(code, int) else 0


def _interrupted(number: int, note: str) -> int:
    click.echo(f"inc: interrupted by {interrupts.signal_name(number)}" + (f"; {note}" if note else ""), err=True)
    return 128 + number


def _bug(error: BaseException) -> int:
    if os.environ.get("INC_DEBUG"):
        raise error
    click.echo(
        f"inc: internal error: {type(error).__name__}: {one_line(error, 500)}\n"
        "This is a bug in inc; please report it with the command you ran "
        "(set INC_DEBUG=1 for the traceback).",
        err=True,
    )
    return EXIT_BUG


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
