"""Sharing an award: the LinkedIn link, verifier links, link previews and the sharing panel."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from sitegen.commands.build import build_site
from sitegen.commands.load import load_site
from sitegen.diagnostics import ContentError
from sitegen.i18n import make_translator
from sitegen.identity import credential_code
from sitegen.model import Award
from sitegen.render import AwardView, Page, Renderer
from sitegen.sharing import linkedin_url, verifierplus_url
from sitegen.theme import builtin_theme_dir
from sitegen.urls import Urls
from tests.conftest import BADGE_YAML, ISSUER_YAML

LOCALES = builtin_theme_dir() / "locales"
NAMED_AWARD = """\
badge: ponctuel
recipient:
  email: ada@example.net
  name: Ada Lovelace
  display: {display}
issued: 2024-03-14
{extra}
"""
SHARE_PAGE = """\
{% extends "base.html" %}
{% block meta %}{% include "partials/social_meta.html" %}{% endblock %}
{% block main %}{% include "partials/share.html" %}{% endblock %}
"""


def load_award(site_factory, files: dict[str, str] | None = None) -> tuple[Award, Urls]:
    site = load_site(site_factory(files)).site
    return site.awards[0], Urls(site.config.base_url)


def query(url: str) -> dict[str, str]:
    pairs = parse_qsl(urlsplit(url).query, strict_parsing=True)
    assert len(pairs) == len(dict(pairs))  # no parameter twice
    return dict(pairs)


def render_share_page(root: Path, tmp_path: Path, language: str = "fr") -> tuple[str, Award]:
    """The sharing panel and link-preview tags of the site's first award, as award.html has them."""
    site = load_site(root).site
    award = site.awards[0]
    urls = Urls(site.config.base_url)
    tr = make_translator(language, [LOCALES])
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates/share_test.html").write_text(SHARE_PAGE, encoding="utf-8")
    renderer = Renderer(
        [str(tmp_path / "templates"), str(builtin_theme_dir() / "templates")], site, urls, tr
    )
    title = renderer.text(award.badge.name)
    if award.recipient.shown_name:
        title = tr.gettext("%(badge)s awarded to %(name)s") % {
            "badge": title, "name": award.recipient.shown_name,
        }
    page = Page(path=urls.award_page(award), title=title,
                description=renderer.plain(award.badge.description), noindex=not award.listed)
    body = renderer.render(
        "share_test.html", page, view=AwardView.of(award), award=award, badge=award.badge,
        linkedin_url=linkedin_url(award, urls, tr), verifierplus_url=verifierplus_url(award, urls),
    )
    return body.decode("utf-8"), award


def meta(page: str) -> dict[str, str]:
    """The page's Open Graph and Twitter tags."""
    found = re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z:_]+)" content="([^"]*)">',
                       page)
    return {key: html.unescape(value) for key, value in found}


# The LinkedIn link -----------------------------------------------------------


def test_linkedin_link_prefills_the_certification_form(site_factory):
    award, urls = load_award(site_factory)
    url = linkedin_url(award, urls, make_translator("fr", [LOCALES]))
    assert url.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&")
    assert query(url) == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Ponctuel",
        "organizationName": "Atelier Test",
        "issueYear": "2024",
        "issueMonth": "3",
        "certUrl": "https://badges.example.org/awards/a1/",
        "certId": credential_code(award),
    }


def test_linkedin_link_encodes_every_value(site_factory):
    award, urls = load_award(site_factory, {
        "content/issuers/atelier.yaml": ISSUER_YAML.replace(
            "name: Atelier Test", 'name: "L’Atelier & Cie #1 = 100 %"'),
    })
    url = linkedin_url(award, urls, make_translator("fr", [LOCALES]))
    assert " " not in url and "’" not in url and url.count("#") == 0
    assert url.count("&") == len(query(url)) - 1
    assert query(url)["organizationName"] == "L’Atelier & Cie #1 = 100 %"
    assert "certUrl=https%3A%2F%2Fbadges.example.org%2Fawards%2Fa1%2F" in url


def test_linkedin_link_uses_the_issuers_linkedin_page_when_known(site_factory):
    award, urls = load_award(site_factory, {
        "content/issuers/atelier.yaml": ISSUER_YAML + "linkedin_id: 1234567\n",
    })
    assert award.badge.issuer.linkedin_id == "1234567"
    params = query(linkedin_url(award, urls, make_translator("fr", [LOCALES])))
    assert params["organizationId"] == "1234567"
    assert "organizationName" not in params


def test_linkedin_id_may_be_written_as_text(site_factory):
    award, _ = load_award(site_factory, {
        "content/issuers/atelier.yaml": ISSUER_YAML + 'linkedin_id: "0042"\n',
    })
    assert award.badge.issuer.linkedin_id == "0042"


@pytest.mark.parametrize("value", ["acme-corp", "https://www.linkedin.com/company/12/", "1.5",
                                   "true", "[1, 2]"])
