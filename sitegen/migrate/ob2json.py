"""Hosted Open Badges 2.0 (and 1.x) JSON: a folder of assertions, badge classes and issuers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from sitegen.bake import OB2, BakeError, unbake_png, unbake_svg
from sitegen.migrate.records import (
    SHA256_HASH,
    Export,
    InputFile,
    MigrationError,
    Note,
    SourceAlignment,
    SourceAward,
    SourceBadge,
    SourceEvidence,
    SourceIssuer,
    email_of,
    image_of,
    load_json,
    moment_of,
    text_of,
    web_url,
)

JsonDict = Mapping[str, object]
# Keys each class maps (or replaces with its own, like the verification and baked image).
ASSERTION_KEYS = frozenset({
    "@context", "type", "id", "uid", "recipient", "badge", "issuedOn", "issued_on", "expires",
    "narrative", "evidence", "verification", "verify", "image", "revoked", "revocationReason",
})
BADGE_KEYS = frozenset({
    "@context", "type", "id", "name", "description", "image", "criteria", "issuer", "tags",
    "alignment",
})
ISSUER_KEYS = frozenset({
    "@context", "type", "id", "name", "url", "email", "description", "image", "verification",
    "publicKey", "revocationList",
})
TAG_LIMIT = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """One OB object of the export and the file it was read from."""

    data: JsonDict
    origin: str


def read_ob2_json(files: Iterable[InputFile]) -> Export:
    """Every Assertion, BadgeClass and Profile found in the export's JSON files and baked images."""
    listed = tuple(files)
    found: list[Found] = []
    notes: list[Note] = []
    for file in listed:
        for data in _objects_of(file, notes):
            found.append(Found(data=data, origin=file.name))
    return export_from_objects("Open Badges 2.0", found, listed, notes)


def _objects_of(file: InputFile, notes: list[Note]) -> Iterator[JsonDict]:
    lower = file.name.lower()
    if lower.endswith((".png", ".svg")):
        try:
            payload = unbake_png(file.data, OB2) if lower.endswith(".png") \
                else unbake_svg(file.data, OB2)
        except BakeError:
            payload = None
        if payload is None or not payload.lstrip().startswith("{"):
            return  # an image, or a badge baked with a URL or a signature: not JSON to read
        try:
            value: object = load_json(InputFile(name=file.name, data=payload.encode("utf-8")))
        except MigrationError as exc:
            notes.append(Note(origin=file.name, subject="baked image", message=str(exc)))
            return
    else:
        value = load_json(file)
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            yield item
        else:
            notes.append(Note(
                origin=file.name, subject="file", message="a JSON value that is not an object",
            ))


def kind_of(data: JsonDict) -> str | None:
    """``assertion``, ``badge`` or ``issuer`` from the OB type (or the keys, for OB 1.x)."""
    types = data.get("type")
    names = {types} if isinstance(types, str) else {t for t in _list(types) if isinstance(t, str)}
    if "Assertion" in names or ("recipient" in data and "badge" in data):
        return "assertion"
    if "BadgeClass" in names or ("criteria" in data and "issuer" in data):
        return "badge"
    if names & {"Issuer", "Profile"} or ("name" in data and "url" in data):
        return "issuer"
    return None


def export_from_objects(
    platform: str, found: Iterable[Found], files: Iterable[InputFile], notes: list[Note]
) -> Export:
    """Link assertions to badge classes and issuers (embedded or by id) and map each one."""
    by_id: dict[str, Found] = {}
    assertions: list[Found] = []
    for item in _flatten(found):
        kind = kind_of(item.data)
        key = text_of(item.data.get("id"), 2000)
        if kind == "assertion":
            assertions.append(item)
        elif kind is not None and key is not None:
            by_id.setdefault(key, item)
        elif kind is None:
            notes.append(Note(
                origin=item.origin, subject="file",
                message="not an Open Badges Assertion, BadgeClass or Issuer: ignored",
            ))
    images = {PurePosixPath(f.name).name: f for f in files} | {f.name: f for f in files}
    mapper = _Mapper(by_id=by_id, images=images, notes=notes)
    awards = [a for item in assertions if (a := mapper.award(item)) is not None]
    return Export(
        platform=platform,
        issuers=tuple(sorted(mapper.issuers.values(), key=lambda i: i.key)),
        badges=tuple(sorted(mapper.badges.values(), key=lambda b: b.key)),
        awards=tuple(sorted(awards, key=lambda a: a.key)),
        notes=tuple(notes),
    )


