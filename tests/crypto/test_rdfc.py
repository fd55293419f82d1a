"""RDFC-1.0 by first-degree hashes alone gives PyLD's N-Quads, or leaves the dataset to PyLD."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld

from sitegen.crypto.rdfc import Quad, canonical_nquads, first_degree_nquads

OPTIONS = {"algorithm": "URDNA2015", "format": "application/n-quads"}
XSD = "http://www.w3.org/2001/XMLSchema#"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
EX = "https://example.org/"


def as_quads(dataset: dict[str, list[dict[str, Any]]]) -> list[Quad]:
    """A dataset in PyLD's form as the tuples ``canonical_nquads`` takes."""
    return [
        (graph, t["subject"]["type"], t["subject"]["value"], t["predicate"]["type"],
         t["predicate"]["value"], t["object"]["type"], t["object"]["value"],
         t["object"].get("datatype"), t["object"].get("language"))
        for graph, triples in dataset.items() for t in triples
    ]


def pyld_nquads(quads: list[Quad]) -> str:
    """PyLD's URDNA2015 of the same dataset (rebuilt from the tuples, checked against them)."""
    dataset: dict[str, list[dict[str, Any]]] = {}
    for graph, s_type, s, p_type, p, o_type, o, datatype, language in quads:
        term = {"type": o_type, "value": o, "datatype": datatype, "language": language}
        dataset.setdefault(graph, []).append({
            "subject": {"type": s_type, "value": s},
            "predicate": {"type": p_type, "value": p},
            "object": {k: v for k, v in term.items() if v is not None},
        })
    assert sorted(as_quads(dataset), key=repr) == sorted(quads, key=repr)
    return str(jsonld.URDNA2015().main(copy.deepcopy(dataset), OPTIONS))


BLANKS = st.sampled_from(["_:b0", "_:b1", "_:b2", "_:b3"])
IRIS = st.sampled_from([f"{EX}a", f"{EX}b", "did:web:example.org", "urn:x:1"])
PREDICATES = st.sampled_from([f"{EX}p", f"{EX}q", f"{EX}r"])
TEXTS = st.text(max_size=12)  # quotes, backslashes, control characters, any script
LITERALS = st.one_of(
    st.tuples(TEXTS, st.just(f"{XSD}string"), st.none()),
    st.tuples(TEXTS, st.sampled_from([f"{XSD}dateTime", f"{XSD}boolean"]), st.none()),
    st.tuples(TEXTS, st.just(LANG_STRING), st.sampled_from(["fr", "en-GB", ""])),
)


@st.composite
def quads(draw: st.DrawFn) -> Quad:
    graph = draw(st.one_of(st.just("@default"), IRIS, BLANKS))
    s_type, s = draw(st.one_of(st.tuples(st.just("IRI"), IRIS),
                               st.tuples(st.just("blank node"), BLANKS)))
    kind = draw(st.sampled_from(["IRI", "blank node", "literal"]))
    if kind == "literal":
        o, datatype, language = draw(LITERALS)
    else:
        o, datatype, language = draw(IRIS if kind == "IRI" else BLANKS), None, None
    return (graph, s_type, s, "IRI", draw(PREDICATES), kind, o, datatype, language)


def test_any_dataset_canonicalizes_like_pyld() -> None:
    took_pyld: list[bool] = []

    @settings(max_examples=400, deadline=None, database=None)
    @given(dataset=st.lists(quads(), min_size=1, max_size=12, unique=True))
    def check(dataset: list[Quad]) -> None:
        nquads, by_pyld = canonical_nquads(dataset)
        assert nquads == pyld_nquads(dataset)
        took_pyld.append(by_pyld)

    check()
    assert took_pyld.count(False) > 100 and took_pyld.count(True) > 20  # both ways tried


def credential_like(evidence: list[str]) -> list[Quad]:
    """A credential's blank nodes: its subject, the subject's identifier, evidence."""
    quads: list[Quad] = [
        ("@default", "IRI", f"{EX}c", "IRI", f"{EX}subject", "blank node", "_:s", None, None),
        ("@default", "blank node", "_:s", "IRI", f"{EX}identifier", "blank node", "_:i",
         None, None),
        ("@default", "blank node", "_:i", "IRI", f"{EX}hash", "literal", 'sha256$"1"\n',
         f"{XSD}string", None),
    ]
    for number, narrative in enumerate(evidence):
        quads += [
            ("@default", "IRI", f"{EX}c", "IRI", f"{EX}evidence", "blank node", f"_:e{number}",
             None, None),
            ("@default", "blank node", f"_:e{number}", "IRI", f"{EX}narrative", "literal",
             narrative, LANG_STRING, "fr"),
        ]
    return quads


def test_distinct_blank_nodes_are_labelled_from_their_first_degree_hashes() -> None:
    dataset = credential_like(["Ponctualité", "Sécurité"])
    answer = first_degree_nquads(dataset)
    assert answer is not None and answer == pyld_nquads(dataset)
    assert canonical_nquads(dataset) == (answer, False)
    assert {f"_:c14n{n}" for n in range(4)} <= set(answer.split())


def test_blank_nodes_alike_in_their_first_degree_are_left_to_pyld() -> None:
    dataset = credential_like(["Ponctualité", "Ponctualité"])  # two equal evidence
    assert first_degree_nquads(dataset) is None
    assert canonical_nquads(dataset) == (pyld_nquads(dataset), True)


def test_a_quad_naming_one_blank_node_twice_is_left_to_pyld() -> None:
    dataset: list[Quad] = [
        ("@default", "blank node", "_:x", "IRI", f"{EX}p", "blank node", "_:x", None, None),
        ("@default", "blank node", "_:x", "IRI", f"{EX}q", "literal", "v", f"{XSD}string", None),
    ]
    assert first_degree_nquads(dataset) is None
    assert canonical_nquads(dataset) == (pyld_nquads(dataset), True)
