"""Reading the repository: site.yaml and every content file, with repository-bound paths."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from sitegen.diagnostics import Diagnostics, Span, suggest
from sitegen.yamlsrc import Node, parse_yaml

Kind = Literal["issuer", "badge", "award", "endorser", "endorsement"]
CONTENT_DIRS: tuple[tuple[Kind, str, bool], ...] = (
    ("issuer", "content/issuers", False),
    ("badge", "content/badges", False),
    ("award", "content/awards", True),  # awards may sit in any sub-folders
    ("endorser", "content/endorsers", False),
    ("endorsement", "content/endorsements", False),
)
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceDocument:
    """One parsed content file."""

    kind: Kind
    path: str
    """Site-relative POSIX path."""
    stem: str
    """File name without its suffix: the default slug or id."""
    node: Node
    digest: str
    """SHA-256 of the file's bytes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Repository:
    """The site's source folder; every file reference must stay inside it."""

    root: Path

    def relative(self, path: Path) -> str:
        """The site-relative POSIX path of a file inside the repository."""
        return path.relative_to(self.root).as_posix()

    def resolve_reference(
        self, ref: str, *, base: str, span: Span, diags: Diagnostics, code: str
    ) -> str | None:
        """Resolve a file named in ``base`` (a site-relative file) to a site-relative path.

        Relative references start from ``base``'s folder. Absolute paths,
        ``..`` leaving the repository and symlinks pointing outside it are
        errors, as are missing files.
        """
        pure = PurePosixPath(ref.replace("\\", "/"))
        if pure.is_absolute() or ref.startswith("~") or ":" in pure.parts[0]:
            diags.error(
                span, f"{code}.outside-repository",
                f"'{ref}' is an absolute path; files must be inside the repository",
                "give a path relative to this YAML file, like 'logo.png'",
            )
            return None
        target = (self.root / PurePosixPath(base).parent / pure)
        root = self.root.resolve()
        try:
            real = target.resolve(strict=False)
            real.relative_to(root)
        except (ValueError, OSError, RuntimeError):
            diags.error(
                span, f"{code}.outside-repository",
                f"'{ref}' points outside the repository",
                "copy the file into the repository next to this YAML file",
            )
            return None
        if not real.is_file():
            siblings = sorted(p.name for p in target.parent.glob("*") if p.is_file()) \
                if target.parent.is_dir() else []
            diags.error(
                span, f"{code}.missing-file", f"file '{ref}' does not exist",
                suggest(pure.name, siblings),
            )
            return None
        return real.relative_to(root).as_posix()

    def read_bytes(self, relpath: str) -> bytes:
        """The bytes of a site-relative file (already checked to be inside)."""
        return (self.root / relpath).read_bytes()


def is_content_name(name: str) -> bool:
    """True for the file name of a content document (YAML, not hidden)."""
    return name.endswith(YAML_SUFFIXES) and not name.startswith(".")


def is_utf8_path(rel: str) -> bool:
    """False for a path that is not UTF-8 (Python keeps such bytes as lone surrogates)."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def report_bad_name(rel: str, diags: Diagnostics) -> None:
    """Report a file whose name is not UTF-8: no page, record or message can name it."""
    shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    diags.error(
        Span(shown), "content.bad-name", "this file's name is not valid UTF-8",
        "rename the file (letters, digits, '-' and '_' are always safe)",
    )


def list_content_files(repo: Repository, kinds: tuple[Kind, ...]) -> list[tuple[Kind, str]]:
    """Every content file of these kinds, by site-relative path, in a stable order."""
    found: list[tuple[Kind, str]] = []
    for kind, folder, recursive in CONTENT_DIRS:
        directory = repo.root / folder
        if kind not in kinds or not directory.is_dir():
            continue
        pattern = "**/*" if recursive else "*"
        for path in sorted(directory.glob(pattern)):
            if not is_content_name(path.name):
                continue
            if path.is_symlink() or path.is_file():
                found.append((kind, repo.relative(path)))
    return found


def read_document(
    repo: Repository, kind: Kind, rel: str, diags: Diagnostics
) -> SourceDocument | None:
    """Parse one content file; a file that fails to parse is reported and None returned."""
    if not is_utf8_path(rel):
        report_bad_name(rel, diags)
        return None
    path = repo.root / rel
    if path.is_symlink():
        try:
            path.resolve(strict=True).relative_to(repo.root.resolve())
        except (ValueError, OSError, RuntimeError):
            diags.error(
                Span(rel), "content.outside-repository",
                "this file is a link to a place outside the repository",
            )
            return None
    if not path.is_file():
        return None
    data = path.read_bytes()
    node = parse_yaml(data, rel, diags)
    if node is None:
        return None
    return SourceDocument(
        kind=kind, path=rel, stem=PurePosixPath(rel).stem, node=node,
        digest=hashlib.sha256(data).hexdigest(),
    )


def read_documents(
    repo: Repository,
    diags: Diagnostics,
    kinds: tuple[Kind, ...] = ("issuer", "badge", "award", "endorser", "endorsement"),
) -> list[SourceDocument]:
    """Parse every content file; files that fail to parse are reported and skipped."""
    documents = []
    for kind, rel in list_content_files(repo, kinds):
        doc = read_document(repo, kind, rel, diags)
        if doc is not None:
            documents.append(doc)
    return documents


def read_site_file(repo: Repository, diags: Diagnostics) -> Node | None:
    """Parse ``site.yaml``; a missing file is reported."""
    path = repo.root / "site.yaml"
    if not path.is_file():
        diags.error(
            Span("site.yaml"), "site.missing", "site.yaml not found",
            "run sitegen from the repository's top folder, or pass --source",
        )
        return None
    return parse_yaml(path.read_bytes(), "site.yaml", diags)
