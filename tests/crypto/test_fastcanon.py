"""The template canonicalizer gives exactly PyLD's N-Quads, or falls back to PyLD."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.crypto.fastcanon import Canonicalizer
from sitegen.crypto.keys import SigningKey
from sitegen.crypto.loader import DocumentLoader, make_document_loader
from sitegen.crypto.proof import (
    ProofError,
    canonicalize,
    check_safe_mode,
    create_proof,
    proof_config,
)

DATA = Path(__file__).resolve().parents[1] / "data"
W3C = DATA / "vectors" / "eddsa-rdfc-2022"
OB3 = DATA / "vectors" / "ob3-example"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"


def load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


OB3_UNSIGNED = {k: v for k, v in load(OB3 / "credential-signed.json").items() if k != "proof"}
PROOF_OPTIONS = {
    "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
    "created": "2024-03-15T10:00:00Z", "proofPurpose": "assertionMethod",
    "verificationMethod": "did:web:badges.example.org:issuers:atelier#key-1",
}

LOADER = make_document_loader(
    {EXAMPLES_CONTEXT: load(DATA / "contexts" / "credentials-examples-v2.jsonld")}
)


@pytest.fixture
def canon() -> Canonicalizer:
    return Canonicalizer(LOADER)


def plain_result(doc: Any, loader: DocumentLoader = LOADER) -> str | type[ProofError]:
    """What the plain PyLD path gives: canonical N-Quads, or a refusal."""
    try:
        check_safe_mode(doc, loader)
        return canonicalize(doc, loader)
    except ProofError:
        return ProofError


def fast_result(canon: Canonicalizer, doc: Any) -> str | type[ProofError]:
    try:
        return canon.canonicalize(doc)
    except ProofError:
        return ProofError


def string_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where the credential's string values are (not contexts, not types)."""
    if isinstance(node, dict):
        return [p for k, v in node.items() if k not in ("@context", "type")
                for p in string_paths(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in string_paths(v, (*path, i))]
    return [path] if isinstance(node, str) else []


def key_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() if k != "@context"
                for p in [(*path, k), *key_paths(v, (*path, k))]]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in key_paths(v, (*path, i))]
    return []


def put(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        doc = doc[step]
    doc[path[-1]] = value


def remove(doc: Any, path: tuple[Any, ...]) -> None:
    try:
        for step in path[:-1]:
            doc = doc[step]
        del doc[path[-1]]
    except (KeyError, IndexError, TypeError):
        pass  # already removed with its parent


STRING_PATHS = string_paths(OB3_UNSIGNED)
KEY_PATHS = [p for p in key_paths(OB3_UNSIGNED) if p[-1] not in ("type",)]
IRIS = st.one_of(
    st.builds("https://example.org/{}?q={}#f".format,
              st.text(alphabet="abcXYZ019-._~%/é", max_size=12), st.text(max_size=6)),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.from_regex(r"did:web:[a-z]{1,8}\.example(%3A8080)?(:[a-z]{1,5}){0,2}", fullmatch=True),
    st.sampled_from([
        "achievements/b1", "_:b0", "mailto:ada@example.org", "xsd:string", "sec:proof",
        "assertionMethod", "Achievement", "https://example.org/a b", "urn:x-sitegen-slot:0",
        "x-sitegen-slot-1", "did:key:z6Mk", "tel:+33102030405", "HTTPS://EXAMPLE.ORG/",
    ]),
)
TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "a\tb", "l1\nl2\r\n", 'quote " and \\ backslash', "😀 emoji",
                     "2024-03-15T10:00:00Z", "@id", "@vocab", "null", "\x00", "\u2028"]),
)


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    """The OB 3.0 example with values replaced, keys removed and ids repeated."""
    doc = copy.deepcopy(OB3_UNSIGNED)
    for path in draw(st.lists(st.sampled_from(STRING_PATHS), max_size=8, unique=True)):
        put(doc, path, draw(st.one_of(IRIS, TEXTS)))
    if draw(st.booleans()):  # two nodes with one id merge in RDF
        ids = [p for p in string_paths(doc) if p[-1] == "id"]
        if len(ids) >= 2:
            first, second = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2,
                                          unique=True))
            value = doc
            for step in first:
                value = value[step]
            put(doc, second, value)
    for path in draw(st.lists(st.sampled_from(KEY_PATHS), max_size=3, unique=True)):
        remove(doc, path)
    return doc


