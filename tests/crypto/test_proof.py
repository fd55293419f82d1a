"""Tests for eddsa-rdfc-2022 proofs: the W3C vectors step by step, OB 3.0, and safe mode."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.crypto.keys import PublicKey, SigningKey
from sitegen.crypto.loader import DocumentLoader, make_document_loader
from sitegen.crypto.proof import (
    ProofError,
    canonicalize,
    check_safe_mode,
    create_proof,
    hash_data,
    proof_config,
    verify_proof,
)

DATA = Path(__file__).resolve().parents[1] / "data"
W3C = DATA / "vectors" / "eddsa-rdfc-2022"
EMPLOYMENT = W3C / "employment-authorization"
OB3 = DATA / "vectors" / "ob3-example"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"


def load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


KEY = SigningKey.from_multibase(load(W3C / "key-pair.json")["secretKeyMultibase"])
OPTIONS = load(W3C / "proof-options.json")
UNSIGNED = load(W3C / "unsigned-document.json")
OB3_SIGNED = load(OB3 / "credential-signed.json")
OB3_UNSIGNED = {name: value for name, value in OB3_SIGNED.items() if name != "proof"}


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    """Bundled contexts, plus the W3C examples context the first vector needs."""
    return make_document_loader(
        {EXAMPLES_CONTEXT: load(DATA / "contexts" / "credentials-examples-v2.jsonld")}
    )


def did_key(signed: dict[str, Any]) -> PublicKey:
    """The key the OB 3.0 example's DID document publishes for the proof's method."""
    did = load(OB3 / "did.json")
    method_id = signed["proof"]["verificationMethod"]
    assert method_id in did["assertionMethod"]
    (method,) = [m for m in did["verificationMethod"] if m["id"] == method_id]
    return PublicKey.from_multibase(method["publicKeyMultibase"])


def sign_ob3(doc: Mapping[str, Any], loader: DocumentLoader) -> dict[str, Any]:
    return create_proof(
        doc,
        KEY,
        verification_method="did:web:issuer.example:issuers:acme#key-1",
        created="2024-01-01T00:00:00Z",
        loader=loader,
    )


# W3C vector 1 (TestVectors/, alumni credential), one test per step.


def test_w3c_canonical_document(loader: DocumentLoader) -> None:
    assert canonicalize(UNSIGNED, loader) == load(W3C / "canonical-document.json")["nquads"]


def test_w3c_proof_config(loader: DocumentLoader) -> None:
    config = proof_config(UNSIGNED, OPTIONS)

    assert config == load(W3C / "proof-config.json")
    assert list(config) == list(load(W3C / "proof-config.json"))


def test_w3c_canonical_proof_config(loader: DocumentLoader) -> None:
    canonical = canonicalize(proof_config(UNSIGNED, OPTIONS), loader)

    assert canonical == load(W3C / "canonical-proof-config.json")["nquads"]


def test_w3c_document_hash(loader: DocumentLoader) -> None:
    digest = hashlib.sha256(canonicalize(UNSIGNED, loader).encode()).hexdigest()

    assert digest == load(W3C / "document-hash.json")["hex"]


def test_w3c_proof_config_hash(loader: DocumentLoader) -> None:
    canonical = canonicalize(proof_config(UNSIGNED, OPTIONS), loader)

    assert (
        hashlib.sha256(canonical.encode()).hexdigest()
        == load(W3C / "proof-config-hash.json")["hex"]
    )


def test_w3c_hash_data(loader: DocumentLoader) -> None:
    data = hash_data(UNSIGNED, OPTIONS, loader)

    assert len(data) == 64
    assert data.hex() == load(W3C / "hash-data.json")["hex"]


def test_w3c_signature(loader: DocumentLoader) -> None:
    signature = KEY.sign(hash_data(UNSIGNED, OPTIONS, loader))

    assert signature.hex() == load(W3C / "signature.json")["hex"]


def test_w3c_proof_value_and_signed_document(loader: DocumentLoader) -> None:
    signed = create_proof(
        UNSIGNED,
        KEY,
        verification_method=OPTIONS["verificationMethod"],
        created=OPTIONS["created"],
        loader=loader,
    )

    assert signed["proof"]["proofValue"] == load(W3C / "signature.json")["proofValue"]
    assert signed == load(W3C / "signed-document.json")
    assert list(signed["proof"]) == [
        "type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue",
    ]  # fmt: skip


def test_w3c_signed_document_verifies(loader: DocumentLoader) -> None:
    verify_proof(load(W3C / "signed-document.json"), KEY.public_key, loader)


def test_w3c_signed_document_with_one_signature_bit_flipped_fails(loader: DocumentLoader) -> None:
    signed = load(W3C / "signed-document.json")
    signature = bytearray(base58.b58decode(signed["proof"]["proofValue"][1:]))
    signature[10] ^= 0x01
    signed["proof"]["proofValue"] = "z" + base58.b58encode(bytes(signature)).decode()

    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(signed, KEY.public_key, loader)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "alumniOf"), "The School of Counterfeits"),
        (("validFrom",), "2023-01-01T00:00:01Z"),
        (("proof", "created"), "2023-02-24T23:36:39Z"),
        (("proof", "verificationMethod"), "did:example:other#key"),
    ],
)
def test_w3c_signed_document_with_one_field_changed_fails(
    loader: DocumentLoader, path: tuple[str, ...], value: str
) -> None:
    signed = load(W3C / "signed-document.json")
    target = signed
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value

    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(signed, KEY.public_key, loader)


def test_w3c_signed_document_fails_with_another_key(loader: DocumentLoader) -> None:
    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(load(W3C / "signed-document.json"), SigningKey.generate().public_key, loader)


# W3C vector 2 (employment authorization): its context is not bundled, so start from the
# canonical text.


def test_w3c_employment_vector_hashes_and_signature() -> None:
    document = load(EMPLOYMENT / "canonical-document.json")["nquads"]
    config = load(EMPLOYMENT / "canonical-proof-config.json")["nquads"]
    document_hash = hashlib.sha256(document.encode()).digest()
    config_hash = hashlib.sha256(config.encode()).digest()
    data = config_hash + document_hash
    signature = KEY.sign(data)

    assert document_hash.hex() == load(EMPLOYMENT / "document-hash.json")["hex"]
    assert config_hash.hex() == load(EMPLOYMENT / "proof-config-hash.json")["hex"]
    assert data.hex() == load(EMPLOYMENT / "hash-data.json")["hex"]
    assert signature.hex() == load(EMPLOYMENT / "signature.json")["hex"]
    expected_value = load(EMPLOYMENT / "signature.json")["proofValue"]
    assert "z" + base58.b58encode(signature).decode() == expected_value
    assert load(EMPLOYMENT / "signed-document.json")["proof"]["proofValue"] == expected_value
    assert KEY.public_key.verify(signature, data)


def test_w3c_employment_vector_proof_config() -> None:
    unsigned = load(EMPLOYMENT / "unsigned-document.json")

    config = proof_config(unsigned, load(EMPLOYMENT / "proof-options.json"))

    assert config == load(EMPLOYMENT / "proof-config.json")


# The Open Badges 3.0 example, cross-checked in Node by the notes' authors.


def test_ob3_signed_credential_verifies_with_did_document_key(loader: DocumentLoader) -> None:
    verify_proof(OB3_SIGNED, did_key(OB3_SIGNED), loader)


def test_ob3_tampered_credential_fails(loader: DocumentLoader) -> None:
    tampered = load(OB3 / "credential-tampered.json")

    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(tampered, did_key(tampered), loader)


@pytest.mark.parametrize("name", ["credential-signed-revoked.json", "status-list-credential.json"])
def test_ob3_other_signed_documents_verify(loader: DocumentLoader, name: str) -> None:
    signed = load(OB3 / name)

    verify_proof(signed, did_key(signed), loader)


def test_ob3_signing_reproduces_the_node_verified_proof(loader: DocumentLoader) -> None:
    assert sign_ob3(OB3_UNSIGNED, loader) == OB3_SIGNED


def test_create_proof_accepts_read_only_mappings(loader: DocumentLoader) -> None:
    assert sign_ob3(MappingProxyType(OB3_UNSIGNED), loader) == OB3_SIGNED


def test_create_proof_refuses_values_json_cannot_hold(loader: DocumentLoader) -> None:
    doc = {**OB3_UNSIGNED, "validFrom": datetime(2024, 1, 1, tzinfo=UTC)}

    with pytest.raises(ProofError, match="not plain JSON"):
        sign_ob3(doc, loader)


def test_create_proof_leaves_its_input_unchanged(loader: DocumentLoader) -> None:
    before = copy.deepcopy(OB3_UNSIGNED)

    sign_ob3(OB3_UNSIGNED, loader)

    assert before == OB3_UNSIGNED


# Safe mode: what PyLD would sign but jsonld.js verifiers reject.


def test_safe_mode_accepts_a_correct_ob3_credential(loader: DocumentLoader) -> None:
    check_safe_mode(OB3_UNSIGNED, loader)


def test_safe_mode_accepts_a_context_that_sets_its_own_vocab(loader: DocumentLoader) -> None:
    check_safe_mode(UNSIGNED, loader)  # the examples context maps every term by @vocab


def test_safe_mode_rejects_1edtech_type_without_extensions_context(
    loader: DocumentLoader,
) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["@context"].remove(OB_EXTENSIONS)

    with pytest.raises(ProofError) as caught:
        check_safe_mode(doc, loader)

    assert "type '1EdTechJsonSchemaValidator2019' is not defined by any @context" in str(
        caught.value
    )
    assert OB_EXTENSIONS in str(caught.value)
    # Without the check, PyLD would have signed a type resolved against its default base.
    assert "<http://example.org/base/1EdTechJsonSchemaValidator2019>" in canonicalize(doc, loader)


def test_safe_mode_rejects_undefined_properties_at_any_depth(loader: DocumentLoader) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["foo"] = 1
    doc["credentialSubject"]["achievement"]["criteria"]["level"] = "gold"

    with pytest.raises(ProofError) as caught:
        check_safe_mode(doc, loader)

    assert "property 'foo' is not defined by any @context" in str(caught.value)
    assert "property 'level' is not defined by any @context" in str(caught.value)
    # PyLD alone drops them: the signature would not cover them.
    assert canonicalize(doc, loader) == canonicalize(OB3_UNSIGNED, loader)


def test_safe_mode_rejects_relative_ids(loader: DocumentLoader) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["credentialSubject"]["achievement"]["id"] = "achievements/b1"

    with pytest.raises(ProofError, match="id 'achievements/b1' is a relative IRI reference"):
        check_safe_mode(doc, loader)


def test_safe_mode_rejects_undefined_types(loader: DocumentLoader) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["type"] = ["VerifiableCredential", "OpenBadgeCredentail"]

    with pytest.raises(ProofError, match="type 'OpenBadgeCredentail' is not defined"):
        check_safe_mode(doc, loader)


def test_safe_mode_rejects_keyword_shaped_keys(loader: DocumentLoader) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["credentialSubject"]["@foo"] = "bar"

    with pytest.raises(ProofError, match="key '@foo' is reserved by JSON-LD"):
        check_safe_mode(doc, loader)


def test_safe_mode_rejects_terms_after_a_context_reset(loader: DocumentLoader) -> None:
    # Protected contexts (VC, OB) forbid a reset, so use an unprotected local one.
    doc = {
        "@context": {"name": "https://schema.org/name", "knows": "https://schema.org/knows"},
        "name": "Ada",
        "knows": {"@context": None, "name": "Charles"},
    }

    with pytest.raises(ProofError, match="property 'name' is not defined"):
        check_safe_mode(doc, loader)


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x0c", "\x1b", "\x7f"])
def test_safe_mode_rejects_control_characters_pyld_does_not_escape(
    loader: DocumentLoader, char: str
) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["name"] = f"Badge{char}One"

    with pytest.raises(ProofError, match=f"U\\+{ord(char):04X}"):
        check_safe_mode(doc, loader)


def test_safe_mode_allows_tabs_and_line_breaks(loader: DocumentLoader) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["credentialSubject"]["achievement"]["criteria"]["narrative"] = "1.\tCome\r\n2.\tSee\n"

    check_safe_mode(doc, loader)


def test_create_proof_runs_safe_mode_first(loader: DocumentLoader) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["foo"] = 1

    with pytest.raises(ProofError, match="property 'foo'"):
        sign_ob3(doc, loader)


def test_create_proof_rejects_a_relative_verification_method(loader: DocumentLoader) -> None:
    with pytest.raises(ProofError, match="absolute URL"):
        create_proof(
            OB3_UNSIGNED, KEY, verification_method="#key-1", created="2024-01-01T00:00:00Z",
            loader=loader,
        )  # fmt: skip


@pytest.mark.parametrize(
    "created", ["2024-01-01T00:00:00", "2024-01-01", "2024-13-01T00:00:00Z", ""]
)
def test_create_proof_rejects_created_without_zone_or_invalid(
    loader: DocumentLoader, created: str
) -> None:
    with pytest.raises(ProofError, match="created must be an XML Schema dateTime with a time zone"):
        create_proof(
            OB3_UNSIGNED, KEY, verification_method="did:web:issuer.example#key-1",
            created=created, loader=loader,
        )  # fmt: skip


def test_create_proof_refuses_an_already_signed_document(loader: DocumentLoader) -> None:
    with pytest.raises(ProofError, match="already has a proof"):
        sign_ob3(OB3_SIGNED, loader)


# verify_proof: reasons for refusal.


def with_proof(**changes: Any) -> dict[str, Any]:
    signed: dict[str, Any] = copy.deepcopy(OB3_SIGNED)
    for name, value in changes.items():
        if value is None:
            del signed["proof"][name]
        else:
            signed["proof"][name] = value
    return signed


@pytest.mark.parametrize(
    ("signed", "message"),
    [
        (OB3_UNSIGNED, "has no proof"),
        ({**OB3_UNSIGNED, "proof": [OB3_SIGNED["proof"]]}, "proof sets"),
        (with_proof(cryptosuite="eddsa-2022"), "unsupported cryptosuite 'eddsa-2022'"),
        (with_proof(type="Ed25519Signature2020"), "unsupported proof type"),
        (with_proof(proofPurpose="authentication"), "unsupported proofPurpose"),
        (with_proof(verificationMethod=None), "no verificationMethod"),
        (with_proof(created="yesterday"), "created must be an XML Schema dateTime"),
        (with_proof(proofValue=None), "proofValue must be multibase"),
        (with_proof(proofValue="u" + OB3_SIGNED["proof"]["proofValue"][1:]), "starting with 'z'"),
        (with_proof(proofValue="z0OIl"), "base58btc alphabet"),
        (with_proof(proofValue="z" + base58.b58encode(b"\x01" * 63).decode()), "found 63 bytes"),
    ],
)
def test_verify_proof_explains_refusals(
    loader: DocumentLoader, signed: dict[str, Any], message: str
) -> None:
    with pytest.raises(ProofError, match=message):
        verify_proof(signed, did_key(OB3_SIGNED), loader)


def test_verify_proof_accepts_a_proof_context_that_begins_the_document_context(
    loader: DocumentLoader,
) -> None:
    signed = with_proof(**{"@context": OB3_SIGNED["@context"]})

    verify_proof(signed, did_key(signed), loader)


def test_verify_proof_refuses_a_proof_context_that_does_not_begin_the_document_context(
    loader: DocumentLoader,
) -> None:
    signed = with_proof(**{"@context": ["https://www.w3.org/ns/did/v1"]})

    with pytest.raises(ProofError, match="does not begin the document's @context"):
        verify_proof(signed, did_key(signed), loader)


# Property: any text signs and verifies, and any later change breaks the signature.

TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8",  # no lone surrogates
        # The controls safe mode refuses; tab, line feed and carriage return stay in.
        exclude_characters="".join(map(chr, [*range(9), 11, 12, *range(14, 32), 127])),
    ),
    max_size=60,
)


@settings(max_examples=30, deadline=None)
@given(name=TEXT, description=TEXT)
def test_any_text_signs_verifies_and_cannot_change(name: str, description: str) -> None:
    loader = make_document_loader()
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["name"] = name
    doc["credentialSubject"]["achievement"]["description"] = description

    signed = sign_ob3(doc, loader)
    verify_proof(signed, KEY.public_key, loader)

    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["achievement"]["description"] = description + "!"
    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(changed, KEY.public_key, loader)
    changed = copy.deepcopy(signed)
    changed["name"] = name + " "
    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(changed, KEY.public_key, loader)
