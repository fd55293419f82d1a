"""What an export holds once read, whatever the platform, and the untrusted files it came in."""

from __future__ import annotations

import base64
import binascii
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sitegen.fields import DATE, EMAIL, URL

MAX_FILE_BYTES = 5_000_000
MAX_TOTAL_BYTES = 200_000_000
MAX_FILES = 20_000
IMAGE_SUFFIXES = (".png", ".svg")
JSON_SUFFIXES = (".json", ".jsonld")
SHA256_HASH = re.compile(r"sha256\$[0-9a-fA-F]{64}")
DATA_URI = re.compile(r"data:image/(png|svg\+xml)(;[^,]*)?,(.*)", re.DOTALL)


class MigrationError(ValueError):
    """The export cannot be read at all (a usage problem, reported without a traceback)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InputFile:
    """One file of the export: its path inside the export, and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceImage:
    """An image found in the export (checked later, like any content image)."""

    data: bytes
    is_svg: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceIssuer:
    """An issuing organisation, keyed by its id on the old platform."""

    key: str
    name: str
    url: str | None
    email: str | None
    description: str | None = None
    image: SourceImage | None = None
    origin: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceAlignment:
    """A skill of a public framework the badge is aligned to."""

    name: str
    url: str
    framework: str | None = None
    code: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceBadge:
    """A badge (BadgeClass), keyed by its id on the old platform."""

    key: str
    issuer_key: str
    name: str
    description: str | None
    criteria: str | None
    """Markdown: the criteria narrative, or a link to the old criteria page."""
    tags: tuple[str, ...] = ()
    alignments: tuple[SourceAlignment, ...] = ()
    validity: str | None = None
    """How long each award stays valid (ISO 8601 duration), when the platform says."""
    image: SourceImage | None = None
    origin: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceEvidence:
    """One evidence item: a link and/or a text."""

    url: str | None = None
    name: str | None = None
    narrative: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceAward:
    """An award (Assertion); ``key`` is its original public address."""

    key: str
    badge_key: str
    email: str | None = None
    hashed: str | None = None
    salt: str | None = None
    issued: str
    """A date (YYYY-MM-DD) or a date-time with a zone, as content files write them."""
    expires: str | None = None
    narrative: str | None = None
    evidence: tuple[SourceEvidence, ...] = ()
    origin: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    """Something of the export that was not imported, or not as it was, and why."""

    origin: str
    subject: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Export:
    """Everything read from one export, with what could not be mapped."""

    platform: str
    issuers: tuple[SourceIssuer, ...] = ()
    badges: tuple[SourceBadge, ...] = ()
    awards: tuple[SourceAward, ...] = ()
    notes: tuple[Note, ...] = field(default=())


def read_inputs(path: Path) -> tuple[InputFile, ...]:
    """The files of an export folder or ZIP archive, in name order, within the size limits.

    Nothing is extracted to disk; links inside a folder are not followed.
    """
    if path.is_dir():
        return _read_folder(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return _read_zip(path)
    if path.is_file() and path.suffix.lower() in JSON_SUFFIXES:
        return (InputFile(name=path.name, data=_read_limited(path)),)
    raise MigrationError(f"{path}: not a folder, a ZIP archive or a JSON file")


def _read_limited(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise MigrationError(
            f"{path}: {size:,} bytes; files of an export are limited to {MAX_FILE_BYTES:,}"
        )
    return path.read_bytes()


def _read_folder(root: Path) -> tuple[InputFile, ...]:
    found: list[InputFile] = []
    total = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or path.is_symlink():
            continue
        if not path.is_file() or not _is_wanted(path.name):
            continue
        data = _read_limited(path)
        total += len(data)
        if total > MAX_TOTAL_BYTES or len(found) >= MAX_FILES:
            raise MigrationError(f"{root}: the export is too large to import at once")
        found.append(InputFile(name=rel.as_posix(), data=data))
    return tuple(found)


def _read_zip(path: Path) -> tuple[InputFile, ...]:
    found: list[InputFile] = []
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                name = PurePosixPath(info.filename.replace("\\", "/"))
                if info.is_dir() or any(p.startswith(".") or p == ".." for p in name.parts):
                    continue
                if not _is_wanted(name.name):
                    continue
                if info.file_size > MAX_FILE_BYTES:
                    raise MigrationError(
                        f"{path}: {info.filename} is {info.file_size:,} bytes; files of an "
                        f"export are limited to {MAX_FILE_BYTES:,}"
                    )
                total += info.file_size
                if total > MAX_TOTAL_BYTES or len(found) >= MAX_FILES:
                    raise MigrationError(f"{path}: the export is too large to import at once")
                found.append(InputFile(name=name.as_posix(), data=archive.read(info)))
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
        raise MigrationError(f"{path}: cannot read the ZIP archive ({exc})") from exc
    return tuple(found)


def _is_wanted(name: str) -> bool:
    return name.lower().endswith(JSON_SUFFIXES + IMAGE_SUFFIXES)


def load_json(file: InputFile) -> object:
    """The JSON value of a file; raises :class:`MigrationError` naming the line and column."""
    try:
        return json.loads(file.data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise MigrationError(f"{file.name}: not UTF-8 text ({exc.reason})") from exc
    except RecursionError:
        raise MigrationError(f"{file.name}: nested too deeply to be an export") from None
    except json.JSONDecodeError as exc:
        raise MigrationError(f"{file.name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") \
            from exc


def text_of(value: object, limit: int = 20_000) -> str | None:
    """A non-empty string value, trimmed and without control characters, or None."""
    if not isinstance(value, str):
        return None
    cleaned = "".join(
        c for c in value.replace("\r\n", "\n")
        if c in "\n\t" or (c >= " " and not "\x7f" <= c <= "\x9f")
    ).strip()
    return cleaned[:limit] if cleaned else None


def web_url(value: object) -> str | None:
    """An absolute http(s) address, or None."""
    text = text_of(value, 2000)
    return text if text is not None and URL.fullmatch(text) else None


def email_of(value: object) -> str | None:
    """A valid email address, trimmed and lower-cased, or None."""
    text = text_of(value, 254)
    return text.lower() if text is not None and EMAIL.fullmatch(text) else None


def moment_of(value: object) -> str | None:
    """An OB date (ISO 8601 with a zone, a date, or a Unix time) as content files write it.

    A date-time without a zone is read as UTC (OB 1.x allowed it).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            moment = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    text = text_of(value, 64)
    if text is None:
        return None
    if DATE.fullmatch(text):
        return text
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def image_of(value: object, files: Mapping[str, InputFile]) -> SourceImage | None:
    """An image given as a data URI, or as a PNG or SVG file of the export.

    An address on the web is never fetched: the export's file of the same name
    (``robotics-badge.png`` for ``https://example.org/robotics-badge.png``) is used.
    """
    if isinstance(value, dict):
        value = value.get("id")
    text = text_of(value, MAX_FILE_BYTES * 2)
    if text is None:
        return None
    match = DATA_URI.fullmatch(text)
    if match is not None:
        kind, params, payload = match.groups()
        try:
            data = base64.b64decode(payload, validate=True) if params and "base64" in params \
                else payload.encode("utf-8")
        except (binascii.Error, ValueError):
            return None
        return SourceImage(data=data, is_svg=kind != "png") if len(data) <= MAX_FILE_BYTES \
            else None
    local = files.get(text) or files.get(PurePosixPath(text.split("?")[0]).name)
    if local is not None and local.name.lower().endswith(IMAGE_SUFFIXES):
        return SourceImage(data=local.data, is_svg=local.name.lower().endswith(".svg"))
    return None
