"""VC-JWT for Open Badges 3.0: the credential as an EdDSA-signed compact JWS.

Format choice. Open Badges 3.0 (``ob_v3p0/integrity.md``, "JSON Web Token Proof Format")
makes the credential JSON itself the JWT payload and puts the registered claims beside
it: ``iss`` = ``issuer.id``, ``jti`` = ``id``, ``nbf`` = ``validFrom`` and ``exp`` =
``validUntil`` as NumericDate, ``sub`` = ``credentialSubject.id``; verifiers check that
they match the credential. Its JOSE header holds ``alg``, ``kid`` and an optional
``typ`` of ``"JWT"``, and no other parameter. We emit exactly that, rather than
VC-JOSE-COSE's ``typ: "vc+jwt"`` without claims (which OB 3.0 does not describe) or the
VC 1.1 ``vc`` claim: the header is ``{"alg": "EdDSA", "typ": "JWT", "kid": kid}``, the
payload is the credential's members in their given order followed by ``iss``, ``jti``,
``nbf``, ``exp`` (only with ``validUntil``) and ``sub`` (only when the single subject has
an ``id``). The VC 2.0 context defines these claim names, so the payload is still a
valid credential.

Both parts are serialized with ``separators=(",", ":")`` and ``ensure_ascii=False``
(UTF-8), so a token is deterministic: Ed25519 signatures are too.

Interoperability limits: OB 3.0 names RS256 as the algorithm every verifier supports,
and wants ``kid`` to dereference to a JWK; an EdDSA token whose ``kid`` is a DID URL of
a Multikey verifies with this module and with DID-aware verifiers, not necessarily with
all OB 3.0 verifiers. The embedded Data Integrity proof is the primary proof.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sitegen.crypto.keys import PublicKey, SigningKey

ALGORITHM = "EdDSA"
JWT_TYPE = "JWT"

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_CLAIMS = ("iss", "jti", "nbf", "exp", "sub")


class JwtError(ValueError):
    """A VC-JWT cannot be made, read or trusted; the message says why."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str, part: str) -> bytes:
    """Strict base64url without padding: one encoding per byte string, as RFC 7515 wants."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise JwtError(f"the token's {part} is not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise JwtError(f"the token's {part} is not base64url") from None
    if _b64encode(data) != text:
        raise JwtError(f"the token's {part} is not canonical base64url")
    return data


def _serialize(value: Mapping[str, Any], part: str) -> bytes:
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise JwtError(f"the {part} is not plain JSON: {error}") from None
    return text.encode("utf-8")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object from ``pairs``; duplicate names are refused (RFC 7515 section 5.2)."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise JwtError(f"duplicate member {name!r} in the token")
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise JwtError(f"{name} is not a JSON number")


def _parse_object(data: bytes, part: str) -> dict[str, Any]:
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_unique_members,
            parse_constant=_refuse_constant,
        )
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise JwtError(f"the token's {part} is not UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise JwtError(f"the token's {part} is not a JSON object")
    return value


def _split(token: str) -> tuple[str, str, str]:
    if not isinstance(token, str):
        raise JwtError("a token is text")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JwtError("a compact JWS has three parts separated by dots")
    return parts[0], parts[1], parts[2]


def _numeric_date(value: Any, field: str) -> int:
    """Seconds since the epoch (JWT NumericDate) of an XML Schema dateTime with a zone."""
    moment = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise JwtError(f"{field} must be a date and time with a time zone")
    return math.floor(moment.timestamp())


def _claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The registered claims OB 3.0 derives from the credential's fields, in order."""
    claims: dict[str, Any] = {}
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if isinstance(issuer_id, str):
        claims["iss"] = issuer_id
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    if "validFrom" in credential:
        claims["nbf"] = _numeric_date(credential["validFrom"], "validFrom")
    if "validUntil" in credential:
        claims["exp"] = _numeric_date(credential["validUntil"], "validUntil")
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    return claims


def encode_vc_jwt(credential: Mapping[str, Any], key: SigningKey, *, kid: str) -> str:
    """The credential as a compact JWS signed with ``key``; ``kid`` names the key (a URL).

    The credential needs an issuer id and a ``validFrom``. A claim it already carries
    must equal the derived value.
    """
    if not isinstance(kid, str) or not kid:
        raise JwtError("kid must be the URL of the signing key")
    claims = _claims(credential)
    for required, field in (("iss", "issuer id"), ("nbf", "validFrom")):
        if required not in claims:
            raise JwtError(f"the credential has no {field}")
    payload = dict(credential)
    for name, value in claims.items():
        if name in payload and payload[name] != value:
            raise JwtError(f"the credential's {name!r} member disagrees with its fields")
        payload[name] = value
    header = {"alg": ALGORITHM, "typ": JWT_TYPE, "kid": kid}
    encoded_header = _b64encode(_serialize(header, "header"))
    signing_input = f"{encoded_header}.{_b64encode(_serialize(payload, 'credential'))}"
    return f"{signing_input}.{_b64encode(key.sign(signing_input.encode('ascii')))}"


def read_jwt_header(token: str) -> dict[str, Any]:
    """The token's JOSE header, unverified: use it only to find the key (``kid``)."""
    header, _, _ = _split(token)
    return _parse_object(_b64decode(header, "header"), "header")


def _check_header(header: Mapping[str, Any]) -> None:
    alg = header.get("alg")
    if alg == "none":
        raise JwtError("unsigned tokens (alg none) are refused")
    if alg != ALGORITHM:
        raise JwtError(f"unsupported alg {alg!r}: only {ALGORITHM} (Ed25519)")
    if "crit" in header:
        raise JwtError("the token has critical header parameters this reader does not know")
    typ = header.get("typ", JWT_TYPE)
    if not isinstance(typ, str) or typ.upper() != JWT_TYPE:
        raise JwtError(f"unexpected typ {typ!r}: a VC-JWT has typ {JWT_TYPE}")


def decode_vc_jwt(token: str, public_key: PublicKey) -> dict[str, Any]:
    """The verified payload of a VC-JWT signed by ``public_key``.

    Checks the algorithm, the signature, and that the registered claims present agree
    with the credential's fields; times (``nbf``, ``exp``) are left to the caller.
    """
    header_part, payload_part, signature_part = _split(token)
    _check_header(_parse_object(_b64decode(header_part, "header"), "header"))
    signature = _b64decode(signature_part, "signature")
    if not public_key.verify(signature, f"{header_part}.{payload_part}".encode("ascii")):
        raise JwtError("signature does not match: the token changed or another key signed it")
    payload = _parse_object(_b64decode(payload_part, "payload"), "payload")
    if "vc" in payload and "@context" not in payload:
        raise JwtError("VC 1.1 tokens with a 'vc' claim are not supported")
    if "iss" not in payload:
        raise JwtError("the token has no iss claim")
    try:
        expected = _claims(payload)
    except JwtError as error:
        raise JwtError(f"the credential in the token is invalid: {error}") from None
    for name in _CLAIMS:
        if name in payload and payload[name] != expected.get(name):
            raise JwtError(f"the {name} claim does not match the credential")
    return payload
