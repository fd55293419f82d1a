"""RDFC-1.0 for the common dataset whose blank nodes each have their own first-degree hash.

A credential's blank nodes (its subject, the subject's identifier, an evidence without
id) nearly always differ in what they say: each gets its canonical label from the
sorted first-degree hashes alone (RDFC-1.0's canonicalization algorithm, steps 3 and
4), and the N-degree hashing of its step 5, the costly part, never runs. This does just
that on plain tuples, with PyLD's own N-Quads escaping, and gives up (None) otherwise, so
the caller hands the dataset to PyLD's ``URDNA2015``. Same output as PyLD whenever it
answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from pyld.nquads import RDF_LANGSTRING, XSD_STRING, escape

from sitegen.crypto.loader import jsonld

Quad = tuple[str, str, str, str, str, str, str, str | None, str | None]
"""(graph, subject type, subject, predicate type, predicate, object type, object, datatype,
language), as PyLD's dataset has them: graph ``@default`` or an IRI or blank node label,
types ``IRI``, ``blank node`` or ``literal``."""

_BLANK = "blank node"
_PREFIX = "_:c14n"

_Line = tuple[str, str, str, str, str, str, str]
"""A quad serialized but for its blank nodes: subject, `` <predicate> ``, object, `` <graph>``
(each "" where a blank node goes), then the labels of its blank subject, object and graph
("" where none)."""


def _term(kind: str, value: str) -> str:
    return value if kind == _BLANK else f"<{value}>"


def _object(kind: str, value: str, datatype: str | None, language: str | None) -> str:
    if kind != "literal":
        return _term(kind, value)
    text = f'"{escape(value)}"'
    if datatype == RDF_LANGSTRING:
        return f"{text}@{language}" if language else text
    return text if datatype == XSD_STRING else f"{text}^^<{datatype}>"


def canonical_nquads(quads: Sequence[Quad]) -> tuple[str, bool]:
    """The canonical N-Quads of ``quads`` (no two equal), as PyLD gives them, and whether
    that took PyLD (N-degree hashing or an unusual quad)."""
    nquads = first_degree_nquads(quads)
    if nquads is not None:
        return nquads, False
    options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
    return str(jsonld.URDNA2015().main(_dataset(quads), options)), True


def first_degree_nquads(quads: Sequence[Quad]) -> str | None:
    """The canonical N-Quads of ``quads`` (no two equal), or None when two blank nodes
    share a first-degree hash, or a quad names a blank node twice or is outside what
    PyLD's serializer takes."""
    lines: list[_Line] = []
    mentions: dict[str, list[int]] = {}  # blank node label: the lines that name it
    for graph, s_type, s, p_type, p, o_type, o, datatype, language in quads:
        if p_type != "IRI" or (o_type == "literal" and datatype is None):
            return None
        blank_graph = graph.startswith("_:")
        labels = (s if s_type == _BLANK else "", o if o_type == _BLANK else "",
                  graph if blank_graph else "")
        named = [label for label in labels if label]
        if len(set(named)) != len(named):
            return None  # a node named twice in a quad: PyLD counts the quad twice, as is
        for label in named:
            mentions.setdefault(label, []).append(len(lines))
        lines.append((
            "" if s_type == _BLANK else _term(s_type, s),
            f" <{p}> ",
            "" if o_type == _BLANK else _object(o_type, o, datatype, language),
            "" if blank_graph or graph == "@default" else f" <{graph}>",
            *labels,
        ))
    hashes: dict[str, str] = {}
    for label, numbers in mentions.items():
        def first_degree(other: str, own: str = label) -> str:
            return "_:a" if other == own else "_:z"

        serialized = sorted(_line(lines[number], first_degree) for number in numbers)
        hashes[label] = hashlib.sha256("".join(serialized).encode("utf-8")).hexdigest()
    if len(set(hashes.values())) != len(hashes):
        return None  # RDFC's N-degree hashing decides: PyLD's
    canonical = {
        label: f"{_PREFIX}{number}"
        for number, label in enumerate(sorted(hashes, key=hashes.__getitem__))
    }
    return "".join(sorted(_line(line, canonical.__getitem__) for line in lines))


def _line(line: _Line, name: Callable[[str], str]) -> str:
    """The N-Quad of ``line``, each blank node written as ``name(label)``."""
    subject, predicate, obj, graph, s_label, o_label, g_label = line
    return "".join((
        name(s_label) if s_label else subject,
        predicate,
        name(o_label) if o_label else obj,
        f" {name(g_label)}" if g_label else graph,
        " .\n",
    ))


def _dataset(quads: Sequence[Quad]) -> dict[str, list[dict[str, Any]]]:
    """PyLD's dataset of these quads."""
    dataset: dict[str, list[dict[str, Any]]] = {}
    for graph, s_type, s, p_type, p, o_type, o, datatype, language in quads:
        obj = {"type": o_type, "value": o}
        if datatype is not None:
            obj["datatype"] = datatype
        if language is not None:
            obj["language"] = language
        dataset.setdefault(graph, []).append({
            "subject": {"type": s_type, "value": s},
            "predicate": {"type": p_type, "value": p},
            "object": obj,
        })
    return dataset
