"""The printable certificate and the sharing panel in a real browser: one printed page, copy buttons."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from sitegen.commands.load import load_site
from sitegen.i18n import make_translator
from sitegen.model import Award
from sitegen.qr import qr_png
from sitegen.render import AwardView, Renderer
from sitegen.share import render_share_image, share_tagline
from sitegen.theme import read_theme
from sitegen.urls import Urls
from tests.browser.conftest import AXE, SCREENSHOTS
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

def longest(text: str, limit: int) -> str:
    """``text`` repeated up to ``limit`` characters: the longest value content may hold."""
    words = (text + " ") * (limit // len(text) + 1)
    return words[:limit].rstrip()


LONG_ISSUER = f"""\
name: {longest("Association régionale pour l’insertion professionnelle de Bourgogne-Franche-Comté", 200)}
url: https://atelier.example.org/
email: contact@atelier.example.org
image:
  file: logo.png
  alt: Logo de l’association
"""

LONG_BADGE = f"""\
issuer: atelier
name: {longest("Capacité à travailler en équipe pluridisciplinaire dans un environnement exigeant", 200)}
description: Un badge au nom très long.
image:
  file: ponctuel.png
  alt: Une horloge verte
validity: P2Y
criteria:
  items:
""" + "".join(
    f"""\
    - id: critere-{n}
      name: {longest(f"Critère numéro {n}, dont l’intitulé occupe plusieurs lignes du certificat", 300)}
      period: P6M
"""
    for n in range(1, 13)
)

LONG_AWARD = f"""\
badge: ponctuel
recipient:
  email: ada@example.net
  name: {longest("Marie-Antoinette Josèphe Jeanne de Habsbourg-Lorraine", 200)}
  display: full
issued: 2024-03-14
validation:
  date: 2024-03-01
  validators:
""" + "".join(
    f"""\
    - name: {longest(f"Validatrice {n} au nom composé particulièrement long", 200)}
      role: {longest("encadrante technique principale du chantier de tri textile", 200)}
"""
    for n in range(1, 13)
) + "evidence:\n" + "".join(
    f"""\
  - criterion: critere-{n}
    observed: {{from: 2023-08-14, to: 2024-02-29}}
"""
    for n in range(1, 13)
)

# The area inside 12 mm margins, in CSS pixels (96 per inch).
PRINTABLE = {"A4": (703, 1032), "Letter": (726, 965)}


def png_bytes(side: int = 256) -> bytes:
    """A small square PNG."""
    buffer = io.BytesIO()
    Image.new("RGBA", (side, side), (20, 120, 60, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def publish(source: Path, out: Path, base_url: str) -> list[Award]:
    """Write the pages under test and what they show, as a build lays them out."""
    loaded = load_site(source, base_url=base_url)
    site = loaded.site
    theme = read_theme(source, site.config.theme)
    tr = make_translator(site.config.language, theme.locale_dirs)
    urls = Urls(site.config.base_url)
    renderer = Renderer(theme.template_dirs, site, urls, tr)

    def write(path: str, data: bytes) -> None:
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    for name, path in theme.static_files().items():
        write(urls.static(name), path.read_bytes())
    write(urls.verify_messages(tr.language), renderer.verify_messages())
    for issuer in site.issuers:
        if issuer.image:
            image = loaded.images[issuer.image.path]
            write(urls.issuer_image(issuer), image.svg if image.is_svg else image.png)
    for award in site.awards:
        image = loaded.images[award.badge.image.path]
        write(urls.baked_png(award), image.png)
        write(urls.qr_code(award), qr_png(urls.absolute(urls.award_page(award))))
        write(urls.award_page(award), renderer.award(award))
        write(urls.share_image(award.badge), render_share_image(
            badge_png=image.png, badge_name=renderer.text(award.badge.name),
            issuer_name=renderer.text(award.badge.issuer.name), tagline=share_tagline(tr),
            fonts_dir=ROOT / "themes/default/fonts",
        ))
    return list(site.awards)


class Served:
    """A folder served on 127.0.0.1."""

    def __init__(self, out: Path) -> None:
        from sitegen.devserver import make_server

        self.server = make_server(out, 0, quiet=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Award]]]:
    """The example site's certificates and sharing panels, served; yields (base URL, awards)."""
    out = tmp_path_factory.mktemp("certificates") / "site"
    out.mkdir()
    with Served(out) as served:
        yield served.base_url, publish(ROOT, out, served.base_url)


