"""The example's endorsements, checked by the 1EdTech JSON Schema, our verifier and the
independent Digital Bazaar verifier (and jose for their VC-JWTs)."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from sitegen.commands.build import build_site
from sitegen.commands.load import load_site
from sitegen.verify import site_fetcher, verify
from tests.conftest import ROOT

pytestmark = [pytest.mark.slow]

BASE = "https://badges.valoristes.example.org/"
SITE = load_site(ROOT).site
NOW = datetime.now(UTC)
SCHEMA = json.loads(
    (ROOT / "tests/data/schemas/ob_v3p0_endorsementcredential_schema.json").read_text("utf-8")
)
CONTEXTS = ROOT / "sitegen/crypto/contexts"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("endorsements") / "site"
    build_site(ROOT, out, base_url=BASE, environ={})
    return out


@pytest.fixture(scope="module")
def js_verifier():
    from tests.jsverify.client import JsVerifier, ensure_installed

    ensure_installed()
    return JsVerifier()


def contexts() -> dict[str, str]:
    from sitegen.crypto.loader import CONTEXTS as BUNDLED

    return {url: str(CONTEXTS / name) for url, name in BUNDLED.items()}


def paths(built: Path, name: str) -> list[str]:
    return [str(built / "endorsements" / e.slug / name) for e in SITE.endorsements]


def test_the_example_has_a_local_authority_and_a_temp_agency_endorsing():
    endorsers = {e.endorser.slug for e in SITE.endorsements}
    assert endorsers == {"agglo-developpement-economique", "interim-bourgogne-emploi"}
    assert {e.badge.slug for e in SITE.endorsements if e.badge} == {"indispensable"}
    assert {e.issuer.slug for e in SITE.endorsements if e.issuer} == {"valoristes-bourguignons"}


def test_every_endorsement_matches_the_1edtech_schema_and_our_verifier(built):
    validator = jsonschema.Draft201909Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    for path in paths(built, "credential.json"):
        credential = json.loads(Path(path).read_text(encoding="utf-8"))
        credential["proof"] = [credential["proof"]]  # schema builds since 2024-04 want an array
        assert [e.message for e in validator.iter_errors(credential)] == [], path
    for name in ("credential.json", "credential.jwt"):
        for path in paths(built, name):
            verdict = verify(Path(path).read_bytes(), site_fetcher(built), NOW)
            assert verdict.status == "valid", (path, verdict.checks)


@pytest.mark.jsverify
def test_digital_bazaar_verifies_every_endorsement(built, js_verifier):
    results = js_verifier.verify(built, BASE, paths(built, "credential.json"), contexts())
    for endorsement, result in zip(SITE.endorsements, results, strict=True):
        assert result["verified"], (endorsement.slug, result["error"])


@pytest.mark.jsverify
def test_digital_bazaar_rejects_tampered_endorsements(built, js_verifier, tmp_path):
    original = json.loads(Path(paths(built, "credential.json")[0]).read_text(encoding="utf-8"))
    changes = {
        "comment": lambda c: c["credentialSubject"].update(endorsementComment="Sans réserve."),
        "subject": lambda c: c["credentialSubject"].update(id=BASE + "badges/autonomie/"),
        "endorser": lambda c: c["issuer"].update(name="Une autre agence"),
        "dates": lambda c: c.update(validFrom="2020-01-01T00:00:00Z"),
    }
    files = []
    for name, change in changes.items():
        tampered = copy.deepcopy(original)
        change(tampered)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(tampered), encoding="utf-8")
        files.append(str(path))
    results = js_verifier.verify(built, BASE, files, contexts())
    for name, result in zip(changes, results, strict=True):
        assert not result["verified"], name


@pytest.mark.jsverify
def test_jose_verifies_every_endorsement_jwt_and_rejects_a_forged_one(built, js_verifier, tmp_path):
    results = js_verifier.verify(built, BASE, paths(built, "credential.jwt"), contexts())
    for endorsement, result in zip(SITE.endorsements, results, strict=True):
        assert result["verified"], (endorsement.slug, result["error"])
        claims = result["raw"]["claims"]
        assert claims["jti"] == f"{BASE}endorsements/{endorsement.slug}/credential.json"
        assert claims["iss"].endswith(f":endorsers:{endorsement.endorser.slug}")
    header, payload, signature = Path(paths(built, "credential.jwt")[0]).read_text().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["endorsementComment"] = "Sans réserve."
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    path = tmp_path / "forged.jwt"
    path.write_text(f"{header}.{forged}.{signature}")
    (result,) = js_verifier.verify(built, BASE, [str(path)], contexts())
    assert not result["verified"]
    assert "signature verification failed" in result["error"]


@pytest.mark.validator
def test_the_1edtech_validator_accepts_every_hosted_ob2_endorsement(served_example, ob2_validator):
    jobs = [
        {"kind": "verify", "input": f"{served_example}endorsements/{e.slug}/endorsement.json"}
        for e in SITE.endorsements
    ]
    for endorsement, result in zip(SITE.endorsements, ob2_validator.run(jobs), strict=True):
        report = result["report"]
        assert report["valid"], (endorsement.slug, report["messages"])
        assert report["errorCount"] == 0
        types = {str(node.get("type")) for node in result["graph"]}
        assert "Endorsement" in types, (endorsement.slug, types)