def test_the_example_credential_takes_the_fast_path(canon: Canonicalizer) -> None:
    assert canon.canonicalize(OB3_UNSIGNED) == canonicalize(OB3_UNSIGNED, LOADER)
    again = copy.deepcopy(OB3_UNSIGNED)
    again["name"] = "Another badge"
    again["id"] = "urn:uuid:0a0e0b6c-6f1e-4a5f-9d0a-0d2b8c3f1e11"
    assert canon.canonicalize(again) == canonicalize(again, LOADER)
    assert (canon.misses, canon.hits, canon.fallbacks) == (1, 1, 0)


def test_a_proof_configuration_takes_the_fast_path(canon: Canonicalizer) -> None:
    for created in ("2024-03-15T10:00:00Z", "2025-01-02T03:04:05+01:00"):
        config = proof_config(OB3_UNSIGNED, {**PROOF_OPTIONS, "created": created})
        assert canon.canonicalize(config) == canonicalize(config, LOADER)
    assert canon.fallbacks == 0
    assert canon.hits == 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=credentials())
def test_fast_path_equals_pyld_on_generated_credentials(doc: dict[str, Any]) -> None:
    canon = SHARED  # templates accumulate across examples, as in a build
    assert fast_result(canon, doc) == plain_result(doc)


SHARED = Canonicalizer(LOADER)


@settings(max_examples=60, deadline=None)
@given(created=st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
       method=IRIS, purpose=st.sampled_from(["assertionMethod", "authentication", "x"]))
def test_fast_path_equals_pyld_on_proof_configurations(
    created: str, method: str, purpose: str
) -> None:
    config = {**proof_config(OB3_UNSIGNED, PROOF_OPTIONS), "created": created,
              "verificationMethod": method, "proofPurpose": purpose}
    assert fast_result(SHARED, config) == plain_result(config)


def test_values_that_change_their_own_meaning_are_not_templated(canon: Canonicalizer) -> None:
    # proofPurpose is @vocab-typed: "assertionMethod" expands to a term's IRI, so the
    # value is part of the template's key rather than filled in.
    config = proof_config(OB3_UNSIGNED, PROOF_OPTIONS)
    other = {**config, "proofPurpose": "authentication"}
    assert canon.canonicalize(config) == canonicalize(config, LOADER)
    assert canon.canonicalize(other) == canonicalize(other, LOADER)
    assert canon.canonicalize(config) != canon.canonicalize(other)
    assert canon.misses == 2


def test_an_id_that_pyld_would_rewrite_falls_back(canon: Canonicalizer) -> None:
    canon.canonicalize(OB3_UNSIGNED)
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["credentialSubject"]["id"] = "https://example.org/a b"  # not an IRI: PyLD keeps it
    assert fast_result(canon, doc) == plain_result(doc)
    assert canon.fallbacks == 1


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("credentialSubject", "achievement", "id"), "achievements/b1", "relative IRI"),
        (("name",), "Badge\x1bOne", "U\\+001B"),
    ],
)
def test_safe_mode_refusals_are_kept(
    canon: Canonicalizer, where: tuple[str, ...], value: str, message: str
) -> None:
    canon.canonicalize(OB3_UNSIGNED)  # a template of this shape exists
    doc = copy.deepcopy(OB3_UNSIGNED)
    put(doc, where, value)
    with pytest.raises(ProofError, match=message):
        canon.canonicalize(doc)


def test_undefined_terms_are_refused_on_the_fast_path(canon: Canonicalizer) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["credentialSubject"]["achievement"]["criteria"]["level"] = "gold"
    with pytest.raises(ProofError, match="property 'level' is not defined"):
        canon.canonicalize(doc)


def test_w3c_vector_signs_to_the_same_proof_value_on_the_fast_path() -> None:
    key = SigningKey.from_multibase(load(W3C / "key-pair.json")["secretKeyMultibase"])
    options = load(W3C / "proof-options.json")
    unsigned = load(W3C / "unsigned-document.json")
    canon = Canonicalizer(LOADER)
    for _ in range(2):  # the template is made, then reused
        signed = create_proof(
            unsigned, key, verification_method=options["verificationMethod"],
            created=options["created"], loader=LOADER, canonicalizer=canon,
        )
        assert signed == load(W3C / "signed-document.json")
    assert canon.hits == 2 and canon.fallbacks == 0
