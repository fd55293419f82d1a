"""The template canonicalizer gives exactly PyLD's N-Quads and refusals, or falls back to PyLD."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.crypto.fastcanon import Canonicalizer
from sitegen.crypto.keys import PublicKey, SigningKey
from sitegen.crypto.loader import make_document_loader
from sitegen.crypto.proof import (
    ProofError,
    canonicalize,
    check_safe_mode,
    create_proof,
    hash_data,
    proof_config,
    verify_proof,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
W3C = DATA / "vectors" / "eddsa-rdfc-2022"
OB3 = DATA / "vectors" / "ob3-example"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"  # defines prefixes: xsd, sec, schema…
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


OB3_UNSIGNED = {k: v for k, v in load(OB3 / "credential-signed.json").items() if k != "proof"}
PROOF_OPTIONS = {
    "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
    "created": "2024-03-15T10:00:00Z", "verificationMethod": "did:web:badges.example.org#key-1",
    "proofPurpose": "assertionMethod",
}  # fmt: skip
LOADER = make_document_loader(
    {
        EXAMPLES_CONTEXT: load(DATA / "contexts" / "credentials-examples-v2.jsonld"),
        OB2_CONTEXT: load(DATA / "contexts" / "openbadges-v2.jsonld"),
    }
)
SHARED = Canonicalizer(LOADER)
"""Templates accumulate across examples, as in a build."""


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site, built from a copy of it."""
    work = tmp_path_factory.mktemp("example")
    source = work / "source"
    shutil.copytree(ROOT / "content", source / "content")
    for name in ("site.yaml", "status-indexes.yaml"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "-s", str(source), "-o", str(work / "out")],
        check=True,
        capture_output=True,
        cwd=source,
        env={**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)},
    )
    return work / "out"


@pytest.fixture(scope="module")
def site_credentials(example_site: Path) -> list[dict[str, Any]]:
    """The example site's OB 3.0 credentials, without their proofs."""
    found = sorted((example_site / "awards").glob("*/credential.json"))
    assert found
    return [{k: v for k, v in load(path).items() if k != "proof"} for path in found]


@pytest.fixture(scope="module")
def site_assertions(example_site: Path) -> list[dict[str, Any]]:
    """The example site's OB 2.0 assertions: their context defines compact IRI prefixes."""
    found = sorted((example_site / "awards").glob("*/assertion.json"))
    assert found
    return [load(path) for path in found]


@pytest.fixture
def canon() -> Canonicalizer:
    return Canonicalizer(LOADER)


Outcome = str | tuple[str, str] | None


def outcome(run: Callable[[], str | None]) -> Outcome:
    """N-Quads (None for a check), or the error's type and message, so both are compared."""
    try:
        return run()
    except Exception as error:  # noqa: BLE001 - compared, not handled
        return (type(error).__name__, str(error))


def assert_same_as_pyld(canon: Canonicalizer, doc: Any) -> None:
    """Both paths give the same bytes or the same refusal, with and without safe mode."""
    nquads = outcome(lambda: canonicalize(doc, LOADER))
    safe = outcome(lambda: check_safe_mode(doc, LOADER))

    assert outcome(lambda: canon.canonicalize(doc)) == nquads
    assert outcome(lambda: canon.canonicalize(doc, safe=True)) == (safe or nquads)
    assert outcome(lambda: canon.check_safe(doc)) == safe
    assert canon.self_check_failures == 0


# Generated credentials: real ones with their values, keys, lists and ids varied.


def paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every position below ``node`` outside ``@context``, with the position itself last."""
    found: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":
                found += paths(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += paths(item, (*path, index))
    return [*found, path]


def get(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


TERMS = [
    "assertionMethod",
    "Achievement",
    "Profile",
    "name",
    "id",
    "type",
    "Badge",
    "xsd",
    "@id",
    "@type",
    "@vocab",
    "@foo",
    "_:b0",
    "_:c14n0",
    "",
    " ",
    "null",
    "true",
    "1.5",
]
IRIS = st.one_of(
    st.builds(
        "https://example.org/{}?q={}#{}".format,
        st.text(alphabet="abcXYZ019-._~%/é:@", max_size=12),
        st.text(max_size=6),
        st.text(alphabet="abc:/?#", max_size=4),
    ),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.from_regex(
        r"did:web:[a-z]{1,8}\.example(%3A8080)?(:[a-z]{1,5}){0,2}(#key-1)?", fullmatch=True
    ),
    st.sampled_from(
        [
            "achievements/b1",
            "../up",
            "#frag",
            "?q=1",
            "//host/path",
            "mailto:ada@example.org",
            "xsd:string",
            "sec:proof",
            "schema:name",
            "schema://x",
            "obi:x",
            "Achievement:1",
            "did:key:z6Mk",
            "tel:+33102",
            "HTTPS://EXAMPLE.ORG/",
            "https://example.org/a b",
            "https://example.org/<x>",
            "https://example.org/\x7f",
            "urn:x-sitegen-undefined-term:foo",
            "urn:x-sitegen-slot:0",
            "x-sitegen-slot-1",
            "data:,a",
            "a:b",
            "A:",
            "https:",
            "https://x\ud800y",
        ]
    ),
)
TEXTS = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(
        [
            *TERMS,
            "a\tb",
            "l1\nl2\r\n",
            'quote " and \\ backslash',
            "😀 emoji",
            "2024-03-15T10:00:00Z",
            "\x00",
            "\x1b",
            "\u2028",
            "lone \udc80",
        ]
    ),
)


def some(draw: st.DrawFn, choices: list[tuple[Any, ...]], most: int) -> list[tuple[Any, ...]]:
    if not choices:
        return []
    return draw(st.lists(st.sampled_from(choices), max_size=most, unique=True))


def replace_values(draw: st.DrawFn, doc: dict[str, Any], most: int) -> None:
    strings = [p for p in paths(doc) if isinstance(get(doc, p), str)]
    for path in some(draw, strings, most):
        get(doc, path[:-1])[path[-1]] = draw(st.one_of(IRIS, TEXTS))


@st.composite
def new_values(draw: st.DrawFn, bases: list[dict[str, Any]]) -> dict[str, Any]:
    """A real credential with some values replaced: most keep their template."""
    doc = copy.deepcopy(draw(st.sampled_from(bases)))
    replace_values(draw, doc, 8)
    return doc


@st.composite
def new_shapes(draw: st.DrawFn, bases: list[dict[str, Any]]) -> dict[str, Any]:
    """A real credential with lists shortened or grown, keys dropped, an id repeated."""
    doc = copy.deepcopy(draw(st.sampled_from(bases)))
    lists = [p for p in paths(doc) if isinstance(get(doc, p), list) and get(doc, p)]
    for path in some(draw, lists, 2):
        if not all_there(doc, path) or not isinstance(get(doc, path), list) or not get(doc, path):
            continue  # inside a list the first change emptied or shortened
        items = get(doc, path)
        if draw(st.booleans()):
            del items[draw(st.integers(0, len(items) - 1)) :]  # shorter, maybe empty
        else:
            items.append(copy.deepcopy(draw(st.sampled_from(items))))  # longer: a repeat
    ids = [p for p in paths(doc) if p and p[-1] == "id" and isinstance(get(doc, p), str)]
    if len(ids) >= 2 and draw(st.booleans()):  # two nodes with one id merge in RDF
        source, target = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        get(doc, target[:-1])[target[-1]] = get(doc, source)
    keys = [p for p in paths(doc) if p and isinstance(p[-1], str)]
    for path in some(draw, keys, 2):
        parent = get(doc, path[:-1]) if all_there(doc, path) else None
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    replace_values(draw, doc, 3)
    return doc


def all_there(doc: Any, path: tuple[Any, ...]) -> bool:
    try:
        get(doc, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


@pytest.mark.parametrize(("strategy", "examples"), [(new_values, 150), (new_shapes, 60)])
def test_generated_credentials_canonicalize_like_pyld(
    site_credentials: list[dict[str, Any]],
    site_assertions: list[dict[str, Any]],
    strategy: Callable[[list[dict[str, Any]]], st.SearchStrategy[dict[str, Any]]],
    examples: int,
) -> None:
    bases = [OB3_UNSIGNED, *site_credentials, *site_assertions]
    for doc in bases:  # as in a build, most documents find their shape's template
        SHARED.canonicalize(doc)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(doc=strategy(bases))
    def check(doc: dict[str, Any]) -> None:
        assert_same_as_pyld(SHARED, doc)

    check()
    assert SHARED.template_hits > SHARED.templates_made


@settings(max_examples=60, deadline=None, database=None)
@given(
    created=st.one_of(TEXTS, st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))),
    method=st.one_of(IRIS, TEXTS),
    purpose=st.sampled_from(["assertionMethod", "x", "@id"]),
    suite=st.one_of(st.just("eddsa-rdfc-2022"), TEXTS),
)
def test_proof_configurations_canonicalize_like_pyld(
    created: str, method: str, purpose: str, suite: str
) -> None:
    config = {
        **proof_config(OB3_UNSIGNED, PROOF_OPTIONS),
        "created": created,
        "verificationMethod": method,
        "proofPurpose": purpose,
        "cryptosuite": suite,
    }
    assert_same_as_pyld(SHARED, config)


# How documents are served.


def test_credentials_of_one_shape_fill_one_template(
    canon: Canonicalizer, site_credentials: list[dict[str, Any]]
) -> None:
    for doc in site_credentials:
        again = copy.deepcopy(doc)
        again["id"] = "urn:uuid:0a0e0b6c-6f1e-4a5f-9d0a-0d2b8c3f1e11"
        again["name"] = 'Un "autre" badge\n\tcomplet 😀'
        again["validFrom"] = "2025-01-02T03:04:05+01:00"
        for version in (doc, again):
            assert canon.canonicalize(version, safe=True) == canonicalize(version, LOADER)

    assert canon.templates_made <= len(site_credentials)
    assert canon.template_hits == 2 * len(site_credentials)
    assert (canon.fallbacks_to_pyld, canon.node_map_fills, canon.self_check_failures) == (0, 0, 0)


def test_a_vocab_term_value_is_part_of_the_template_key(canon: Canonicalizer) -> None:
    # proofPurpose is @vocab-typed: "assertionMethod" expands to a term's IRI.
    config = proof_config(OB3_UNSIGNED, PROOF_OPTIONS)
    other = {**config, "proofPurpose": "authentication"}

    for doc in (config, other, {**config, "created": "2025-01-01T00:00:00Z"}):
        assert canon.canonicalize(doc) == canonicalize(doc, LOADER)

    assert canon.templates_made == 2
    assert canon.template_hits == 3


def test_proof_configurations_differing_in_values_share_a_template(canon: Canonicalizer) -> None:
    for created in ("2024-03-15T10:00:00Z", "2025-01-02T03:04:05+01:00"):
        for method in ("did:web:a.example#k", "https://b.example/keys/1"):
            options = {**PROOF_OPTIONS, "created": created, "verificationMethod": method}
            config = proof_config(OB3_UNSIGNED, options)
            assert canon.canonicalize(config, safe=True) == canonicalize(config, LOADER)

    assert (canon.templates_made, canon.template_hits, canon.fallbacks_to_pyld) == (1, 4, 0)


@pytest.mark.parametrize(
    "value",
    [
        "_:b0",  # a blank node: its own template (PyLD relabels it)
        "id:b1",  # a compact IRI: "id" is a term
        "https://example.org/a<b>",  # characters IRIs may not contain
        "https://example.org/\x7f",
        "urn:x-sitegen-undefined-term:b1",  # what safe mode reports as undefined
    ],
)
def test_ids_expansion_might_rewrite_are_not_filled_in(canon: Canonicalizer, value: str) -> None:
    canon.canonicalize(OB3_UNSIGNED)
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["credentialSubject"]["achievement"]["id"] = value

    assert_same_as_pyld(canon, doc)
    assert canon.fallbacks_to_pyld >= 1 or canon.templates_made == 2


def test_values_that_become_equal_quads_go_through_pyld_node_map(canon: Canonicalizer) -> None:
    # PyLD's node map keeps both values (one typed xsd:string explicitly): a plain set
    # of quads would drop one of the two equal lines PyLD writes.
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["name"] = ["A", {"@value": "B", "@type": XSD_STRING}]
    same = copy.deepcopy(doc)
    same["name"] = ["A", {"@value": "A", "@type": XSD_STRING}]

    for version in (doc, same):
        assert canon.canonicalize(version) == canonicalize(version, LOADER)

    assert canonicalize(same, LOADER).count('"A" .\n') == 2
    assert canon.node_map_fills == 1


def test_blank_nodes_alike_but_for_their_place_take_pyld_n_degree_hashing(
    canon: Canonicalizer,
) -> None:
    def with_evidence(first: str, second: str) -> dict[str, Any]:
        doc = copy.deepcopy(OB3_UNSIGNED)
        doc["evidence"] = [{"type": ["Evidence"], "narrative": text} for text in (first, second)]
        return doc

    canon.canonicalize(with_evidence("a", "b"))  # the template, checked against PyLD
    for first, second in (("c", "d"), ("same", "same"), ("e", "f")):
        assert_same_as_pyld(canon, with_evidence(first, second))
    # Only the two equal blank evidence nodes needed RDFC's N-degree hashing.
    assert canon.n_degree_fills == 2  # safe and plain: canonicalized twice above
    assert canon.fallbacks_to_pyld == 0


def test_one_id_in_two_places_merges_like_pyld(canon: Canonicalizer) -> None:
    canon.canonicalize(OB3_UNSIGNED)
    doc = copy.deepcopy(OB3_UNSIGNED)
    achievement = doc["credentialSubject"]["achievement"]
    achievement["image"]["id"] = achievement["id"]  # the image node merges into the achievement

    assert_same_as_pyld(canon, doc)


def test_a_small_cache_forgets_templates_and_stays_correct(
    site_credentials: list[dict[str, Any]],
) -> None:
    canon = Canonicalizer(LOADER, max_templates=1)
    for doc in site_credentials:
        assert canon.canonicalize(doc) == canonicalize(doc, LOADER)
    made = canon.templates_made

    for doc in site_credentials:
        assert canon.canonicalize(doc) == canonicalize(doc, LOADER)

    assert canon.templates_made == 2 * made


def test_without_safe_mode_unsafe_documents_canonicalize_like_pyld(canon: Canonicalizer) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["credentialSubject"]["achievement"]["criteria"]["level"] = "gold"  # dropped by PyLD

    assert canon.canonicalize(doc) == canonicalize(OB3_UNSIGNED, LOADER)


# Safe mode through the fast path.


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (
            ("credentialSubject", "achievement", "id"),
            "achievements/b1",
            "id 'achievements/b1' is a relative IRI reference",
        ),
        (("name",), "Badge\x1bOne", "U\\+001B"),
        (("credentialSubject", "achievement", "criteria", "narrative"), "a\x7f", "U\\+007F"),
        (
            ("credentialSubject", "achievement", "id"),
            "https://x.example/\ud800",
            "not valid Unicode",
        ),
    ],
)
def test_safe_mode_refusals_are_kept_on_a_warm_template(
    canon: Canonicalizer, where: tuple[str, ...], value: str, message: str
) -> None:
    canon.canonicalize(OB3_UNSIGNED, safe=True)  # a template of this shape exists
    doc = copy.deepcopy(OB3_UNSIGNED)
    get(doc, where[:-1])[where[-1]] = value

    with pytest.raises(ProofError, match=message):
        canon.canonicalize(doc, safe=True)
    assert_same_as_pyld(canon, doc)


def test_undefined_terms_are_refused_on_the_fast_path(canon: Canonicalizer) -> None:
    doc = copy.deepcopy(OB3_UNSIGNED)
    doc["credentialSubject"]["achievement"]["criteria"]["level"] = "gold"
    doc["type"] = ["VerifiableCredential", "OpenBadgeCredentail"]

    for _ in range(2):  # the template is made, then its safe-mode verdict reused
        with pytest.raises(ProofError) as caught:
            canon.check_safe(doc)
        assert "property 'level' is not defined" in str(caught.value)
        assert "type 'OpenBadgeCredentail' is not defined" in str(caught.value)
        with pytest.raises(ProofError, match="property 'level' is not defined"):
            canon.canonicalize(doc, safe=True)


def test_create_proof_refuses_a_canonicalizer_of_another_loader() -> None:
    key = SigningKey.generate()

    with pytest.raises(ValueError, match="another document loader"):
        create_proof(
            OB3_UNSIGNED,
            key,
            verification_method="did:web:x.example#k",
            created="2024-01-01T00:00:00Z",
            loader=LOADER,
            canonicalizer=Canonicalizer(make_document_loader()),
        )


# The W3C eddsa-rdfc-2022 vector and the OB 3.0 example, signed and verified fast.


def test_w3c_vector_signs_to_the_same_proof_value_on_the_fast_path() -> None:
    key = SigningKey.from_multibase(load(W3C / "key-pair.json")["secretKeyMultibase"])
    options = load(W3C / "proof-options.json")
    unsigned = load(W3C / "unsigned-document.json")
    canon = Canonicalizer(LOADER)

    for _ in range(2):  # the templates are made, then reused
        signed = create_proof(
            unsigned, key, verification_method=options["verificationMethod"],
            created=options["created"], loader=LOADER, canonicalizer=canon,
        )  # fmt: skip
        assert signed == load(W3C / "signed-document.json")
    assert (
        hash_data(unsigned, options, LOADER, canonicalizer=canon).hex()
        == (load(W3C / "hash-data.json")["hex"])
    )
    verify_proof(signed, key.public_key, LOADER, canonicalizer=canon)
    assert (canon.templates_made, canon.fallbacks_to_pyld, canon.self_check_failures) == (2, 0, 0)


def test_ob3_example_signs_to_the_node_verified_proof_on_the_fast_path(
    canon: Canonicalizer,
) -> None:
    signed = load(OB3 / "credential-signed.json")
    key = SigningKey.from_multibase(load(W3C / "key-pair.json")["secretKeyMultibase"])

    for _ in range(2):
        assert create_proof(
            OB3_UNSIGNED, key, verification_method=signed["proof"]["verificationMethod"],
            created=signed["proof"]["created"], loader=LOADER, canonicalizer=canon,
        ) == signed  # fmt: skip
    assert (canon.template_hits, canon.fallbacks_to_pyld) == (4, 0)


def test_ob3_example_verifies_and_tampering_fails_on_the_fast_path(canon: Canonicalizer) -> None:
    signed = load(OB3 / "credential-signed.json")
    did = load(OB3 / "did.json")
    (method,) = [
        m for m in did["verificationMethod"] if m["id"] == signed["proof"]["verificationMethod"]
    ]
    public_key = PublicKey.from_multibase(method["publicKeyMultibase"])
    verify_proof(signed, public_key, LOADER, canonicalizer=canon)
    with pytest.raises(ProofError, match="signature does not match"):
        verify_proof(
            load(OB3 / "credential-tampered.json"), public_key, LOADER, canonicalizer=canon
        )
    assert canon.template_hits == 4
