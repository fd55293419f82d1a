import re

from sitegen.commands.build import build_site

BILINGUAL = """\
title: {fr: Badges de test, en: Test badges}
base_url: https://badges.example.org/
language: fr
languages: [fr, en]
timezone: Europe/Paris
"""
BADGE = """\
issuer: atelier
name: {fr: Ponctuel, en: Punctual}
description: {fr: Arrive à l'heure., en: Arrives on time.}
image: {file: ponctuel.png, alt: {fr: Une horloge, en: A clock}}
criteria:
  items:
    - id: ponctualite
      name: {fr: Ponctualité, en: Punctuality}
      period: P6M
"""


def build(site_factory, tmp_path):
    root = site_factory({"site.yaml": BILINGUAL, "content/badges/ponctuel.yaml": BADGE})
    build_site(root, tmp_path / "out", environ={})
    return tmp_path / "out"


def test_every_page_exists_in_each_language_and_documents_once(site_factory, tmp_path):
    out = build(site_factory, tmp_path)
    for page in ("index.html", "verify/index.html", "issuers/atelier/index.html",
                 "badges/ponctuel/index.html", "awards/a1/index.html"):
        assert (out / page).is_file() and (out / "en" / page).is_file(), page
    assert not (out / "en/awards/a1/credential.json").exists()
    assert not (out / "en/404.html").exists()


def test_english_pages_use_english_text_dates_and_durations(site_factory, tmp_path):
    out = build(site_factory, tmp_path)
    en = (out / "en/awards/a1/index.html").read_text()
    fr = (out / "awards/a1/index.html").read_text()
    assert '<html lang="en">' in en and '<html lang="fr">' in fr
    assert "Punctual" in en and "Ponctuel" in fr
    assert "March 14, 2024" in en and "14 mars 2024" in fr
    assert "observed over 6 months" in en and "constaté sur 6 mois" in fr
    assert 'alt="A clock"' in en


def test_pages_link_their_translation_with_hreflang(site_factory, tmp_path):
    out = build(site_factory, tmp_path)
    fr = (out / "badges/ponctuel/index.html").read_text()
    en = (out / "en/badges/ponctuel/index.html").read_text()
    for html in (fr, en):
        assert ('<link rel="alternate" hreflang="fr" '
                'href="https://badges.example.org/badges/ponctuel/">') in html
        assert ('<link rel="alternate" hreflang="en" '
                'href="https://badges.example.org/en/badges/ponctuel/">') in html
    assert '<link rel="canonical" href="https://badges.example.org/en/badges/ponctuel/">' in en
    # An unlisted award's page is kept out of search engines: no hints for them, but
    # readers still switch language.
    fr = (out / "awards/a1/index.html").read_text()
    en = (out / "en/awards/a1/index.html").read_text()
    for html in (fr, en):
        assert '<meta name="robots" content="noindex, nofollow">' in html
        assert 'rel="alternate"' not in html and 'rel="canonical"' not in html
    assert re.search(r'<a href="\.\./\.\./en/awards/a1/" hreflang="en" lang="en">English</a>', fr)
    assert re.search(r'<a href="\.\./\.\./\.\./awards/a1/" hreflang="fr" lang="fr">Français</a>', en)
    # files are shared: the English page links up to the one copy
    assert 'href="../../../awards/a1/credential.json"' in en


def test_sitemap_lists_each_language(site_factory, tmp_path):
    out = build(site_factory, tmp_path)
    sitemap = (out / "sitemap.xml").read_text()
    assert "https://badges.example.org/badges/ponctuel/" in sitemap
    assert "https://badges.example.org/en/badges/ponctuel/" in sitemap
