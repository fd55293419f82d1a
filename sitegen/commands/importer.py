"""``sitegen import``: a ceremony's spreadsheet (CSV) becomes award files, checked as in check."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import secrets
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import yaml

from sitegen.commands.load import load_site
from sitegen.content import Repository, SourceDocument, read_documents
from sitegen.diagnostics import (
    ContentError,
    Diagnostic,
    Diagnostics,
    Severity,
    Span,
    suggest,
)
from sitegen.fields import DATE
from sitegen.model import Award, SiteConfig
from sitegen.output import OutputError
from sitegen.resolve import resolve_site
from sitegen.yamlsrc import parse_yaml

MAX_CSV_BYTES = 5_000_000
AWARDS_DIR = "content/awards"
SCHEMA_FILE = "docs/schema/award.schema.json"
# base32hex in lower case, like the example ids: 8 characters are 40 random bits.
ID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
ID_TOKEN_LENGTH = 8
# On a tie, the semicolon of French spreadsheet exports wins.
DELIMITERS = (";", "\t", ",")
IGNORE = "ignore"

# Header names each field is recognised by, written as normalize_header() returns them
# (lower case, no accents, words separated by one space).
ALIASES: dict[str, tuple[str, ...]] = {
    "badge": ("badge", "badge id", "identifiant du badge"),
    "email": (
        "email", "e mail", "mail", "email address", "courriel", "adresse electronique",
        "adresse mail", "adresse e mail", "adresse courriel", "mel",
    ),
    "name": ("name", "nom", "full name", "nom complet", "prenom et nom", "nom et prenom"),
    "first_name": ("first name", "given name", "prenom"),
    "last_name": ("last name", "family name", "surname", "nom de famille"),
    "display": ("display", "name display", "affichage", "affichage du nom"),
    "issued": (
        "issued", "issued on", "date", "date de remise", "date d attribution",
        "date de delivrance",
    ),
    "expires": ("expires", "expiry", "expiry date", "expiration", "date d expiration"),
    "listed": ("listed", "publie", "repertorie"),
    "narrative": ("narrative", "comment", "comments", "commentaire", "commentaires"),
    "optional_criteria": (
        "optional criteria", "criteres facultatifs", "criteres optionnels",
    ),
}
ALIAS_TO_FIELD = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
FIELD_NOUNS = {
    "badge": "the badge", "email": "the email address", "name": "the name",
    "first_name": "the first name", "last_name": "the last name",
    "display": "how the name is shown", "issued": "the date", "expires": "the expiry date",
    "listed": "whether the award is listed", "narrative": "the narrative",
    "optional_criteria": "the optional criteria",
}
REQUIRED = ("badge", "email", "issued")
DISPLAY_WORDS = {
    "full": "full", "complet": "full", "complete": "full", "nom complet": "full",
    "initial": "initial", "initiale": "initial", "prenom et initiale": "initial",
    "none": "none", "aucun": "none", "aucune": "none",
}
LISTED_WORDS = {
    "oui": "true", "yes": "true", "true": "true", "vrai": "true", "1": "true",
    "non": "false", "no": "false", "false": "false", "faux": "false", "0": "false",
}
# Hints that speak of the spreadsheet, where the award checks speak of YAML.
CELL_HINTS = {
    ("award.bad-date", "issued"): "write dates as DD/MM/YYYY or YYYY-MM-DD, like 14/03/2024",
    ("award.bad-date", "expires"): "write dates as DD/MM/YYYY or YYYY-MM-DD, like 14/03/2024",
    ("award.bad-choice", "display"):
        "write full, initial or none (or complet, initiale, aucun); leave it empty for none",
    ("award.wrong-type", "listed"):
        "write oui or non (or yes/no, true/false, 1/0); leave it empty for non",
}
SAVE_AS_UTF8 = (
    'save it again as "CSV UTF-8": in LibreOffice, File > Save As, type "Text CSV", tick '
    '"Edit filter settings" and choose the character set "Unicode (UTF-8)"; in Excel, '
    'Save As "CSV UTF-8 (comma delimited)"'
)
DMY_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:\s+0?0:00(?::00)?)?")
ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?")
PLAIN_WORD = re.compile(r"[a-z][a-z0-9-]*")
# Plain words the YAML reader (or YAML 1.1 tools) would not read as text.
NOT_PLAIN = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})
FOLDER_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SENTINEL = "\uffff"

Identity = tuple[str, str, date]
"""What makes two awards the same: badge, normalized email and issue date."""


class ImportOptionError(ValueError):
    """A command-line option of ``sitegen import`` is wrong; the message says why."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option
        self.message = message


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportOptions:
    """What the command line says about the file."""

    mappings: tuple[str, ...] = ()
    """``COLUMN=field`` pairs for header names sitegen does not know (field may be ``ignore``)."""
    badge: str | None = None
    """Badge of every row whose badge cell is empty or missing."""
    issued: str | None = None
    """Date of every row whose date cell is empty or missing."""
    folder: str | None = None
    """Sub-folder of ``content/awards/`` to write into; default from the file name."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportTarget:
    """What rows are checked against: the site's settings, issuers, badges and awards."""

    repo: Repository
    config: SiteConfig
    documents: tuple[SourceDocument, ...]
    """The issuer and badge files, as read."""
    awards: tuple[Award, ...]
    """Awards already in the repository (an imported row matching one is skipped)."""
    schema: bool = False
    """True when the repository has the award JSON Schema (the files then point to it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A CSV file cut into cells."""

    delimiter: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    """(row number as a spreadsheet shows it, the header being 1; cells)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """A value for one award key and the spreadsheet cell it came from."""

    value: str
    """As written into the award file (dates in ISO form, French words translated)."""
    raw: str
    """As written in the spreadsheet."""
    column: int
    """1-based column; 0 for a value from a command-line option."""
    header: str
    """The column's header, or the option (``--badge``) the value came from."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RowValues:
    """The award one row describes, before checking."""

    row: int
    cells: Mapping[str, Cell]
    criteria: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedAward:
    """An award file's text and, for each of its lines, the field written there."""

    text: str
    fields: tuple[str | None, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedAward:
    """An award file the import creates."""

    row: int
    id: str
    path: str
    """Site-relative path of the file."""
    text: str
    badge: str
    masked_email: str
    issued: str
    shown_name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SkippedRow:
    """A row whose award is already in the repository."""

    row: int
    badge: str
    masked_email: str
    issued: str
    existing: str
    """Site-relative path of the award already there."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportPlan:
    """What an import would do, or the problems that stop it."""

    folder: str
    created: tuple[PlannedAward, ...] = ()
    skipped: tuple[SkippedRow, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def has_errors(self) -> bool:
        """True when nothing may be written."""
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """What an import did, for the command line to print."""

    plan: ImportPlan
    lines: tuple[str, ...]


def normalize_header(text: str) -> str:
    """A header as compared with the known names: lower case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[^\W_]+", plain))


def printable(text: str) -> str:
    """``text`` with line breaks and control characters replaced, safe in a comment or a line."""
    return "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text
    )


