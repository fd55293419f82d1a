"""``sitegen ceremony``: a ceremony's printable certificates and a message for each earner.

A ceremony is a folder of award files (``content/awards/2024-03-ceremonie``) or the
spreadsheet its awards were imported from (``sitegen import``), whose rows are matched
to the awards by badge, email address and date. The kit is a folder:

- ``certificates.html``: one certificate per award and printed page, each with the QR
  code of its award's page; it stands alone (every image inline) and prints from any
  browser;
- ``messages.csv`` for mail merge, and ``messages/NN-<award id>.txt``: per earner, the
  link to each badge, its credential code and what to do with it;
- ``.gitignore``, so that the messages' email addresses are never committed by mistake.

It is made from the content alone, before the site is built: the pages the QR codes
lead to exist once the awards are published.
"""

from __future__ import annotations

import shutil
import tempfile
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from sitegen.certificates import Sheet, image_paths, read_stylesheet, render_certificates
from sitegen.commands.importer import (
    ALIAS_TO_FIELD,
    award_identity,
    decode_csv,
    map_columns,
    normalize_date,
    parse_mappings,
    read_row,
    read_table,
    row_identity,
)
from sitegen.commands.load import LoadedSite
from sitegen.diagnostics import Diagnostics, Span
from sitegen.i18n import make_translator
from sitegen.messages import compose_message, group_by_earner, message_text, messages_csv
from sitegen.model import Award
from sitegen.output import OutputError
from sitegen.qr import qr_png
from sitegen.render import Renderer
from sitegen.theme import read_theme
from sitegen.urls import Urls

AWARDS_DIR = "content/awards"
KIT_MARKER = "# sitegen ceremony kit: it holds email addresses, keep it out of git\n*\n"


class CeremonyError(OutputError):
    """The kit cannot be made; the message says why and the hint what to do."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CsvOptions:
    """How to read the ceremony's spreadsheet, as ``sitegen import`` was told."""

    mappings: tuple[str, ...] = ()
    badge: str | None = None
    issued: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Kit:
    """A ceremony's kit, in memory: its files by path, and what it holds."""

    name: str
    files: dict[str, bytes]
    awards: tuple[str, ...]
    """Ids of the awards with a certificate, in print order."""
    earners: int
    revoked: tuple[str, ...]
    """Ids of revoked awards, left out."""


def awards_in_folder(source: Path, folder: Path, loaded: LoadedSite) -> list[Award]:
    """The awards whose files lie in ``folder`` (a folder under ``content/awards/``), sorted by
    earner name, so that certificates come out in the order names are called."""
    root = (source / AWARDS_DIR).resolve()
    target = folder if folder.is_dir() or folder.is_absolute() else source / folder
    target = target.resolve()
    if not target.is_dir() or not target.is_relative_to(root):
        raise CeremonyError(
            f"{folder} is not a folder under {AWARDS_DIR}/",
            f"give a folder of award files, like {AWARDS_DIR}/2024-03-ceremonie, or --csv FILE",
        )
    chosen = [
        a for a in loaded.site.awards if (source / a.source.path).resolve().is_relative_to(target)
    ]
    if not chosen:
        raise CeremonyError(f"there is no award file in {folder}",
                            "give the folder that holds the ceremony's award files")
    return sorted(
        chosen, key=lambda a: ((a.recipient.name or a.recipient.email or "").casefold(), a.id)
    )


def awards_in_csv(csv_file: Path, options: CsvOptions, loaded: LoadedSite) -> list[Award]:
    """The awards the rows of an imported spreadsheet became, in row order.

    Raises :class:`~sitegen.diagnostics.ContentError` with the row and column of every
    row that matches no award (not imported yet, or changed since).
    """
    diags = Diagnostics()
    path = str(csv_file)
    try:
        data = csv_file.read_bytes()
    except OSError as exc:
        raise CeremonyError(f"cannot read {csv_file}: {exc.strerror or exc}",
                            "check the file's name and permissions") from exc
    mappings = parse_mappings(options.mappings)
    defaults = {"badge": options.badge.strip()} if options.badge else {}
    if options.issued:
        defaults["issued"] = normalize_date(options.issued.strip())
    text = decode_csv(data, path, diags)
    known = frozenset(ALIAS_TO_FIELD) | frozenset(mappings)
    table = read_table(text, path, known, diags) if text is not None else None
    diags.raise_if_errors()
    assert table is not None  # noqa: S101 - read_table reports why it read nothing
    columns = map_columns(table, mappings, path, diags, defaults=defaults)
    diags.raise_if_errors()
    zone = zoneinfo.ZoneInfo(loaded.site.config.timezone)
    by_identity = {award_identity(a, zone): a for a in loaded.site.awards}
    chosen: dict[str, Award] = {}
    for number, cells in table.rows:
        values = read_row(number, cells, columns=columns, header=table.header,
                          defaults=defaults, path=path, diags=diags)
        if values is None:
            continue
        identity = row_identity(values, zone)
        award = by_identity.get(identity) if identity is not None else None
        if award is None:
            email = values.cells.get("email")
            diags.error(
                Span(path, number, email.column if email and email.column else 1),
                "ceremony.no-award", "no award matches this row (same badge, email address "
                "and date)",
                "import the file first ('sitegen import FILE'), or correct the row",
            )
            continue
        chosen.setdefault(award.id, award)
    diags.raise_if_errors()
    return list(chosen.values())


