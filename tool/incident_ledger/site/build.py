"""Build or serve the site the way `mkdocs build -f site/mkdocs.yml` does, for `inc site`.

MkDocs reports through the `mkdocs` logger; while it runs, its warnings are handed to the
caller's `report` function (the CLI says them as its own warnings) instead of Python's last
resort handler, and a failed build becomes one `LedgerError` carrying MkDocs' errors.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LedgerError, UsageError

CONFIG = Path("site", "mkdocs.yml")
PLUGIN = "incidents"
# `inc site serve --audience` reaches the plugin through the environment, because MkDocs'
# server loads the configuration itself on every rebuild.
AUDIENCE_VARIABLE = "INC_SITE_AUDIENCE"

Report = Callable[[str], None]


class _Collector(logging.Handler):
    def __init__(self, report: Report) -> None:
        super().__init__(logging.WARNING)
        self.report = report
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            self.errors.append(message)
        else:
            self.report(message)


@contextmanager
def _mkdocs_log(report: Report) -> Iterator[_Collector]:
    logger = logging.getLogger("mkdocs")
    collector = _Collector(report)
    saved = logger.propagate, logger.level
    logger.addHandler(collector)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.propagate, logger.level = saved


def config_file(root: Path) -> Path:
    file = root / CONFIG
    if not file.is_file():
        raise UsageError(f"{file}: no such file; the site is configured in site/mkdocs.yml at the repository's top")
    return file


def build(root: Path, audience: str | None, out: Path | None, strict: bool | None, report: Report) -> Path:
    """Build the site into `out` (default: the site_dir of mkdocs.yml); return where it went."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    with _mkdocs_log(report) as log:
        try:
            config = load_config(str(config_file(root)), site_dir=str(out) if out else None)
            plugin = config.plugins.get(PLUGIN)
            if plugin is None:
                raise UsageError(f"{config.config_file_path}: the '{PLUGIN}' plugin is not in the plugins list")
            if audience:
                plugin.config.audience = audience
            if strict is not None:
                plugin.config.strict = strict
            mkdocs_build(config)
        except MkDocsException as error:
            details = "\n".join(log.errors) or str(error)
            raise LedgerError(f"the site was not built:\n{details}") from None
    return Path(config.site_dir)


def serve(root: Path, audience: str | None, address: str | None, report: Report) -> None:
    from mkdocs.commands.serve import serve as mkdocs_serve
    from mkdocs.exceptions import MkDocsException

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    if audience:
        os.environ[AUDIENCE_VARIABLE] = audience
    logging.basicConfig(level=logging.INFO, format="%(levelname)-7s -  %(message)s")
    try:
        mkdocs_serve(str(config_file(root)), dev_addr=address)
    except MkDocsException as error:
        raise LedgerError(f"the site server stopped: {error}") from None