def _flatten(found: Iterable[Found]) -> Iterator[Found]:
    """Objects and the badge classes and issuers embedded in them, each with an id."""
    for item in found:
        yield item
        for key in ("badge", "issuer"):
            inner = item.data.get(key)
            if isinstance(inner, dict):
                yield from _flatten([Found(data=inner, origin=item.origin)])


@dataclass(slots=True, kw_only=True)
class _Mapper:
    by_id: dict[str, Found]
    images: dict[str, InputFile]
    notes: list[Note]
    issuers: dict[str, SourceIssuer] = field(default_factory=dict)
    badges: dict[str, SourceBadge] = field(default_factory=dict)

    def note(self, origin: str, subject: str, message: str) -> None:
        self.notes.append(Note(origin=origin, subject=subject, message=message))

    def _dropped_keys(self, data: JsonDict, known: frozenset[str], origin: str, what: str) -> None:
        for key in sorted(set(data) - known):
            self.note(origin, what, f"field '{key}' not imported")

    def _linked(self, value: object, origin: str) -> Found | None:
        if isinstance(value, dict):
            key = text_of(value.get("id"), 2000)
            return self.by_id.get(key) if key else Found(data=value, origin=origin)
        key = text_of(value, 2000)
        return self.by_id.get(key) if key else None

    def award(self, item: Found) -> SourceAward | None:
        data, origin = item.data, item.origin
        key = text_of(data.get("id"), 2000) or _verify_url(data)
        subject = f"assertion {key or '(no id)'}"
        if key is None:
            self.note(origin, subject, "skipped: the assertion has no id")
            return None
        if data.get("revoked") is True:
            self.note(origin, subject, "skipped: revoked on the old platform")
            return None
        found_badge = self._linked(data.get("badge"), origin)
        badge = self.badge(found_badge) if found_badge is not None else None
        if badge is None:
            self.note(origin, subject, "skipped: its badge class is not in the export "
                      "(addresses are never fetched) or cannot be imported")
            return None
        issued = moment_of(data.get("issuedOn", data.get("issued_on")))
        if issued is None:
            self.note(origin, subject, "skipped: no valid issue date (issuedOn)")
            return None
        identity = recipient_of(data.get("recipient"))
        if isinstance(identity, str):
            self.note(origin, subject, f"skipped: {identity}")
            return None
        expires = moment_of(data.get("expires"))
        if data.get("expires") is not None and expires is None:
            self.note(origin, subject, "expiry date not imported: not a valid date")
        self._dropped_keys(data, ASSERTION_KEYS, origin, subject)
        return SourceAward(
            key=key, badge_key=badge.key, email=identity[0], hashed=identity[1],
            salt=identity[2], issued=issued, expires=expires,
            narrative=text_of(data.get("narrative")),
            evidence=self._evidence(data.get("evidence"), origin, subject),
            origin=origin,
        )

    def _evidence(self, value: object, origin: str, subject: str) -> tuple[SourceEvidence, ...]:
        items = value if isinstance(value, list) else [] if value is None else [value]
        kept: list[SourceEvidence] = []
        for entry in items:
            if isinstance(entry, str):
                entry = {"id": entry}
            if not isinstance(entry, dict):
                continue
            narrative = text_of(entry.get("narrative")) or text_of(entry.get("description"))
            evidence = SourceEvidence(
                url=web_url(entry.get("id")), name=text_of(entry.get("name"), 300),
                narrative=narrative,
            )
            if evidence.url is None and evidence.narrative is None:
                self.note(origin, subject, "an evidence item without a web address or text "
                          "not imported")
                continue
            kept.append(evidence)
        return tuple(kept)

    def badge(self, item: Found) -> SourceBadge | None:
        data, origin = item.data, item.origin
        key = text_of(data.get("id"), 2000) or f"{origin}#badge"
        if key in self.badges:
            return self.badges[key]
        subject = f"badge class {key}"
        name = text_of(data.get("name"), 200)
        found_issuer = self._linked(data.get("issuer"), origin)
        issuer = self.issuer(found_issuer) if found_issuer is not None else None
        if name is None or issuer is None:
            self.note(origin, subject, "skipped: no name, or its issuer is not in the export "
                      "or cannot be imported")
            return None
        tags = tuple(t for t in (text_of(v, 1000) for v in _list(data.get("tags"))) if t)
        if any(len(t) > TAG_LIMIT for t in tags):
            self.note(origin, subject, f"tags longer than {TAG_LIMIT} characters not imported")
        image = image_of(data.get("image"), self.images)
        badge = SourceBadge(
            key=key, issuer_key=issuer.key, name=name,
            description=text_of(data.get("description")),
            criteria=criteria_of(data.get("criteria")),
            tags=tuple(sorted({t for t in tags if len(t) <= TAG_LIMIT})),
            alignments=self._alignments(data.get("alignment"), origin, subject),
            image=image, origin=origin,
        )
        self._dropped_keys(data, BADGE_KEYS, origin, subject)
        self.badges[key] = badge
        return badge

    def _alignments(self, value: object, origin: str, subject: str) -> tuple[SourceAlignment, ...]:
        kept: list[SourceAlignment] = []
        for entry in _list(value):
            name = text_of(entry.get("targetName"), 300) if isinstance(entry, dict) else None
            url = web_url(entry.get("targetUrl")) if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or name is None or url is None:
                self.note(origin, subject, "an alignment without targetName and targetUrl "
                          "not imported")
                continue
            kept.append(SourceAlignment(
                name=name, url=url, framework=text_of(entry.get("targetFramework"), 200),
                code=text_of(entry.get("targetCode"), 100),
                description=text_of(entry.get("targetDescription")),
            ))
        return tuple(kept)

    def issuer(self, item: Found) -> SourceIssuer | None:
        data, origin = item.data, item.origin
        key = text_of(data.get("id"), 2000) or f"{origin}#issuer"
        if key in self.issuers:
            return self.issuers[key]
        subject = f"issuer {key}"
        name = text_of(data.get("name"), 200)
        if name is None:
            self.note(origin, subject, "skipped: the issuer has no name")
            return None
        image = image_of(data.get("image"), self.images)
        if image is None and data.get("image") is not None:
            self.note(origin, subject, "logo not in the export (addresses are never fetched): "
                      "not imported")
        issuer = SourceIssuer(
            key=key, name=name, url=web_url(data.get("url")), email=email_of(data.get("email")),
            description=text_of(data.get("description")), image=image, origin=origin,
        )
        self._dropped_keys(data, ISSUER_KEYS, origin, subject)
        self.issuers[key] = issuer
        return issuer


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _verify_url(data: JsonDict) -> str | None:
    """An OB 1.x hosted assertion's address, in ``verify.url``."""
    verify = data.get("verify")
    return web_url(verify.get("url")) if isinstance(verify, dict) else None


