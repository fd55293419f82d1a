"""Translations and locale-aware formatting of dates and durations (gettext catalogs, Babel)."""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.dates import DateTimePattern, get_date_format, parse_pattern
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from sitegen.model import Duration

SOURCE_LANGUAGE = "en"  # msgids in templates and code are English


@dataclass(frozen=True, slots=True)
class Translator:
    """Translates messages and formats values for one language."""

    language: str
    catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        """Translate a message."""
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message that depends on a count."""
        return self.catalog.ngettext(singular, plural, n)

    def date(self, moment: datetime) -> str:
        """A date as people of this language write it in full (14 mars 2024, 1er avril 2024)."""
        return _long_date(moment.date(), self.language)

    def short_date(self, moment: datetime) -> str:
        """A numeric date (14/03/2024)."""
        return _format_date(moment.date(), "short", self.language)

    def duration(self, duration: Duration) -> str:
        """A calendar duration in words (1 an et 6 mois)."""
        parts = []
        if duration.years:
            parts.append(self.ngettext("%(num)d year", "%(num)d years", duration.years)
                         % {"num": duration.years})
        if duration.months:
            parts.append(self.ngettext("%(num)d month", "%(num)d months", duration.months)
                         % {"num": duration.months})
        weeks, days = divmod(duration.days, 7)
        if days:  # 10 days reads better than "1 week and 3 days"
            weeks, days = 0, duration.days
        if weeks:
            parts.append(self.ngettext("%(num)d week", "%(num)d weeks", weeks) % {"num": weeks})
        if days:
            parts.append(self.ngettext("%(num)d day", "%(num)d days", days) % {"num": days})
        if len(parts) == 1:
            return parts[0]
        return self.gettext("%(first)s and %(last)s") % {
            "first": ", ".join(parts[:-1]), "last": parts[-1],
        }

    @property
    def language_name(self) -> str:
        """The language's own name (Français, English)."""
        return language_name(self.language)


@functools.cache  # a handful of languages, asked for on every page
def language_name(language: str) -> str:
    """A language's name in that language, capitalized (Français, English)."""
    return str(Locale.parse(language).get_display_name(language)).capitalize()


def read_catalog(language: str, locale_dirs: Iterable[Path]) -> gettext.NullTranslations:
    """Load ``<dir>/<language>/LC_MESSAGES/messages.po`` from each folder, later ones first.

    Catalogs are compiled in memory, so no ``.mo`` files are kept in git.
    """
    catalog: gettext.NullTranslations = gettext.NullTranslations()
    if language == SOURCE_LANGUAGE:
        return catalog
    for directory in locale_dirs:
        po_path = directory / language / "LC_MESSAGES" / "messages.po"
        if not po_path.is_file():
            continue
        with po_path.open("rb") as handle:
            po = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, po, use_fuzzy=False)
        buffer.seek(0)
        layer = gettext.GNUTranslations(buffer)
        layer.add_fallback(catalog)
        catalog = layer
    return catalog


def make_translator(language: str, locale_dirs: Iterable[Path]) -> Translator:
    """A translator for ``language`` from the given catalog folders (base theme first)."""
    return Translator(language, read_catalog(language, locale_dirs))


DateKind = Literal["long", "short"]


@functools.cache
def _date_pattern(kind: DateKind, language: str) -> tuple[DateTimePattern, Locale]:
    """Babel's pattern for ``kind`` dates (``long``, ``short``) in a language, parsed once."""
    locale = Locale.parse(language)
    return parse_pattern(get_date_format(kind, locale=locale)), locale


def _format_date(day: date, kind: DateKind, language: str) -> str:
    """What Babel's ``format_date`` gives, without finding and parsing the pattern again (a
    third of its time, over thousands of dates in a badge's list of earners)."""
    pattern, locale = _date_pattern(kind, language)
    return str(pattern.apply(day, locale))


@functools.lru_cache(maxsize=4096)
def _long_date(day: date, language: str) -> str:
    """Babel's long date, once per day and language (awards of a ceremony share their dates)."""
    text = _format_date(day, "long", language)
    if language.split("_")[0] == "fr" and text.startswith("1 "):
        text = "1er " + text[2:]  # French writes the first of the month as an ordinal
    return text
