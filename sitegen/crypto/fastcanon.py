"""Canonicalizing many documents of the same shape fast, with exactly PyLD's output.

Nearly all of PyLD's canonicalization time goes into JSON-LD context processing and
expansion, which depend on a document's shape (its keys, types and contexts), not on
its values. So a document is split into a *skeleton* (the shape) and its string
values; the skeleton is converted to RDF once, with placeholder values, and the
placeholders are traced to where they land in the quads. Every later document of
that shape only fills its values into the traced positions, and PyLD's own RDFC-1.0
(``URDNA2015``) canonicalizes the result, so the N-Quads text is PyLD's by
construction.

A value whose placement depends on the value itself (a term expanded against
``@vocab``, a relative IRI, a JSON literal…) is detected when the template is made
(its placeholder does not land verbatim) and becomes part of the shape. Anything the
traced template cannot prove identical falls back to the plain PyLD path. The tests
compare both paths over many generated credentials.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyld import jsonld

from sitegen.crypto.loader import DocumentLoader

_IRI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(\S*)")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_UNSTABLE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_MARK = "x-sitegen-slot"
_FOUND = re.compile(_MARK + r"[-:](\d+)")
_TYPE_KEYS = frozenset({"type", "@type"})

# Slot kinds: an absolute IRI may land as an IRI or a literal; other text only as a literal.
IRI, TEXT = "i", "t"


def _placeholder(index: int, kind: str, scheme: str = "urn") -> str:
    return f"{scheme}:{_MARK}:{index}" if kind == IRI else f"{_MARK}-{index}"


@dataclass(slots=True)
class _Split:
    skeleton: Any
    values: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


def _split(doc: Any) -> _Split:
    """The document's skeleton (slot numbers in place of string values) and its values."""
    result = _Split(skeleton=None)

    def walk(node: Any, key: str | None) -> Any:
        if isinstance(node, dict):
            return {k: (v if k == "@context" else walk(v, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item, key) for item in node]
        if isinstance(node, str) and key not in _TYPE_KEYS:
            index = len(result.values)
            result.values.append(node)
            kind = IRI if _IRI.fullmatch(node) else TEXT
            result.kinds.append(kind)
            return _Slot(index, kind)
        return node

    result.skeleton = walk(doc, None)
    return result


@dataclass(frozen=True, slots=True)
class _Slot:
    index: int
    kind: str


def _skeleton_key(skeleton: Any) -> str:
    return json.dumps(skeleton, default=lambda s: f"\0{s.kind}", sort_keys=False,
                      ensure_ascii=False, separators=(",", ":"))


def _fill(skeleton: Any, value_of: Any) -> Any:
    if isinstance(skeleton, _Slot):
        return value_of(skeleton)
    if isinstance(skeleton, dict):
        return {k: _fill(v, value_of) for k, v in skeleton.items()}
    if isinstance(skeleton, list):
        return [_fill(item, value_of) for item in skeleton]
    return skeleton


@dataclass(slots=True)
class _Template:
    """Quads of one shape, with the positions where each slot's value goes."""

    quads: list[tuple[str, dict[str, dict[str, Any]]]]
    """(graph name, triple) as PyLD's ``to_rdf`` gives them, placeholders included."""
    positions: list[tuple[int, str, int]]
    """(quad number, component, slot): the component's ``value`` is the slot's value."""
    iri_slots: frozenset[int]
    sensitive: frozenset[int]
    """Slots whose real values were traced (they are part of the template's key)."""
    safe_schemes: set[str] = field(default_factory=set)
    unsafe_schemes: set[str] = field(default_factory=set)


class _Unplaceable(Exception):
    """Some slots' values decide where they land: they must be part of the shape."""

    def __init__(self, slots: set[int]) -> None:
        super().__init__(slots)
        self.slots = slots


class Canonicalizer:
    """RDFC-1.0 canonical N-Quads like :func:`sitegen.crypto.proof.canonicalize`, faster for
    documents that share a shape. One per process: it keeps a cache of templates."""

    def __init__(self, loader: DocumentLoader, *, max_templates: int = 256) -> None:
        self.loader = loader
        self.max_templates = max_templates
        self._sensitive: dict[str, frozenset[int]] = {}
        self._templates: OrderedDict[tuple[str, tuple[tuple[int, str], ...]], _Template] = (
            OrderedDict()
        )
        self.hits = 0
        self.misses = 0
        self.fallbacks = 0

    def canonicalize(self, doc: Mapping[str, Any]) -> str:
        """Canonical N-Quads of ``doc``, after the safe-mode check (:class:`ProofError`)."""
        from sitegen.crypto.proof import _plain, canonicalize, check_safe_mode

        plain = _plain(doc)
        split = _split(plain)
        key = _skeleton_key(split.skeleton)
        template = self._template_for(key, split)
        quads = None if template is None else self._filled(template, split)
        if quads is None:
            self.fallbacks += 1
            check_safe_mode(plain, self.loader)
            return canonicalize(plain, self.loader)
        dataset: dict[str, list[dict[str, Any]]] = {}
        seen: set[tuple[Any, ...]] = set()
        for graph, triple in quads:
            identity = (graph, *(
                (c["type"], c["value"], c.get("datatype"), c.get("language"))
                for c in (triple["subject"], triple["predicate"], triple["object"])
            ))
            if identity not in seen:  # an RDF dataset is a set: nodes with one id merge
                seen.add(identity)
                dataset.setdefault(graph, []).append(triple)
        options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
        return str(jsonld.URDNA2015().main(dataset, options))

    def _template_for(self, key: str, split: _Split) -> _Template | None:
        sensitive = self._sensitive.get(key)
        if sensitive is None:
            sensitive = self._find_sensitive(split)
            if sensitive is None:
                return None
            self._sensitive[key] = sensitive
        full_key = (key, tuple((i, split.values[i]) for i in sorted(sensitive)))
        template = self._templates.get(full_key)
        if template is not None:
            self.hits += 1
            self._templates.move_to_end(full_key)
            return template
        self.misses += 1
        try:
            template = self._make(split, sensitive)
        except _Unplaceable:
            return None
        self._templates[full_key] = template
        if len(self._templates) > self.max_templates:
            self._templates.popitem(last=False)
        return template

    def _find_sensitive(self, split: _Split) -> frozenset[int] | None:
        """The slots whose values decide their own placement (found by tracing placeholders)."""
        sensitive: set[int] = set()
        for _ in range(4):
            try:
                self._make(split, frozenset(sensitive))
            except _Unplaceable as error:
                if error.slots <= sensitive:
                    return None
                sensitive |= error.slots
                continue
            except Exception:  # noqa: BLE001 - PyLD's errors: let the plain path report them
                return None
            return frozenset(sensitive)
        return None

    def _make(self, split: _Split, sensitive: frozenset[int]) -> _Template:
        """Trace placeholders through PyLD's ``to_rdf``; the real values of ``sensitive``."""
        from sitegen.crypto.proof import ProofError, check_safe_mode

        def value_of(slot: _Slot) -> str:
            if slot.index in sensitive:
                return split.values[slot.index]
            return _placeholder(slot.index, slot.kind)

        doc = _fill(split.skeleton, value_of)
        quads = self._to_quads(doc)
        placeholders = {
            _placeholder(i, kind): i for i, kind in enumerate(split.kinds) if i not in sensitive
        }
        positions, misplaced = _trace(quads, placeholders, split.kinds)
        placed = {slot for _, _, slot in positions}
        misplaced |= set(placeholders.values()) - placed
        if misplaced:
            raise _Unplaceable(misplaced)
        # Once per template: what safe mode checks of values (relative or undefined IRIs)
        # is only where values are traced as themselves, and those are checked in _filled.
        try:
            check_safe_mode(doc, self.loader)
        except ProofError as error:
            raise _Unplaceable(set()) from error  # the plain path raises it with real values
        iri_slots = frozenset(i for i in placed if split.kinds[i] == IRI)
        return _Template(
            quads=quads, positions=positions, iri_slots=iri_slots, sensitive=sensitive
        )

    def _to_quads(self, doc: Any) -> list[tuple[str, dict[str, dict[str, Any]]]]:
        dataset = jsonld.to_rdf(
            doc, {"documentLoader": self.loader, "produceGeneralizedRdf": False}
        )
        return [(graph, triple) for graph, triples in dataset.items() for triple in triples]

    def _filled(
        self, template: _Template, split: _Split
    ) -> list[tuple[str, dict[str, dict[str, Any]]]] | None:
        """Fresh quads with the document's values, or None if a value is not safe to place."""
        values = split.values
        for index in template.iri_slots:
            if not self._is_plain_iri(template, split, values[index]):
                return None
        for index, kind in enumerate(split.kinds):
            if kind == TEXT and _UNSTABLE_TEXT.search(values[index]):
                return None
        quads = [
            (graph, {name: dict(component) for name, component in triple.items()})
            for graph, triple in template.quads
        ]
        for number, component, slot in template.positions:
            quads[number][1][component]["value"] = values[slot]
        return quads

    def _is_plain_iri(self, template: _Template, split: _Split, value: str) -> bool:
        """True when PyLD keeps ``value`` as it is wherever the template puts an IRI."""
        match = _IRI.fullmatch(value)
        if match is None or _IRI_FORBIDDEN.search(value):
            return False
        scheme, rest = match.group(1), match.group(2)
        if rest.startswith("//"):
            return True  # JSON-LD never reads "scheme://…" as a compact IRI
        if scheme in template.safe_schemes:
            return True
        if scheme in template.unsafe_schemes:
            return False
        safe = self._probe_scheme(template, split, scheme)
        (template.safe_schemes if safe else template.unsafe_schemes).add(scheme)
        return safe

    def _probe_scheme(self, template: _Template, split: _Split, scheme: str) -> bool:
        """Trace placeholders written with ``scheme``: a term of that name would expand them."""
        def value_of(slot: _Slot) -> str:
            if slot.index in template.sensitive:
                return split.values[slot.index]
            if slot.index in template.iri_slots:
                return _placeholder(slot.index, IRI, scheme)
            return _placeholder(slot.index, slot.kind)

        probes = {
            _placeholder(i, IRI, scheme) if i in template.iri_slots else _placeholder(i, kind): i
            for i, kind in enumerate(split.kinds) if i not in template.sensitive
        }
        try:
            quads = self._to_quads(_fill(split.skeleton, value_of))
        except Exception:  # noqa: BLE001 - a scheme PyLD chokes on is simply not safe
            return False
        positions, misplaced = _trace(quads, probes, split.kinds)
        return not misplaced and sorted(positions) == sorted(template.positions)


def _trace(
    quads: list[tuple[str, dict[str, dict[str, Any]]]],
    placeholders: Mapping[str, int],
    kinds: list[str],
) -> tuple[list[tuple[int, str, int]], set[int]]:
    """Where each placeholder landed, and the slots that landed anywhere but verbatim in a
    value that may hold them (a literal, or an IRI for IRI slots)."""
    positions: list[tuple[int, str, int]] = []
    misplaced: set[int] = set()
    for number, (graph, triple) in enumerate(quads):
        if _MARK in graph:
            misplaced |= _slots_in(graph)
        for name, component in triple.items():
            for part, text in component.items():
                if not isinstance(text, str) or _MARK not in text:
                    continue
                slot = placeholders.get(text)
                allowed = (
                    slot is not None and part == "value" and name != "predicate"
                    and (component["type"] == "literal" or kinds[slot] == IRI)
                )
                if allowed and slot is not None:
                    positions.append((number, name, slot))
                else:
                    misplaced |= _slots_in(text)
    return positions, misplaced


def _slots_in(text: str) -> set[int]:
    return {int(m.group(1)) for m in _FOUND.finditer(text)}
