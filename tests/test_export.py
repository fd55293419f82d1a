"""``sitegen export``: one earner's ZIP holds their awards, nobody else's, and every file verifies."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from sitegen.archive import archive_stem, award_folders
from sitegen.cli import main
from sitegen.commands.build import build_site
from sitegen.commands.load import load_site
from sitegen.identity import recipient_identity
from tests.conftest import AWARD_YAML, ROOT

EARNER = "Aminata.Diallo@example.net"  # two awards of the example, one renewing the other
BASE_URL = "https://badges.valoristes.example.org/"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example content, built once for this module."""
    out = tmp_path_factory.mktemp("export") / "site"
    build_site(ROOT, out)
    return out


def export(source: Path, site: Path, email: str, output: Path) -> Result:
    return run("export", "--source", str(source), "--site", str(site), "--recipient", email,
               "--output", str(output))


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def archive(example_site: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("zips")
    result = export(ROOT, example_site, EARNER, out)
    assert result.exit_code == 0, result.output
    assert "badges-aminata-diallo.zip (2 award(s)" in result.stdout
    return read_zip(out / "badges-aminata-diallo.zip")


def test_archive_holds_exactly_the_earners_awards(archive):
    site = load_site(ROOT).site
    mine = [a for a in site.awards if a.recipient.email == EARNER.lower()]
    others = [a for a in site.awards if a.recipient.email != EARNER.lower()]
    assert len(mine) == 2 and others
    folders = award_folders(mine)
    top = archive_stem(EARNER.lower())
    expected = {f"{top}/LISEZMOI.html", f"{top}/README.html"}
    for award in mine:
        for name in ("credential.json", "credential.jwt", "badge.png", "badge.svg",
                     "certificate-fr.html", "certificate-en.html"):
            expected.add(f"{top}/{folders[award.id]}/{name}")
    assert set(archive) == expected
    for award in mine:
        credential = json.loads(archive[f"{top}/{folders[award.id]}/credential.json"])
        assert credential["id"] == f"{BASE_URL}awards/{award.id}/credential.json"
        identity = credential["credentialSubject"]["identifier"][0]["identityHash"]
        assert identity == recipient_identity(award)
    everything = b"".join(archive.values())
    for other in others:  # no id, page, hashed identity or address of anyone else
        assert other.id.encode() not in everything
        assert recipient_identity(other).encode() not in everything
        assert other.recipient.email.encode() not in everything
    assert EARNER.lower().encode() not in everything  # not even the earner's own address


def test_archive_files_are_the_published_bytes(archive, example_site):
    site = load_site(ROOT).site
    mine = [a for a in site.awards if a.recipient.email == EARNER.lower()]
    folders = award_folders(mine)
    top = archive_stem(EARNER.lower())
    for award in mine:
        for name in ("credential.json", "credential.jwt", "badge.png", "badge.svg"):
            published = (example_site / "awards" / award.id / name).read_bytes()
            assert archive[f"{top}/{folders[award.id]}/{name}"] == published


def test_every_credential_in_the_archive_verifies(archive, example_site, tmp_path):
    checked = 0
    for name, data in archive.items():
        if not name.endswith(("credential.json", "credential.jwt", "badge.png", "badge.svg")):
            continue
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        result = run("verify", str(path), "--site", str(example_site))
        lines = result.stdout.splitlines()
        # The renewed award has expired; everything else about it still checks out.
        assert lines[-1].startswith(("VALID:", "EXPIRED:")), result.stdout
        assert result.exit_code == (0 if lines[-1].startswith("VALID:") else 1)
        for check in ("signature", "issuer key", "status"):
            assert any(line.startswith(f"  ok  {check}:") for line in lines), (name, check)
        checked += 1
    assert checked == 8


def test_readme_exists_in_french_and_english_and_explains_each_file(archive):
    top = archive_stem(EARNER.lower())
    french = archive[f"{top}/LISEZMOI.html"].decode()
    english = archive[f"{top}/README.html"].decode()
    assert '<html lang="fr">' in french and '<html lang="en">' in english
    assert "Vos Open Badges" in french and "Your Open Badges" in english
    for text in (french, english):
        assert "Learner Credential Wallet" in text
        assert "https://www.linkedin.com/profile/add?" in text
        for award_id in ("2024-03-ser-uc1l0x53", "2026-03-ser-k7q2m9xd"):
            assert f"{BASE_URL}awards/{award_id}/" in text
        for name in ("credential.json", "credential.jwt", "badge.png", "certificate-fr.html"):
            assert name in text
        assert 'href="http' not in text.replace(f'href="{BASE_URL}', "").replace(
            'href="https://www.linkedin.com/', ""), "only the badge pages and LinkedIn"
    assert 'href="README.html"' in french and 'href="LISEZMOI.html"' in english


def test_certificates_stand_alone_and_their_qr_code_scans_to_the_award_page(archive):
    zxingcpp = pytest.importorskip("zxingcpp")

    top = archive_stem(EARNER.lower())
    page = archive[f"{top}/2026-03-12-sens-du-service/certificate-fr.html"].decode()
    assert "Développement" in page or "développement" in page  # built with development keys
    assert 'src="http' not in page and "<link" not in page and "<script" not in page
    qr = re.search(r'<div class="certificate-qr"><img src="data:image/png;base64,([^"]+)"', page)
    assert qr is not None
    image = Image.open(io.BytesIO(base64.b64decode(qr.group(1))))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [
        f"{BASE_URL}awards/2026-03-ser-k7q2m9xd/"]


def test_export_is_byte_identical_when_run_again(example_site, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    assert export(ROOT, example_site, EARNER, first).exit_code == 0
    assert export(ROOT, example_site, EARNER.lower(), second).exit_code == 0
    name = "badges-aminata-diallo.zip"
    assert (first / name).read_bytes() == (second / name).read_bytes()
    with zipfile.ZipFile(first / name) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in archive.infolist()} == {(2026, 3, 12, 0, 0, 0)}
    assert [p.name for p in first.iterdir()] == [name]  # no temporary file left


def test_unknown_address_is_a_clear_error_and_writes_nothing(example_site, tmp_path):
    result = export(ROOT, example_site, "nobody@example.net", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: no award is for n•••@example.net",
        "  hint: check the address against the award files (recipient: email:); awards that "
        "carry only a hashed identity cannot be matched to an address",
    ]
    assert not (tmp_path / "out").exists()


def test_bad_address_and_missing_site_are_clear_errors(example_site, tmp_path):
    bad = export(ROOT, example_site, "aminata.diallo", tmp_path)
    assert bad.exit_code == 1
    assert "error: 'aminata.diallo' is not an email address" in bad.stderr
    missing = export(ROOT, tmp_path / "nowhere", EARNER, tmp_path)
    assert missing.exit_code == 1
    assert "is not a built site" in missing.stderr
    assert "hint: run 'sitegen build' first" in missing.stderr
    assert "Traceback" not in bad.output + missing.output
    assert list(tmp_path.iterdir()) == []


def test_revoked_awards_are_left_out(example_site, tmp_path):
    result = export(ROOT, example_site, "thomas.girard@example.net", tmp_path)
    assert result.exit_code == 1
    assert "every award of t•••@example.net was revoked" in result.stderr


OTHER_AWARD = AWARD_YAML.replace("Ada@Example.net", "bob@example.org")


def test_only_the_matching_earner_is_exported_from_a_small_site(site_factory, tmp_path):
    root = site_factory({
        "content/awards/2024/b1.yaml": OTHER_AWARD,
        "content/awards/2024/a2.yaml": AWARD_YAML.replace("2024-03-14", "2024-05-02"),
    })
    build_site(root, root / "_site")
    result = run("export", "--source", str(root), "--recipient", "ada@example.net",
                 "--output", str(tmp_path))
    assert result.exit_code == 0, result.output
    files = read_zip(tmp_path / "badges-ada.zip")
    ids = {json.loads(data)["id"].split("/")[-2] for name, data in files.items()
           if name.endswith("credential.json")}
    assert ids == {"a1", "a2"}
    assert b"/awards/b1/" not in b"".join(files.values())


def test_a_site_built_from_other_content_is_refused(site_factory, tmp_path):
    root = site_factory()
    build_site(root, root / "_site")
    award = root / "content/awards/2024/a1.yaml"
    award.write_text(AWARD_YAML.replace("Ada@Example.net", "eve@example.org"), encoding="utf-8")
    result = run("export", "--source", str(root), "--recipient", "eve@example.org",
                 "--output", str(tmp_path))
    assert result.exit_code == 1
    assert ("content/awards/2024/a1.yaml: the built site's award a1 is not for this address"
            in result.stderr)
    assert not list(tmp_path.glob("*.zip"))


def test_all_writes_one_archive_per_earner_without_printing_addresses(example_site, tmp_path):
    result = run("export", "--source", str(ROOT), "--site", str(example_site), "--all",
                 "--output", str(tmp_path))
    assert result.exit_code == 0, result.output
    site = load_site(ROOT).site
    earners = {a.recipient.email for a in site.awards if a.revocation is None}
    zips = sorted(tmp_path.glob("*.zip"))
    assert [p.name for p in zips] == sorted(f"{archive_stem(e)}.zip" for e in earners)
    assert f"wrote {len(earners)} archive(s)" in result.stdout
    assert "@" not in result.output
    for path in zips:
        identities = {
            json.loads(data)["credentialSubject"]["identifier"][0]["identityHash"]
            for name, data in read_zip(path).items() if name.endswith("credential.json")
        }
        owners = {a.recipient.email for a in site.awards if recipient_identity(a) in identities}
        assert len(owners) == 1 and archive_stem(owners.pop()) == path.stem


def test_all_tells_apart_addresses_with_the_same_name(site_factory, tmp_path):
    root = site_factory({
        "content/awards/2024/b1.yaml": AWARD_YAML.replace("Ada@Example.net", "ada@example.org"),
    })
    build_site(root, root / "_site")
    out = tmp_path / "zips"
    result = run("export", "--source", str(root), "--all", "--output", str(out))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and all(n.startswith("badges-ada-") for n in names)
    assert "example" not in "".join(names)


def test_recipient_and_all_go_alone(example_site, tmp_path):
    both = run("export", "--source", str(ROOT), "--site", str(example_site), "--all",
               "--recipient", EARNER)
    neither = run("export", "--source", str(ROOT), "--site", str(example_site))
    assert both.exit_code == neither.exit_code == 2
    assert "give either --recipient EMAIL or --all" in neither.stderr


def test_an_unwritable_output_is_a_clear_error(example_site, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = export(ROOT, example_site, EARNER, blocker / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write in {blocker / 'out'}")
    assert "Traceback" not in result.output
