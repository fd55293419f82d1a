"""Endorsements: reading endorsers and endorsements, and the documents a build publishes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from sitegen.commands.build import build_site
from sitegen.diagnostics import ContentError
from sitegen.keyring import development_key
from sitegen.verify import site_fetcher, verify
from tests.conftest import ROOT
from tests.test_resolve import load

PARIS = ZoneInfo("Europe/Paris")
BASE = "https://badges.example.org/"
ENDORSER = """\
name: {fr: Agence Test, en: Test agency}
url: https://agence.example.org/
email: contact@agence.example.org
location: Dijon
"""
OF_BADGE = """\
endorser: agence
badge: ponctuel
issued: 2024-04-01
expires: 2027-04-01
comment:
  fr: Des intérimaires **fiables**.
  en: Reliable **temps**.
"""
OF_ISSUER = """\
endorser: agence
issuer: atelier
issued: 2024-04-02
comment: Une méthode sérieuse.
"""
ENDORSED = {
    "content/endorsers/agence.yaml": ENDORSER,
    "content/endorsements/agence-ponctuel.yaml": OF_BADGE,
    "content/endorsements/agence-atelier.yaml": OF_ISSUER,
}
SCHEMA = json.loads(
    (ROOT / "tests/data/schemas/ob_v3p0_endorsementcredential_schema.json").read_text("utf-8")
)


def test_resolve_links_endorsements_to_their_endorser_and_what_they_endorse(site_factory):
    site, problems = load(site_factory(ENDORSED))
    assert problems == []
    (endorser,) = site.endorsers
    assert (endorser.slug, endorser.name.get("en", "fr"), endorser.location) == (
        "agence",
        "Test agency",
        "Dijon",
    )
    of_atelier, of_badge = site.endorsements  # by file name
    assert of_badge.badge is not None and of_badge.badge.slug == "ponctuel"
    assert of_badge.issuer is None and of_badge.endorser is endorser
    assert of_badge.issued == datetime(2024, 4, 1, tzinfo=PARIS)
    assert of_badge.expires == datetime(2027, 4, 1, tzinfo=PARIS)
    assert of_atelier.issuer is not None and of_atelier.issuer.slug == "atelier"
    assert site.endorsements_of(site.badges[0]) == (of_badge,)
    assert site.endorsements_of(site.issuers[0]) == (of_atelier,)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "content/endorsements/e.yaml": OF_BADGE.replace(
                    "endorser: agence", "endorser: agense"
                )
            },
            (
                "content/endorsements/e.yaml",
                1,
                11,
                "endorsement.unknown-endorser",
                "endorser 'agense' does not exist",
                "did you mean 'agence'?",
            ),
        ),
        (
            {
                "content/endorsements/e.yaml": OF_BADGE.replace(
                    "badge: ponctuel", "badge: ponctuell"
                )
            },
            (
                "content/endorsements/e.yaml",
                2,
                8,
                "endorsement.unknown-badge",
                "badge 'ponctuell' does not exist",
                "did you mean 'ponctuel'?",
            ),
        ),
        (
            {
                "content/endorsements/e.yaml": OF_ISSUER.replace(
                    "issuer: atelier", "issuer: ateleir"
                )
            },
            (
                "content/endorsements/e.yaml",
                2,
                9,
                "endorsement.unknown-issuer",
                "issuer 'ateleir' does not exist",
                "did you mean 'atelier'?",
            ),
        ),
        (
            {
                "content/endorsements/e.yaml": "endorser: agence\nbadge: ponctuel\nissued: 2024-04-01\n"
            },
            (
                "content/endorsements/e.yaml",
                1,
                1,
                "endorsement.missing-key",
                "missing required key 'comment'",
                "write what the partner says (Markdown), like comment: {fr: ..., en: ...}",
            ),
        ),
        (
            {
                "content/endorsements/e.yaml": "endorser: agence\nissued: 2024-04-01\ncomment: Bien.\n"
            },
            (
                "content/endorsements/e.yaml",
                1,
                1,
                "endorsement.missing-key",
                "the endorsement names neither a 'badge' nor an 'issuer'",
                "say what is endorsed: badge: <badge file name>, or issuer: <issuer file name>",
            ),
        ),
        (
            {"content/endorsements/e.yaml": OF_BADGE + "issuer: atelier\n"},
            (
                "content/endorsements/e.yaml",
                8,
                9,
                "endorsement.two-subjects",
                "an endorsement is of one badge or of one issuer, not both",
                "write two endorsement files, one for the badge and one for the issuer",
            ),
        ),
        (
            {"content/endorsements/e.yaml": OF_BADGE.replace("2027-04-01", "2024-03-01")},
            (
                "content/endorsements/e.yaml",
                4,
                10,
                "endorsement.expires-before-issued",
                "the endorsement expires before it was given",
                None,
            ),
        ),
        (
            {"content/endorsements/e.yaml": OF_BADGE.replace("comment:", "comments:")},
            (
                "content/endorsements/e.yaml",
                5,
                1,
                "endorsement.unknown-key",
                "unknown key 'comments'",
                "did you mean 'comment'?",
            ),
        ),
        (
            {"content/endorsers/atelier.yaml": ENDORSER},
            (
                "content/endorsers/atelier.yaml",
                1,
                1,
                "endorser.slug-taken",
                "'atelier' is already an issuer's name; an endorser needs its own",
                "rename this file: keys and secrets are found by this name, for issuers and "
                "endorsers alike",
            ),
        ),
        (
            {
                "content/endorsers/agence.yaml": ENDORSER.replace(
                    "email: contact@", "email: contact "
                )
            },
            ("content/endorsers/agence.yaml", 3, 8, "endorser.bad-email", None, None),
        ),
        (
            {
                "content/endorsers/agence.yaml": ENDORSER
                + "keys:\n  - {id: key-1, multikey: zABC}\n"
            },
            (
                "content/endorsers/agence.yaml",
                6,
                27,
                "endorser.bad-public-key",
                None,
                "paste the public key printed by 'sitegen keys show ENDORSER' (z6Mk...)",
            ),
        ),
    ],
)
def test_resolve_reports_endorsement_problems_where_they_are(site_factory, files, expected):
    _, problems = load(site_factory({"content/endorsers/agence.yaml": ENDORSER, **files}))
    found = [p for p in problems if p[3] == expected[3]]
    assert found, problems
    actual = found[0]
    assert actual[:4] == expected[:4]
    if expected[4] is not None:
        assert actual[4] == expected[4]
    if expected[5] is not None:
        assert actual[5] == expected[5]


def test_an_endorsement_dated_in_the_future_is_refused(site_factory, tmp_path):
    root = site_factory(
        {
            **ENDORSED,
            "content/endorsements/agence-ponctuel.yaml": OF_BADGE.replace(
                "2024-04-01", "2099-01-01"
            ).replace("2027-04-01", "2100-01-01"),
        }
    )
    with pytest.raises(ContentError) as info:
        build_site(root, tmp_path / "out", environ={}, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert [d.code for d in info.value.diagnostics] == ["endorsement.future-date"]
    assert not (tmp_path / "out").exists()


def test_every_problem_of_every_endorsement_file_is_reported_at_once(site_factory, tmp_path):
    root = site_factory(
        {
            "content/endorsers/agence.yaml": ENDORSER,
            "content/endorsements/a.yaml": OF_BADGE.replace("badge: ponctuel", "badge: nope"),
            "content/endorsements/b.yaml": "endorser: nobody\nissuer: atelier\nissued: 2024-04-01\n",
        }
    )
    with pytest.raises(ContentError) as info:
        build_site(root, tmp_path / "out", environ={})
    assert sorted((d.span.path, d.code) for d in info.value.diagnostics) == [
        ("content/endorsements/a.yaml", "endorsement.unknown-badge"),
        ("content/endorsements/b.yaml", "endorsement.missing-key"),
        ("content/endorsements/b.yaml", "endorsement.unknown-endorser"),
    ]
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from tests.conftest import AWARD_YAML, BADGE_YAML, ISSUER_YAML, SITE_YAML, png_bytes

    root = tmp_path_factory.mktemp("endorsed")
    files = {
        "site.yaml": SITE_YAML + "languages: [fr, en]\n",
        "content/issuers/atelier.yaml": ISSUER_YAML,
        "content/badges/ponctuel.yaml": BADGE_YAML,
        "content/awards/2024/a1.yaml": AWARD_YAML,
        **ENDORSED,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / "content/badges/ponctuel.png").write_bytes(png_bytes())
    out = root / "_site"
    build_site(root, out, environ={})
    return out


def read(built: Path, rel: str) -> dict:
    return json.loads((built / rel).read_text(encoding="utf-8"))


def test_endorsement_credential_has_the_ob3_shape_and_the_endorsers_did(built):
    credential = read(built, "endorsements/agence-ponctuel/credential.json")
    did = "did:web:badges.example.org:endorsers:agence"
    assert credential["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert credential["id"] == BASE + "endorsements/agence-ponctuel/credential.json"
    assert credential["issuer"]["id"] == did
    assert credential["issuer"]["name"] == "Agence Test"  # the site's main language
    assert credential["credentialSubject"] == {
        "id": BASE + "badges/ponctuel/",  # the Achievement id in award credentials
        "type": ["EndorsementSubject"],
        "endorsementComment": "Des intérimaires **fiables**.",
    }
    assert (credential["validFrom"], credential["validUntil"]) == (
        "2024-03-31T22:00:00Z",
        "2027-03-31T22:00:00Z",
    )
    assert credential["proof"]["verificationMethod"] == f"{did}#development-key"
    assert credential["proof"]["created"] == credential["validFrom"]
    of_issuer = read(built, "endorsements/agence-atelier/credential.json")
    assert of_issuer["credentialSubject"]["id"] == "did:web:badges.example.org:issuers:atelier"
    award = read(built, "awards/a1/credential.json")
    assert award["issuer"]["id"] == of_issuer["credentialSubject"]["id"]
    assert award["credentialSubject"]["achievement"]["id"] == BASE + "badges/ponctuel/"
    assert "endorsement" not in json.dumps(award), "award credentials link no endorsement"


def test_endorsers_publish_their_own_did_document_with_their_key(built):
    document = read(built, "endorsers/agence/did.json")
    assert document["id"] == "did:web:badges.example.org:endorsers:agence"
    (method,) = document["verificationMethod"]
    assert method["publicKeyMultibase"] == development_key("agence").public_key.multibase
    assert method["id"] in document["assertionMethod"]


def test_endorsement_credentials_match_the_1edtech_schema(built):
    validator = jsonschema.Draft201909Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    for slug in ("agence-ponctuel", "agence-atelier"):
        credential = read(built, f"endorsements/{slug}/credential.json")
        credential["proof"] = [credential["proof"]]  # schema builds since 2024-04 want an array
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(credential)]
        assert errors == [], slug


def test_our_verifier_checks_endorsements_and_catches_tampering(built, tmp_path):
    now = datetime(2025, 1, 1, tzinfo=UTC)
    folder = built / "endorsements/agence-ponctuel"
    for name in ("credential.json", "credential.jwt"):
        verdict = verify((folder / name).read_bytes(), site_fetcher(built), now)
        assert verdict.status == "valid", (name, verdict.checks)
    later = verify(
        (folder / "credential.json").read_bytes(),
        site_fetcher(built),
        datetime(2028, 1, 1, tzinfo=UTC),
    )
    assert later.status == "expired"
    tampered = read(built, "endorsements/agence-ponctuel/credential.json")
    tampered["credentialSubject"]["endorsementComment"] = "Nous recommandons sans réserve."
    verdict = verify(json.dumps(tampered).encode(), site_fetcher(built), now)
    assert verdict.status == "invalid"


def test_ob2_endorsement_is_hosted_and_linked_from_the_badge_class_and_profile(built):
    endorsement = read(built, "endorsements/agence-ponctuel/endorsement.json")
    assert endorsement == {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Endorsement",
        "id": BASE + "endorsements/agence-ponctuel/endorsement.json",
        "claim": {
            "id": BASE + "badges/ponctuel/badgeclass.json",
            "endorsementComment": "Des intérimaires **fiables**.",
        },
        "issuedOn": "2024-04-01T00:00:00+02:00",
        "issuer": BASE + "endorsers/agence/profile.json",
        "verification": {"type": "HostedBadge"},
    }
    profile = read(built, "endorsers/agence/profile.json")
    assert (profile["type"], profile["id"], profile["email"]) == (
        "Profile",
        endorsement["issuer"],
        "contact@agence.example.org",
    )
    badge_class = read(built, "badges/ponctuel/badgeclass.json")
    assert badge_class["endorsement"] == [endorsement["id"]]
    issuer = read(built, "issuers/atelier/profile.json")
    assert issuer["endorsement"] == [BASE + "endorsements/agence-atelier/endorsement.json"]
    assert read(built, "endorsements/agence-atelier/endorsement.json")["claim"]["id"] == (
        BASE + "issuers/atelier/profile.json"
    )


def test_badge_and_issuer_pages_list_endorsements_in_both_languages(built):
    french = (built / "badges/ponctuel/index.html").read_text(encoding="utf-8")
    english = (built / "en/badges/ponctuel/index.html").read_text(encoding="utf-8")
    assert "Soutenu par des partenaires" in french and "Agence Test" in french
    assert "Des intérimaires <strong>fiables</strong>." in french
    assert "Endossement du 1er avril 2024." in french
    assert "valable jusqu’au 1er avril 2027" in french
    assert "Endorsed by partners" in english and "Test agency" in english
    assert "Reliable <strong>temps</strong>." in english
    assert 'data-subject="https://badges.example.org/badges/ponctuel/"' in english
    assert "verify.js" in english and "../../../endorsements/agence-ponctuel/credential.json" in (
        english
    )
    issuer_page = (built / "issuers/atelier/index.html").read_text(encoding="utf-8")
    assert "Une méthode sérieuse." in issuer_page
    assert 'data-subject="did:web:badges.example.org:issuers:atelier"' in issuer_page
    award_page = (built / "awards/a1/index.html").read_text(encoding="utf-8")
    assert "endorsement" not in award_page


def test_pages_without_endorsements_load_no_script(site_factory, tmp_path):
    build_site(site_factory(), tmp_path / "out", environ={})
    page = (tmp_path / "out/badges/ponctuel/index.html").read_text(encoding="utf-8")
    assert "verify.js" not in page and "endorsement" not in page
