"""Verifying an Open Badges 3.0 credential offline: proof, issuer key, status and dates."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from sitegen.bake import OB2, OB3, BakeError, unbake_png, unbake_svg
from sitegen.crypto.jwt import JwtError, decode_vc_jwt, read_jwt_header
from sitegen.crypto.keys import KeyMaterialError, PublicKey
from sitegen.crypto.loader import DocumentLoader, make_document_loader
from sitegen.crypto.proof import ProofError, verify_proof
from sitegen.status import decode_bitstring, is_set

Fetch = Callable[[str], bytes | None]
"""Returns the bytes published at a URL, or None when there are none."""


@dataclass(frozen=True, slots=True)
class Check:
    """One verification step and its outcome."""

    name: str
    ok: bool
    detail: str


@dataclass(slots=True)
class Verdict:
    """The outcome: ``valid``, ``revoked``, ``expired``, ``not-yet-valid`` or ``invalid``."""

    status: str = "invalid"
    reason: str = ""
    checks: list[Check] = field(default_factory=list)
    credential: dict[str, object] | None = None

    def fail(self, name: str, detail: str) -> Verdict:
        """Record a failed check as the reason the credential cannot be trusted."""
        self.checks.append(Check(name, False, detail))
        self.status, self.reason = "invalid", detail
        return self

    def passed(self, name: str, detail: str) -> None:
        """Record a passed check."""
        self.checks.append(Check(name, True, detail))


def did_web_url(did: str) -> str:
    """The https URL of a did:web DID's document (did:web method rules)."""
    parts = did.split("#")[0].split(":")
    if len(parts) < 3 or parts[:2] != ["did", "web"]:
        raise ValueError(f"not a did:web identifier: {did}")
    host = unquote(parts[2])
    path = "/".join(unquote(p) for p in parts[3:])
    return f"https://{host}/{path + '/' if path else '.well-known/'}did.json"


def site_fetcher(site_dir: Path) -> Fetch:
    """Serve URLs from a built site folder, whatever host and sub-path it is published under.

    ``did:web`` URLs are https; the site may sit under a sub-path, so leading
    path segments are dropped until a file matches. Nothing outside the folder
    is ever read.
    """
    root = site_dir.resolve()

    def fetch(url: str) -> bytes | None:
        segments = [unquote(s) for s in PurePosixPath(urlsplit(url).path).parts[1:]]
        if ".." in segments:
            return None
        for start in range(len(segments)):
            candidate = (root.joinpath(*segments[start:])).resolve()
            if candidate.is_file() and candidate.is_relative_to(root):
                return candidate.read_bytes()
        return None

    return fetch


def extract(data: bytes) -> tuple[dict[str, object] | None, str | None, str]:
    """Find the OB 3.0 credential in a file: (JSON credential, JWT, description)."""
    text: str | None
    if data.startswith(b"\x89PNG"):
        text, kind = unbake_png(data, OB3), "baked PNG"
        if text is None and unbake_png(data, OB2) is not None:
            raise ValueError("this PNG carries only an Open Badges 2.0 assertion")
    elif data.lstrip().startswith((b"<?xml", b"<svg", b"<!--")):
        text, kind = unbake_svg(data, OB3), "baked SVG"
        if text is None and unbake_svg(data, OB2) is not None:
            raise ValueError("this SVG carries only an Open Badges 2.0 assertion")
    else:
        text, kind = data.decode("utf-8").strip(), "file"
    if not text:
        raise ValueError(f"no Open Badges 3.0 credential found in this {kind}")
    if text.startswith("{"):
        document = json.loads(text)
        if not isinstance(document, dict):
            raise ValueError("the credential is not a JSON object")
        return document, None, f"JSON credential ({kind})"
    if text.count(".") == 2:
        return None, text, f"VC-JWT ({kind})"
    raise ValueError(f"the {kind} holds neither a JSON credential nor a JWT")


def _issuer_id(credential: Mapping[str, object]) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else ""


def _resolve_key(
    method_id: str, issuer_id: str, fetch: Fetch, verdict: Verdict
) -> PublicKey | None:
    did = method_id.split("#")[0]
    if did != issuer_id:
        verdict.fail("issuer key", f"the key {method_id} does not belong to the issuer {issuer_id}")
        return None
    try:
        raw = fetch(did_web_url(did))
    except ValueError as exc:
        verdict.fail("issuer key", str(exc))
        return None
    if raw is None:
        verdict.fail("issuer key", f"the issuer's DID document ({did_web_url(did)}) is not found")
        return None
    document = json.loads(raw)
    if document.get("id") != did:
        verdict.fail("issuer key", "the DID document is for another identifier")
        return None
    if method_id not in document.get("assertionMethod", []):
        verdict.fail("issuer key", f"the issuer does not list {method_id} as a signing key")
        return None
    method = next((m for m in document.get("verificationMethod", []) if m.get("id") == method_id),
                  None)
    if method is None or method.get("controller") != did or method.get("type") != "Multikey":
        verdict.fail("issuer key", f"{method_id} is not a key controlled by the issuer")
        return None
    try:
        key = PublicKey.from_multibase(str(method.get("publicKeyMultibase", "")))
    except KeyMaterialError as exc:
        verdict.fail("issuer key", f"the published key is unusable: {exc}")
        return None
    verdict.passed("issuer key", f"{method_id} is published by the issuer")
    return key


