"""Problems found in user content, collected and reported like a compiler."""

from __future__ import annotations

import difflib
import enum
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A position in a site file: site-relative POSIX path, 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class Severity(enum.Enum):
    """How bad a problem is: errors stop the build, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """One problem in user content, with a stable code and an optional hint."""

    severity: Severity
    code: str
    message: str
    span: Span
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order diagnostics by file, then position."""
        return (self.span.path, self.span.line, self.span.column, self.code, self.message)


class Diagnostics:
    """A collector that readers and resolvers append to and keep going."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []

    def error(self, span: Span, code: str, message: str, hint: str | None = None) -> None:
        """Record an error at ``span``."""
        self._items.append(
            Diagnostic(severity=Severity.ERROR, code=code, message=message, span=span, hint=hint)
        )

    def warning(
        self, span: Span, code: str, message: str, hint: str | None = None
    ) -> None:
        """Record a warning at ``span``."""
        self._items.append(
            Diagnostic(
                severity=Severity.WARNING, code=code, message=message, span=span, hint=hint
            )
        )

    def extend(self, items: Iterable[Diagnostic]) -> None:
        """Add diagnostics found elsewhere."""
        self._items.extend(items)

    @property
    def has_errors(self) -> bool:
        """True when at least one error was recorded."""
        return any(d.severity is Severity.ERROR for d in self._items)

    def sorted(self) -> tuple[Diagnostic, ...]:
        """All diagnostics, in file and position order, without exact duplicates."""
        unique = {(d.span, d.code, d.message): d for d in self._items}
        return tuple(sorted(unique.values(), key=Diagnostic.sort_key))

    def raise_if_errors(self) -> None:
        """Stop at a stage boundary when errors were found."""
        if self.has_errors:
            raise ContentError(self.sorted())

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class ContentError(Exception):
    """Raised at a stage boundary: the content has errors; nothing is written."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) in the content")
        self.diagnostics = diagnostics


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate a misspelled name most likely meant, or None."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            matches = [lowered[word.lower()]]
    return matches[0] if matches else None


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """Return a 'did you mean' hint for a misspelled name, or None."""
    match = closest(word, candidates)
    return f"did you mean '{match}'?" if match else None


def format_text(diagnostics: Iterable[Diagnostic]) -> str:
    """Render diagnostics as ``path:line:col: severity[code]: message`` lines."""
    items = list(diagnostics)
    lines: list[str] = []
    for d in items:
        lines.append(f"{d.span}: {d.severity.value}[{d.code}]: {d.message}")
        if d.hint:
            lines.append(f"  hint: {d.hint}")
    errors = sum(1 for d in items if d.severity is Severity.ERROR)
    warnings = len(items) - errors
    files = len({d.span.path for d in items})
    if items:
        lines.append(
            f"{_count(len(items), 'problem')} ({_count(errors, 'error')}, "
            f"{_count(warnings, 'warning')}) in {_count(files, 'file')}"
        )
    return "\n".join(lines)


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    """Render diagnostics as a JSON array for tools."""
    return json.dumps(
        [
            {
                "path": d.span.path,
                "line": d.span.line,
                "column": d.span.column,
                "severity": d.severity.value,
                "code": d.code,
                "message": d.message,
                "hint": d.hint,
            }
            for d in diagnostics
        ],
        ensure_ascii=False,
        indent=2,
    )


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    """Render diagnostics as GitHub Actions workflow-command annotations."""
    lines = []
    for d in diagnostics:
        text = d.message + (f" ({d.hint})" if d.hint else "")
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        path = d.span.path.replace(",", "%2C").replace(":", "%3A")
        lines.append(
            f"::{d.severity.value} file={path},line={d.span.line},"
            f"col={d.span.column},title={d.code}::{text}"
        )
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
