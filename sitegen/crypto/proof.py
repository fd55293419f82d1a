"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite: canonicalize, sign, verify.

The steps follow W3C *Data Integrity EdDSA Cryptosuites v1.0* ("Transformation",
"Hashing", "Proof Configuration", "Proof Serialization", "Proof Verification"), and the
step functions are public so that tests can check each one against the W3C vectors.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import base58

from sitegen.crypto.keys import PublicKey, SigningKey
from sitegen.crypto.loader import DocumentLoader, UnknownDocumentError, jsonld

if TYPE_CHECKING:
    from sitegen.crypto.fastcanon import Canonicalizer

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
"""Open Badges 3.0 requires this purpose (``common_credentials.lines``, class ``Proof``)."""

OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

_SIGNATURE_SIZE = 64

_DATETIME = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
"""XML Schema ``dateTime`` lexical form (the time zone is optional there)."""

# An @vocab that nothing real uses: a term no context defines expands under it instead of
# being dropped, and then names itself in the error.
_UNDEFINED = "urn:x-sitegen-undefined-term:"
_UNDEFINED_CONTEXT = {"@vocab": _UNDEFINED}

_ABSOLUTE_IRI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*|_):\S*")
"""PyLD's and jsonld.js's test for an absolute IRI or a blank node identifier."""
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
"""Characters RDF forbids in IRIs; RDFC-1.0 escapes them, PyLD does not."""
_UNSTABLE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
"""Characters PyLD writes raw into N-Quads where RDFC-1.0 escapes them, and surrogates.

Tab, line feed and carriage return are escaped the same way by both, so they are allowed.
"""


class ProofError(ValueError):
    """A proof cannot be created or does not verify; the message says why."""


def _plain(doc: Mapping[str, Any], what: str = "the document") -> dict[str, Any]:
    """A deep copy of ``doc`` made only of JSON types, in the same key order."""
    if not isinstance(doc, Mapping):
        raise ProofError(f"{what} is not a JSON object")
    try:
        plain = json.loads(json.dumps(doc, ensure_ascii=False, allow_nan=False, default=_dict))
    except (TypeError, ValueError) as error:
        raise ProofError(f"{what} is not plain JSON: {error}") from None
    if not isinstance(plain, dict):
        raise ProofError(f"{what} is not a JSON object")
    return plain


def _dict(value: object) -> dict[str, Any]:
    """Let ``json.dumps`` take any read-only mapping, e.g. a ``MappingProxyType``."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not a JSON type")


def _describe(error: BaseException) -> str:
    """The useful part of a PyLD error: a refused URL, else the message and its code."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, UnknownDocumentError):
            return str(cause)
        cause = cause.__cause__
    message = str(error.args[0]) if error.args else type(error).__name__
    code = getattr(error, "code", None)
    return f"{message} ({code})" if code else message


def canonicalize(doc: Mapping[str, Any], loader: DocumentLoader) -> str:
    """RDFC-1.0 canonical N-Quads of ``doc``: sorted lines, each ending with a newline.

    PyLD calls the algorithm ``URDNA2015``; for JSON-LD input it gives the same output as
    RDFC-1.0 (the W3C vectors reproduce byte for byte).
    """
    try:
        nquads = jsonld.normalize(
            _plain(doc),
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader},
        )
    except jsonld.JsonLdError as error:
        raise ProofError(f"cannot canonicalize the document: {_describe(error)}") from error
    except UnicodeEncodeError:  # a lone surrogate in an IRI: PyLD fails hashing it
        raise ProofError("the document contains text that is not valid Unicode") from None
    except (AttributeError, TypeError) as error:  # PyLD crashes on e.g. a type "@foo"
        raise ProofError(f"cannot canonicalize the document: PyLD failed ({error})") from error
    return str(nquads)


