"""A ceremony's certificates in a real browser: one printed page and one scannable QR code per
earner, accessible, and nothing fetched from anywhere."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from PIL import Image

from sitegen.cli import main
from sitegen.commands.load import load_site
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_certificate import axe_violations, count_pdf_pages
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CEREMONY = "content/awards/2024-03-ceremonie"
BASE_URL = "https://badges.valoristes.example.org/"


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The example ceremony's kit, served on 127.0.0.1; yields (its URL, award ids in order)."""
    from sitegen.devserver import make_server

    out = tmp_path_factory.mktemp("ceremony") / "kit"
    result = CliRunner().invoke(
        main, ["ceremony", "--source", str(ROOT), str(ROOT / CEREMONY), "--output", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    awards = [a for a in load_site(ROOT).site.awards
              if a.source.path.startswith(CEREMONY) and a.revocation is None]
    order = sorted(awards, key=lambda a: ((a.recipient.name or a.recipient.email).casefold(), a.id))
    server = make_server(out, 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/certificates.html", [a.id for a in order]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_each_earner_gets_one_printed_page(kit, browser, paper):
    url, ids = kit
    page = browser.page()
    page.goto(url)
    pdf = page.pdf(format=paper, print_background=True)
    assert count_pdf_pages(pdf) == len(ids) == 5
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    for number, award_id in enumerate(ids):  # in order, each page its own certificate
        text = reader.pages[number].extract_text()
        assert f"awards/{award_id}" in text.replace("\n", "").replace(" ", "")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"ceremony-{paper}.pdf").write_bytes(pdf)
    assert browser.foreign == []
    page.context.close()


def test_each_qr_code_scans_to_its_award_page(kit, browser):
    zxingcpp = pytest.importorskip("zxingcpp")
    url, ids = kit
    page = browser.page()
    page.goto(url)
    codes = page.locator(".certificate-qr")
    assert codes.count() == len(ids)
    for number, award_id in enumerate(ids):
        shot = codes.nth(number).screenshot()
        results = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
        assert [r.text for r in results] == [f"{BASE_URL}awards/{award_id}/"]
    page.context.close()


def test_ceremony_document_is_accessible_and_prints_without_its_instructions(kit, browser):
    url, _ = kit
    page = browser.page(bypass_csp=True)
    page.goto(url)
    violations = axe_violations(page)
    assert violations == [], violations
    page.context.close()
    page = browser.page(width=900, height=1200)
    page.goto(url)
    assert page.locator("h1").count() == 1
    broken = page.evaluate(
        "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length"
    )
    assert broken == 0
    assert page.locator(".certificates > .certificate-tools").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "ceremony-screen.png"))
    page.emulate_media(media="print")
    assert not page.locator(".certificates > .certificate-tools").is_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(SCREENSHOTS / "ceremony-print.png"), full_page=True)
    assert browser.foreign == []
    page.context.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An earner's archive of the example site, unzipped and served; yields its folder's URL."""
    from sitegen.commands.build import build_site
    from sitegen.devserver import make_server

    root = tmp_path_factory.mktemp("archive")
    build_site(ROOT, root / "site")
    result = CliRunner().invoke(main, [
        "export", "--source", str(ROOT), "--site", str(root / "site"),
        "--recipient", "aminata.diallo@example.net", "--output", str(root / "zips"),
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(root / "zips" / "badges-aminata-diallo.zip") as opened:
        opened.extractall(root / "unzipped")
    server = make_server(root / "unzipped", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/badges-aminata-diallo/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", [
    "LISEZMOI.html", "README.html", "2026-03-12-sens-du-service/certificate-fr.html",
])
def test_archive_pages_are_accessible_and_complete_offline(archive, browser, path):
    page = browser.page(bypass_csp=True)
    page.goto(archive + path)
    broken = page.evaluate(
        "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length"
    )
    assert broken == 0
    violations = axe_violations(page)
    assert violations == [], violations
    name = path.replace("/", "-").removesuffix(".html")
    page.screenshot(path=str(SCREENSHOTS / f"archive-{name}.png"), full_page=True)
    assert browser.foreign == []
    page.context.close()