def test_linkedin_id_must_be_digits(site_factory, value):
    root = site_factory({"content/issuers/atelier.yaml": ISSUER_YAML + f"linkedin_id: {value}\n"})
    with pytest.raises(ContentError) as info:
        load_site(root)
    assert [d.code for d in info.value.diagnostics] == ["issuer.bad-linkedin-id"]


def test_linkedin_link_gives_the_expiry_month_when_the_award_expires(site_factory):
    award, urls = load_award(site_factory, {
        "content/awards/2024/a1.yaml": NAMED_AWARD.format(display="full",
                                                          extra="expires: 2026-09-30"),
    })
    params = query(linkedin_url(award, urls, make_translator("fr", [LOCALES])))
    assert (params["expirationYear"], params["expirationMonth"]) == ("2026", "9")


def test_linkedin_link_never_names_the_earner(site_factory):
    award, urls = load_award(site_factory, {
        "content/awards/2024/a1.yaml": NAMED_AWARD.format(display="full", extra=""),
    })
    url = linkedin_url(award, urls, make_translator("fr", [LOCALES]))
    assert "Ada" not in unquote(url) and "Lovelace" not in unquote(url)
    assert "ada" not in unquote(url).lower()


def test_linkedin_link_names_the_badge_in_the_pages_language(site_factory):
    award, urls = load_award(site_factory, {
        "content/badges/ponctuel.yaml": BADGE_YAML.replace(
            "name: Ponctuel", "name:\n  fr: Ponctuel\n  en: Punctual"),
    })
    assert query(linkedin_url(award, urls, make_translator("en", [LOCALES])))["name"] == "Punctual"
    assert query(linkedin_url(award, urls, make_translator("fr", [LOCALES])))["name"] == "Ponctuel"


def test_verifierplus_link_carries_the_encoded_credential_url(site_factory):
    award, urls = load_award(site_factory)
    url = verifierplus_url(award, urls)
    prefix = "https://verifierplus.org/#verify?vc="
    assert url.startswith(prefix)
    assert url[len(prefix):] == "https%3A%2F%2Fbadges.example.org%2Fawards%2Fa1%2Fcredential.json"
    # VerifierPlus reads the fragment with URLSearchParams, which decodes it once.
    assert dict(parse_qsl(urlsplit(url).fragment.split("?", 1)[1]))["vc"] == \
        "https://badges.example.org/awards/a1/credential.json"


# The sharing panel and link previews -----------------------------------------


def test_sharing_panel_shows_every_field_to_copy_by_hand(site_factory, tmp_path):
    page, award = render_share_page(site_factory(), tmp_path)
    panel = page[page.index('<section class="share"'):page.index("</section>")]
    code = credential_code(award)
    for text in ("Ponctuel", "Atelier Test", "14 mars 2024", code,
                 "https://badges.example.org/awards/a1/",
                 "https://badges.example.org/awards/a1/assertion.json",
                 "https://badges.example.org/awards/a1/credential.json"):
        assert text in panel, text
    assert html.escape(linkedin_url(award, Urls("https://badges.example.org/"),
                                    make_translator("fr", [LOCALES]))) in panel
    assert "https://verifierplus.org/#verify?vc=https%3A%2F%2F" in panel
    assert 'href="https://openbadgesvalidator.imsglobal.org/"' in panel
    for download in ("badge.png", "badge.svg", "credential.json"):
        assert f'href="{download}" download' in panel
    # Copy buttons exist for script users only: share.js adds one after each marked value.
    assert "<button" not in panel
    assert f'<code class="code" data-copy-label="ID de la certification">{code}</code>' in panel
    assert len(re.findall(r"data-copy-label=", panel)) == 7
    assert '<script src="../../static/share.js" defer></script>' in page
    assert "<script>" not in page and " on" + "click=" not in page  # no inline script (CSP)


def test_sharing_panel_is_left_out_for_a_revoked_award(site_factory, tmp_path):
    root = site_factory({"content/awards/2024/a1.yaml": NAMED_AWARD.format(
        display="none", extra="revoked:\n  date: 2024-04-01\n  reason: Erreur de saisie")})
    page, _ = render_share_page(root, tmp_path)
    assert 'class="share"' not in page and "share.js" not in page


def test_sharing_panel_is_shown_for_an_award_with_an_expiry_date(site_factory, tmp_path):
    root = site_factory({"content/awards/2024/a1.yaml": NAMED_AWARD.format(
        display="none", extra="expires: 2025-03-14")})
    page, _ = render_share_page(root, tmp_path)
    assert 'class="share"' in page and "14 mars 2025" in page


def test_link_preview_tags_describe_the_badge_with_the_share_image(site_factory, tmp_path):
    page, _ = render_share_page(site_factory(), tmp_path)
    tags = meta(page)
    assert tags == {
        "og:type": "website",
        "og:site_name": "Test badges",
        "og:title": "Ponctuel",
        "og:description": "Arrive à l'heure.",
        "og:url": "https://badges.example.org/awards/a1/",
        "og:image": "https://badges.example.org/badges/ponctuel/share.png",
        "og:image:type": "image/png",
        "og:image:width": "1200",
        "og:image:height": "630",
        "og:image:alt": "Le badge « Ponctuel », décerné par Atelier Test",
        "og:locale": "fr_FR",
        "twitter:card": "summary_large_image",
        "twitter:image:alt": "Le badge « Ponctuel », décerné par Atelier Test",
    }


