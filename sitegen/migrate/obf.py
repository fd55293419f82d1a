"""Open Badge Factory exports: the answers of its API v2 (client, badges, events, recipients).

OBF has no export file of its own: an issuer saves the JSON answers of
``GET /v2/client/{client}``, ``/v2/badge/{client}``, ``/v2/event/{client}``
and each event's recipients, with the badge images next to them (named after
the badge id, ``<badge id>.png``, or like the file of the image address).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath

from sitegen.migrate.records import (
    IMAGE_SUFFIXES,
    Export,
    InputFile,
    Note,
    SourceAlignment,
    SourceAward,
    SourceBadge,
    SourceImage,
    SourceIssuer,
    email_of,
    image_of,
    load_json,
    moment_of,
    text_of,
    web_url,
)

JsonDict = Mapping[str, object]
PLATFORM = "Open Badge Factory"
HIDDEN = frozenset({"script", "style", "template"})
BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "tr", "table"})


@dataclass(slots=True, kw_only=True)
class _Collected:
    """The records of every file, sorted out by kind."""

    client: tuple[JsonDict, str] | None = None
    badges: dict[str, tuple[JsonDict, str]] = field(default_factory=dict)
    events: dict[str, tuple[JsonDict, str]] = field(default_factory=dict)
    recipients: list[tuple[JsonDict, str]] = field(default_factory=list)


def read_obf(files: Iterable[InputFile]) -> Export:
    """The client (issuer), badges and awards (event recipients) of an OBF export."""
    listed = tuple(files)
    notes: list[Note] = []
    found = _Collected()
    for file in listed:
        if file.name.lower().endswith(IMAGE_SUFFIXES):
            continue
        for record in _records(load_json(file)):
            _sort(record, file.name, found, notes)
    for event, origin in found.events.values():
        embedded = event.get("badge")
        if isinstance(embedded, dict) and isinstance(embedded.get("id"), str):
            found.badges.setdefault(str(embedded["id"]), (embedded, origin))
    if found.client is None:
        if found.badges or found.recipients:
            notes.append(Note(origin="(export)", subject="client", message=(
                "no client (issuer) file: nothing can be imported; save the answer of "
                "GET /v2/client/{client} in the export")))
        return Export(platform=PLATFORM, notes=tuple(notes))
    images = {PurePosixPath(f.name).name: f for f in listed} | {f.name: f for f in listed}
    issuer = _issuer(*found.client, images, notes)
    badges = {key: _badge(key, data, origin, issuer.key, images, notes)
              for key, (data, origin) in sorted(found.badges.items())}
    awards = [a for data, origin in found.recipients
              if (a := _award(data, origin, found, badges, notes)) is not None]
    return Export(
        platform=PLATFORM, issuers=(issuer,), badges=tuple(badges.values()),
        awards=tuple(sorted(awards, key=lambda a: a.key)), notes=tuple(notes),
    )


def _records(value: object) -> Iterator[JsonDict]:
    if isinstance(value, dict) and isinstance(value.get("result"), list):
        value = value["result"]
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            yield item


def _sort(record: JsonDict, origin: str, found: _Collected, notes: list[Note]) -> None:
    """File a record as a recipient, an event, a badge or the client, by its fields."""
    key = text_of(record.get("id"), 200)
    if "event_id" in record and "email" in record:
        found.recipients.append((record, origin))
    elif "issued_on" in record and ("badge_id" in record or "badge" in record) and key:
        found.events.setdefault(key, (record, origin))
    elif ("content" in record or "draft" in record) and key:
        # The answer for one badge has its criteria (under "content"); the list has not.
        if key not in found.badges or "content" in record:
            found.badges[key] = (record, origin)
    elif "email" in record and "url" in record and "name" in record:
        found.client = found.client or (record, origin)
    else:
        notes.append(Note(origin=origin, subject="file",
                          message="a record that is not an OBF client, badge, event or recipient"))


def _issuer(
    data: JsonDict, origin: str, images: Mapping[str, InputFile], notes: list[Note]
) -> SourceIssuer:
    key = f"obf:client:{text_of(data.get('id'), 200)}"
    image = image_of(data.get("image"), images)
    if image is None and data.get("image"):
        notes.append(Note(origin=origin, subject=f"client {key}",
                          message="logo not in the export: not imported"))
    return SourceIssuer(
        key=key, name=text_of(data.get("name"), 200) or "?", url=web_url(data.get("url")),
        email=email_of(data.get("email")), description=text_of(data.get("description")),
        image=image, origin=origin,
    )


def _content(data: JsonDict) -> JsonDict:
    """The badge's texts in its primary language (the single-badge answer has one per language)."""
    content = [c for c in _items(data.get("content")) if isinstance(c, dict)]
    primary = data.get("primary_language")
    chosen = next((c for c in content if c.get("language") == primary), None)
    return chosen or (content[0] if content else data)


