"""``sitegen import --from badgr``: saved Badgr API v2 answers become content that checks and builds."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.commands.build import build_site
from sitegen.migrate.badgr import read_badgr
from sitegen.migrate.records import read_inputs
from tests.conftest import png_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "migrate" / "badgr"
HASHED = "https://api.badgr.io/public/assertions/JaV-LGNOR8GKCtopiK-xTQ"
PLAIN = "https://api.badgr.io/public/assertions/Qm7tY3wPS0mB9cVd2kL8Aw"
KEPT_HASH = "sha256$cc37fd25e8687b0c8adbd743f7e43997a0d5eb279b5eea11b7d5787f7b0f5842"


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "badgr-export"
    shutil.copytree(FIXTURES, folder)
    (folder / "images").mkdir()
    (folder / "images" / "issuer_badgeclass_8f2e6c41.png").write_bytes(png_bytes(256))
    return folder


def imported_awards(root: Path) -> dict[str, str]:
    """Original address → award id, from the files written."""
    found = {}
    for path in (root / "content/awards/imported-badgr").glob("*.yaml"):
        original = path.read_text().splitlines()[1].removeprefix("# original: ")
        found[original] = path.stem
    return found


def test_badgr_export_checks_builds_and_keeps_what_matters(site_factory, export, tmp_path):
    root = site_factory()
    result = run("import", "--source", str(root), "--from", "badgr", str(export))
    assert result.exit_code == 0, result.output
    assert run("check", "--source", str(root)).exit_code == 0
    out = tmp_path / "out"
    build_site(root, out)
    awards = imported_awards(root)
    assert set(awards) == {HASHED, PLAIN}

    hashed = json.loads((out / "awards" / awards[HASHED] / "assertion.json").read_text())
    assert hashed["recipient"] == {
        "type": "email", "hashed": True, "salt": "b1a5e9c2", "identity": KEPT_HASH,
    }
    assert datetime.fromisoformat(hashed["issuedOn"]) == datetime(
        2022, 12, 31, 16, 57, 2, tzinfo=UTC)
    assert hashed["evidence"][-1]["id"] == HASHED
    assert hashed["narrative"] == "Courrier de candidature mis en forme en autonomie."
    badge = json.loads((out / "badges/bureautique-niveau-1/badgeclass.json").read_text())
    assert badge["name"] == "Bureautique — niveau 1"
    profile = json.loads((out / "issuers/atelier-numerique-de-dijon/profile.json").read_text())
    assert profile["name"] == "Atelier Numérique de Dijon"
    assert badge["issuer"] == profile["id"]

    # Badgr gave the issuer the address itself: sitegen hashes it with its own salt.
    plain = json.loads((out / "awards" / awards[PLAIN] / "assertion.json").read_text())
    assert not plain["recipient"]["identity"].startswith("sha256$5a4c1f0e") and \
        plain["recipient"]["salt"] != "77c0ffee"
    assert plain["expires"].startswith("2025-03-10")
    plain_yaml = (root / "content/awards/imported-badgr" / f"{awards[PLAIN]}.yaml").read_text()
    assert "email: nadia.lefevre@example.net" in plain_yaml
    # The badge's validity (expires: 2 years) became its validity.
    assert "validity: P2Y" in (root / "content/badges/bureautique-niveau-1.yaml").read_text()


def test_badgr_report_lists_skipped_awards_and_dropped_fields(site_factory, export, tmp_path):
    root = site_factory()
    report = tmp_path / "report.json"
    result = run("import", "--source", str(root), "--from", "badgr", str(export),
                 "--report", str(report), "--dry-run")
    assert result.exit_code == 0, result.output
    notes = [(n["subject"], n["message"]) for n in json.loads(report.read_text())["not_imported"]]
    assert any("rV0kd9PzQy2nT6cX1bH4Eg" in s and "identified by telephone" in m for s, m in notes)
    assert any("Zx1cV2bN3mQ4wE5rT6yU7i" in s and "revoked" in m for s, m in notes)
    assert any("extension 'extensions:recipientProfile'" in m for _, m in notes)
    assert any(s.startswith("issuer ") and m.startswith("logo not in the export")
               for s, m in notes)
    assert not (root / "content/awards/imported-badgr").exists()


def test_badgr_zip_gives_the_same_files_as_the_folder(site_factory, export, tmp_path):
    archive = Path(shutil.make_archive(str(tmp_path / "badgr"), "zip", export))
    from_folder, from_zip = read_badgr(read_inputs(export)), read_badgr(read_inputs(archive))
    assert from_folder == from_zip


def test_badgr_damaged_zip_is_refused_without_traceback(site_factory, tmp_path):
    root = site_factory()
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = CliRunner().invoke(main, ["import", "--source", str(root), "--from", "badgr",
                                       str(bad)])
    assert result.exit_code == 1
    assert "not a folder, a ZIP archive or a JSON file" in result.output
    assert "Traceback" not in result.output