@pytest.mark.parametrize(("display", "shown"), [("none", None), ("initial", "Ada L."),
                                                ("full", "Ada Lovelace")])
def test_link_previews_name_the_earner_only_as_consented(site_factory, tmp_path, display, shown):
    root = site_factory({"content/awards/2024/a1.yaml": NAMED_AWARD.format(display=display,
                                                                           extra="")})
    page, _ = render_share_page(root, tmp_path)
    tags = meta(page)
    assert tags["og:image"].endswith("/share.png")  # unlisted awards are previewed too
    everything = " ".join(tags.values())
    if shown is None:
        assert "Ada" not in everything
    else:
        assert tags["og:title"] == f"Ponctuel décerné à {shown}"
        assert "Lovelace" not in everything.replace(shown, "")
    assert "Ada" not in tags["og:image:alt"] and "Ada" not in tags["og:description"]


# The certificate -----------------------------------------------------------


def render_certificate(root: Path, *, development: bool = False) -> tuple[str, Award]:
    """The certificate part of the first award's page."""
    site = load_site(root).site
    renderer = Renderer([str(builtin_theme_dir() / "templates")], site,
                        Urls(site.config.base_url), make_translator("fr", [LOCALES]),
                        development=development)
    page = renderer.award(site.awards[0]).decode("utf-8")
    return page[page.index('<div class="certificate-view" id="certificate">'):], site.awards[0]


def test_certificate_holds_the_award_and_a_qr_code_of_its_page(site_factory):
    view, award = render_certificate(site_factory({
        "content/awards/2024/a1.yaml": NAMED_AWARD.format(display="initial",
                                                          extra="expires: 2026-03-14"),
    }))
    for text in ("Atelier Test", "Ponctuel", "Ada L.", "14 mars 2024", "14 mars 2026",
                 credential_code(award), "Ponctualité",
                 '<a class="wrap-anywhere" href="https://badges.example.org/awards/a1/">'):
        assert text in view, text
    assert "Lovelace" not in view
    # The QR code is one file per award, shared by the certificate in every language.
    assert ('<img src="qr.png" alt="QR code de la page où vérifier ce badge : '
            'https://badges.example.org/awards/a1/" width="160" height="160">') in view
    assert 'src="badge.png"' in view
    assert 'href="#main"' in view  # back to the verification page


def test_certificate_is_part_of_the_award_page_and_linked_from_its_sharing_panel(site_factory):
    site = load_site(site_factory()).site
    renderer = Renderer([str(builtin_theme_dir() / "templates")], site,
                        Urls(site.config.base_url), make_translator("fr", [LOCALES]))
    page = renderer.award(site.awards[0]).decode("utf-8")
    view = page[page.index('<div class="certificate-view" id="certificate">'):]
    assert view.count("<article") == 1 and "</main>" in view  # the last part of the page
    assert '<a href="#certificate">' in page[page.index('<section class="share"'):]
    assert page.count("<h1") == 1  # the certificate's title is a second-level heading


def test_certificate_of_an_anonymous_award_says_how_the_earner_is_identified(site_factory):
    page, award = render_certificate(site_factory())
    assert "une personne identifiée par son adresse électronique" in page
    assert award.recipient.email not in page


def test_certificate_of_a_revoked_award_says_so(site_factory):
    page, _ = render_certificate(site_factory({"content/awards/2024/a1.yaml": NAMED_AWARD.format(
        display="none", extra="revoked:\n  date: 2024-04-01\n  reason: Erreur de saisie")}))
    assert "Ce badge a été retiré par Atelier Test le 1er avril 2024." in page
    assert 'class="certificate is-revoked"' in page


def test_certificate_of_a_development_build_says_it_proves_nothing(site_factory):
    page, _ = render_certificate(site_factory(), development=True)
    warning = page[page.index('<article class="certificate'):page.index('<header class="certificate-issuer"')]
    assert "ces badges ne prouvent rien" in warning


def test_award_pages_link_to_the_guide_that_explains_sharing_in_each_language(site_factory, tmp_path):
    out = tmp_path / "out"
    root = site_factory()
    (root / "site.yaml").write_text((root / "site.yaml").read_text() + "languages: [fr, en]\n")
    build_site(root, out)
    for prefix, title in (("", "Partager et vérifier un badge"),
                          ("en/", "How to share and check a badge")):
        guide = (out / prefix / "guide/index.html").read_text(encoding="utf-8")
        assert f"<h1>{title}</h1>" in guide
        for anchor in ("linkedin", "wallet", "backpack", "others", "files", "recipient"):
            assert f'id="{anchor}"' in guide, anchor
        page = (out / prefix / "awards/a1/index.html").read_text(encoding="utf-8")
        panel = page[page.index('<section class="share"'):]
        assert '<a href="../../guide/">' in panel
        assert '<a href="../../guide/#recipient">' in page
