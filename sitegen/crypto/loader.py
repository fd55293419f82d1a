"""An offline JSON-LD document loader that serves the bundled contexts and nothing else."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

DocumentLoader = Callable[[str, dict[str, Any]], dict[str, Any]]
"""PyLD's loader signature: ``(url, options) -> remote document``."""

CONTEXTS: dict[str, str] = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
}
"""Context URL -> file name in ``sitegen/crypto/contexts/`` (origins in its ``SOURCES.md``)."""


# Libraries PyLD would use, when it is imported, for a default loader that fetches any URL.
_WEB_CLIENTS = ("requests", "aiohttp")


def _import_pyld() -> Any:
    """PyLD's ``jsonld`` module, imported without a default loader that reaches the web.

    On import, PyLD makes a default loader that fetches any URL with ``requests`` (or
    ``aiohttp``) when installed. sitegen never wants it: every call passes the loader
    below. Hidden while PyLD is imported, those libraries are not found, so PyLD's
    default is its loader that refuses every URL, and a build spares their import (40 ms;
    6 MiB in a lone process, mostly pages that forked workers would share). Were either
    already imported, PyLD is imported as is.
    """
    if "pyld.jsonld" in sys.modules or any(name in sys.modules for name in _WEB_CLIENTS):
        from pyld import jsonld as imported
        return imported
    for name in _WEB_CLIENTS:
        sys.modules[name] = None  # type: ignore[assignment]  # documented: import fails
    try:
        from pyld import jsonld as imported
    finally:
        for name in _WEB_CLIENTS:
            del sys.modules[name]
    return imported


# PyLD's ``jsonld`` module: import it from here, so that it is imported offline.
if TYPE_CHECKING:
    from pyld import jsonld as jsonld
else:
    jsonld = _import_pyld()


class UnknownDocumentError(LookupError):
    """A URL that is neither a bundled context nor an extra document given to the loader."""


@cache
def _bundled(name: str) -> Any:
    """The parsed bundled context ``name``; read from the package once per process."""
    text = resources.files("sitegen.crypto").joinpath("contexts", name).read_text("utf-8")
    return json.loads(text)


def make_document_loader(extra: Mapping[str, object] | None = None) -> DocumentLoader:
    """A PyLD document loader for the bundled contexts plus ``extra`` (URL -> parsed JSON).

    It never touches the network: any other URL raises :class:`UnknownDocumentError`,
    which PyLD wraps in its ``JsonLdError``. Every call returns a deep copy, so nothing
    PyLD does to a document can change what the next call returns.

    Bundled contexts carry ``"tag": "static"``, which lets PyLD keep the processed context
    in its resolved-context cache; that cache is process-wide and keyed by URL alone, so
    extra documents get no tag (a test document handed to one loader must not be served
    to every later loader) and may not replace a bundled URL (``ValueError``).
    """
    extras = {url: copy.deepcopy(document) for url, document in (extra or {}).items()}
    clashes = sorted(set(extras) & set(CONTEXTS))
    if clashes:
        raise ValueError(f"extra documents may not replace bundled contexts: {', '.join(clashes)}")

    def load(url: str, options: dict[str, Any]) -> dict[str, Any]:
        if url in CONTEXTS:
            document, tag = _bundled(CONTEXTS[url]), "static"
        elif url in extras:
            document, tag = extras[url], None
        else:
            raise UnknownDocumentError(
                f"{url} is not a bundled JSON-LD context, and sitegen never fetches documents"
                " from the network"
            )
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(document),
            "tag": tag,
        }

    return load