def _badge(
    badge_id: str, data: JsonDict, origin: str, issuer_key: str,
    images: Mapping[str, InputFile], notes: list[Note],
) -> SourceBadge:
    key = f"obf:badge:{badge_id}"
    subject = f"badge {badge_id}"
    texts = _content(data)
    content = data.get("content")
    if isinstance(content, list) and len(content) > 1:
        notes.append(Note(origin=origin, subject=subject,
                          message="translations other than the primary language not imported"))
    criteria = text_of(texts.get("criteria")) or text_of(texts.get("criteria_html"))
    if criteria is not None and "<" in criteria:
        criteria = html_to_text(criteria)
        notes.append(Note(origin=origin, subject=subject,
                          message="HTML criteria imported as plain text"))
    tags = texts.get("tag", texts.get("tags"))
    image = _badge_image(badge_id, data.get("image"), images)
    return SourceBadge(
        key=key, issuer_key=issuer_key, name=text_of(texts.get("name"), 200) or badge_id,
        description=text_of(texts.get("description")), criteria=criteria,
        tags=tuple(sorted({t for t in (text_of(v, 60) for v in _items(tags)) if t})),
        alignments=_alignments(texts.get("alignment")), image=image, origin=origin,
        validity=_validity(data.get("expires")),
    )


def _validity(months: object) -> str | None:
    """OBF's ``expires``: how many months an award stays valid (0: for ever)."""
    if isinstance(months, int) and not isinstance(months, bool) and months > 0:
        return f"P{months}M"
    return None


def _badge_image(
    badge_id: str, value: object, images: Mapping[str, InputFile]
) -> SourceImage | None:
    for candidate in (f"{badge_id}.png", f"{badge_id}.svg"):
        if candidate in images:
            return image_of(candidate, images)
    return image_of(value, images)


def _alignments(value: object) -> tuple[SourceAlignment, ...]:
    kept = []
    for entry in _items(value):
        if isinstance(entry, dict):
            name, url = text_of(entry.get("name"), 300), web_url(entry.get("url"))
            if name and url:
                kept.append(SourceAlignment(
                    name=name, url=url, framework=text_of(entry.get("framework"), 200),
                    code=text_of(entry.get("code"), 100),
                    description=text_of(entry.get("description")),
                ))
    return tuple(kept)


def _award(
    data: JsonDict, origin: str, found: _Collected, badges: Mapping[str, SourceBadge],
    notes: list[Note],
) -> SourceAward | None:
    key = web_url(data.get("assertion_json_url")) or \
        f"obf:assertion:{text_of(data.get('assertion_id'), 200)}"
    subject = f"recipient of event {text_of(data.get('event_id'), 200)}"
    if data.get("revoked") is True:
        notes.append(Note(origin=origin, subject=subject, message="skipped: revoked in OBF"))
        return None
    event = found.events.get(str(data.get("event_id")))
    badge_id = None
    if event is not None:
        embedded = event[0].get("badge")
        badge_id = text_of(embedded.get("id") if isinstance(embedded, dict)
                           else event[0].get("badge_id"), 200)
    badge = badges.get(badge_id or "")
    email = email_of(data.get("email"))
    issued = moment_of(data.get("issued_on", event[0].get("issued_on") if event else None))
    if badge is None or email is None or issued is None:
        why = "its event or badge is not in the export" if badge is None else \
            "no valid email address" if email is None else "no valid issue date"
        notes.append(Note(origin=origin, subject=subject, message=f"skipped: {why}"))
        return None
    if text_of(data.get("name"), 200):
        notes.append(Note(origin=origin, subject=subject, message=(
            "the earner's name was not imported (add it with 'display' only with their "
            "consent)")))
    return SourceAward(
        key=key, badge_key=badge.key, email=email, issued=issued,
        expires=moment_of(data.get("expires_on")), origin=origin,
    )


def _items(value: object) -> list[object]:
    return value if isinstance(value, list) else []


class _TextOf(HTMLParser):
    """The text of an HTML fragment, one paragraph per block; never rendered as HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append("\n\n- " if tag == "li" else "\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(fragment: str) -> str:
    """Plain text (Markdown paragraphs and list items) from an HTML fragment."""
    parser = _TextOf()
    parser.feed(fragment)
    parser.close()
    paragraphs = [" ".join(p.split()) for p in "".join(parser.parts).split("\n\n")]
    return html.unescape("\n\n".join(p for p in paragraphs if p and p != "-"))
