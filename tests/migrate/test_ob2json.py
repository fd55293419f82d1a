"""``sitegen import --from ob2-json``: hosted OB 2.0 JSON becomes content that checks and builds."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.commands.build import build_site
from sitegen.migrate.ob2json import criteria_of, recipient_of
from sitegen.verify import site_fetcher, verify
from tests.conftest import png_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "migrate" / "ob2-json"
ORIGINAL = "https://example.org/beths-robotics-badge.json"
KEPT_HASH = "sha256$c7ef86405ba71b85acd8e2e95166c4b111448089f2e1599f42fe1bba46e865c5"


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES, folder)
    (folder / "robotics-badge.png").write_bytes(png_bytes(128))
    return folder


def content_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted((root / "content").rglob("*")) if p.is_file()}


def test_import_checks_builds_and_keeps_name_issuer_date_hash_and_original_url(
    site_factory, export, tmp_path
):
    root = site_factory()
    report = tmp_path / "report.json"
    result = run("import", "--source", str(root), "--from", "ob2-json", str(export),
                 "--report", str(report))
    assert result.exit_code == 0, result.output
    assert run("check", "--source", str(root)).exit_code == 0
    out = tmp_path / "out"
    build_site(root, out)
    awards = sorted((root / "content/awards/imported-ob2-json").glob("*.yaml"))
    assert len(awards) == 1
    award_id = awards[0].stem
    assert award_id.startswith("2016-12-awe-")
    assertion = json.loads((out / "awards" / award_id / "assertion.json").read_text())
    assert assertion["recipient"] == {
        "type": "email", "hashed": True, "salt": "deadsea", "identity": KEPT_HASH,
    }
    assert datetime.fromisoformat(assertion["issuedOn"]) == datetime(2016, 12, 31, 23, 59, 59,
                                                                     tzinfo=UTC)
    assert assertion["evidence"][-1]["id"] == ORIGINAL
    assert assertion["evidence"][-1]["name"] == "Attribution d’origine (Open Badges 2.0)"
    assert assertion["evidence"][0]["id"] == "https://example.org/beths-robot-work.html"
    badge = json.loads((out / "badges/awesome-robotics-badge/badgeclass.json").read_text())
    assert badge["name"] == "Awesome Robotics Badge"
    assert badge["tags"] == ["awesome", "robots"]
    profile = json.loads((out / "issuers/an-example-badge-issuer/profile.json").read_text())
    assert profile["name"] == "An Example Badge Issuer"
    assert badge["issuer"] == profile["id"]
    credential = json.loads((out / "awards" / award_id / "credential.json").read_text())
    (identifier,) = credential["credentialSubject"]["identifier"]
    assert identifier["identityHash"] == KEPT_HASH and identifier["salt"] == "deadsea"
    for baked in ("credential.json", "badge.png"):
        verdict = verify((out / "awards" / award_id / baked).read_bytes(), site_fetcher(out),
                         datetime.now(UTC))
        assert verdict.status == "valid", (baked, verdict.reason)
    # The image was found in the export and copied as it was.
    assert (root / "content/badges/awesome-robotics-badge.png").read_bytes() == \
        (export / "robotics-badge.png").read_bytes()
    data = json.loads(report.read_text())
    skipped = {(n["source"], n["message"]) for n in data["not_imported"]}
    assert any(src == "url-recipient.json" and "identified by url" in msg for src, msg in skipped)
    assert ("revoked.json", "skipped: revoked on the old platform") in skipped
    assert any(src == "organization.json" and msg.startswith("logo not in the export")
               for src, msg in skipped)
    assert "not imported, or not as it was" in result.output


def test_import_is_deterministic_and_a_second_run_creates_nothing(site_factory, export, tmp_path):
    first, second = site_factory(), tmp_path / "second"
    shutil.copytree(first, second)
    for root in (first, second):
        assert run("import", "--source", str(root), "--from", "ob2-json", str(export)).exit_code == 0
    assert content_files(first) == content_files(second)
    before = content_files(first)
    again = run("import", "--source", str(first), "--from", "ob2-json", str(export))
    assert again.exit_code == 0, again.output
    assert content_files(first) == before
    assert f"already imported: award {ORIGINAL}" in again.output


def test_zip_export_and_dry_run_write_nothing(site_factory, export, tmp_path):
    root = site_factory()
    archive = shutil.make_archive(str(tmp_path / "export"), "zip", export)
    before = content_files(root)
    result = run("import", "--source", str(root), "--from", "ob2-json", archive, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would create content/badges/awesome-robotics-badge.yaml" in result.output
    assert content_files(root) == before


def test_missing_image_gets_a_placeholder_and_a_note(site_factory, tmp_path):
    root = site_factory()
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES, folder)
    result = run("import", "--source", str(root), "--from", "ob2-json", str(folder))
    assert result.exit_code == 0, result.output
    assert (root / "content/badges/awesome-robotics-badge.svg").is_file()
    assert "a placeholder was written" in result.output


def test_bad_json_is_reported_at_line_and_column_and_nothing_is_written(site_factory, tmp_path):
    root = site_factory()
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "broken.json").write_text('{\n  "type": "Assertion",\n  oops\n}\n')
    before = content_files(root)
    result = CliRunner().invoke(
        main, ["import", "--source", str(root), "--from", "ob2-json", str(folder)])
    assert result.exit_code == 1
    assert "broken.json:3:3: not valid JSON" in result.output
    assert "Traceback" not in result.output
    assert content_files(root) == before


def test_oversized_file_is_refused(site_factory, tmp_path):
    root = site_factory()
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "huge.json").write_bytes(b" " * 5_000_001)
    result = CliRunner().invoke(
        main, ["import", "--source", str(root), "--from", "ob2-json", str(folder)])
    assert result.exit_code == 1
    assert "limited to 5,000,000" in result.output


def test_content_that_fails_the_check_writes_nothing(site_factory, export):
    root = site_factory()
    data = json.loads((export / "robotics-badge.json").read_text())
    data["alignment"][0]["targetFramework"] = "ESCO"  # an ESCO framework needs an ESCO URI
    (export / "robotics-badge.json").write_text(json.dumps(data))
    before = content_files(root)
    result = CliRunner().invoke(
        main, ["import", "--source", str(root), "--from", "ob2-json", str(export)])
    assert result.exit_code == 1
    assert "badge.bad-esco-uri" in result.output
    assert "from robotics-badge.json" in result.output
    assert content_files(root) == before


def test_baked_png_payload_is_read(site_factory, export, tmp_path):
    from sitegen.bake import OB2, bake_png

    assertion = (export / "beths-robotics-badge.json").read_text()
    (export / "beths-robotics-badge.json").unlink()
    (export / "baked.png").write_bytes(bake_png(png_bytes(128), assertion, OB2))
    root = site_factory()
    result = run("import", "--source", str(root), "--from", "ob2-json", str(export))
    assert result.exit_code == 0, result.output
    assert len(list((root / "content/awards/imported-ob2-json").glob("*.yaml"))) == 1


def test_recipient_mapping():
    assert recipient_of({"type": "email", "hashed": False, "identity": "Ann@Example.org"}) == (
        "ann@example.org", None, None)
    assert recipient_of({"type": "email", "hashed": True, "identity": KEPT_HASH}) == (
        None, KEPT_HASH, None)
    assert "SHA-256" in str(recipient_of(
        {"type": "email", "hashed": True, "identity": "md5$" + "0" * 32}))
    assert "telephone" in str(recipient_of({"type": "telephone", "identity": "+33100000000"}))


def test_criteria_keep_narrative_and_link():
    assert criteria_of({"id": "https://example.org/c", "narrative": "Do it."}) == \
        "Do it.\n\n<https://example.org/c>"
    assert criteria_of("javascript:alert(1)") is None


def test_images_outside_content_still_check_on_the_staged_copy(site_factory, export):
    root = site_factory({
        "images/ponctuel.png": png_bytes(),
        "content/badges/ponctuel.yaml": (
            "issuer: atelier\nname: Ponctuel\ndescription: Arrive à l'heure.\n"
            "image: {file: ../../images/ponctuel.png, alt: Une horloge}\n"
            "criteria: Validé par l'équipe.\n"),
        "content/badges/ponctuel.png": None,
    })
    assert run("check", "--source", str(root)).exit_code == 0
    result = run("import", "--source", str(root), "--from", "ob2-json", str(export))
    assert result.exit_code == 0, result.output


def test_deeply_nested_json_is_refused(site_factory, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    result = CliRunner().invoke(
        main, ["import", "--source", str(site_factory()), "--from", "ob2-json", str(folder)])
    assert result.exit_code == 1
    assert "nested too deeply" in result.output


def test_the_same_assertion_twice_in_an_export_is_imported_once(site_factory, export):
    shutil.copy(export / "beths-robotics-badge.json", export / "copy-of-beth.json")
    root = site_factory()
    result = run("import", "--source", str(root), "--from", "ob2-json", str(export))
    assert result.exit_code == 0, result.output
    assert len(list((root / "content/awards/imported-ob2-json").glob("*.yaml"))) == 1
    assert "skipped: the same award is also in beths-robotics-badge.json" in result.output


def test_a_folder_needs_from_and_csv_options_refuse_from(site_factory, export):
    root = site_factory()
    runner = CliRunner()
    no_from = runner.invoke(main, ["import", "--source", str(root), str(export)])
    assert no_from.exit_code == 2
    assert "needs --from" in no_from.output
    mixed = runner.invoke(main, ["import", "--source", str(root), "--from", "ob2-json",
                                 "--badge", "ponctuel", str(export)])
    assert mixed.exit_code == 2
    assert "for CSV files only" in mixed.output


def test_svg_data_uri_image_is_copied_and_its_cleaning_reported(site_factory, export):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128">'
           '<rect width="128" height="128" fill="green"/><script>alert(1)</script></svg>')
    data = json.loads((export / "robotics-badge.json").read_text())
    data["image"] = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    (export / "robotics-badge.json").write_text(json.dumps(data))
    root = site_factory()
    result = CliRunner().invoke(main, ["import", "--source", str(root), "--from", "ob2-json",
                                       str(export)])
    assert result.exit_code == 0, result.output
    assert (root / "content/badges/awesome-robotics-badge.svg").read_text() == svg
    assert "image.svg-sanitized" in result.output
    assert "from robotics-badge.json" in result.output
