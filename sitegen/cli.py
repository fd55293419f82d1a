"""The ``sitegen`` command line: options in, diagnostics out, and the exit code."""

from __future__ import annotations

import functools
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from sitegen import __version__
from sitegen.commands.build import build_site, load_site
from sitegen.devserver import make_server
from sitegen.diagnostics import (
    ContentError,
    Diagnostic,
    format_github,
    format_json,
    format_text,
)
from sitegen.output import OutputError

EXIT_CONTENT, EXIT_INTERNAL = 1, 3
P = ParamSpec("P")
R = TypeVar("R")


def _report(diagnostics: tuple[Diagnostic, ...], fmt: str) -> None:
    if not diagnostics and fmt != "json":
        return
    formatter = {"text": format_text, "github": format_github, "json": format_json}[fmt]
    click.echo(formatter(diagnostics), err=fmt == "text")


def _guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn content and output problems into exit 1 and bugs into exit 3 with a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        fmt = str(kwargs.get("fmt", "text"))
        try:
            return func(*args, **kwargs)
        except ContentError as exc:
            _report(exc.diagnostics, fmt)
            if fmt == "text":
                click.echo("nothing was written: fix the problems above and run again", err=True)
            sys.exit(EXIT_CONTENT)
        except OutputError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_CONTENT)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception:  # noqa: BLE001 - the last line of defence: report a bug
            traceback.print_exc()
            click.echo(
                f"\nsitegen {__version__} hit an internal error (a bug, not a problem in "
                "your content). Please report it with the message above.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper


source_option = click.option(
    "--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="The site's folder (with site.yaml and content/).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def main() -> None:
    """Publish Open Badges as a static website from YAML files."""


@main.command()
@source_option
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where to write the site.  [default: SOURCE/_site]",
)
@click.option("--base-url", help="Publish under this URL instead of site.yaml's base_url.")
@_guarded
def build(source: Path, output: Path | None, base_url: str | None) -> None:
    """Build the site (pages, Open Badges documents, baked images)."""
    started = time.perf_counter()
    out_dir = output if output is not None else source / "_site"
    result = build_site(source, out_dir, base_url=base_url)
    _report(result.loaded.diagnostics, "text")
    site = result.loaded.site
    click.echo(
        f"built {len(site.issuers)} issuer(s), {len(site.badges)} badge(s), "
        f"{len(site.awards)} award(s): {result.files} files, "
        f"{result.bytes / 1e6:.1f} MB in {out_dir} ({time.perf_counter() - started:.2f} s)"
    )


@main.command()
@source_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text",
    show_default=True, help="text for people, github for workflow annotations, json for tools.",
)
@_guarded
def check(source: Path, fmt: str) -> None:
    """Check the content without writing anything (safe on untrusted pull requests)."""
    loaded = load_site(source)
    _report(loaded.diagnostics, fmt)
    if fmt == "text":
        site = loaded.site
        click.echo(
            f"ok: {len(site.issuers)} issuer(s), {len(site.badges)} badge(s), "
            f"{len(site.awards)} award(s)", err=True,
        )


@main.command()
@source_option
@click.option("--port", "-p", type=int, default=8000, show_default=True)
@_guarded
def serve(source: Path, port: int) -> None:
    """Build the site for http://127.0.0.1:PORT/ and serve it there."""
    out_dir = source / ".sitegen" / "serve"
    base_url = f"http://127.0.0.1:{port}/"
    result = build_site(source, out_dir, base_url=base_url)
    _report(result.loaded.diagnostics, "text")
    with make_server(out_dir, port) as server:
        click.echo(f"serving {result.files} files at {base_url} (Ctrl+C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopped")


if __name__ == "__main__":  # pragma: no cover
    main()
