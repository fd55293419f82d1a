"""``sitegen ceremony``: the awards of a folder or of an imported spreadsheet, a certificate and a
message for each earner."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from click.testing import CliRunner, Result

from sitegen.cli import main
from sitegen.commands.load import load_site
from sitegen.identity import credential_code
from tests.conftest import AWARD_YAML, ROOT

CEREMONY = "content/awards/2024-03-ceremonie"
BASE_URL = "https://badges.valoristes.example.org/"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def read_messages(kit: Path) -> list[dict[str, str]]:
    text = (kit / "messages.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_folder_kit_has_a_certificate_and_a_message_per_award(tmp_path):
    kit = tmp_path / "kit"
    result = run("ceremony", "--source", str(ROOT), str(ROOT / CEREMONY), "--output", str(kit))
    assert result.exit_code == 0, result.output
    awards = [a for a in load_site(ROOT).site.awards if a.source.path.startswith(CEREMONY)]
    kept = [a for a in awards if a.revocation is None]
    assert len(kept) == 5 and len(awards) == 6
    assert "left out 1 revoked award(s): 2024-03-ind-7ogc0h8e" in result.stderr
    page = (kit / "certificates.html").read_text(encoding="utf-8")
    assert page.count('<div class="certificate-sheet">') == 5
    assert "2024-03-ind-7ogc0h8e" not in page
    messages = read_messages(kit)
    assert sorted(m["email"] for m in messages) == sorted(a.recipient.email for a in kept)
    by_email = {m["email"]: m for m in messages}
    for award in kept:
        message = by_email[award.recipient.email]
        url = f"{BASE_URL}awards/{award.id}/"
        assert url in message["message"] and url in message["sms"]
        assert credential_code(award) in message["message"]
        assert message["name"] == (award.recipient.shown_name or "")
        assert "LinkedIn" in message["message"]
        # The name is shown only as the earner agreed: never the name kept for the team alone.
        if award.recipient.name and not award.recipient.shown_name:
            assert award.recipient.name not in message["message"]
            assert award.recipient.name not in page
    texts = sorted((kit / "messages").iterdir())
    assert len(texts) == 5
    for path in texts:
        body = path.read_text(encoding="utf-8")
        emails = [a.recipient.email for a in awards if a.recipient.email in body]
        assert len(emails) == 1, "each message names one earner only"
    assert (kit / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    assert "@" not in result.stdout + result.stderr, "no address is printed"


def test_messages_are_in_the_sites_language(tmp_path):
    kit = tmp_path / "kit"
    assert run("ceremony", "--source", str(ROOT), str(ROOT / CEREMONY),
               "--output", str(kit)).exit_code == 0
    message = read_messages(kit)[0]
    assert message["message"].startswith("Bonjour")
    assert "Code du badge" in message["message"]
    english = tmp_path / "en"
    assert run("ceremony", "--source", str(ROOT), str(ROOT / CEREMONY), "--language", "en",
               "--output", str(english)).exit_code == 0
    text = (english / "messages.csv").read_bytes().decode("utf-8-sig")
    assert "Hello" in text and "Bonjour" not in text
    assert '<html lang="en">' in (english / "certificates.html").read_text(encoding="utf-8")


def test_kit_is_the_same_when_made_again(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    for kit in (first, second):
        assert run("ceremony", "--source", str(ROOT), str(ROOT / CEREMONY),
                   "--output", str(kit)).exit_code == 0
    names = sorted(p.relative_to(first) for p in first.rglob("*"))
    assert names == sorted(p.relative_to(second) for p in second.rglob("*"))
    for name in names:
        if (first / name).is_file():
            assert (first / name).read_bytes() == (second / name).read_bytes()
    # Made again in place: the previous kit is replaced, nothing else is left around it.
    assert run("ceremony", "--source", str(ROOT), str(ROOT / CEREMONY),
               "--output", str(first)).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]


SPREADSHEET = "Badge;Courriel;Nom;Affichage;Date\n" \
    "ponctuel;ada@example.net;Ada Lovelace;complet;14/03/2024\n" \
    "ponctuel;bob@example.org;Bob Martin;;02/05/2024\n"


def two_earners(site_factory):
    return site_factory({
        "content/awards/2024/a1.yaml": "badge: ponctuel\nrecipient:\n  email: Ada@Example.net\n  name: Ada Lovelace\n"
        "  display: full\nissued: 2024-03-14\n",
        "content/awards/2024/b1.yaml": AWARD_YAML.replace("Ada@Example.net", "bob@example.org")
        .replace("2024-03-14", "2024-05-02"),
        "content/awards/2024/c1.yaml": AWARD_YAML.replace("Ada@Example.net", "carol@example.com"),
    })


def test_csv_kit_follows_the_rows_of_the_imported_spreadsheet(site_factory, tmp_path):
    root = two_earners(site_factory)
    sheet = tmp_path / "ceremonie.csv"
    sheet.write_text(SPREADSHEET, encoding="utf-8")
    kit = tmp_path / "kit"
    result = run("ceremony", "--source", str(root), "--csv", str(sheet), "--output", str(kit))
    assert result.exit_code == 0, result.output
    messages = read_messages(kit)
    assert [m["email"] for m in messages] == ["ada@example.net", "bob@example.org"]
    assert [m["awards"] for m in messages] == ["a1", "b1"]
    assert messages[0]["message"].startswith("Bonjour Ada Lovelace,")
    assert messages[1]["message"].startswith("Bonjour,")
    page = (kit / "certificates.html").read_text(encoding="utf-8")
    assert page.count('<div class="certificate-sheet">') == 2
    assert "/awards/c1/" not in page + (kit / "messages.csv").read_text(encoding="utf-8-sig")
    assert page.index("/awards/a1/") < page.index("/awards/b1/")


def test_csv_row_without_an_award_is_reported_at_its_cell(site_factory, tmp_path):
    root = two_earners(site_factory)
    sheet = tmp_path / "ceremonie.csv"
    sheet.write_text(SPREADSHEET + "ponctuel;dan@example.net;Dan;;14/03/2024\n",
                     encoding="utf-8")
    kit = tmp_path / "kit"
    result = run("ceremony", "--source", str(root), "--csv", str(sheet), "--output", str(kit))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f"{sheet}:4:2: error[ceremony.no-award]: no award matches this row (same badge, "
        "email address and date)",
        "  hint: import the file first ('sitegen import FILE'), or correct the row",
    ]
    assert "Traceback" not in result.output
    assert not kit.exists()


def test_folder_outside_the_awards_and_missing_input_are_clear_errors(site_factory, tmp_path):
    root = two_earners(site_factory)
    outside = run("ceremony", "--source", str(root), str(root / "content/badges"),
                  "--output", str(tmp_path / "kit"))
    assert outside.exit_code == 1
    assert "is not a folder under content/awards/" in outside.stderr
    neither = run("ceremony", "--source", str(root))
    assert neither.exit_code == 2
    assert "give either FOLDER or --csv FILE" in neither.stderr
    assert not (tmp_path / "kit").exists()


def test_an_existing_folder_that_is_not_a_kit_is_never_replaced(site_factory, tmp_path):
    root = two_earners(site_factory)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run("ceremony", "--source", str(root), str(root / "content/awards/2024"),
                 "--output", str(precious))
    assert result.exit_code == 1
    assert "exists and is not a ceremony kit" in result.stderr
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]


def test_every_ceremony_code_is_documented():
    source = (ROOT / "sitegen/commands/ceremony.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'"(ceremony\.[a-z-]+)"', source))
    assert codes == {"ceremony.no-award"}
    doc = (ROOT / "docs/content-format.md").read_text(encoding="utf-8")
    assert all(f"`{code}`" in doc for code in codes)
