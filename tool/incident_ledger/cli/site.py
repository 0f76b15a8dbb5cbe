"""`inc site build` and `inc site serve`: the stakeholder site (MkDocs + the incidents plugin)."""

from __future__ import annotations

from pathlib import Path

import click

from ..process import AUDIENCE_NAMES
from .options import State, pass_state, warn

AUDIENCE = click.Choice(list(AUDIENCE_NAMES))


@click.group()
def site() -> None:
    """Build or preview the stakeholder site from incidents/ (site/mkdocs.yml)."""


@site.command("build")
@click.option(
    "--audience",
    type=AUDIENCE,
    help="public: only public records; internal: public and internal. Default: the one in site/mkdocs.yml (internal).",
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Where to write the site (default: site/build)."
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Build without invalid records (named in a warning) instead of failing.",
)
@pass_state
def build_command(state: State, audience: str | None, out: Path | None, skip_invalid: bool) -> None:
    """Build the static site.

    Fails with the same `path:line:col: rule: message` lines as `inc validate` when a
    record is invalid. Restricted records are never published.
    """
    from ..site.build import build

    target = build(state.root, audience, state.cwd / out if out else None, False if skip_invalid else None, warn)
    click.echo(f"Site built in {target}")


@site.command("serve")
@click.option("--audience", type=AUDIENCE, help="Preview the site as this audience sees it.")
@click.option("--dev-addr", "address", metavar="IP:PORT", help="Where to serve (default: 127.0.0.1:8000).")
@pass_state
def serve_command(state: State, audience: str | None, address: str | None) -> None:
    """Preview the site, rebuilding when records or pages change."""
    from ..site.build import serve

    serve(state.root, audience, address, warn)
