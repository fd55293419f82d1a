"""The ``sitegen`` command line: options in, diagnostics out, and the exit code."""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from sitegen import __version__
from sitegen.commands.build import build_site
from sitegen.commands.load import load_site
from sitegen.devserver import make_server
from sitegen.diagnostics import (
    ContentError,
    Diagnostic,
    Diagnostics,
    format_github,
    format_json,
    format_text,
)
from sitegen.keyring import PRODUCTION_ENV, current_environment, is_production
from sitegen.model import Endorser, Issuer
from sitegen.output import OutputError
from sitegen.shards import Shard
from sitegen.templatecache import user_template_cache

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
@click.option(
    "--production", is_flag=True,
    help=f"Refuse development keys: every issuer must sign with a declared key "
    f"(also set by {PRODUCTION_ENV}=1).",
)
@click.option(
    "--shard", type=str, default=None, metavar="K/N",
    help="Make only slice K of N of the awards, for 'sitegen merge' (one CI runner each).",
)
@_guarded
def build(
    source: Path, output: Path | None, base_url: str | None, production: bool, shard: str | None,
) -> None:
    """Build the site (pages, Open Badges 2.0 and 3.0 credentials, baked images)."""
    try:
        slice_ = Shard.parse(shard) if shard is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None
    _run_build(source, output, base_url, production, shard=slice_)


@main.command()
@source_option
@click.argument(
    "shard_dirs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where to write the site.  [default: SOURCE/_site]",
)
@click.option("--base-url", help="The same --base-url the shards were built with.")
@click.option("--production", is_flag=True, help="As for build (the shards' setting).")
@_guarded
def merge(
    source: Path, shard_dirs: tuple[Path, ...], output: Path | None, base_url: str | None,
    production: bool,
) -> None:
    """Assemble the outputs of 'sitegen build --shard K/N' (every K) into the site, with
    the pages and lists around the awards: the same bytes as one build."""
    _run_build(source, output, base_url, production, shards=shard_dirs)


def _run_build(
    source: Path, output: Path | None, base_url: str | None, production: bool,
    *, shard: Shard | None = None, shards: tuple[Path, ...] | None = None,
) -> None:
    started = time.perf_counter()
    out_dir = output if output is not None else source / "_site"
    environ = current_environment()
    with _progress_bar(environ) as progress:
        result = build_site(
            source, out_dir, base_url=base_url, environ=environ,
            production=production or is_production(environ), now=datetime.now(UTC),
            cache_dir=source / ".sitegen", progress=progress, shard=shard, shards=shards,
            template_cache=user_template_cache(environ),
        )
    _report(result.warnings, "text")
    if result.development:
        click.echo(
            "development build: signed with development keys that anyone can recompute; "
            "pages say so (see 'sitegen keys generate')", err=True,
        )
    if result.mode == "unchanged":
        done = "nothing changed since the last build"
    elif result.mode == "shard" and shard is not None:
        done = f"shard {shard.number}/{shard.count}: {result.made} award(s) made"
    elif shards:
        done = f"awards assembled from {len(shards)} shard(s)"
    else:
        done = f"{result.made} award(s) made, {result.reused} unchanged"
    click.echo(
        f"built {result.issuers} issuer(s), {result.badges} badge(s), "
        f"{result.awards} award(s): {result.files} files, "
        f"{result.bytes / 1e6:.1f} MB in {out_dir} ({time.perf_counter() - started:.2f} s; "
        f"{done})"
    )


