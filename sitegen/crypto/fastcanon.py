"""Canonicalizing many documents of one shape fast, with exactly PyLD's N-Quads.

Nearly all of PyLD's canonicalization time is JSON-LD context processing and expansion,
which depend on a document's *shape* (keys, types, contexts), not on its string values.
A document is split into a skeleton (everything but its string values; the cache key)
and its values. For a new shape, PyLD's own ``normalize`` runs once on the skeleton with
a placeholder in each value's place, and the placeholders are looked up in its expansion:

* a *plain* slot's placeholder appears only whole, as an ``@value`` (not a JSON literal
  nor an ``xsd:double``, which PyLD rewrites) or, for a value shaped like an absolute IRI,
  as an ``@id``. Expansion copies such a value without reading it, provided an IRI is
  not read as a term or compact IRI: :meth:`Canonicalizer._fits` checks that per value;
* any other slot is *sensitive* (an ``@vocab`` term like ``assertionMethod``, a relative
  reference…): its real value joins the cache key and the template is traced again.

So PyLD's expansion of a document is its template's expansion with the values put back.
From there, a document either fills the template's quads and canonicalizes them
(:mod:`sitegen.crypto.rdfc`), or hands the filled expansion to PyLD's own ``to_rdf`` +
``URDNA2015``. Filling quads skips PyLD's node map, which merges nodes that share an id
and drops values it compares equal; that only matters when two filled quads coincide, so
such documents take the second way, as do templates with ``@index``, ``@graph``,
``@reverse``, ``@included``, JSON literals or floating-point numbers. Any doubt (a value
that does not fit, a PyLD error) means the plain PyLD path. Each template's first
document is also compared with that path.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sitegen.crypto.loader import DocumentLoader, jsonld
from sitegen.crypto.proof import (
    _IRI_FORBIDDEN,
    _UNSTABLE_TEXT,
    ProofError,
    _plain,
    canonicalize,
    check_safe_mode,
)
from sitegen.crypto.rdfc import Quad, canonical_nquads

_IRI_SHAPED = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*")
"""An absolute IRI as PyLD recognizes one (narrower than PyLD's test, never wider)."""
_TYPE_KEYS = frozenset({"type", "@type"})
_IRI_SLOT, _TEXT_SLOT = "\0iri", "\0text"
"""Slot markers in a skeleton; no JSON-LD string can be one where a slot can be."""
_OWN_MARK = "x-sitegen-"
"""Begins our placeholders and safe mode's undefined-term IRIs: values holding it fall back."""
_REWRITTEN_TYPES = frozenset({"@json", "http://www.w3.org/2001/XMLSchema#double"})
"""Literal datatypes whose lexical form PyLD computes from the value."""
_NODE_MAP_KEYS = frozenset({"@index", "@graph", "@reverse", "@included"})
_OPTIONS = {"algorithm": "URDNA2015", "format": "application/n-quads"}

_Quad = tuple[str, int, str, str, int, str, str, str, str, int, str | None, str | None]
"""(graph, its slot, subject type, value, slot, predicate type, value, object type, value,
slot, datatype, language); slot -1 is a constant."""
_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


def _replace_slots(node: Any, replace: Callable[[str], Any]) -> Any:
    """A copy of ``node`` with each slot (a string outside ``@context`` and types) replaced,
    in document order."""
    if isinstance(node, dict):
        return {
            key: value if key == "@context" or key in _TYPE_KEYS else _replace_slots(value, replace)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_replace_slots(item, replace) for item in node]
    if isinstance(node, str):
        return replace(node)
    return node


def _split(doc: dict[str, Any]) -> tuple[str, list[str]]:
    """The skeleton of ``doc`` as JSON text (a slot marker per value) and its values."""
    values: list[str] = []

    def take(value: str) -> str:
        values.append(value)
        return _IRI_SLOT if _IRI_SHAPED.fullmatch(value) else _TEXT_SLOT

    skeleton = _replace_slots(doc, take)
    return json.dumps(skeleton, ensure_ascii=False, separators=(",", ":")), values


@dataclass(frozen=True, slots=True, kw_only=True)
class _Template:
    """PyLD's work on one shape, with the places where each plain slot's value goes."""

    document: dict[str, Any]
    """The document PyLD saw: placeholders in plain slots, sensitive slots' real values."""
    expanded: str
    """PyLD's expansion of ``document``, as JSON."""
    places: tuple[tuple[tuple[str | int, ...], int], ...]
    """(path in ``expanded``, slot) for each placeholder."""
    quads: tuple[_Quad, ...] | None
    """PyLD's quads of ``document``; None when only PyLD's node map may place values."""
    iri_slots: tuple[int, ...]
    """Slots placed as ``@id``: their values must be absolute IRIs that expand to themselves."""
    plain_slots: tuple[int, ...]
    terms: frozenset[str]
    """Every term the document's contexts may define (a superset)."""


@dataclass(slots=True)
class _Entry:
    """A cached template and what was learned using it."""

    template: _Template
    verified: bool = False
    safe: bool | None = None
    broken: bool = False


class _Traced(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD's own ``normalize``, keeping a copy of its expansion and of its RDF dataset."""

    def __init__(self) -> None:
        super().__init__()
        self.expanded = ""
        self.dataset: dict[str, list[dict[str, Any]]] = {}

    def expand(self, input_: Any, options: Any) -> Any:
        result = super().expand(input_, options)
        self.expanded = json.dumps(result)
        return result

    def to_rdf(self, input_: Any, options: Any) -> Any:
        dataset = super().to_rdf(input_, options)
        self.dataset = copy.deepcopy(dataset)  # URDNA2015 relabels blank nodes in place
        return dataset


class _Expanded(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD's own ``normalize`` of a document whose expansion is already known."""

    def __init__(self, expanded: Any) -> None:
        super().__init__()
        self._expanded = expanded

    def expand(self, input_: Any, options: Any) -> Any:
        return self._expanded


def _remember(cache: OrderedDict[_Key, _Value], key: _Key, value: _Value, size: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)


class Canonicalizer:
    """RDFC-1.0 N-Quads equal to :func:`~sitegen.crypto.proof.canonicalize`'s, fast for
    documents that share a shape (the credentials of one badge).

    Bound to one loader; keeps a bounded cache of templates, so make one per process
    and do not share it between threads. The counters say how documents were served.
    """

    def __init__(self, loader: DocumentLoader, *, max_templates: int = 256) -> None:
        self.loader = loader
        self.max_templates = max_templates
        self.templates_made = 0
        """Shapes (with their sensitive values) traced through PyLD."""
        self.template_hits = 0
        """Documents canonicalized from a template."""
        self.node_map_fills = 0
        """Of those, documents whose filled expansion went through PyLD's ``to_rdf``."""
        self.n_degree_fills = 0
        """Of those, documents whose blank nodes needed PyLD's N-degree hashing."""
        self.fallbacks_to_pyld = 0
        """Documents handed to the plain PyLD path."""
        self.self_check_failures = 0
        """Templates whose first document disagreed with PyLD (then never used): a bug."""
        # Random, so that no document or context can contain a placeholder by chance.
        self._mark = f"{_OWN_MARK}slot-{secrets.token_hex(6)}"
        self._slot_in = re.compile(re.escape(self._mark) + r"[-:](\d+)")
        self._shapes: OrderedDict[str, frozenset[int] | None] = OrderedDict()
        self._entries: OrderedDict[tuple[str, tuple[str, ...]], _Entry | None] = OrderedDict()
        self._context_terms: dict[str, frozenset[str]] = {}

    def canonicalize(self, doc: Mapping[str, Any], *, safe: bool = False) -> str:
        """Canonical N-Quads of ``doc``; with ``safe``, first refuse what
        :func:`~sitegen.crypto.proof.check_safe_mode` refuses (:class:`ProofError`)."""
        plain = _plain(doc)
        nquads = self._fast(plain, safe=safe)
        if nquads is None:
            self.fallbacks_to_pyld += 1
            if safe:
                check_safe_mode(plain, self.loader)
            nquads = canonicalize(plain, self.loader)
        return nquads

    def check_safe(self, doc: Mapping[str, Any]) -> None:
        """Refuse what :func:`~sitegen.crypto.proof.check_safe_mode` refuses, with its
        messages; once per template when the document's values fit it."""
        plain = _plain(doc)
        entry, values = self._entry(plain)
        if entry is None or not self._fits(entry.template, values) or not self._is_safe(entry):
            self.fallbacks_to_pyld += 1
            check_safe_mode(plain, self.loader)

    def _fast(self, plain: dict[str, Any], *, safe: bool) -> str | None:
        entry, values = self._entry(plain)
        if entry is None or not self._fits(entry.template, values):
            return None
        if safe and not self._is_safe(entry):
            return None  # the plain path raises with the document's own values
        try:
            nquads = self._fill(entry.template, values)
        except Exception:  # noqa: BLE001 - the plain path gives the document's own error
            return None
        if not entry.verified:
            try:
                expected: str | None = canonicalize(plain, self.loader)
            except Exception:  # noqa: BLE001 - not a success then: fall back, it says why
                expected = None
            if nquads != expected:
                self.self_check_failures += 1
                entry.broken = True
                return None
            entry.verified = True
        self.template_hits += 1
        return nquads

    def _entry(self, plain: dict[str, Any]) -> tuple[_Entry | None, list[str]]:
        """The template for the document's shape and sensitive values (made if new)."""
        shape, values = _split(plain)
        if shape in self._shapes:
            self._shapes.move_to_end(shape)
            sensitive = self._shapes[shape]
        else:
            sensitive = self._learn(plain, shape, values)
            _remember(self._shapes, shape, sensitive, self.max_templates)
        if sensitive is None:
            return None, values
        key = (shape, tuple(values[i] for i in sorted(sensitive)))
        if key in self._entries:
            self._entries.move_to_end(key)
            entry = self._entries[key]
        else:
            # Sensitive values could misplace other slots in theory: then no template.
            template = self._trace(plain, values, sensitive)
            entry = _Entry(template) if isinstance(template, _Template) else None
            _remember(self._entries, key, entry, self.max_templates)
        return (None if entry is None or entry.broken else entry), values

    def _learn(self, plain: dict[str, Any], shape: str, values: list[str]) -> frozenset[int] | None:
        """The shape's sensitive slots (None if PyLD fails); its template if it has none."""
        template = self._trace(plain, values, frozenset())
        if isinstance(template, _Template):
            _remember(self._entries, (shape, ()), _Entry(template), self.max_templates)
            return frozenset()
        return template

    def _trace(
        self, plain: dict[str, Any], values: list[str], sensitive: frozenset[int]
    ) -> _Template | frozenset[int] | None:
        """Run PyLD on the shape: its template, else the misplaced slots, or None if PyLD
        fails (the plain path will say why)."""
        placeholders: dict[str, int] = {}
        count = iter(range(len(values)))

        def place(value: str) -> str:
            slot = next(count)
            if slot in sensitive:
                return value
            # Same shape as the value: a text placeholder has no colon, an IRI's is absolute.
            if _IRI_SHAPED.fullmatch(value):
                placeholder = f"urn:{self._mark}:{slot}"
            else:
                placeholder = f"{self._mark}-{slot}"
            placeholders[placeholder] = slot
            return placeholder

        document = _replace_slots(plain, place)
        traced = _Traced()
        try:
            traced.normalize(document, {**_OPTIONS, "documentLoader": self.loader})
            terms = self._terms(document)
        except Exception:  # noqa: BLE001 - PyLD also crashes on some invalid JSON-LD
            return None  # the plain path gives the document's own error
        expanded = json.loads(traced.expanded)
        places: list[tuple[tuple[str | int, ...], int]] = []
        misplaced: set[int] = set()
        needs_node_map = self._locate(expanded, (), placeholders, places, misplaced)
        misplaced |= set(placeholders.values()) - {slot for _, slot in places}
        if misplaced:
            return frozenset(misplaced)
        quads = None if needs_node_map else self._quads(traced.dataset, placeholders)
        iri_slots = {slot for path, slot in places if path[-1] == "@id"}
        self.templates_made += 1
        return _Template(
            document=document,
            expanded=traced.expanded,
            places=tuple(places),
            quads=quads,
            iri_slots=tuple(sorted(iri_slots)),
            plain_slots=tuple(sorted(set(placeholders.values()))),
            terms=terms,
        )

    def _locate(
        self,
        node: Any,
        path: tuple[str | int, ...],
        placeholders: Mapping[str, int],
        places: list[tuple[tuple[str | int, ...], int]],
        misplaced: set[int],
    ) -> bool:
        """Record where placeholders are in an expansion; True if it needs PyLD's node map."""
        needs_node_map = False
        if isinstance(node, list):
            for index, item in enumerate(node):
                needs_node_map |= self._locate(
                    item, (*path, index), placeholders, places, misplaced
                )
        elif isinstance(node, dict):
            for key, value in node.items():
                # Node-map dedup compares 1 with 1.0 and JSON literals as equal, unlike RDF.
                needs_node_map |= (
                    key in _NODE_MAP_KEYS or isinstance(value, float) or value == "@json"
                )
                misplaced.update(int(n) for n in self._slot_in.findall(key))
                slot = placeholders.get(value) if isinstance(value, str) else None
                if slot is None:
                    needs_node_map |= self._locate(
                        value, (*path, key), placeholders, places, misplaced
                    )
                elif (key == "@value" and node.get("@type") not in _REWRITTEN_TYPES) or (
                    key == "@id" and value.startswith("urn:")  # an IRI slot's placeholder
                ):
                    places.append(((*path, key), slot))
                else:
                    misplaced.add(slot)
        elif isinstance(node, str):
            misplaced.update(int(n) for n in self._slot_in.findall(node))
        return needs_node_map

    def _quads(
        self, dataset: dict[str, list[dict[str, Any]]], placeholders: Mapping[str, int]
    ) -> tuple[_Quad, ...] | None:
        """The dataset as quad patterns; None if a placeholder is anywhere but a whole value."""
        quads: list[_Quad] = []
        for graph, triples in dataset.items():
            for triple in triples:
                s, p, o = triple["subject"], triple["predicate"], triple["object"]
                g_slot, s_slot = placeholders.get(graph, -1), placeholders.get(s["value"], -1)
                o_slot = placeholders.get(o["value"], -1)
                datatype, language = o.get("datatype"), o.get("language")
                texts = [p["value"], datatype or "", language or ""]
                texts += [
                    text
                    for text, slot in ((graph, g_slot), (s["value"], s_slot), (o["value"], o_slot))
                    if slot < 0
                ]
                if any(self._mark in text for text in texts):
                    return None
                quads.append(
                    (
                        graph,
                        g_slot,
                        s["type"],
                        s["value"],
                        s_slot,
                        p["type"],
                        p["value"],
                        o["type"],
                        o["value"],
                        o_slot,
                        datatype,
                        language,
                    )
                )
        if len(set(quads)) != len(quads):
            return None  # PyLD kept two equal quads: only its node map says when
        return tuple(quads)

    def _terms(self, document: Any) -> frozenset[str]:
        """Every key of every context the document uses or imports, scoped ones included."""
        terms: set[str] = set()

        def reference(node: Any) -> None:  # the value of @context or @import
            if isinstance(node, list):
                for item in node:
                    reference(item)
            elif isinstance(node, str):
                terms.update(self._url_terms(node))
            elif isinstance(node, dict):
                definitions(node)

        def definitions(node: dict[str, Any]) -> None:  # a context, or a term's definition
            for key, value in node.items():
                terms.add(key)
                if key in ("@context", "@import"):
                    reference(value)
                elif isinstance(value, dict):
                    definitions(value)

        def outside(node: Any) -> None:  # the document, or a loaded context's document
            if isinstance(node, list):
                for item in node:
                    outside(item)
            elif isinstance(node, dict):
                for key, value in node.items():
                    if key == "@context":
                        reference(value)
                    else:
                        outside(value)

        outside(document)
        return frozenset(terms)

    def _url_terms(self, url: str) -> frozenset[str]:
        terms = self._context_terms.get(url)
        if terms is None:
            self._context_terms[url] = frozenset()  # a context that imports itself ends here
            terms = self._terms(self.loader(url, {})["document"])
            self._context_terms[url] = terms
        return terms

    def _fits(self, template: _Template, values: list[str]) -> bool:
        """True when expansion copies each value as it copied its placeholder."""
        for slot in template.plain_slots:
            if _UNSTABLE_TEXT.search(values[slot]):
                return False
        terms = template.terms
        for slot in template.iri_slots:
            value = values[slot]  # an absolute IRI, like its placeholder
            scheme, _, rest = value.partition(":")
            if (
                value in terms
                or (scheme in terms and not rest.startswith("//"))
                or _IRI_FORBIDDEN.search(value)
                or _OWN_MARK in value
            ):
                return False
        return True

    def _is_safe(self, entry: _Entry) -> bool:
        """Safe mode's verdict on the template; the values were checked by :meth:`_fits`."""
        if entry.safe is None:
            try:
                check_safe_mode(entry.template.document, self.loader)
                entry.safe = True
            except ProofError:
                entry.safe = False
        return entry.safe

    def _fill(self, template: _Template, values: list[str]) -> str:
        if template.quads is not None:
            quads = _filled_quads(template.quads, values)
            if quads is not None:
                nquads, n_degree = canonical_nquads(quads)
                self.n_degree_fills += n_degree
                return nquads
        expanded = json.loads(template.expanded)
        for path, slot in template.places:
            node = expanded
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = values[slot]
        self.node_map_fills += 1
        options = {**_OPTIONS, "documentLoader": self.loader}
        return str(_Expanded(expanded).normalize({}, options))


def _filled_quads(quads: tuple[_Quad, ...], values: list[str]) -> list[Quad] | None:
    """The template's quads with these values, or None if two coincide (PyLD's node map
    may merge them)."""
    filled: list[Quad] = []
    for graph, g, s_type, s, s_slot, p_type, p, o_type, o, o_slot, datatype, language in quads:
        filled.append((
            values[g] if g >= 0 else graph, s_type, values[s_slot] if s_slot >= 0 else s,
            p_type, p, o_type, values[o_slot] if o_slot >= 0 else o, datatype, language,
        ))
    return filled if len(set(filled)) == len(filled) else None