def mask_email(email: str) -> str:
    """An address shown without revealing it: ``c•••@example.net``."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local:
        return "•••"
    return f"{printable(local[0])}•••@{printable(domain)}"


def draw_token() -> str:
    """The random end of an award id."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_TOKEN_LENGTH))


def award_id(badge: str, issued: date | None, token: str) -> str:
    """``2024-03-ind-8vh6r930``: sortable, never a name, not guessable."""
    prefix = re.sub(r"[^a-z0-9]", "", badge.lower())[:3] or "awd"
    return f"{issued:%Y-%m}-{prefix}-{token}" if issued else f"{prefix}-{token}"


def normalize_date(text: str) -> str:
    """``14/03/2024`` (as French spreadsheets write it) becomes ``2024-03-14``.

    A midnight time that a spreadsheet adds to a date cell is dropped; anything
    else is returned as is, for the award checks to judge.
    """
    match = DMY_DATE.fullmatch(text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    match = ISO_DAY.fullmatch(text)
    return match.group(1) if match else text


def default_folder(csv_name: str, months: Iterable[str]) -> str:
    """The folder named after the file, prefixed with the month when all rows share one.

    ``ceremonie.csv`` of 14 March 2024 gives ``2024-03-ceremonie``.
    """
    stem = PurePosixPath(csv_name.replace("\\", "/")).name.rsplit(".", 1)[0]
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60].strip("-") or "import"
    distinct = sorted(set(months))
    if len(distinct) == 1 and distinct[0] not in slug:
        slug = f"{distinct[0]}-{slug}"
    return slug


