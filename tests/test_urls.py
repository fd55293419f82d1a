import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.urls import Urls, relative_url
from tests.test_resolve import load


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [
        ("index.html", "index.html", "./"),
        ("index.html", "badges/b/index.html", "badges/b/"),
        ("awards/a/index.html", "badges/b/index.html", "../../badges/b/"),
        ("awards/a/index.html", "awards/a/badge.png", "badge.png"),
        ("awards/a/index.html", "static/site.css", "../../static/site.css"),
        ("awards/a/index.html", "index.html", "../../"),
    ],
)
def test_relative_url_works_under_any_sub_path(start, target, expected):
    assert relative_url(start, target) == expected


def test_urls_are_absolute_under_base_url_with_sub_path(site_factory):
    site, _ = load(site_factory())
    urls = Urls("https://example.org/badges/")
    award = site.awards[0]
    assert urls.absolute(urls.assertion(award)) == "https://example.org/badges/awards/a1/assertion.json"
    assert urls.absolute(urls.award_page(award)) == "https://example.org/badges/awards/a1/"
    assert urls.absolute(urls.badge_page(award.badge)) == "https://example.org/badges/badges/ponctuel/"


def test_did_web_follows_path_and_port_rules(site_factory):
    site, _ = load(site_factory())
    issuer = site.issuers[0]
    assert Urls("https://badges.example.org/").did(issuer) == (
        "did:web:badges.example.org:issuers:atelier")
    assert Urls("https://Example.org:8443/sub/path/").did(issuer) == (
        "did:web:example.org%3A8443:sub:path:issuers:atelier")
    urls = Urls("https://example.org/sub/")
    assert urls.absolute(urls.did_document(issuer)) == (
        "https://example.org/sub/issuers/atelier/did.json")


_SEGMENT = st.sampled_from(["awards", "x", "en", "static", "badges", "a-b"])


@given(st.lists(_SEGMENT, max_size=4), st.lists(_SEGMENT, max_size=4),
       st.sampled_from(["index.html", "f.json"]), st.sampled_from(["index.html", "site.css"]))
def test_relative_url_agrees_with_posixpath(start, target, start_name, target_name):
    from_path = "/".join([*start, start_name])
    to_path = "/".join([*target, target_name])
    rel = posixpath.relpath("/".join(target) or ".", "/".join(start) or ".")
    if target_name == "index.html":
        expected = "./" if rel == "." else rel + "/"
    else:
        expected = target_name if rel == "." else f"{rel}/{target_name}"
    assert relative_url(from_path, to_path) == expected