def _check_proof(
    signed: Mapping[str, object], fetch: Fetch, verdict: Verdict, loader: DocumentLoader, what: str
) -> bool:
    proof = signed.get("proof")
    if not isinstance(proof, Mapping):
        verdict.fail(what, "there is no proof")
        return False
    key = _resolve_key(str(proof.get("verificationMethod", "")), _issuer_id(signed), fetch,
                       verdict)
    if key is None:
        return False
    try:
        verify_proof(signed, key, loader)
    except ProofError as exc:
        verdict.fail(what, str(exc))
        return False
    verdict.passed(what, "the Data Integrity proof (eddsa-rdfc-2022) is valid")
    return True


def verify(data: bytes, fetch: Fetch, now: datetime) -> Verdict:
    """Verify a credential JSON, VC-JWT or baked image against what ``fetch`` serves."""
    verdict = Verdict()
    loader = make_document_loader()
    try:
        credential, jwt, kind = extract(data)
    except (ValueError, BakeError, UnicodeDecodeError) as exc:
        return verdict.fail("format", str(exc))
    verdict.passed("format", kind)
    if jwt is not None:
        try:
            kid = str(read_jwt_header(jwt).get("kid", ""))
        except JwtError as exc:
            return verdict.fail("signature", str(exc))
        unverified_issuer = kid.split("#")[0]
        key = _resolve_key(kid, unverified_issuer, fetch, verdict)
        if key is None:
            return verdict
        try:
            credential = decode_vc_jwt(jwt, key)
        except JwtError as exc:
            return verdict.fail("signature", str(exc))
        if _issuer_id(credential) != unverified_issuer:
            return verdict.fail("signature", "the JWT was signed by another issuer")
        verdict.passed("signature", "the JWT signature (EdDSA) is valid")
    elif credential is not None and not _check_proof(credential, fetch, verdict, loader,
                                                     "signature"):
        return verdict
    assert credential is not None  # noqa: S101 - one of the two branches set it
    verdict.credential = credential
    return _check_status_and_dates(credential, fetch, now, verdict, loader)


def _check_status_and_dates(
    credential: dict[str, object],
    fetch: Fetch,
    now: datetime,
    verdict: Verdict,
    loader: DocumentLoader,
) -> Verdict:
    entry = credential.get("credentialStatus")
    if isinstance(entry, Mapping) and entry.get("type") == "BitstringStatusListEntry":
        url = str(entry.get("statusListCredential", ""))
        raw = fetch(url)
        if raw is None:
            return verdict.fail("status", f"the status list ({url}) is not found")
        status_list = json.loads(raw)
        if _issuer_id(status_list) != _issuer_id(credential):
            return verdict.fail("status", "the status list is not published by the issuer")
        if not _check_proof(status_list, fetch, verdict, loader, "status list signature"):
            return verdict
        try:
            bits = decode_bitstring(str(status_list["credentialSubject"]["encodedList"]))
            revoked = is_set(bits, int(str(entry.get("statusListIndex"))))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            return verdict.fail("status", f"the status list cannot be read: {exc}")
        if revoked:
            verdict.checks.append(Check("status", False, "revoked by the issuer"))
            verdict.status, verdict.reason = "revoked", "the issuer revoked this credential"
            return verdict
        verdict.passed("status", "not revoked")
    valid_from = _date(credential.get("validFrom"))
    valid_until = _date(credential.get("validUntil"))
    if valid_from and now < valid_from:
        verdict.checks.append(Check("dates", False, f"not valid before {valid_from.date()}"))
        verdict.status, verdict.reason = "not-yet-valid", f"valid from {valid_from.date()}"
        return verdict
    if valid_until and now >= valid_until:
        verdict.checks.append(Check("dates", False, f"expired on {valid_until.date()}"))
        verdict.status, verdict.reason = "expired", f"expired on {valid_until.date()}"
        return verdict
    until = f" until {valid_until.date()}" if valid_until else ""
    verdict.passed("dates", f"valid from {valid_from.date() if valid_from else '?'}{until}")
    verdict.status, verdict.reason = "valid", "signature, issuer key, status and dates check out"
    return verdict


def _date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
