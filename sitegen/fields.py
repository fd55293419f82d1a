"""Typed getters over YAML mappings that report bad values where they were written."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo

from sitegen.diagnostics import Diagnostics, Span, closest, suggest
from sitegen.model import Duration, Localized
from sitegen.yamlsrc import Entry, Node

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Z]{2})?")
# Deliberately simple and strict: one @, a dotted domain, no spaces or quotes.
EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
URL = re.compile(r"https?://[^\s/?#@]+(?:/[^\s]*)?", re.IGNORECASE)
TELEPHONE = re.compile(r"\+[1-9][0-9]{6,14}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")
MAX_TEXT = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
"""A control character other than a tab or a line feed."""


class Fields:
    """The keys of one YAML mapping, read with type checks and positions.

    Unknown keys are reported when the reader is created, with a hint
    naming the closest allowed key.
    """

    def __init__(
        self,
        node: Node,
        diags: Diagnostics,
        *,
        allowed: Iterable[str],
        what: str,
        language: str,
    ) -> None:
        self.node = node
        self.diags = diags
        self.what = what
        self.language = language
        self.allowed = tuple(allowed)
        self.entries: dict[str, Entry] = {}
        self.misspelled: set[str] = set()
        """Allowed keys that an unknown key probably meant (already reported)."""
        if not isinstance(node.value, dict):
            diags.error(
                node.span, f"{what}.not-a-mapping",
                f"expected a mapping of keys ({', '.join(self.allowed[:4])}, ...), "
                f"found {node.kind}",
            )
            return
        self.entries = node.value
        for key, entry in self.entries.items():
            if key not in self.allowed:
                close = closest(key, self.allowed)
                if close:
                    self.misspelled.add(close)
                diags.error(
                    entry.key_span, f"{what}.unknown-key", f"unknown key '{key}'",
                    f"did you mean '{close}'?" if close
                    else f"allowed keys: {', '.join(self.allowed)}",
                )

    @property
    def ok(self) -> bool:
        """True when the node was a mapping."""
        return isinstance(self.node.value, dict)

    def get(self, key: str) -> Node | None:
        """The value node of ``key``; None when absent or written as nothing."""
        entry = self.entries.get(key)
        if entry is None or entry.node.value is None:
            return None
        return entry.node

    def span(self, key: str) -> Span:
        """Where ``key``'s value is, else where the mapping starts."""
        entry = self.entries.get(key)
        return entry.node.span if entry else self.node.span

    def _missing(self, key: str, required: bool, hint: str | None = None) -> None:
        # A misspelled key was reported with a hint; "missing" would say it twice.
        if required and self.ok and key not in self.misspelled:
            self.diags.error(
                self.node.span, f"{self.what}.missing-key", f"missing required key '{key}'", hint
            )

    def report_missing(self, key: str, hint: str | None = None) -> None:
        """Report a required key that is absent (unless a misspelling was reported)."""
        self._missing(key, True, hint)

    def _wrong(self, node: Node, key: str, expected: str) -> None:
        self.diags.error(
            node.span, f"{self.what}.wrong-type", f"'{key}' must be {expected}, found {node.kind}"
        )

    def text(self, key: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str | None:
        """A single-language text, trimmed; numbers are not accepted as text."""
        node = self.get(key)
        if node is None:
            self._missing(key, required)
            return None
        if not isinstance(node.value, str):
            self._wrong(node, key, "text")
            return None
        return self._check_text(node, key, node.value, max_len)

    def _check_text(self, node: Node, key: str, value: str, max_len: int) -> str | None:
        value = value.strip()
        if not value:
            self.diags.error(node.span, f"{self.what}.empty", f"'{key}' is empty")
            return None
        if len(value) > max_len:
            self.diags.error(
                node.span, f"{self.what}.too-long",
                f"'{key}' is {len(value):,} characters long; the limit is {max_len:,}",
            )
            return None
        if _CONTROL.search(value):
            self.diags.error(
                node.span, f"{self.what}.control-character",
                f"'{key}' contains a control character",
            )
            return None
        return value

    def localized(
        self, key: str, *, required: bool = False, max_len: int = MAX_TEXT
    ) -> Localized | None:
        """A text, either plain (the site's language) or ``{fr: ..., en: ...}``."""
        node = self.get(key)
        if node is None:
            self._missing(key, required)
            return None
        if isinstance(node.value, str):
            text = self._check_text(node, key, node.value, max_len)
            return Localized.of(self.language, text) if text is not None else None
        if not isinstance(node.value, dict):
            self._wrong(node, key, "text, or a mapping of language codes to text")
            return None
        values: list[tuple[str, str]] = []
        for lang, entry in node.value.items():
            if not LANGUAGE.fullmatch(lang):
                self.diags.error(
                    entry.key_span, f"{self.what}.language",
                    f"'{lang}' is not a language code", "use codes like 'fr' or 'en'",
                )
                continue
            if not isinstance(entry.node.value, str):
                self._wrong(entry.node, f"{key}.{lang}", "text")
                continue
            text = self._check_text(entry.node, f"{key}.{lang}", entry.node.value, max_len)
            if text is not None:
                values.append((lang, text))
        if not values:
            return None
        if self.language not in dict(values):
            self.diags.error(
                node.span, f"{self.what}.missing-language",
                f"'{key}' has no text in the site's language '{self.language}'",
            )
        return Localized(tuple(sorted(values)))

    def slug(self, key: str, *, required: bool = False) -> str | None:
        """An identifier: lower-case letters, digits and hyphens."""
        value = self.text(key, required=required, max_len=64)
        if value is not None and not SLUG.fullmatch(value):
            self.diags.error(
                self.span(key), f"{self.what}.bad-id",
                f"'{value}' is not a valid identifier",
                "use lower-case letters, digits and hyphens, like 'punctuality'",
            )
            return None
        return value

    def url(self, key: str, *, required: bool = False, mailto: bool = False) -> str | None:
        """An absolute http(s) URL (or a ``mailto:`` link when allowed)."""
        value = self.text(key, required=required, max_len=2000)
        if value is None:
            return None
        if mailto and value.startswith("mailto:") and EMAIL.fullmatch(value[7:].split("?")[0]):
            return value
        if not URL.fullmatch(value):
            self.diags.error(
                self.span(key), f"{self.what}.bad-url", f"'{value}' is not an absolute web address",
                "write it in full, starting with https://",
            )
            return None
        return value

    def email(self, key: str, *, required: bool = False) -> str | None:
        """An email address, trimmed and lower-cased."""
        value = self.text(key, required=required, max_len=254)
        if value is None:
            return None
        if not EMAIL.fullmatch(value):
            hint = "an address looks like name@example.org"
            if " " in value:
                hint = "remove the spaces"
            elif value.count("@") != 1:
                hint = "an address has exactly one @"
            self.diags.error(
                self.span(key), f"{self.what}.bad-email",
                f"'{value}' is not a valid email address", hint,
            )
            return None
        return value.lower()

    def telephone(self, key: str) -> str | None:
        """A telephone number in international form, spaces allowed."""
        value = self.text(key, max_len=40)
        if value is None:
            return None
        compact = re.sub(r"[\s.()-]", "", value)
        if not TELEPHONE.fullmatch(compact):
            self.diags.error(
                self.span(key), f"{self.what}.bad-telephone",
                f"'{value}' is not an international telephone number",
                "write it like +33 3 80 00 00 00",
            )
            return None
        return compact

    def boolean(self, key: str, *, default: bool) -> bool:
        """``true`` or ``false``."""
        node = self.get(key)
        if node is None:
            return default
        if not isinstance(node.value, bool):
            self._wrong(node, key, "true or false")
            return default
        return node.value

    def choice(self, key: str, choices: tuple[str, ...], *, default: str) -> str:
        """One of a fixed set of words."""
        value = self.text(key, max_len=100)
        if value is None:
            return default
        if value not in choices:
            self.diags.error(
                self.span(key), f"{self.what}.bad-choice",
                f"'{value}' is not one of: {', '.join(choices)}",
                suggest(value, choices),
            )
            return default
        return value

    def moment(self, key: str, zone: tzinfo, *, required: bool = False) -> datetime | None:
        """A date (``2024-03-14``, midnight in ``zone``) or a date-time with a zone."""
        node = self.get(key)
        if node is None:
            self._missing(key, required)
            return None
        if not isinstance(node.value, str):
            self._wrong(node, key, "a date like 2024-03-14")
            return None
        value = node.value.strip()
        try:
            if DATE.fullmatch(value):
                return datetime.combine(date.fromisoformat(value), time(), tzinfo=zone)
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            reason = str(exc).replace("day is out of range for month", "that day does not exist")
            self.diags.error(
                node.span, f"{self.what}.bad-date", f"'{value}' is not a valid date ({reason})",
                "write dates as YYYY-MM-DD, like 2024-03-14",
            )
            return None
        if moment.tzinfo is None:
            self.diags.error(
                node.span, f"{self.what}.bad-date", f"'{value}' has a time but no time zone",
                "add a zone like +01:00 or Z, or give only the date",
            )
            return None
        return moment

    def duration(self, key: str) -> Duration | None:
        """An ISO 8601 calendar duration such as ``P6M`` or ``P1Y``."""
        value = self.text(key, max_len=40)
        if value is None:
            return None
        match = DURATION.fullmatch(value.upper())
        if match is None or not any(match.groups()):
            self.diags.error(
                self.span(key), f"{self.what}.bad-duration",
                f"'{value}' is not a duration",
                "write durations in ISO 8601 form: P6M for six months, P1Y, P2W, P90D",
            )
            return None
        years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
        return Duration(years=years, months=months, days=days + 7 * weeks, text=value.upper())

    def items(self, key: str) -> list[Node]:
        """The items of a list; a single value counts as a one-item list."""
        node = self.get(key)
        if node is None:
            return []
        if isinstance(node.value, list):
            return [item for item in node.value if item.value is not None]
        return [node]

    def texts(self, key: str, *, max_len: int = 100) -> tuple[str, ...]:
        """A list of short texts (tags, identifiers)."""
        result = []
        for item in self.items(key):
            if not isinstance(item.value, str | int) or isinstance(item.value, bool):
                self._wrong(item, key, "a list of words")
                continue
            text = str(item.value).strip()
            if text and len(text) <= max_len:
                result.append(text)
            else:
                self.diags.error(item.span, f"{self.what}.bad-item", f"bad entry in '{key}'")
        return tuple(result)

    def sub(self, key: str, *, allowed: Iterable[str], what: str | None = None) -> Fields | None:
        """A nested mapping read with its own allowed keys."""
        node = self.get(key)
        if node is None:
            return None
        return Fields(
            node, self.diags, allowed=allowed, what=what or self.what, language=self.language
        )