def check_folder(text: str) -> str:
    """A ``--folder`` value as a path under ``content/awards/``, or an option error."""
    cleaned = text.strip().replace("\\", "/").rstrip("/")
    if cleaned.startswith(AWARDS_DIR + "/"):
        cleaned = cleaned[len(AWARDS_DIR) + 1:]
    parts = cleaned.split("/")
    if not cleaned or not all(FOLDER_PART.fullmatch(part) for part in parts):
        raise ImportOptionError(
            "--folder",
            f"'{printable(text)}' cannot be a folder under {AWARDS_DIR}/: use letters, digits, "
            "'-', '_' and '.', like 2024-03-ceremonie",
        )
    return "/".join(parts)


def parse_mappings(pairs: Sequence[str]) -> dict[str, str]:
    """``--map COLUMN=field`` options as {normalized header: field}."""
    known = {normalize_header(n): n for n in ALIASES} | ALIAS_TO_FIELD
    mappings: dict[str, str] = {}
    for pair in pairs:
        column, equals, target = pair.rpartition("=")
        key, word = normalize_header(column), normalize_header(target)
        if not equals or not key:
            raise ImportOptionError("--map", f"'{printable(pair)}' is not COLUMN=FIELD")
        field = IGNORE if word in (IGNORE, "ignorer") else known.get(word)
        if field is None:
            hint = suggest(word, [*ALIASES, IGNORE])
            raise ImportOptionError(
                "--map",
                f"'{printable(target)}' is not a field"
                + (f" ({hint})" if hint else "")
                + f"; fields: {', '.join(ALIASES)}, or {IGNORE} to skip the column",
            )
        if key in mappings and mappings[key] != field:
            raise ImportOptionError("--map", f"column '{printable(column)}' is mapped twice")
        mappings[key] = field
    return mappings


def decode_csv(data: bytes, path: str, diags: Diagnostics) -> str | None:
    """The text of a UTF-8 file (with or without BOM); other encodings are reported."""
    if len(data) > MAX_CSV_BYTES:
        diags.error(
            Span(path), "import.too-large",
            f"the file is {len(data):,} bytes; the limit is {MAX_CSV_BYTES:,}",
            "import the ceremony in several files",
        )
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        diags.error(
            Span(path), "import.encoding",
            "the file is saved as UTF-16 (\"Unicode text\"), not as UTF-8", SAVE_AS_UTF8,
        )
        return None
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        row, column = _cell_position(body[: exc.start].decode("utf-8"))
        byte = body[exc.start: exc.start + 1]
        guess = byte.decode("cp1252", errors="replace")
        seen = f" (probably '{guess}' written in Windows-1252)" if guess.isprintable() \
            and guess != "\ufffd" else ""
        diags.error(
            Span(path, row, column), "import.encoding",
            f"the file is not saved as UTF-8: byte 0x{byte[0]:02x}{seen}", SAVE_AS_UTF8,
        )
        return None


