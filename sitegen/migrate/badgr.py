"""Badgr (Parchment) exports: its API v2 Issuer, BadgeClass and Assertion entities, read as OB 2.0.

Badgr answers each API call with ``{"status": ..., "result": [entities]}``; an
export is a folder or ZIP of such answers saved as JSON files, with the images
next to them (Badgr gives images as addresses, which are never fetched: an
image is found in the export by the file name of its address).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import PurePosixPath

from sitegen.migrate.ob2json import Found, export_from_objects
from sitegen.migrate.records import (
    IMAGE_SUFFIXES,
    Export,
    InputFile,
    Note,
    email_of,
    load_json,
    text_of,
)

JsonDict = Mapping[str, object]
# Bookkeeping of Badgr's own database, meaningless elsewhere: dropped without a note.
INTERNAL = frozenset({
    "entityType", "entityId", "openBadgeId", "createdAt", "createdBy", "staff",
    "issuerOpenBadgeId", "badgeclassOpenBadgeId", "acceptance", "sourceUrl", "issuer",
    "badgeclass",
    "recipientCount", "badgeclassCount", "issuerCount", "pathways", "isPrivate",
})


def read_badgr(files: Iterable[InputFile]) -> Export:
    """The issuers, badge classes and assertions of a Badgr export."""
    listed = tuple(files)
    images = _image_index(listed)
    found: list[Found] = []
    notes: list[Note] = []
    validities: dict[str, str] = {}
    for file in listed:
        if file.name.lower().endswith(IMAGE_SUFFIXES):
            continue
        for entity in _entities(load_json(file)):
            converted = _to_ob2(entity, images, file.name, notes)
            validity = _validity(entity.get("expires")) if converted else None
            if converted is not None and validity is not None:
                validities[str(converted["id"])] = validity
            if converted is not None:
                found.append(Found(data=converted, origin=file.name))
    export = export_from_objects("Badgr", found, listed, notes)
    return replace(export, badges=tuple(
        replace(b, validity=validities.get(b.key)) for b in export.badges
    ))


def _entities(value: object) -> Iterator[JsonDict]:
    if isinstance(value, dict) and "result" in value:
        value = value["result"]
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            yield item


def _image_index(files: tuple[InputFile, ...]) -> dict[str, str]:
    """Image files of the export by their file name and by their name without suffix."""
    index: dict[str, str] = {}
    for file in files:
        if file.name.lower().endswith(IMAGE_SUFFIXES):
            pure = PurePosixPath(file.name)
            index.setdefault(pure.name, file.name)
            index.setdefault(pure.stem, file.name)
    return index


def _image(entity: JsonDict, images: dict[str, str]) -> str | None:
    """The export's file for an entity's image: by its address's file name, or its entityId."""
    image = text_of(entity.get("image"), 10_000_000)
    if image is not None and image.startswith("data:"):
        return image
    candidates = [PurePosixPath(image.split("?")[0]).name] if image else []
    candidates.append(text_of(entity.get("entityId"), 200) or "")
    return next((images[c] for c in candidates if c in images), None)


def _to_ob2(
    entity: JsonDict, images: dict[str, str], origin: str, notes: list[Note]
) -> dict[str, object] | None:
    """A Badgr entity as the OB 2.0 object it stands for (its ``openBadgeId`` is the OB id)."""
    kind = entity.get("entityType")
    key = text_of(entity.get("openBadgeId"), 2000)
    fields: dict[str, str]
    handled: set[str] = set()
    if kind == "Issuer":
        out: dict[str, object] = {"type": "Issuer"}
        fields = {"name": "name", "url": "url", "email": "email", "description": "description"}
    elif kind == "BadgeClass":
        out = {"type": "BadgeClass", "issuer": entity.get("issuerOpenBadgeId"),
               "criteria": {"id": entity.get("criteriaUrl"),
                            "narrative": entity.get("criteriaNarrative")},
               "alignment": entity.get("alignments")}
        fields = {"name": "name", "description": "description", "tags": "tags"}
        handled = {"criteriaUrl", "criteriaNarrative", "alignments", "expires"}
    elif kind == "Assertion":
        out = {"type": "Assertion", "badge": entity.get("badgeclassOpenBadgeId"),
               "recipient": _recipient(entity.get("recipient"))}
        fields = {"issuedOn": "issuedOn", "expires": "expires", "narrative": "narrative",
                  "revoked": "revoked"}
        handled = {"recipient", "revocationReason", "evidence"}
        out["evidence"] = [
            {"id": e.get("url") or e.get("evidenceUrl"),
             "narrative": e.get("narrative") or e.get("evidenceNarrative")}
            for e in _dicts(entity.get("evidence"))
        ]
    else:
        notes.append(Note(origin=origin, subject="file",
                          message=f"a Badgr entity of type '{kind}' was ignored"))
        return None
    out["id"] = key
    out.update({ob: entity.get(badgr) for badgr, ob in fields.items() if badgr in entity})
    if kind != "Assertion":  # an assertion's image is the baked badge: sitegen bakes its own
        out["image"] = _image(entity, images) or entity.get("image")
    for extra in sorted(set(entity) - set(fields) - handled - INTERNAL - {"image"}):
        value = entity[extra]
        if extra == "extensions" and isinstance(value, dict):
            for name in sorted(value):
                notes.append(Note(origin=origin, subject=f"{kind} {key}",
                                  message=f"Badgr extension '{name}' not imported"))
        elif value not in (None, "", [], {}):
            notes.append(Note(origin=origin, subject=f"{kind} {key}",
                              message=f"Badgr field '{extra}' not imported"))
    return out


def _validity(value: object) -> str | None:
    """A BadgeClass's ``expires`` (``{"amount": 2, "duration": "years"}``) as ``P2Y``."""
    if not isinstance(value, dict):
        return None
    amount, unit = value.get("amount"), value.get("duration")
    letter = {"days": "D", "weeks": "W", "months": "M", "years": "Y"}.get(str(unit))
    if isinstance(amount, int) and not isinstance(amount, bool) and amount > 0 and letter:
        return f"P{amount}{letter}"
    return None


def _recipient(value: object) -> object:
    """Badgr gives the issuer the plain address (``plaintextIdentity``): better than a hash."""
    if not isinstance(value, dict):
        return value
    email = email_of(value.get("plaintextIdentity"))
    if email is None and value.get("hashed") is not True:
        email = email_of(value.get("identity"))
    if email is not None and value.get("type", "email") == "email":
        return {"type": "email", "hashed": False, "identity": email}
    return value


def _dicts(value: object) -> list[JsonDict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
