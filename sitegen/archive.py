"""An earner's archive: the layout of their awards' files, and a ZIP that is the same every time."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sitegen.model import Award

# Files inside one award's folder of the archive, as published on the site.
AWARD_FILES = ("credential.json", "credential.jwt", "badge.png", "badge.svg")
# The archive's own pages, one per language; each language links to the other.
README_NAMES = {"fr": "LISEZMOI.html", "en": "README.html"}
LANGUAGES = ("fr", "en")
_FILE_MODE = 0o644 << 16
_UNIX = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchivedAward:
    """One award in the archive and the folder that holds its files."""

    award: Award
    folder: str
    """Its folder inside the archive's top folder (``2024-03-14-indispensable``)."""
    code: str
    """The credential code (LinkedIn's credential id)."""
    page_url: str
    """The absolute URL of the award's page."""
    credential_url: str
    linkedin_url: Mapping[str, str]
    """LinkedIn's "add to profile" link, by language (it names the badge in that language)."""
    expired: bool = False


def certificate_name(language: str) -> str:
    """The file name of an award's certificate in one language."""
    return f"certificate-{language}.html"


def award_folders(awards: Sequence[Award]) -> dict[str, str]:
    """A readable folder name for each award id: its date and badge, unique within the archive."""
    folders: dict[str, str] = {}
    used: set[str] = set()
    for award in sorted(awards, key=lambda a: (a.issued, a.badge.slug, a.id)):
        name = f"{award.issued:%Y-%m-%d}-{award.badge.slug}"
        if name in used:
            name = f"{name}-{award.id}"
        used.add(name)
        folders[award.id] = name
    return folders


def archive_stem(email: str) -> str:
    """The archive's file name without ``.zip``, from the address's local part (never its domain).

    The file goes to that person; it never contains anyone else's address.
    """
    local = email.rpartition("@")[0]
    ascii_text = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:40].strip("-")
    return f"badges-{slug}" if slug else "badges"


def write_zip(files: Mapping[str, bytes], day: date) -> bytes:
    """A ZIP of ``files`` (path inside the archive → bytes): sorted entries, every one dated
    ``day`` at midnight with the same permissions, so the same files give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.create_system = _UNIX
            info.external_attr = _FILE_MODE
            # PNG is compressed already; everything else is text.
            info.compress_type = (
                zipfile.ZIP_STORED if path.endswith(".png") else zipfile.ZIP_DEFLATED
            )
            archive.writestr(info, files[path], compresslevel=9)
    return out.getvalue()