def _with_undefined_vocab(node: Any, *, top: bool) -> Any:
    """A copy of ``node`` where terms no context defines expand under ``_UNDEFINED``.

    The sentinel ``@vocab`` goes first in the top-level context, so a context that sets
    its own ``@vocab`` (as the VC examples context does) still wins, and again after each
    ``null`` that resets the context.
    """
    if isinstance(node, list):
        return [_with_undefined_vocab(item, top=False) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    if top:
        result["@context"] = [_UNDEFINED_CONTEXT]
    for key, value in node.items():
        if key != "@context":
            result[key] = _with_undefined_vocab(value, top=False)
            continue
        contexts: list[Any] = result.get("@context", [])
        for item in value if isinstance(value, list) else [value]:
            contexts.append(item)
            if item is None:
                contexts.append(_UNDEFINED_CONTEXT)
        result["@context"] = contexts
    return result


def _reserved_keys(node: Any, found: list[str]) -> None:
    """Collect keys shaped like JSON-LD keywords that are none (JSON-LD 1.1 ignores them)."""
    if isinstance(node, list):
        for item in node:
            _reserved_keys(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            if re.fullmatch(r"@[A-Za-z]+", key) and key not in jsonld.KEYWORDS:
                found.append(f"key {key!r} is reserved by JSON-LD and would be dropped")
            _reserved_keys(value, found)


def _check_iri(value: Any, kind: str, found: list[str]) -> None:
    """Report an expanded ``@id``/``@type`` value that no signer should sign."""
    if not isinstance(value, str) or value in jsonld.KEYWORDS:
        return
    if value.startswith(_UNDEFINED):
        term = value[len(_UNDEFINED) :]
        hint = f" (add the context {OB_EXTENSIONS_CONTEXT})" if term.startswith("1EdTech") else ""
        found.append(f"{kind} {term!r} is not defined by any @context{hint}")
    elif not _ABSOLUTE_IRI.fullmatch(value):
        found.append(f"{kind} {value!r} is a relative IRI reference")
    elif _IRI_FORBIDDEN.search(value):
        found.append(f"{kind} {value!r} contains characters that IRIs may not contain")


def _unsafe_nodes(node: Any, found: list[str]) -> None:
    """Collect what jsonld.js safe mode would reject in expanded JSON-LD ``node``."""
    if isinstance(node, list):
        for item in node:
            _unsafe_nodes(item, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@id":
            _check_iri(value, "id", found)
        elif key == "@type":
            for item in value if isinstance(value, list) else [value]:
                _check_iri(item, "type", found)
        elif key == "@value":
            # A JSON literal (@type @json) is not RDF text: PyLD serializes it as JCS.
            if isinstance(value, str):
                bad = _UNSTABLE_TEXT.search(value)
                if bad:
                    found.append(
                        f"text {value[:40]!r} contains character U+{ord(bad.group()):04X},"
                        " which canonicalizers serialize differently"
                    )
        elif key == "@direction":
            found.append("@direction is not supported: RDFC-1.0 has no form for it")
        elif key == "@reverse":
            for prop, items in value.items():
                _check_iri(prop, "property", found)
                _unsafe_nodes(items, found)
        elif key.startswith(_UNDEFINED):
            found.append(f"property {key[len(_UNDEFINED) :]!r} is not defined by any @context")
            _unsafe_nodes(value, found)
        else:
            if not key.startswith("@"):
                if key.startswith("_:"):
                    found.append(f"property {key!r} is a blank node")
                else:
                    _check_iri(key, "property", found)
            _unsafe_nodes(value, found)


def check_safe_mode(doc: Mapping[str, Any], loader: DocumentLoader) -> None:
    """Refuse a document that jsonld.js safe mode would reject, naming each offending term.

    PyLD has no safe mode: it silently drops keys no context defines and resolves
    undefined types and relative ids against ``http://example.org/base/``, then signs
    the result, which verifiers built on jsonld.js (Digital Bazaar, DCC) reject. This
    expands a copy with a sentinel ``@vocab`` (so an undefined key or type shows up
    under it instead of vanishing) and no base IRI (so relative references stay
    relative), then inspects every expanded key, ``@id``, ``@type`` and text value.

    Known gaps: contexts that map a term to ``null``, and nodes under a property whose
    scoped context is ``null`` (``verifiableCredential`` in a presentation), are not
    inspected for undefined terms.
    """
    plain = _plain(doc)
    found: list[str] = []
    _reserved_keys(plain, found)
    try:
        expanded = jsonld.expand(
            _with_undefined_vocab(plain, top=True), {"documentLoader": loader, "base": None}
        )
    except jsonld.JsonLdError as error:
        raise ProofError(f"the document is not valid JSON-LD: {_describe(error)}") from error
    _unsafe_nodes(expanded, found)
    if found:
        raise ProofError(
            "JSON-LD safe mode would reject the document: " + "; ".join(dict.fromkeys(found))
        )


def _check_datetime(value: Any, name: str, *, zone_required: bool) -> None:
    """Refuse ``value`` unless it is an XML Schema ``dateTime`` string."""
    valid = isinstance(value, str) and _DATETIME.fullmatch(value) is not None
    if valid:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            valid = False
        else:
            valid = moment.tzinfo is not None or not zone_required
    if not valid:
        zone = " with a time zone" if zone_required else ""
        raise ProofError(f"{name} must be an XML Schema dateTime{zone}, e.g. 2024-01-01T00:00:00Z")


def _check_options(options: Mapping[str, Any]) -> None:
    """Refuse proof options this cryptosuite does not define."""
    if options.get("type") != PROOF_TYPE:
        raise ProofError(f"unsupported proof type {options.get('type')!r}: only {PROOF_TYPE}")
    if options.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            f"unsupported cryptosuite {options.get('cryptosuite')!r}: only {CRYPTOSUITE}"
        )
    if "proofValue" in options:
        raise ProofError("proof options must not contain a proofValue")
    if "created" in options:
        _check_datetime(options["created"], "created", zone_required=False)


def proof_config(doc: Mapping[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """The proof configuration: a copy of ``options`` with the document's ``@context``."""
    _check_options(options)
    if "@context" not in doc:
        raise ProofError("the document has no @context")
    config = copy.deepcopy(dict(options))
    config["@context"] = copy.deepcopy(doc["@context"])
    return config


def _sha256(text: str) -> bytes:
    try:
        return hashlib.sha256(text.encode("utf-8")).digest()
    except UnicodeEncodeError:
        raise ProofError("the document contains text that is not valid Unicode") from None


def hash_data(
    doc: Mapping[str, Any],
    options: Mapping[str, Any],
    loader: DocumentLoader,
    *,
    canonicalizer: Canonicalizer | None = None,
) -> bytes:
    """The 64 signed bytes: SHA-256 of the canonical proof config, then of the document.

    A ``canonicalizer`` bound to ``loader`` gives the same bytes faster.
    """
    if "proof" in doc:
        raise ProofError("hash the document without its proof")
    config = proof_config(doc, options)
    if canonicalizer is None:
        return _sha256(canonicalize(config, loader)) + _sha256(canonicalize(doc, loader))
    _check_bound(canonicalizer, loader)
    return _sha256(canonicalizer.canonicalize(config)) + _sha256(canonicalizer.canonicalize(doc))


def _check_bound(canonicalizer: Canonicalizer, loader: DocumentLoader) -> None:
    if canonicalizer.loader is not loader:
        raise ValueError("the canonicalizer was made for another document loader")


def create_proof(
    doc: Mapping[str, Any],
    key: SigningKey,
    *,
    verification_method: str,
    created: str,
    loader: DocumentLoader,
    canonicalizer: Canonicalizer | None = None,
) -> dict[str, Any]:
    """A signed copy of ``doc`` with one ``eddsa-rdfc-2022`` proof for ``assertionMethod``.

    ``verification_method`` is the absolute URL of the Multikey, e.g. ``did:web:…#key-1``;
    ``created`` an XML Schema dateTime with a time zone. The document is checked with
    :func:`check_safe_mode` first. Documents that already have a proof are refused:
    proof sets are not supported. A :class:`~sitegen.crypto.fastcanon.Canonicalizer`
    made with the same ``loader`` gives the same proof and refusals, faster when many
    documents share a shape (it caches one template per shape: keep one per process).
    """
    plain = _plain(doc)
    if "proof" in plain:
        raise ProofError("the document already has a proof; sign the unsigned document")
    if not isinstance(verification_method, str) or not _ABSOLUTE_IRI.fullmatch(verification_method):
        raise ProofError(
            f"verification_method must be the absolute URL of a key, e.g. did:web:…#key-1,"
            f" not {verification_method!r}"
        )
    _check_datetime(created, "created", zone_required=True)
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    if canonicalizer is None:
        check_safe_mode(plain, loader)
        check_safe_mode(proof_config(plain, options), loader)
        signature = key.sign(hash_data(plain, options, loader))
    else:  # the same checks and bytes, from templates of the document's shape
        _check_bound(canonicalizer, loader)
        document = canonicalizer.canonicalize(plain, safe=True)
        config = canonicalizer.canonicalize(proof_config(plain, options), safe=True)
        signature = key.sign(_sha256(config) + _sha256(document))
    plain["proof"] = {**options, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}
    return plain


def _decode_proof_value(value: Any) -> bytes:
    """The signature in a ``proofValue``: ``z`` + base58btc of 64 bytes."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("proofValue must be multibase base58btc text starting with 'z'")
    try:
        signature = base58.b58decode(value[1:])
    except ValueError:
        raise ProofError("proofValue contains characters outside the base58btc alphabet") from None
    if len(signature) != _SIGNATURE_SIZE:
        raise ProofError(
            f"proofValue must hold a {_SIGNATURE_SIZE}-byte Ed25519 signature,"
            f" found {len(signature)} bytes"
        )
    return signature


def verify_proof(
    signed: Mapping[str, Any],
    public_key: PublicKey,
    loader: DocumentLoader,
    *,
    canonicalizer: Canonicalizer | None = None,
) -> None:
    """Check the document's single ``eddsa-rdfc-2022`` proof against ``public_key``.

    The caller resolves the key from the proof's ``verificationMethod`` and checks that
    its controller lists it under ``assertionMethod``; times (``validFrom``, ``expires``)
    and status are not checked here. A ``canonicalizer`` bound to ``loader`` is faster.
    """
    plain = _plain(signed, "the signed document")
    proof = plain.pop("proof", None)
    if proof is None:
        raise ProofError("the document has no proof")
    if isinstance(proof, list):
        raise ProofError("proof sets (several proofs) are not supported")
    if not isinstance(proof, dict):
        raise ProofError("the proof is not a JSON object")
    signature = _decode_proof_value(proof.pop("proofValue", None))
    _check_options(proof)
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise ProofError(
            f"unsupported proofPurpose {proof.get('proofPurpose')!r}: only {PROOF_PURPOSE}"
        )
    if not isinstance(proof.get("verificationMethod"), str):
        raise ProofError("the proof has no verificationMethod")
    if "@context" in proof:
        # Data Integrity: a proof's own @context must begin the document's, and replaces it.
        ours, theirs = proof["@context"], plain.get("@context")
        ours_list = ours if isinstance(ours, list) else [ours]
        theirs_list = theirs if isinstance(theirs, list) else [theirs]
        if theirs_list[: len(ours_list)] != ours_list:
            raise ProofError("the proof's @context does not begin the document's @context")
        plain["@context"] = ours
    data = hash_data(plain, proof, loader, canonicalizer=canonicalizer)
    if not public_key.verify(signature, data):
        raise ProofError(
            "signature does not match: the document or its proof changed after signing,"
            " or another key signed it"
        )
