import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po

from sitegen.i18n import make_translator
from sitegen.model import Duration
from sitegen.theme import builtin_theme_dir
from tests.conftest import ROOT

LOCALES = builtin_theme_dir() / "locales"


def test_french_dates_and_durations():
    tr = make_translator("fr", [LOCALES])
    assert tr.date(datetime(2024, 3, 14, tzinfo=ZoneInfo("Europe/Paris"))) == "14 mars 2024"
    assert tr.duration(Duration(months=6, text="P6M")) == "6 mois"
    assert tr.duration(Duration(years=1, months=6, text="P1Y6M")) == "1 an et 6 mois"
    assert tr.duration(Duration(days=14, text="P2W")) == "2 semaines"
    assert tr.duration(Duration(years=2, text="P2Y")) == "2 ans"


def test_english_is_the_source_language():
    tr = make_translator("en", [LOCALES])
    assert tr.gettext("Valid") == "Valid"
    assert tr.duration(Duration(months=1, text="P1M")) == "1 month"


def test_french_catalog_translates_every_extracted_message(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "gettext", "-k", "ngettext:1,2", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with (LOCALES / "fr/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    assert wanted - translated == set()


def test_french_dates_write_the_first_of_the_month_as_an_ordinal():
    from datetime import UTC, datetime

    from sitegen.i18n import make_translator

    fr = make_translator("fr", [])
    en = make_translator("en", [])
    assert fr.date(datetime(2024, 4, 1, tzinfo=UTC)) == "1er avril 2024"
    assert fr.date(datetime(2024, 4, 11, tzinfo=UTC)) == "11 avril 2024"
    assert en.date(datetime(2024, 4, 1, tzinfo=UTC)) == "April 1, 2024"