@pytest.fixture(scope="module")
def extreme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Award]]:
    """A site whose names and criteria are as long as content allows."""
    root = tmp_path_factory.mktemp("extreme") / "src"
    files: dict[str, str | bytes] = {
        "site.yaml": "title: Test\nbase_url: https://badges.example.org/\nlanguage: fr\n",
        "content/issuers/atelier.yaml": LONG_ISSUER,
        "content/issuers/logo.png": png_bytes(),
        "content/badges/ponctuel.yaml": LONG_BADGE,
        "content/badges/ponctuel.png": png_bytes(),
        "content/awards/a1.yaml": LONG_AWARD,
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    out = root.parent / "site"
    out.mkdir()
    with Served(out) as served:
        yield served.base_url, publish(root, out, served.base_url)[0]


def count_pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: with pypdf when installed, else by counting page objects."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page\b", pdf))
    return len(PdfReader(io.BytesIO(pdf)).pages)


def axe_violations(page) -> list[dict]:
    """What axe-core finds against WCAG 2.1 AA and its best practices."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run the tests with `make test`")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
           values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations"""
    )
    return [{"id": v["id"], "nodes": [n["html"] for n in v["nodes"]][:3]} for v in result]


def pick(awards: list[Award], kind: str) -> Award:
    """An example award of one kind."""
    choices = {
        "named": lambda a: a.recipient.shown_name and a.revocation is None,
        "anonymous": lambda a: a.recipient.shown_name is None and a.revocation is None,
        "expiring": lambda a: a.expires is not None and a.revocation is None,
        "revoked": lambda a: a.revocation is not None,
        "trail": lambda a: a.validation is not None and a.revocation is None,
    }
    return next(a for a in awards if choices[kind](a))


# Certificates -----------------------------------------------------------------


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("kind", ["named", "anonymous", "expiring", "revoked", "trail"])
def test_certificate_prints_on_one_page(example, browser, paper, kind):
    base_url, awards = example
    award = pick(awards, kind)
    page = browser.page()
    page.goto(base_url + f"awards/{award.id}/#certificate")
    pdf = page.pdf(format=paper, print_background=True)
    assert count_pdf_pages(pdf) == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"certificate-{kind}-{paper}.pdf").write_bytes(pdf)
    assert browser.foreign == []
    page.context.close()


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_certificate_with_longest_content_still_prints_on_one_page(extreme, browser, paper):
    base_url, award = extreme
    page = browser.page()
    page.goto(base_url + f"awards/{award.id}/#certificate")
    pdf = page.pdf(format=paper, print_background=True)
    assert count_pdf_pages(pdf) == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"certificate-extreme-{paper}.pdf").write_bytes(pdf)
    # Nothing overflows the frame: the QR code and the address are never cut off.
    page.emulate_media(media="print")
    width, height = PRINTABLE[paper]
    page.set_viewport_size({"width": width, "height": height})
    overflow = page.evaluate(
        "(() => { const c = document.querySelector('.certificate');"
        " return c.scrollHeight - c.clientHeight; })()"
    )
    assert overflow <= 0
    frame = page.locator(".certificate").bounding_box()
    for part in (".certificate-qr", ".certificate-verify-text", ".certificate-title",
                 ".certificate-criteria li", ".certificate-decision"):
        box = page.locator(part).first.bounding_box()
        assert box["y"] + box["height"] <= frame["y"] + frame["height"], part
    page.screenshot(path=str(SCREENSHOTS / f"certificate-extreme-{paper}-print.png"))
    page.context.close()


