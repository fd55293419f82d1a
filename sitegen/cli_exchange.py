"""Commands that bring badges in and take them out: import, export and ceremony kits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from sitegen.cli import _guarded, _report, main, source_option
from sitegen.commands.load import load_site


@main.command("import")
@source_option
@click.argument("csv_file", metavar="FILE.csv | EXPORT",
                type=click.Path(exists=True, path_type=Path))
@click.option("--from", "platform", type=click.Choice(["ob2-json", "badgr", "obf"]),
              help="Import another platform's export (a folder, a ZIP or a JSON file) "
              "instead of a ceremony's CSV.")
@click.option("--map", "mappings", multiple=True, metavar="COLUMN=FIELD",
              help="Read COLUMN as FIELD (badge, email, name, issued...; 'ignore' skips it).")
@click.option("--badge", help="Badge of every row with no badge cell (a one-badge ceremony).")
@click.option("--issued", help="Date of every row with no date cell (YYYY-MM-DD or DD/MM/YYYY).")
@click.option("--folder", help="Folder under content/awards/.  [default: from the file name]")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
              help="With --from: also write the report (what was not imported) as JSON.")
@click.option("--dry-run", is_flag=True, help="Show what would be created; write nothing.")
@_guarded
def import_command(
    source: Path, csv_file: Path, platform: str | None, mappings: tuple[str, ...],
    badge: str | None, issued: str | None, folder: str | None, report_file: Path | None,
    dry_run: bool,
) -> None:
    """Create one award per row of a ceremony's spreadsheet (CSV); all rows or nothing.

    With --from, import the issuers, badges and awards of another platform's
    export (Open Badges 2.0 JSON files or baked images, a Badgr or an Open
    Badge Factory export), checked like 'sitegen check': everything, or nothing.
    """
    if platform is not None:
        _import_export(source, platform, csv_file, report_file, dry_run=dry_run,
                       csv_options=bool(mappings or badge or issued or folder))
        return
    if csv_file.is_dir() or report_file is not None:
        raise click.UsageError("a folder or --report needs --from (ob2-json, badgr or obf)")
    from sitegen.commands.importer import ImportOptionError, ImportOptions, import_csv

    options = ImportOptions(mappings=mappings, badge=badge, issued=issued, folder=folder)
    try:
        report = import_csv(source, csv_file, options, dry_run=dry_run)
    except ImportOptionError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.option) from exc
    _report(report.plan.diagnostics, "text")
    for line in report.lines:
        click.echo(line)


def _import_export(
    source: Path, platform: str, path: Path, report_file: Path | None, *, dry_run: bool,
    csv_options: bool,
) -> None:
    from sitegen.migrate.records import MigrationError
    from sitegen.migrate.run import import_export

    if csv_options:
        raise click.UsageError("--map, --badge, --issued and --folder are for CSV files only")
    try:
        report = import_export(source, platform, path, now=datetime.now(UTC), dry_run=dry_run)
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(report.warnings, "text")
    for line in report.lines():
        click.echo(line)
    if report_file is not None:
        try:
            report_file.write_text(report.to_json(), encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(
                f"cannot write {report_file}: {exc.strerror or exc}") from exc


@main.command("export")
@source_option
@click.option("--recipient", "email", metavar="EMAIL",
              help="The earner's email address, as written in the award files.")
@click.option("--all", "everyone", is_flag=True,
              help="One ZIP per earner instead (named after their addresses; nothing printed).")
@click.option(
    "--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The built site to take the files from.  [default: SOURCE/_site]",
)
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="The folder to write the ZIP into.",
)
@_guarded
def export_command(
    source: Path, email: str | None, everyone: bool, site_dir: Path | None, output: Path,
) -> None:
    """Write one ZIP of every award of one earner (or of each, with --all): credentials,
    badge images, certificates and a guide in French and English, as the built site
    publishes them."""
    from sitegen.commands.export import export_everyone, export_recipient, write_export

    if (email is None) == (not everyone):
        raise click.UsageError("give either --recipient EMAIL or --all")
    site = site_dir if site_dir is not None else source / "_site"
    if email is not None:
        exports = [export_recipient(source, site, email, datetime.now(UTC))]
    else:
        exports = export_everyone(source, site, datetime.now(UTC))
    paths = [write_export(export, output) for export in exports]
    revoked = sorted(r for export in exports for r in export.revoked)
    if revoked:
        click.echo(f"left out {len(revoked)} revoked award(s): {', '.join(revoked)}", err=True)
    if any(export.development for export in exports):
        click.echo("warning: the site was signed with development keys: these credentials prove "
                   "nothing; export from the published site (or a production build)", err=True)
    if email is not None:
        ids = exports[0].awards
        click.echo(f"wrote {paths[0]} ({len(ids)} award(s): {', '.join(ids)})")
    else:
        awards = sum(len(export.awards) for export in exports)
        click.echo(f"wrote {len(paths)} archive(s) in {output} ({awards} award(s))")


@main.command("ceremony")
@source_option
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--csv", "csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The ceremony's spreadsheet, as given to 'sitegen import' (instead of FOLDER).")
@click.option("--map", "mappings", multiple=True, metavar="COLUMN=FIELD",
              help="With --csv: read COLUMN as FIELD, as given to 'sitegen import'.")
@click.option("--badge", help="With --csv: badge of every row with no badge cell.")
@click.option("--issued", help="With --csv: date of every row with no date cell.")
@click.option("--language", type=click.Choice(["fr", "en"]),
              help="Language of the certificates and messages.  [default: the site's]")
@click.option("--base-url", help="The site's address, if not site.yaml's base_url.")
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The kit's folder.  [default: ./ceremony-NAME]",
)
@_guarded
def ceremony_command(
    source: Path, folder: Path | None, csv_file: Path | None, mappings: tuple[str, ...],
    badge: str | None, issued: str | None, language: str | None, base_url: str | None,
    output: Path | None,
) -> None:
    """Make a ceremony's kit from FOLDER (of award files) or --csv FILE: one printable
    document with a certificate and QR code per award, and a message per earner."""
    from sitegen.commands.ceremony import (
        CsvOptions,
        awards_in_csv,
        awards_in_folder,
        make_kit,
        write_kit,
    )
    from sitegen.commands.importer import ImportOptionError

    if (folder is None) == (csv_file is None):
        raise click.UsageError("give either FOLDER or --csv FILE")
    loaded = load_site(source, base_url=base_url)
    try:
        if csv_file is not None:
            options = CsvOptions(mappings=mappings, badge=badge, issued=issued)
            awards, name = awards_in_csv(csv_file, options, loaded), csv_file.stem
        else:
            assert folder is not None  # noqa: S101 - checked above
            awards, name = awards_in_folder(source, folder, loaded), folder.resolve().name
        kit = make_kit(source, name, awards, loaded, language)
        target = output if output is not None else Path(f"ceremony-{name}")
        write_kit(kit, target)
    except ImportOptionError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.option) from exc
    if kit.revoked:
        click.echo(f"left out {len(kit.revoked)} revoked award(s): {', '.join(kit.revoked)}",
                   err=True)
    click.echo(
        f"wrote {target}/: certificates.html ({len(kit.awards)} certificate(s)), messages.csv "
        f"and messages/ ({kit.earners} earner(s)); the messages hold email addresses: "
        "keep them private"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