@contextlib.contextmanager
def _progress_bar(environ: Mapping[str, str]) -> Iterator[Callable[[int, int], None] | None]:
    """A progress line for long builds on a terminal; nothing in CI or when piped."""
    if not sys.stderr.isatty() or environ.get("CI"):
        yield None
        return
    state = {"shown": 0}

    def show(done: int, total: int) -> None:
        # Only builds long enough to wait for, redrawn at most a hundred times.
        if total >= 200 and (done == total or done - state["shown"] >= total // 100):
            state["shown"] = done
            click.echo(
                f"\r  signing and baking awards: {done}/{total} ({100 * done // total} %)",
                nl=False, err=True,
            )

    try:
        yield show
    finally:
        if state["shown"]:
            click.echo("", err=True)


@main.command()
@source_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text",
    show_default=True, help="text for people, github for workflow annotations, json for tools.",
)
@_guarded
def check(source: Path, fmt: str) -> None:
    """Check the content without writing anything (safe on untrusted pull requests)."""
    loaded = load_site(source, now=datetime.now(UTC))
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
@click.option(
    "--no-reload", is_flag=True,
    help="Build once and serve the files as built: no watching, no reloading.",
)
@_guarded
def serve(source: Path, port: int, no_reload: bool) -> None:
    """Serve the site at http://127.0.0.1:PORT/, rebuilt and reloaded on every change.

    A bad edit never stops the server: the terminal and the pages show the
    problems, and the last good version stays served until they are fixed.
    """
    from sitegen.commands.serve import SERVE_DIR, DevServer, ServeError

    # A shell starts a command in the background (a script's `sitegen serve &`, some CI
    # runners) with SIGINT ignored: Ctrl+C or `kill -INT` must still stop the server.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if no_reload:
        out_dir = source / SERVE_DIR
        base_url = f"http://127.0.0.1:{port}/"
        environ = current_environment()
        result = build_site(source, out_dir, base_url=base_url, environ=environ,
                            template_cache=user_template_cache(environ))
        _report(result.warnings, "text")
        with make_server(out_dir, port) as server:
            click.echo(f"serving {result.files} files at {base_url} (Ctrl+C to stop)")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                click.echo("stopped")
        return
    try:
        dev = DevServer(
            source, port=port, environ=current_environment(),
            out=click.echo, err=functools.partial(click.echo, err=True),
        )
    except ServeError as exc:
        raise click.ClickException(str(exc)) from exc
    with dev:
        try:
            dev.start()
            click.echo(f"serving at {dev.base_url} — watching for changes (Ctrl+C to stop)")
            dev.wait()
        except KeyboardInterrupt:
            click.echo("stopped")


@main.group()
def keys() -> None:
    """Create, show and rotate issuers' and endorsers' signing keys (secrets are never
    printed). ISSUER is the file name of an issuer or of an endorser."""


issuer_argument = click.argument("issuer")


@keys.command("generate")
@source_option
@issuer_argument
@_guarded
def keys_generate(source: Path, issuer: str) -> None:
    """Create ISSUER's key file in .keys/ and declare its public key."""
    from sitegen.commands.keys import generate_key

    for line in generate_key(source, issuer, datetime.now(UTC).date()).lines:
        click.echo(line)


@keys.command("show")
@source_option
@issuer_argument
@_guarded
def keys_show(source: Path, issuer: str) -> None:
    """Show which key signs for ISSUER and the public keys it declares."""
    from sitegen.commands.keys import show_key

    loaded = load_site(source)
    holders: tuple[Issuer | Endorser, ...] = (*loaded.site.issuers, *loaded.site.endorsers)
    match = next((i for i in holders if i.slug == issuer), None)
    if match is None:
        raise click.BadParameter(f"no issuer or endorser '{issuer}'", param_hint="ISSUER")
    diags = Diagnostics()
    report = show_key(source, match, current_environment(), diags)
    _report(diags.sorted(), "text")
    for line in report.lines:
        click.echo(line)


@keys.command("rotate")
@source_option
@issuer_argument
@_guarded
def keys_rotate(source: Path, issuer: str) -> None:
    """Replace ISSUER's key; the old public key stays published, marked retired."""
    from sitegen.commands.keys import rotate_key

    for line in rotate_key(source, issuer, datetime.now(UTC).date()).lines:
        click.echo(line)