def test_certificate_qr_code_scans_to_the_award_page(example, browser):
    zxingcpp = pytest.importorskip("zxingcpp")
    base_url, awards = example
    award = pick(awards, "named")
    page = browser.page()
    page.goto(base_url + f"awards/{award.id}/#certificate")
    shot = page.locator(".certificate-qr").screenshot()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert [r.text for r in results] == [f"{base_url}awards/{award.id}/"]
    page.context.close()


@pytest.mark.parametrize("kind", ["named", "anonymous"])
def test_certificate_shows_what_a_reader_needs(example, browser, kind):
    base_url, awards = example
    award = pick(awards, kind)
    page = browser.page()
    page.goto(base_url + f"awards/{award.id}/#certificate")
    text = page.locator(".certificate").inner_text()
    assert award.badge.name.get("fr", "fr") in text
    assert award.badge.issuer.name.get("fr", "fr") in text
    assert f"{base_url}awards/{award.id}/" in text
    assert AwardView.of(award).code in text
    if kind == "named":
        assert award.recipient.shown_name in text
    else:
        assert "identifiée par son adresse électronique" in text
        assert award.recipient.email not in page.content()
    assert page.locator(".certificate-tools").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".certificate-tools").is_visible()
    assert not page.locator(".site-header").is_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(SCREENSHOTS / f"certificate-{kind}-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1200, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / f"certificate-{kind}-screen.png"), full_page=True)
    page.context.close()


def test_certificate_and_sharing_panel_are_accessible(example, browser):
    base_url, awards = example
    award = pick(awards, "expiring")
    for path in (f"awards/{award.id}/#certificate", f"awards/{award.id}/"):
        page = browser.page(bypass_csp=True)
        page.goto(base_url + path)
        violations = axe_violations(page)
        assert violations == [], violations
        page.context.close()


# Sharing panel ----------------------------------------------------------------


def test_copy_buttons_work_from_the_keyboard(example, browser):
    base_url, awards = example
    award = pick(awards, "named")
    page = browser.page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(base_url + f"awards/{award.id}/")
    assert page.locator(".share button.copy-button").count() == 7  # one per marked value
    button = page.locator(".share-fields button[data-copy]").last  # the credential URL
    assert button.is_visible()
    assert button.text_content() == "Copier (URL de la certification)"
    button.focus()
    page.keyboard.press("Enter")
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(page.locator("#share-status")).to_have_text("Copié dans le presse-papiers.")
    assert page.evaluate("navigator.clipboard.readText()") == f"{base_url}awards/{award.id}/"
    page.keyboard.press("Tab")  # focus moves on to the next control, as with any button
    assert page.evaluate("document.activeElement.tagName") == "A"
    page.screenshot(path=str(SCREENSHOTS / "share-panel.png"), full_page=True)
    page.context.close()


def test_sharing_panel_is_complete_without_javascript(example, browser):
    base_url, awards = example
    award = pick(awards, "expiring")
    page = browser.page(javascript=False)
    page.goto(base_url + f"awards/{award.id}/")
    panel = page.locator(".share")
    assert page.locator(".share [data-copy-label]").count() == 7
    assert page.locator(".share button").count() == 0, "copy buttons are made by share.js"
    text = panel.inner_text()
    for value in (AwardView.of(award).code, f"{base_url}awards/{award.id}/",
                  award.badge.issuer.name.get("fr", "fr")):
        assert value in text
    assert panel.locator("a[href^='https://www.linkedin.com/profile/add?']").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "share-panel-no-js.png"), full_page=True)
    page.context.close()


def test_share_image_is_shown_as_drawn(example, browser):
    base_url, awards = example
    award = pick(awards, "named")
    page = browser.page(width=1200, height=630)
    response = page.goto(base_url + f"badges/{award.badge.slug}/share.png")
    assert response.headers["content-type"] == "image/png"
    page.screenshot(path=str(SCREENSHOTS / "share-image.png"))
    page.context.close()