def make_kit(
    source: Path, name: str, awards: list[Award], loaded: LoadedSite, language: str | None = None,
) -> Kit:
    """The kit for ``awards`` (revoked ones left out) in ``language`` (default: the site's)."""
    site = loaded.site
    language = language or site.config.language
    kept = [a for a in awards if a.revocation is None]
    revoked = tuple(a.id for a in awards if a.revocation is not None)
    if not kept:
        raise CeremonyError("every award of this ceremony was revoked: there is nothing to print",
                            "revoked awards are left out of ceremony kits")
    theme = read_theme(source, site.config.theme)
    urls = Urls(site.config.base_url, default_language=site.config.language)
    tr = make_translator(language, theme.locale_dirs)
    renderer = Renderer(theme.template_dirs, site, urls, tr)
    sheets = []
    for award in kept:
        page_url = urls.absolute(urls.award_page(award))
        images: dict[str, bytes] = {}
        for path in image_paths(award, urls):
            if path == urls.qr_code(award):
                images[path] = qr_png(page_url)
            elif path == urls.baked_png(award):
                images[path] = loaded.images[award.badge.image.path].png
            else:
                logo = award.badge.issuer.image
                assert logo is not None  # noqa: S101 - image_paths lists a logo only then
                prepared = loaded.images[logo.path]
                images[path] = prepared.svg if prepared.is_svg else prepared.png
        sheets.append(Sheet(award=award, award_url=page_url, qr_alt=renderer.qr_title(award),
                            images=images))
    groups = group_by_earner(kept)
    title = tr.gettext("Certificates: %(ceremony)s") % {"ceremony": name}
    intro = [
        tr.ngettext("%(num)d certificate, one per printed page.",
                    "%(num)d certificates, one per printed page.", len(kept)) % {"num": len(kept)},
        tr.gettext("Each QR code leads to the badge’s page: hand out the certificates once the "
                   "badges are published."),
    ]
    files = {
        ".gitignore": KIT_MARKER.encode("utf-8"),
        "certificates.html": render_certificates(
            renderer, sheets, title=title, intro=intro, stylesheet=read_stylesheet(theme)),
    }
    messages = [compose_message(group, urls, tr) for group in groups]
    files["messages.csv"] = messages_csv(messages, language)
    width = len(str(len(messages)))
    for number, message in enumerate(messages, start=1):
        files[f"messages/{number:0{width}d}-{message.awards[0]}.txt"] = message_text(message, tr)
    return Kit(name=name, files=files, awards=tuple(a.id for a in kept), earners=len(groups),
               revoked=revoked)


def write_kit(kit: Kit, output: Path) -> None:
    """Write the kit's folder in one step: made aside, then swapped in for a previous kit."""
    if output.exists() and any(output.iterdir()) and not _is_kit(output):
        raise CeremonyError(f"{output} exists and is not a ceremony kit",
                            "give --output a new folder, or remove this one")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    except OSError as exc:
        raise CeremonyError(f"cannot write in {output.parent}: {exc.strerror or exc}",
                            "give --output a folder you can write to") from exc
    try:
        for rel, data in sorted(kit.files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        staging.chmod(0o755)
        if output.exists():
            old = output.with_name(f".{output.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            output.replace(old)
            staging.replace(output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.replace(output)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise CeremonyError(f"cannot write {output}: {exc.strerror or exc}",
                            "check the free space and the folder's permissions") from exc


def _is_kit(folder: Path) -> bool:
    marker = folder / ".gitignore"
    return marker.is_file() and marker.read_text(encoding="utf-8") == KIT_MARKER
