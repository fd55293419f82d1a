"""The served example site checked by the official 1EdTech validator and openbadges-bakery."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

import pytest

from sitegen.bake import OB2, unbake_png, unbake_svg
from sitegen.commands.load import load_site
from tests.conftest import ROOT
from tests.ob2validator.client import find_graph_node

pytestmark = [pytest.mark.validator, pytest.mark.slow]

SITE = load_site(ROOT).site
# The validator judges expiry by the real clock, so the test does too.
TODAY = datetime.now(UTC).date().isoformat()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def errors(report: dict) -> list[str]:
    return [m["name"] for m in report["messages"] if m["messageLevel"] == "ERROR"]


@pytest.fixture(scope="module")
def reports(served_example, ob2_validator):
    jobs = [
        {"kind": "verify", "input": f"{served_example}awards/{a.id}/assertion.json",
         "recipient": {"email": a.recipient.email}}
        for a in SITE.awards
    ]
    return dict(zip([a.id for a in SITE.awards], ob2_validator.run(jobs), strict=True))


def test_example_has_the_cases_the_validator_must_see():
    assert any(a.revocation for a in SITE.awards)
    assert any(a.expires and a.revocation is None and a.expires.date().isoformat() < TODAY
               for a in SITE.awards)
    assert len(SITE.awards) >= 6


def test_every_current_assertion_is_valid_for_its_recipient(reports):
    for award in SITE.awards:
        if award.expires and award.expires.date().isoformat() < TODAY:
            continue
        report = reports[award.id]["report"]
        assert report["valid"], (award.id, errors(report))
        assert report["errorCount"] == 0
        assert report["recipientProfile"] == {"email": award.recipient.email}


def test_expired_assertion_is_reported_expired(reports):
    for award in SITE.awards:
        if award.expires and award.expires.date().isoformat() < TODAY:
            report = reports[award.id]["report"]
            assert not report["valid"]
            assert errors(report) == ["ASSERTION_TIMESTAMP_CHECKS"]
            message = next(m for m in report["messages"] if m["messageLevel"] == "ERROR")
            assert "expired" in message["result"]


def test_revoked_assertion_is_marked_revoked_and_listed(served_example, reports):
    # validator-core 1.1.2 does not fail a hosted assertion marked revoked, so the
    # revocation is checked in the graph it fetched and in the issuer's list.
    for award in (a for a in SITE.awards if a.revocation):
        result = reports[award.id]
        node = find_graph_node(result, f"{served_example}awards/{award.id}/assertion.json")
        assert node["revoked"] is True
        assert node["revocationReason"] == award.revocation.reason.get("fr", "fr")
        issuer = award.badge.issuer.slug
        revocations = json.loads(fetch(f"{served_example}issuers/{issuer}/revocations.json"))
        assert {"id": f"{served_example}awards/{award.id}/assertion.json",
                "revocationReason": award.revocation.reason.get("fr", "fr")} in (
            revocations["revokedAssertions"])


def test_wrong_email_is_rejected(served_example, ob2_validator):
    award = SITE.awards[0]
    report = ob2_validator.verify(f"{served_example}awards/{award.id}/assertion.json",
                                  recipient={"email": "someone.else@example.net"})["report"]
    assert "VERIFY_RECIPIENT_IDENTIFIER" in errors(report)


def test_baked_images_unbake_to_the_hosted_assertion(served_example, ob2_validator, tmp_path):
    jobs, expected = [], []
    for award in SITE.awards:
        base = f"{served_example}awards/{award.id}/"
        hosted = fetch(base + "assertion.json").decode("utf-8")
        png, svg = tmp_path / f"{award.id}.png", tmp_path / f"{award.id}.svg"
        png.write_bytes(fetch(base + "badge.png"))
        svg.write_bytes(fetch(base + "badge.svg"))
        assert unbake_png(png.read_bytes(), OB2) == hosted
        assert unbake_svg(svg.read_bytes(), OB2) == hosted
        jobs += [{"kind": "unbake", "path": str(png)}, {"kind": "unbake", "path": str(svg)}]
        expected += [hosted, base + "assertion.json"]  # bakery returns an SVG's verify URL
    results = ob2_validator.run(jobs)
    assert [r["payload"] for r in results] == expected


def test_baked_png_is_valid_when_given_to_the_validator(served_example, ob2_validator, tmp_path):
    award = next(a for a in SITE.awards if a.revocation is None
                 and (a.expires is None or a.expires.date().isoformat() > TODAY))
    png = tmp_path / "badge.png"
    png.write_bytes(fetch(f"{served_example}awards/{award.id}/badge.png"))
    report = ob2_validator.verify_image(png, recipient={"email": award.recipient.email})["report"]
    assert report["valid"], errors(report)
