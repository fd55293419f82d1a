"""``sitegen import --from obf``: saved Open Badge Factory API v2 answers become content."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.commands.build import build_site
from sitegen.identity import hash_email
from sitegen.migrate.obf import html_to_text
from tests.conftest import png_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "migrate" / "obf"
ORIGINAL = ("https://openbadgefactory.example/obv3/credentials/"
            "d11bd893abd2186c385964f0fa352adeb698aef2.json")


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "obf-export"
    shutil.copytree(FIXTURES, folder)
    (folder / "SUI70EaAMX7aE.png").write_bytes(png_bytes(200))
    return folder


def test_obf_export_checks_builds_and_keeps_what_matters(site_factory, export, tmp_path):
    root = site_factory()
    report = tmp_path / "report.json"
    result = run("import", "--source", str(root), "--from", "obf", str(export),
                 "--report", str(report))
    assert result.exit_code == 0, result.output
    assert run("check", "--source", str(root)).exit_code == 0
    out = tmp_path / "out"
    build_site(root, out)
    (award,) = (root / "content/awards/imported-obf").glob("*.yaml")
    text = award.read_text()
    assert f"# original: {ORIGINAL}" in text
    assert "email: camille.martin@example.net" in text
    assertion = json.loads((out / "awards" / award.stem / "assertion.json").read_text())
    salt = assertion["recipient"]["salt"]
    assert assertion["recipient"]["identity"] == hash_email("camille.martin@example.net", salt)
    assert datetime.fromisoformat(assertion["issuedOn"]) == datetime.fromtimestamp(
        1750633200, UTC)
    assert assertion["evidence"][-1]["id"] == ORIGINAL
    badge = json.loads((out / "badges/bureautique-niveau-1/badgeclass.json").read_text())
    assert badge["name"] == "Bureautique niveau 1"
    assert "alert" not in badge["criteria"]["narrative"]
    assert "mettre en forme un courrier" in badge["criteria"]["narrative"]
    profile = json.loads((out / "issuers/atelier-numerique-de-dijon/profile.json").read_text())
    assert profile["email"] == "badges@atelier-numerique.example.org"
    assert badge["issuer"] == profile["id"]
    assert "validity: P24M" in (root / "content/badges/bureautique-niveau-1.yaml").read_text()

    notes = {(n["subject"], n["message"]) for n in json.loads(report.read_text())["not_imported"]}
    assert ("recipient of event SYAV0RaZHVa8", "skipped: revoked in OBF") in notes
    assert ("recipient of event SYVHLKaDP1TaG",
            "skipped: its event or badge is not in the export") in notes
    assert ("badge SUI70EaAMX7aE",
            "translations other than the primary language not imported") in notes
    assert ("badge SUI70EaAMX7aE", "HTML criteria imported as plain text") in notes


def test_obf_without_client_imports_nothing_and_says_why(site_factory, export):
    (export / "client.json").unlink()
    root = site_factory()
    result = run("import", "--source", str(root), "--from", "obf", str(export))
    assert result.exit_code == 0, result.output
    assert "no client (issuer) file" in result.output
    assert not (root / "content/awards/imported-obf").exists()


def test_html_to_text_keeps_words_and_drops_markup():
    assert html_to_text("<p>Un&nbsp;<b>deux</b></p><ul><li>a</li><li>b</li></ul>") == \
        "Un deux\n\n- a\n\n- b"
    assert "alert" not in html_to_text("<p>x</p><script>alert(1)</script>")