def _cell_position(before: str) -> tuple[int, int]:
    """Row and column of the cell where the text after ``before`` starts."""
    delimiter = sniff_delimiter(before, frozenset(ALIAS_TO_FIELD))
    # A sentinel makes the reader open the cell where the bad byte sits.
    reader = csv.reader(io.StringIO(before + SENTINEL, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error:
        return before.count("\n") + 1, 1
    return max(len(records), 1), max(len(records[-1]) if records else 1, 1)


def sniff_delimiter(text: str, known: frozenset[str]) -> str:
    """``;``, tab or ``,``: the one that cuts the header into the most known names."""
    first = text.split("\n", 1)[0].rstrip("\r")

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        return sum(normalize_header(c) in known for c in cells), len(cells)

    return max(DELIMITERS, key=score)


def read_table(text: str, path: str, known: frozenset[str], diags: Diagnostics) -> Table | None:
    """The header and rows of a CSV text; row numbers count every record, blank ones too."""
    if not text.strip():
        diags.error(Span(path), "import.empty", "the file is empty",
                    "export the sheet with its header row and one row per award")
        return None
    delimiter = sniff_delimiter(text, known)
    records: list[tuple[str, ...]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records.extend(tuple(cells) for cells in reader)
    except csv.Error as exc:
        diags.error(
            Span(path, len(records) + 1, 1), "import.syntax", f"cannot read this row: {exc}",
            "open the file in a spreadsheet program and export it again as CSV",
        )
        return None
    header = records[0] if records else ()
    rows = tuple((number, cells) for number, cells in enumerate(records[1:], start=2))
    if not any(_clean(c) for c in header):
        diags.error(Span(path), "import.empty", "the first row is empty",
                    "the first row must name the columns, like badge;courriel;nom;date")
        return None
    if not any(any(_clean(c) for c in cells) for _, cells in rows):
        diags.error(Span(path, 1, 1), "import.empty", "there is no row below the header",
                    "add one row per award")
        return None
    return Table(delimiter=delimiter, header=header, rows=rows)


def _clean(cell: str) -> str:
    """A cell's text with outer spaces removed and Windows line breaks made plain."""
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def map_columns(
    table: Table,
    mappings: Mapping[str, str],
    path: str,
    diags: Diagnostics,
    *,
    defaults: Iterable[str] = (),
) -> dict[str, int]:
    """Which 0-based column gives each field; unknown, doubled and missing columns are reported."""
    by_field: dict[str, int] = {}
    by_name: set[str] = set()  # fields found by their header name rather than by --map
    unused = set(mappings)
    for index, title in enumerate(table.header):
        key = normalize_header(title)
        if not key:
            continue
        span = Span(path, 1, index + 1)
        field = mappings.get(key)
        unused.discard(key)
        if field is None:
            field = ALIAS_TO_FIELD.get(key)
            if field is not None:
                by_name.add(field)
        if field is None:
            known = suggest(key, ALIAS_TO_FIELD)
            diags.error(
                span, "import.unknown-column", f"unknown column '{printable(title)}'",
                (f"{known} Otherwise " if known else "")
                + f"rename it, or add --map '{printable(title)}=FIELD' "
                f"(or '{printable(title)}={IGNORE}' to leave it out)",
            )
            continue
        if field == IGNORE:
            continue
        if field in by_field:
            diags.error(
                span, "import.duplicate-column",
                f"columns {by_field[field] + 1} and {index + 1} both give {FIELD_NOUNS[field]}",
                "delete one of them, or give one another meaning with --map",
            )
            continue
        by_field[field] = index
    if unused:
        column = sorted(unused)[0]
        hint = suggest(column, [normalize_header(t) for t in table.header])
        raise ImportOptionError(
            "--map",
            f"there is no column '{column}' in the header" + (f" ({hint})" if hint else ""),
        )
    # Next to "Prénom", "Nom" is the family name, as in most French spreadsheets.
    if {"first_name", "name"} <= by_field.keys() and "name" in by_name \
            and "last_name" not in by_field:
        by_field["last_name"] = by_field.pop("name")
    if "name" in by_field and by_field.keys() & {"first_name", "last_name"}:
        diags.error(
            Span(path, 1, by_field["name"] + 1), "import.duplicate-column",
            "the name is given twice: as a full name and as first and last names",
            "keep either one name column, or a first-name and a last-name column",
        )
    present = set(defaults)
    for field in REQUIRED:
        if field not in by_field and field not in present:
            option = {"badge": " (or give --badge for the whole file)",
                      "issued": " (or give --issued for the whole file)"}.get(field, "")
            names = ", ".join(n for n in ALIASES[field][:4])
            diags.error(
                Span(path, 1, 1), "import.missing-column", f"no column gives {FIELD_NOUNS[field]}",
                f"add a column named {names}{option}, or name an existing one with --map",
            )
    return by_field


def check_unnamed_columns(table: Table, path: str, diags: Diagnostics) -> None:
    """Report values under a column without a header, once per column."""
    flagged: set[int] = set()
    for number, cells in table.rows:
        for index, cell in enumerate(cells):
            named = index < len(table.header) and normalize_header(table.header[index])
            if named or index in flagged or not _clean(cell):
                continue
            flagged.add(index)
            diags.error(
                Span(path, number, index + 1), "import.unnamed-column",
                f"column {index + 1} has no name in the header row, but this row has a value",
                "name the column in the first row, or delete the column",
            )


def read_row(
    number: int,
    cells: Sequence[str],
    *,
    columns: Mapping[str, int],
    header: Sequence[str],
    defaults: Mapping[str, str],
    path: str,
    diags: Diagnostics,
) -> RowValues | None:
    """One row's values, translated to award values; None for a blank row."""
    texts = [_clean(c) for c in cells]
    if not any(texts):
        return None
    found: dict[str, Cell] = {}
    for field, index in columns.items():
        text = texts[index] if index < len(texts) else ""
        if text:
            found[field] = Cell(value=text, raw=text, column=index + 1, header=header[index])
    for field, value in defaults.items():
        if field not in found:
            found[field] = Cell(value=value, raw=value, column=0, header=f"--{field}")
    for field in REQUIRED:
        if field not in found and field in columns:
            diags.error(
                Span(path, number, columns[field] + 1), "import.empty-cell",
                f"'{printable(header[columns[field]])}' is empty: "
                f"every row needs {FIELD_NOUNS[field]}",
                {"badge": "or give --badge for the whole file",
                 "issued": "or give --issued for the whole file"}.get(field),
            )
    first, last = found.pop("first_name", None), found.pop("last_name", None)
    if "name" not in found and (first or last):
        parts = [c for c in (first, last) if c is not None]
        found["name"] = Cell(
            value=" ".join(c.value for c in parts), raw=" ".join(c.raw for c in parts),
            column=parts[0].column, header=parts[0].header,
        )
    values: dict[str, Cell] = {}
    for field, cell in found.items():
        if field == "badge":  # spreadsheets like to capitalise the first letter of a cell
            cell = _with_value(cell, cell.raw.lower())
        elif field in ("issued", "expires"):
            cell = _with_value(cell, normalize_date(cell.raw))
        elif field == "display":
            cell = _with_value(cell, DISPLAY_WORDS.get(normalize_header(cell.raw), cell.raw))
        elif field == "listed":
            cell = _with_value(cell, LISTED_WORDS.get(normalize_header(cell.raw), cell.raw))
        values[field] = cell
    criteria: tuple[str, ...] = ()
    if "optional_criteria" in values:
        raw = values["optional_criteria"].raw
        criteria = tuple(
            part.strip().lower() for part in re.split(r"[,;\n]", raw) if part.strip()
        )
    return RowValues(row=number, cells=values, criteria=criteria)


def _with_value(cell: Cell, value: str) -> Cell:
    return Cell(value=value, raw=cell.raw, column=cell.column, header=cell.header)


def row_identity(values: RowValues, zone: zoneinfo.ZoneInfo) -> Identity | None:
    """Badge, normalized email and day of a row; None when one of them is unusable."""
    badge, email, issued = (values.cells.get(f) for f in REQUIRED)
    if badge is None or email is None or issued is None:
        return None
    day = _day(issued.value, zone)
    return (badge.value, email.value.strip().lower(), day) if day else None


def award_identity(award: Award, zone: zoneinfo.ZoneInfo) -> Identity:
    """What an award already in the repository is compared on."""
    return award.badge.slug, award.recipient.key, award.issued.astimezone(zone).date()


def _day(text: str, zone: zoneinfo.ZoneInfo) -> date | None:
    try:
        if DATE.fullmatch(text):
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(zone).date() if moment.tzinfo else None


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly ``value``, as text.

    Identifiers and ISO dates stay plain, like in hand-written files; any
    other cell goes through the YAML emitter in double quotes, so quotes,
    ``: ``, ``#``, line breaks or ``{{ }}`` are only ever text.
    """
    if (PLAIN_WORD.fullmatch(value) and value not in NOT_PLAIN) or DATE.fullmatch(value):
        return value
    dumped = yaml.dump(
        value, Dumper=yaml.SafeDumper, default_style='"', allow_unicode=True, width=1 << 30
    )
    return dumped.rstrip("\n")


COMMENTS = {
    "fr": {
        "header": (
            "# Attribution importée par « sitegen import » de « {file} », ligne {row}.",
            "#",
            "# Le nom du fichier sert d'identifiant à l'attribution et figure dans",
            "# l'adresse de sa page : sa fin est tirée au hasard pour que personne ne",
            "# puisse la deviner, et il ne contient jamais le nom de la personne.",
        ),
        "email": (
            "  # L'adresse électronique n'est jamais publiée en clair : seule une",
            "  # empreinte salée (SHA-256) figure dans le badge.",
        ),
        "display": (
            "  # Affichage du nom accepté par la personne : full (nom complet),",
            "  # initial (prénom et initiale) ou none (aucun nom publié).",
        ),
    },
    "en": {
        "header": (
            "# Award imported by `sitegen import` from “{file}”, row {row}.",
            "#",
            "# The file name is the award's id and appears in the address of its",
            "# page: its end is drawn at random so that nobody can guess it, and it",
            "# never contains the person's name.",
        ),
        "email": (
            "  # The email address is never published as such: the badge holds",
            "  # only a salted hash (SHA-256) of it.",
        ),
        "display": (
            "  # How the person agreed to have their name shown: full, initial",
            "  # (first name and initial) or none (no name published).",
        ),
    },
}


def render_award(
    values: RowValues, *, language: str, source_name: str, schema_ref: str | None
) -> RenderedAward:
    """The award file a row becomes, commented like a hand-written one."""
    comments = COMMENTS.get(language, COMMENTS["en"])
    lines: list[tuple[str, str | None]] = []

    def add(text: str, field: str | None = None) -> None:
        lines.append((text, field))

    def key(name: str, field: str, indent: str = "") -> None:
        cell = values.cells.get(field)
        if cell is not None:
            add(f"{indent}{name}: {_scalar(cell.value)}", field)

    for text in comments["header"]:
        add(text.format(file=printable(source_name), row=values.row))
    if schema_ref:
        add(f"# yaml-language-server: $schema={schema_ref}")
    add("")
    key("badge", "badge")
    add("")
    recipient = [f for f in ("email", "name", "display") if f in values.cells]
    add("recipient:" if recipient else "recipient: {}", "email")
    if "email" in values.cells:
        for text in comments["email"]:
            add(text)
        key("email", "email", "  ")
    key("name", "name", "  ")
    if "display" in values.cells:
        for text in comments["display"]:
            add(text)
        key("display", "display", "  ")
    add("")
    key("issued", "issued")
    key("expires", "expires")
    listed = values.cells.get("listed")
    if listed is not None:
        shown = listed.value if listed.value in ("true", "false") else _scalar(listed.value)
        add(f"listed: {shown}", "listed")
    if values.criteria:
        add("optional_criteria:", "optional_criteria")
        for criterion in values.criteria:
            add(f"  - {_scalar(criterion)}", "optional_criteria")
    if "narrative" in values.cells:
        add("")
        key("narrative", "narrative")
    return RenderedAward(
        text="\n".join(text for text, _ in lines) + "\n",
        fields=tuple(field for _, field in lines),
    )


def plan_import(
    data: bytes,
    *,
    csv_path: str,
    target: ImportTarget,
    options: ImportOptions,
    draw: Callable[[], str] = draw_token,
) -> ImportPlan:
    """Check every row against the site and plan one award file per new row.

    Each row is written as the award file it would become and read back by
    the same parser and checks as ``sitegen check``; their problems are
    reported at the row and column of the cell. Raises
    :class:`ImportOptionError` for a wrong option.
    """
    diags = Diagnostics()
    zone = zoneinfo.ZoneInfo(target.config.timezone)
    badges = {d.stem for d in target.documents if d.kind == "badge"}
    mappings = parse_mappings(options.mappings)
    defaults = _option_defaults(options, badges)
    folder = check_folder(options.folder) if options.folder is not None else None
    text = decode_csv(data, csv_path, diags)
    known = frozenset(ALIAS_TO_FIELD) | frozenset(mappings)
    table = read_table(text, csv_path, known, diags) if text is not None else None
    if table is None:
        return ImportPlan(folder=folder or "", diagnostics=diags.sorted())
    columns = map_columns(table, mappings, csv_path, diags, defaults=defaults)
    check_unnamed_columns(table, csv_path, diags)
    rows = [
        values for number, cells in table.rows
        if (values := read_row(
            number, cells, columns=columns, header=table.header, defaults=defaults,
            path=csv_path, diags=diags,
        )) is not None
    ]
    existing = {award_identity(a, zone): a.source.path for a in target.awards}
    first_row: dict[Identity, int] = {}
    pending: list[tuple[RowValues, Identity | None]] = []
    skipped: list[SkippedRow] = []
    for values in rows:
        identity = row_identity(values, zone)
        if identity is not None and identity in first_row:
            email = values.cells["email"]
            diags.error(
                Span(csv_path, values.row, max(email.column, 1)), "import.duplicate-row",
                f"this row repeats row {first_row[identity]}: same badge, email address and date",
                "delete one of the two rows",
            )
            continue
        if identity is not None:
            first_row[identity] = values.row
            if identity in existing:
                skipped.append(SkippedRow(
                    row=values.row, badge=identity[0], masked_email=mask_email(identity[1]),
                    issued=identity[2].isoformat(), existing=existing[identity],
                ))
                continue
        pending.append((values, identity))
    if folder is None:
        folder = default_folder(csv_path, (f"{i[2]:%Y-%m}" for _, i in pending if i))
    schema_ref = "../" * (2 + folder.count("/") + 1) + SCHEMA_FILE if target.schema else None
    used = {a.id for a in target.awards}
    documents: list[SourceDocument] = []
    drafts: dict[str, tuple[RowValues, RenderedAward, str, Identity | None]] = {}
    checks = Diagnostics()
    for values, identity in pending:
        badge = values.cells.get("badge")
        new_id = _fresh_id(
            badge.value if badge else "", identity[2] if identity else None, used, draw
        )
        used.add(new_id)
        path = f"{AWARDS_DIR}/{folder}/{new_id}.yaml"
        rendered = render_award(
            values, language=target.config.language,
            source_name=PurePosixPath(csv_path.replace("\\", "/")).name, schema_ref=schema_ref,
        )
        encoded = rendered.text.encode("utf-8")
        node = parse_yaml(encoded, path, checks)
        drafts[path] = (values, rendered, new_id, identity)
        if node is not None:
            documents.append(SourceDocument(
                kind="award", path=path, stem=new_id, node=node,
                digest=hashlib.sha256(encoded).hexdigest(),
            ))
    site = resolve_site([*target.documents, *documents], target.repo, target.config, checks)
    for found in checks:
        draft = drafts.get(found.span.path)
        if draft is None:
            diags.extend([found])  # the site's own files: checked before, never expected
            continue
        mapped = _to_cell(found, draft[0], draft[1], csv_path)
        if mapped is not None:
            diags.extend([mapped])
    resolved = {a.source.path: a for a in site.awards}
    created = tuple(
        PlannedAward(
            row=values.row, id=new_id, path=path, text=rendered.text,
            badge=values.cells["badge"].value if "badge" in values.cells else "",
            masked_email=mask_email(values.cells["email"].value.lower())
            if "email" in values.cells else "•••",
            issued=identity[2].isoformat() if identity else "",
            shown_name=_shown_name(resolved.get(path)),
        )
        for path, (values, rendered, new_id, identity) in drafts.items()
    )
    return ImportPlan(
        folder=folder, created=created, skipped=tuple(skipped), diagnostics=diags.sorted(),
    )


def _option_defaults(options: ImportOptions, badges: set[str]) -> dict[str, str]:
    """``--badge`` and ``--issued``, checked once rather than on every row."""
    defaults: dict[str, str] = {}
    if options.badge is not None:
        slug = options.badge.strip()
        if slug not in badges:
            hint = suggest(slug, badges)
            raise ImportOptionError(
                "--badge", f"badge '{printable(slug)}' does not exist"
                + (f" ({hint})" if hint else f"; badges: {', '.join(sorted(badges))}"),
            )
        defaults["badge"] = slug
    if options.issued is not None:
        value = normalize_date(options.issued.strip())
        try:
            date.fromisoformat(value if DATE.fullmatch(value) else "not a date")
        except ValueError:
            raise ImportOptionError(
                "--issued", f"'{printable(options.issued)}' is not a date: write it as "
                "DD/MM/YYYY or YYYY-MM-DD, like 14/03/2024",
            ) from None
        defaults["issued"] = value
    return defaults


def _fresh_id(badge: str, issued: date | None, used: set[str], draw: Callable[[], str]) -> str:
    while True:  # 40 random bits: a second draw is already unlikely
        candidate = award_id(badge, issued, draw())
        if candidate not in used:
            return candidate


def _shown_name(award: Award | None) -> str | None:
    name = award.recipient.shown_name if award is not None else None
    return printable(name) if name else None


def _to_cell(
    found: Diagnostic, values: RowValues, rendered: RenderedAward, csv_path: str
) -> Diagnostic | None:
    """An award check's problem, moved to the cell it comes from (None when said already)."""
    if found.code.endswith(".missing-key"):
        return None  # empty required cells and missing columns were reported as such
    line = found.span.line
    field = rendered.fields[line - 1] if 0 < line <= len(rendered.fields) else None
    cell = values.cells.get(field) if field else None
    message, hint = found.message, found.hint
    if cell is None:
        return Diagnostic(
            severity=found.severity, code=found.code, message=message, hint=hint,
            span=Span(csv_path, values.row, 1),
        )
    if found.code.endswith(".bad-email"):
        message = "this is not a valid email address"  # never print an address in full
    elif cell.raw != cell.value:
        message = message.replace(f"'{cell.value}'", f"'{printable(cell.raw)}'")
    where = f"column '{printable(cell.header)}'" if cell.column else cell.header
    return Diagnostic(
        severity=found.severity, code=found.code, message=f"{where}: {message}",
        hint=CELL_HINTS.get((found.code, field or ""), hint),
        span=Span(csv_path, values.row, max(cell.column, 1)),
    )


def describe(plan: ImportPlan, *, dry_run: bool) -> tuple[str, ...]:
    """What the import did (or would do), one line per row, then a summary."""
    verb = "would create" if dry_run else "created"
    by_row: list[tuple[int, str]] = []
    for award in plan.created:
        shown = f"name shown: {award.shown_name}" if award.shown_name else "name not shown"
        by_row.append((award.row, (
            f"row {award.row}: {verb} {award.path} "
            f"({award.badge}, {award.masked_email}, {award.issued}, {shown})"
        )))
    for row in plan.skipped:
        by_row.append((row.row, (
            f"row {row.row}: already there in {row.existing} "
            f"({row.badge}, {row.masked_email}, {row.issued})"
        )))
    lines = [text for _, text in sorted(by_row)]
    folder = f"{AWARDS_DIR}/{plan.folder}/"
    there = f"{len(plan.skipped)} already there"
    if dry_run:
        lines.append(
            f"dry run: {len(plan.created)} award(s) would be created in {folder}, {there}; "
            "nothing was written (the real import draws new ids)"
        )
    elif plan.created:
        lines += [
            f"created {len(plan.created)} award(s) in {folder}, {there}",
            "next: run 'sitegen check', then commit the new files "
            "(keep the repository private: it holds the email addresses)",
        ]
    else:
        lines.append(f"nothing to create: {there}")
    return tuple(lines)


def import_csv(
    source: Path,
    csv_file: Path,
    options: ImportOptions,
    *,
    dry_run: bool = False,
    draw: Callable[[], str] = draw_token,
) -> ImportReport:
    """Import ``csv_file`` into the site in ``source``: all rows, or nothing.

    Raises :class:`ContentError` listing every problem of the repository or of
    the file (then nothing is written), :class:`ImportOptionError` for a wrong
    option and :class:`OutputError` when the files cannot be written.
    """
    loaded = load_site(source)  # a repository with errors is fixed first
    documents = read_documents(loaded.repo, Diagnostics())
    target = ImportTarget(
        repo=loaded.repo, config=loaded.site.config,
        documents=tuple(d for d in documents if d.kind != "award"),
        awards=loaded.site.awards, schema=(source / SCHEMA_FILE).is_file(),
    )
    try:
        data = csv_file.read_bytes()
    except OSError as exc:
        raise OutputError(f"cannot read {csv_file}: {exc.strerror or exc}") from exc
    plan = plan_import(data, csv_path=str(csv_file), target=target, options=options, draw=draw)
    if plan.has_errors:
        raise ContentError(plan.diagnostics)
    if not dry_run and plan.created:
        _write_awards(source, plan)
    return ImportReport(plan=plan, lines=describe(plan, dry_run=dry_run))


def _write_awards(source: Path, plan: ImportPlan) -> None:
    """Create every planned file, never replacing one; on failure remove those written."""
    folder = source / AWARDS_DIR / plan.folder
    try:
        folder.resolve().relative_to(source.resolve())
    except ValueError:
        raise OutputError(f"{AWARDS_DIR}/{plan.folder} leads outside the repository") from None
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for award in plan.created:
            path = source / award.path
            with path.open("x", encoding="utf-8", newline="\n") as stream:
                written.append(path)
                stream.write(award.text)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise OutputError(
            f"cannot write in {AWARDS_DIR}/{plan.folder}: {exc.strerror or exc}; "
            "nothing was written"
        ) from exc
