"""Tests for VC-JWT: the OB 3.0 JWT form, EdDSA signatures, and refused tokens."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from sitegen.crypto.jwt import JwtError, decode_vc_jwt, encode_vc_jwt, read_jwt_header
from sitegen.crypto.keys import SigningKey

DATA = Path(__file__).resolve().parents[1] / "data" / "vectors"
KEY = SigningKey.from_multibase(
    json.loads((DATA / "eddsa-rdfc-2022" / "key-pair.json").read_text())["secretKeyMultibase"]
)
SIGNED = json.loads((DATA / "ob3-example" / "credential-signed.json").read_text("utf-8"))
CREDENTIAL = {name: value for name, value in SIGNED.items() if name != "proof"}
KID = "did:web:issuer.example:issuers:acme#key-1"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def signed_token(header: dict[str, Any], payload: bytes, key: SigningKey = KEY) -> str:
    """A token signed with ``key`` whatever its header says: for refusal tests."""
    signing_input = f"{b64(compact(header))}.{b64(payload)}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def test_round_trip_returns_credential_with_registered_claims() -> None:
    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)

    payload = decode_vc_jwt(token, KEY.public_key)

    assert payload == {
        **CREDENTIAL,
        "iss": "did:web:issuer.example:issuers:acme",
        "jti": "urn:uuid:6b0f5a4e-8b3c-4a2e-9f1e-000000000001",
        "nbf": 1704067200,  # 2024-01-01T00:00:00Z
    }
    assert list(payload) == [*CREDENTIAL, "iss", "jti", "nbf"]


def test_header_is_alg_typ_kid() -> None:
    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)

    assert read_jwt_header(token) == {"alg": "EdDSA", "typ": "JWT", "kid": KID}
    assert token.split(".")[0] == b64(b'{"alg":"EdDSA","typ":"JWT","kid":"' + KID.encode() + b'"}')


def test_payload_is_compact_utf8_json_in_given_order() -> None:
    credential = copy.deepcopy(CREDENTIAL)
    credential["name"] = "Médaille d’or"

    payload = unb64(encode_vc_jwt(credential, KEY, kid=KID).split(".")[1])

    assert payload.startswith(b'{"@context":["https://www.w3.org/ns/credentials/v2",')
    assert '"name":"Médaille d’or"'.encode() in payload
    assert b": " not in payload and b", " not in payload


def test_encoding_is_deterministic() -> None:
    assert encode_vc_jwt(CREDENTIAL, KEY, kid=KID) == encode_vc_jwt(CREDENTIAL, KEY, kid=KID)


def test_subject_id_and_valid_until_become_sub_and_exp() -> None:
    credential = copy.deepcopy(CREDENTIAL)
    credential["credentialSubject"]["id"] = "did:example:learner"
    credential["validUntil"] = "2025-01-01T01:00:00+01:00"

    payload = decode_vc_jwt(encode_vc_jwt(credential, KEY, kid=KID), KEY.public_key)

    assert payload["sub"] == "did:example:learner"
    assert payload["exp"] == 1735689600  # 2025-01-01T00:00:00Z


def test_issuer_as_plain_url_gives_iss() -> None:
    credential = {**CREDENTIAL, "issuer": "https://issuer.example/"}

    payload = decode_vc_jwt(encode_vc_jwt(credential, KEY, kid=KID), KEY.public_key)

    assert payload["iss"] == "https://issuer.example/"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"issuer": {"type": ["Profile"], "name": "No id"}}, "no issuer id"),
        ({"validFrom": None}, "no validFrom"),
        (
            {"validFrom": "2024-01-01T00:00:00"},
            "validFrom must be a date and time with a time zone",
        ),
        ({"iss": "did:web:someone-else"}, "'iss' member disagrees"),
    ],
)
def test_encode_refuses_credentials_without_consistent_claims(
    changes: dict[str, Any], message: str
) -> None:
    credential = {**CREDENTIAL, **changes}
    credential = {name: value for name, value in credential.items() if value is not None}

    with pytest.raises(JwtError, match=message):
        encode_vc_jwt(credential, KEY, kid=KID)


def test_tampered_payload_fails() -> None:
    header, payload, signature = encode_vc_jwt(CREDENTIAL, KEY, kid=KID).split(".")
    changed = json.loads(unb64(payload))
    changed["name"] = "Badge Two"
    token = f"{header}.{b64(compact(changed))}.{signature}"

    with pytest.raises(JwtError, match="signature does not match"):
        decode_vc_jwt(token, KEY.public_key)


def test_tampered_signature_fails() -> None:
    header, payload, signature = encode_vc_jwt(CREDENTIAL, KEY, kid=KID).split(".")
    raw = bytearray(unb64(signature))
    raw[0] ^= 0x80

    with pytest.raises(JwtError, match="signature does not match"):
        decode_vc_jwt(f"{header}.{payload}.{b64(bytes(raw))}", KEY.public_key)


def test_another_key_fails() -> None:
    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)

    with pytest.raises(JwtError, match="signature does not match"):
        decode_vc_jwt(token, SigningKey.generate().public_key)


def test_alg_none_is_refused() -> None:
    payload = b64(compact({**CREDENTIAL, "iss": "did:web:issuer.example:issuers:acme"}))
    token = f"{b64(compact({'alg': 'none', 'typ': 'JWT'}))}.{payload}."

    with pytest.raises(JwtError, match="alg none"):
        decode_vc_jwt(token, KEY.public_key)


def test_hs256_keyed_with_the_public_key_is_refused() -> None:
    # The classic confusion attack: an HMAC whose secret is the verifier's public key.
    header = b64(compact({"alg": "HS256", "typ": "JWT", "kid": KID}))
    payload = b64(compact({**CREDENTIAL, "iss": "did:web:issuer.example:issuers:acme"}))
    mac = hmac.new(KEY.public_key.raw, f"{header}.{payload}".encode(), hashlib.sha256).digest()

    with pytest.raises(JwtError, match="unsupported alg 'HS256'"):
        decode_vc_jwt(f"{header}.{payload}.{b64(mac)}", KEY.public_key)


def test_critical_header_parameters_are_refused() -> None:
    token = signed_token({"alg": "EdDSA", "crit": ["exp"], "kid": KID}, compact(CREDENTIAL))

    with pytest.raises(JwtError, match="critical header"):
        decode_vc_jwt(token, KEY.public_key)


def test_claim_that_disagrees_with_the_credential_is_refused() -> None:
    payload = {**CREDENTIAL, "iss": "did:web:issuer.example:issuers:acme", "nbf": 0}
    token = signed_token({"alg": "EdDSA", "typ": "JWT", "kid": KID}, compact(payload))

    with pytest.raises(JwtError, match="nbf claim does not match"):
        decode_vc_jwt(token, KEY.public_key)


def test_token_without_iss_is_refused() -> None:
    token = signed_token({"alg": "EdDSA", "typ": "JWT", "kid": KID}, compact(CREDENTIAL))

    with pytest.raises(JwtError, match="no iss claim"):
        decode_vc_jwt(token, KEY.public_key)


def test_duplicate_members_are_refused() -> None:
    body = compact({**CREDENTIAL, "iss": "did:web:issuer.example:issuers:acme"})
    payload = body[:-1] + b',"name":"Badge Two"}'
    token = signed_token({"alg": "EdDSA", "typ": "JWT", "kid": KID}, payload)

    with pytest.raises(JwtError, match="duplicate member 'name'"):
        decode_vc_jwt(token, KEY.public_key)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t.rsplit(".", 1)[0], "three parts"),
        (lambda t: t + ".x", "three parts"),
        (lambda t: "!" + t, "header is not base64url"),
        (lambda t: t + "=", "signature is not base64url"),
        (lambda t: b64(b"[1]") + t[t.index(".") :], "header is not a JSON object"),
        (lambda t: b64(b"\xff") + t[t.index(".") :], "header is not UTF-8 JSON"),
    ],
)
def test_malformed_tokens_are_refused(mangle: Any, message: str) -> None:
    token = mangle(encode_vc_jwt(CREDENTIAL, KEY, kid=KID))

    with pytest.raises(JwtError, match=message):
        decode_vc_jwt(token, KEY.public_key)


def test_surrounding_whitespace_is_ignored() -> None:
    token = encode_vc_jwt(CREDENTIAL, KEY, kid=KID)

    assert decode_vc_jwt(f"{token}\n", KEY.public_key)["jti"] == CREDENTIAL["id"]