def _stdin_is_interactive() -> bool:
    """Questions are for people at a terminal; scripts and CI pass flags instead."""
    return sys.stdin.isatty()


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="Title of the site.")
@click.option("--base-url", help="The address the site will be published at.")
@click.option("--issuer-name", help="Name of the organisation that awards the badges.")
@click.option("--issuer-url", help="The organisation's website.")
@click.option("--issuer-email", help="The organisation's public contact email.")
@click.option("--language", type=click.Choice(["fr", "en"]), help="Main language of the site.")
@click.option("--timezone", help="Time zone of plain dates.  [default: Europe/Paris or UTC]")
@click.option("--package", help="The pip requirement CI installs sitegen with (requirements.txt).")
@_guarded
def init_command(directory: Path, **given: str | None) -> None:
    """Create a badge site in DIRECTORY (new or empty), ready to push: content and CI."""
    from sitegen.commands import init
    from sitegen.commands.new import answers_from, local_today

    init.check_target(directory)
    questions = init.init_questions(init.installed_package_spec())
    answers = answers_from(questions, given, interactive=_stdin_is_interactive())
    scaffold = init.render_scaffold(answers, local_today())
    init.write_scaffold(directory, scaffold)
    for line in init.next_steps(directory, scaffold):
        click.echo(line)


@main.group()
def new() -> None:
    """Write a new issuer, badge or award file (options for scripts, questions for people)."""


@new.command("issuer")
@source_option
@click.option("--name", help="Name of the organisation.")
@click.option("--slug", help="Identifier and file name.  [default: from the name]")
@click.option("--url", help="Its website, https://...")
@click.option("--email", help="Its public contact email.")
@_guarded
def new_issuer(source: Path, **given: str | None) -> None:
    """Write content/issuers/SLUG.yaml."""
    from sitegen.commands.new import answers_from, create_issuer, issuer_questions

    answers = answers_from(issuer_questions(), given, interactive=_stdin_is_interactive())
    for line in create_issuer(source, answers).lines:
        click.echo(line)


@new.command("badge")
@source_option
@click.option("--issuer", help="The issuer's identifier.  [default: the only one]")
@click.option("--name", help="Name of the badge.")
@click.option("--slug", help="Identifier and file name.  [default: from the name]")
@click.option("--description", help="What the badge certifies (Markdown).")
@click.option("--criteria", help="What a person must do to earn it (Markdown).")
@click.option("--image", help="A square PNG or SVG to copy.  [default: a placeholder]")
@click.option("--alt", help="What the image shows (with --image).")
@_guarded
def new_badge(source: Path, **given: str | None) -> None:
    """Write content/badges/SLUG.yaml and its image."""
    from sitegen.commands.new import answers_from, badge_questions, create_badge

    answers = answers_from(badge_questions(source), given, interactive=_stdin_is_interactive())
    for line in create_badge(source, answers).lines:
        click.echo(line)


@new.command("award")
@source_option
@click.option("--badge", help="The badge's identifier.  [default: the only one]")
@click.option("--recipient-email", help="The earner's email (never published as such).")
@click.option("--recipient-name", help="The earner's name (published only as --display allows).")
@click.option("--display", type=click.Choice(["full", "initial", "none"]),
              help="How the name may appear, as the earner agreed.  [default: none]")
@click.option("--issued", help="Date of the award, YYYY-MM-DD.  [default: today]")
@click.option("--folder", help="Folder under content/awards/.  [default: YYYY-MM of --issued]")
@click.option("--id", "id_", help="Award id and file name.  [default: random, unguessable]")
@_guarded
def new_award(source: Path, id_: str | None, **given: str | None) -> None:
    """Write content/awards/FOLDER/ID.yaml with an id nobody can guess."""
    from sitegen.commands.new import answers_from, award_questions, create_award, local_today

    given = {**given, "id": id_}
    answers = answers_from(
        award_questions(source, local_today()), given, interactive=_stdin_is_interactive()
    )
    for line in create_award(source, answers).lines:
        click.echo(line)


@main.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--site", "site_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True, help="A built site folder (or a mirror of the published site).",
)
@_guarded
def verify_command(file: Path, site_dir: Path) -> None:
    """Verify a credential (JSON, JWT or baked PNG/SVG) offline against a built site."""
    from sitegen.verify import site_fetcher, verify

    verdict = verify(file.read_bytes(), site_fetcher(site_dir), datetime.now(UTC))
    for check in verdict.checks:
        click.echo(f"  {'ok ' if check.ok else 'NO '} {check.name}: {check.detail}")
    click.echo(f"{verdict.status.upper()}: {verdict.reason}")
    sys.exit(0 if verdict.status == "valid" else EXIT_CONTENT)


# Importing, exporting and ceremony kits live in their own module; importing it adds them.
from sitegen import cli_exchange  # noqa: E402, F401
