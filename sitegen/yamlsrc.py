"""Safe YAML parsing into plain values that remember where each one was written."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from sitegen.diagnostics import Diagnostics, Span

# Content files are small; anything bigger is a mistake or an attack.
MAX_YAML_BYTES = 1_000_000

# Only these plain scalars are typed; everything else stays a string so that
# our own code parses dates, codes like "NO" and numbers like "0755" and can
# point at the value when it is wrong (YAML 1.1 would silently convert them).
_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_NULL = {"", "~", "null"}
# Tags the resolver gives plain data; any other tag (!!python/..., !custom) is refused.
_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "value")
}

try:  # the C composer is much faster; positions are the same
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class Node:
    """A YAML value with its position.

    ``value`` is ``None``, ``bool``, ``int``, ``float``, ``str``,
    ``list[Node]`` or ``dict[str, Entry]``.
    """

    value: object
    span: Span

    @property
    def kind(self) -> str:
        """A short human name for the value's type, for error messages."""
        return _kind(self.value)


@dataclass(frozen=True, slots=True)
class Entry:
    """A mapping entry: where its key was written, and its value."""

    key_span: Span
    node: Node


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def parse_yaml(
    data: bytes, path: str, diags: Diagnostics, *, max_bytes: int = MAX_YAML_BYTES
) -> Node | None:
    """Parse one YAML file; report every problem to ``diags`` and return None on failure.

    ``max_bytes`` is larger for files sitegen writes itself (the status-index lock
    grows by one line per award).
    """
    if len(data) > max_bytes:
        diags.error(
            Span(path),
            "yaml.too-large",
            f"file is {len(data):,} bytes; "
            f"{'content files are' if max_bytes == MAX_YAML_BYTES else 'this file is'} "
            f"limited to {max_bytes:,} bytes",
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        diags.error(
            Span(path, line, column),
            "yaml.encoding",
            f"invalid UTF-8 byte 0x{data[exc.start]:02x}",
            "save the file as UTF-8",
        )
        return None
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        lines = text.splitlines()
        source_line = lines[line - 1] if 0 < line <= len(lines) else ""
        hint = None
        if "\\t" in problem or "\t" in source_line:
            hint = "indent with spaces, not tabs"
        diags.error(Span(path, line, column), "yaml.syntax", problem, hint)
        return None
    except yaml.YAMLError as exc:
        diags.error(Span(path), "yaml.syntax", str(exc))
        return None
    if root is None:
        diags.error(Span(path), "yaml.empty", "file is empty")
        return None
    return _Converter(path, diags).convert(root)


class _Converter:
    """Turn composed YAML nodes into :class:`Node` values, checking as it goes."""

    def __init__(self, path: str, diags: Diagnostics) -> None:
        self.path = path
        self.diags = diags
        self.seen: set[int] = set()

    def span(self, node: yaml.Node) -> Span:
        return Span(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def convert(self, node: yaml.Node) -> Node:
        span = self.span(node)
        if node.tag not in _PLAIN_TAGS:
            self.diags.error(span, "yaml.tag", f"YAML tags like '{node.tag}' are not allowed")
            return Node(None, span)
        if id(node) in self.seen:
            # The composer returns the anchored node again for an alias: a
            # shared node means an alias, which could also expand exponentially.
            self.diags.error(
                span, "yaml.alias", "anchors and aliases (&name, *name) are not allowed"
            )
            return Node(None, span)
        if isinstance(node, yaml.MappingNode):
            self.seen.add(id(node))
            entries: dict[str, Entry] = {}
            for key_node, value_node in node.value:
                key_span = self.span(key_node)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.diags.error(key_span, "yaml.key-type", "keys must be plain names")
                    continue
                key = str(key_node.value)
                if key == "<<":
                    self.diags.error(key_span, "yaml.merge", "merge keys (<<) are not allowed")
                    continue
                if key in entries:
                    first = entries[key].key_span
                    self.diags.error(
                        key_span,
                        "yaml.duplicate-key",
                        f"duplicate key '{key}' (first defined at line {first.line})",
                        "remove one of them: YAML would silently keep only the last",
                    )
                    continue
                entries[key] = Entry(key_span, self.convert(value_node))
            return Node(entries, span)
        if isinstance(node, yaml.SequenceNode):
            self.seen.add(id(node))
            return Node([self.convert(item) for item in node.value], span)
        assert isinstance(node, yaml.ScalarNode)  # noqa: S101 - composer invariant
        return Node(self.scalar(node), span)

    @staticmethod
    def scalar(node: yaml.ScalarNode) -> object:
        text: str = node.value
        if node.style:  # None or "" for plain scalars, depending on the parser
            return text  # quoted or block scalars are always text
        if text in ("true", "false"):
            return text == "true"
        if text in _NULL:
            return None
        if _INT.fullmatch(text):
            return int(text)
        if _FLOAT.fullmatch(text):
            return float(text)
        return text