def recipient_of(value: object) -> tuple[str | None, str | None, str | None] | str:
    """``(email, hashed, salt)`` of an IdentityObject, or why it cannot be imported."""
    if isinstance(value, str):  # OB 0.5: the plain email address
        email = email_of(value)
        return (email, None, None) if email else "the recipient is not an email address"
    if not isinstance(value, dict):
        return "no recipient"
    kind = text_of(value.get("type"), 50) or "email"
    if kind != "email":
        return f"the recipient is identified by {kind}, not by an email address"
    identity = text_of(value.get("identity"), 300) or ""
    if value.get("hashed") is True or "$" in identity:
        if not SHA256_HASH.fullmatch(identity):
            return "the recipient's hash is not SHA-256 (sitegen publishes only sha256$ hashes)"
        return None, identity, text_of(value.get("salt"), 200)
    email = email_of(identity)
    return (email, None, None) if email else "the recipient is not a valid email address"


def criteria_of(value: object) -> str | None:
    """The criteria as Markdown: the narrative, then a link to the criteria page if any."""
    url = web_url(value.get("id")) if isinstance(value, dict) else web_url(value)
    narrative = text_of(value.get("narrative"), 17_000) if isinstance(value, dict) else None
    parts = [p for p in (narrative, f"<{url}>" if url else None) if p]
    return "\n\n".join(parts) if parts else None
