import hashlib
import json
from pathlib import Path

import pytest

from sitegen.bake import OB2, unbake_png, unbake_svg
from sitegen.commands.build import build_site
from sitegen.diagnostics import ContentError
from sitegen.output import OutputError


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_build_writes_the_documented_layout(site_factory):
    root = site_factory()
    build_site(root, root / "_site")
    files = set(tree_digest(root / "_site"))
    assert {
        "index.html", "404.html", "robots.txt", "sitemap.xml", ".nojekyll", "_headers",
        ".htaccess", "static/site.css",
        "issuers/atelier/index.html", "issuers/atelier/profile.json",
        "issuers/atelier/revocations.json",
        "badges/ponctuel/index.html", "badges/ponctuel/badgeclass.json",
        "badges/ponctuel/image.png", "badges/ponctuel/image.svg",
        "awards/a1/index.html", "awards/a1/assertion.json",
        "awards/a1/badge.png", "awards/a1/badge.svg",
    } <= files


def test_two_builds_are_byte_identical(site_factory, tmp_path):
    root = site_factory()
    build_site(root, tmp_path / "one")
    build_site(root, tmp_path / "two")
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_baked_images_carry_the_hosted_assertion(site_factory):
    root = site_factory()
    build_site(root, root / "_site")
    award = root / "_site/awards/a1"
    assertion = (award / "assertion.json").read_text(encoding="utf-8")
    assert unbake_png((award / "badge.png").read_bytes(), OB2) == assertion
    assert unbake_svg((award / "badge.svg").read_bytes(), OB2) == assertion


def test_build_with_errors_writes_nothing_and_keeps_previous_site(site_factory):
    root = site_factory()
    build_site(root, root / "_site")
    before = tree_digest(root / "_site")
    (root / "content/awards/2024/a1.yaml").write_text("badge: nope\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        build_site(root, root / "_site")
    codes = [d.code for d in info.value.diagnostics]
    assert codes == ["award.missing-key", "award.missing-key", "award.unknown-badge"]
    assert tree_digest(root / "_site") == before
    assert not list(root.glob("._site*"))  # no staging folder left behind


def test_first_build_with_errors_creates_no_output(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": "badge: nope\n"})
    with pytest.raises(ContentError):
        build_site(root, root / "_site")
    assert not (root / "_site").exists()


def test_build_refuses_to_replace_a_foreign_folder(site_factory, tmp_path):
    root = site_factory()
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    with pytest.raises(OutputError, match="not a sitegen output folder"):
        build_site(root, foreign)
    assert (foreign / "thesis.txt").read_text() == "precious"
    with pytest.raises(OutputError, match="contains the site's source"):
        build_site(root, root)


def test_build_removes_pages_of_deleted_awards(site_factory):
    root = site_factory()
    build_site(root, root / "_site")
    (root / "content/awards/2024/a1.yaml").rename(root / "content/awards/2024/a2.yaml")
    build_site(root, root / "_site")
    assert not (root / "_site/awards/a1").exists()
    assert (root / "_site/awards/a2/index.html").exists()


def test_base_url_override_changes_every_id(site_factory, tmp_path):
    root = site_factory()
    build_site(root, tmp_path / "out", base_url="http://127.0.0.1:9999/sub/")
    text = (tmp_path / "out/awards/a1/assertion.json").read_text()
    assert json.loads(text)["id"] == "http://127.0.0.1:9999/sub/awards/a1/assertion.json"
    assert "badges.example.org" not in text


def test_pages_escape_content_and_never_evaluate_it_as_template(site_factory):
    root = site_factory({"content/issuers/atelier.yaml": (
        'name: "Atelier <script>alert(1)</script> {{ 7*7 }}"\n'
        "url: https://atelier.example.org/\nemail: contact@atelier.example.org\n"
        'description: "Bonjour {% raw %} <img src=x onerror=alert(1)>"\n')})
    build_site(root, root / "_site")
    html = (root / "_site/issuers/atelier/index.html").read_text()
    assert "<script>alert" not in html and "onerror" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in html
    assert "49" not in html


def test_unlisted_award_is_noindex_and_out_of_sitemap(site_factory):
    root = site_factory({"content/awards/2024/a2.yaml": (
        "badge: ponctuel\nrecipient: {email: b@example.net, name: Bea Diaz, display: full}\n"
        "issued: 2024-03-14\nlisted: true\n")})
    build_site(root, root / "_site")
    site = root / "_site"
    assert 'name="robots" content="noindex' in (site / "awards/a1/index.html").read_text()
    assert "noindex" not in (site / "awards/a2/index.html").read_text()
    sitemap = (site / "sitemap.xml").read_text()
    assert "awards/a2/" in sitemap and "awards/a1/" not in sitemap
    badge_page = (site / "badges/ponctuel/index.html").read_text()
    assert "Bea Diaz" in badge_page and "awards/a1/" not in badge_page


def test_private_email_never_reaches_the_output(site_factory):
    root = site_factory()
    build_site(root, root / "_site")
    for path in (root / "_site").rglob("*"):
        if path.is_file():
            assert b"ada@example.net" not in path.read_bytes().lower(), path


def test_build_records_status_indexes_and_respects_locked_ones(site_factory, tmp_path):
    root = site_factory({"status-indexes.yaml": "atelier:\n  gone: 3\n  a1: 42\n"})
    build_site(root, tmp_path / "out")
    import json

    credential = json.loads((tmp_path / "out/awards/a1/credential.json").read_text())
    assert credential["credentialStatus"]["statusListIndex"] == "42"
    (root / "content/awards/2024/b2.yaml").write_text(
        "badge: ponctuel\nrecipient: {email: b@example.net}\nissued: 2024-03-15\n")
    build_site(root, tmp_path / "out")
    lock = (root / "status-indexes.yaml").read_text()
    assert "  gone: 3\n" in lock and "  a1: 42\n" in lock and "  b2: " in lock
