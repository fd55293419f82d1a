"""The example's Open Badges 3.0 credentials, checked by our verifier, the 1EdTech JSON
Schema and the independent Digital Bazaar verifier."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from sitegen.bake import OB3, unbake_png, unbake_svg
from sitegen.commands.build import build_site
from sitegen.commands.load import load_site
from sitegen.crypto.keys import SigningKey
from sitegen.verify import site_fetcher, verify
from tests.conftest import ROOT

pytestmark = [pytest.mark.slow]

BASE = "https://badges.valoristes.example.org/"
SITE = load_site(ROOT).site
NOW = datetime.now(UTC)
SCHEMA = json.loads((ROOT / "tests/data/schemas/ob_v3p0_achievementcredential_schema.json")
                    .read_text(encoding="utf-8"))
CONTEXTS = ROOT / "sitegen/crypto/contexts"


def expected_status(award) -> str:
    if award.revocation:
        return "revoked"
    if award.expires and award.expires <= NOW:
        return "expired"
    return "valid"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ob3") / "site"
    build_site(ROOT, out, base_url=BASE, environ={})
    return out


def credential_path(built: Path, award) -> Path:
    return built / "awards" / award.id / "credential.json"


def test_every_credential_matches_the_1edtech_schema(built):
    validator = jsonschema.Draft201909Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    for award in SITE.awards:
        credential = json.loads(credential_path(built, award).read_text(encoding="utf-8"))
        credential["proof"] = [credential["proof"]]  # schema builds since 2024-04 want an array
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(credential)]
        assert errors == [], award.id


def test_our_verifier_gives_each_award_its_status(built):
    fetch = site_fetcher(built)
    for award in SITE.awards:
        base = built / "awards" / award.id
        for name in ("credential.json", "credential.jwt", "badge.png", "badge.svg"):
            verdict = verify((base / name).read_bytes(), fetch, NOW)
            assert verdict.status == expected_status(award), (award.id, name, verdict.checks)


def test_baked_images_carry_the_signed_credential(built):
    for award in SITE.awards:
        base = built / "awards" / award.id
        signed = (base / "credential.json").read_text(encoding="utf-8")
        assert unbake_png((base / "badge.png").read_bytes(), OB3) == signed
        assert unbake_svg((base / "badge.svg").read_bytes(), OB3) == signed


def tampered_copies(built: Path, tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    """(site folder, credential) pairs, each with one kind of tampering."""
    award = next(a for a in SITE.awards if expected_status(a) == "valid")
    cases = {}
    original = json.loads(credential_path(built, award).read_text(encoding="utf-8"))

    changed = copy.deepcopy(original)
    changed["credentialSubject"]["achievement"]["name"] = "Diplôme d'ingénieur"
    flipped = copy.deepcopy(original)
    value = flipped["proof"]["proofValue"]
    flipped["proof"]["proofValue"] = value[:10] + ("2" if value[10] != "2" else "3") + value[11:]
    for name, document in (("changed-field", changed), ("flipped-proof", flipped)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        cases[name] = (built, path)

    swapped_site = tmp_path / "swapped-site"
    import shutil

    shutil.copytree(built, swapped_site)
    did_path = swapped_site / "issuers" / award.badge.issuer.slug / "did.json"
    did = json.loads(did_path.read_text(encoding="utf-8"))
    other = SigningKey.from_seed(bytes(range(32))).public_key.multibase
    for method in did["verificationMethod"]:
        method["publicKeyMultibase"] = other
    did_path.write_text(json.dumps(did), encoding="utf-8")
    cases["swapped-key"] = (swapped_site, credential_path(swapped_site, award))
    return cases


def test_tampering_is_detected_by_our_verifier(built, tmp_path):
    for name, (site_dir, path) in tampered_copies(built, tmp_path).items():
        verdict = verify(path.read_bytes(), site_fetcher(site_dir), NOW)
        assert verdict.status == "invalid", name
        assert verdict.checks[-1].name == "signature", (name, verdict.checks)


@pytest.fixture(scope="module")
def js_verifier():
    from tests.jsverify.client import JsVerifier, ensure_installed

    ensure_installed()
    return JsVerifier()


def contexts() -> dict[str, str]:
    from sitegen.crypto.loader import CONTEXTS as BUNDLED

    return {url: str(CONTEXTS / name) for url, name in BUNDLED.items()}


@pytest.mark.jsverify
def test_digital_bazaar_verifies_every_credential_and_reads_revocation(built, js_verifier):
    paths = [str(credential_path(built, a)) for a in SITE.awards]
    results = js_verifier.verify(built, BASE, paths, contexts())
    for award, result in zip(SITE.awards, results, strict=True):
        if expected_status(award) == "expired":
            assert not result["verified"]
            assert '"validUntil"' in result["error"]
            continue
        assert result["verified"], (award.id, result["error"])
        assert result["statusResult"]["verified"]
        assert result["statusResult"]["status"] is (award.revocation is not None), award.id


@pytest.mark.jsverify
def test_digital_bazaar_verifies_expired_credentials_as_of_their_validity(built, js_verifier):
    for award in (a for a in SITE.awards if expected_status(a) == "expired"):
        (result,) = js_verifier.verify(
            built, BASE, [str(credential_path(built, award))], contexts(),
            now=award.issued.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        )
        assert result["verified"], (award.id, result["error"])
        assert result["statusResult"]["status"] is False


@pytest.mark.jsverify
def test_digital_bazaar_rejects_tampered_credentials(built, js_verifier, tmp_path):
    for name, (site_dir, path) in tampered_copies(built, tmp_path).items():
        (result,) = js_verifier.verify(site_dir, BASE, [str(path)], contexts())
        assert not result["verified"], name


@pytest.mark.jsverify
def test_jose_verifies_every_vc_jwt_with_the_did_document_key(built, js_verifier):
    awards = [a for a in SITE.awards if expected_status(a) != "expired"]
    paths = [str(built / "awards" / a.id / "credential.jwt") for a in awards]
    results = js_verifier.verify(built, BASE, paths, contexts())
    for award, result in zip(awards, results, strict=True):
        assert result["verified"], (award.id, result["error"])
        assert result["raw"]["claims"]["jti"] == f"{BASE}awards/{award.id}/credential.json"
        assert result["statusResult"]["status"] is (award.revocation is not None), award.id


@pytest.mark.jsverify
def test_jose_rejects_a_tampered_vc_jwt(built, js_verifier, tmp_path):
    award = next(a for a in SITE.awards if expected_status(a) == "valid")
    header, payload, signature = (built / "awards" / award.id / "credential.jwt").read_text().split(".")
    import base64

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["name"] = "Autre badge"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    path = tmp_path / "forged.jwt"
    path.write_text(f"{header}.{forged}.{signature}")
    (result,) = js_verifier.verify(built, BASE, [str(path)], contexts())
    assert not result["verified"]
    assert "signature verification failed" in result["error"]
