"""Tests for the offline JSON-LD document loader."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pyld import jsonld

from sitegen.crypto.loader import CONTEXTS, UnknownDocumentError, make_document_loader
from sitegen.crypto.proof import ProofError, canonicalize

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "sitegen" / "crypto" / "contexts"
UNKNOWN_URL = "https://contexts.invalid/never-bundled/v1"


@pytest.fixture
def connect_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record, and refuse, every attempt to open a socket connection."""
    calls: list[object] = []

    def refuse(self: socket.socket, *args: object) -> None:
        calls.append(args)
        raise AssertionError("the loader tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return calls


@pytest.mark.parametrize("url", sorted(CONTEXTS))
def test_loader_serves_bundled_context_with_static_tag(url: str) -> None:
    remote = make_document_loader()(url, {})

    assert remote["tag"] == "static"
    assert remote["documentUrl"] == url
    assert remote["contextUrl"] is None
    assert remote["document"] == json.loads((BUNDLED / CONTEXTS[url]).read_text("utf-8"))
    assert "@context" in remote["document"]


def test_bundled_contexts_match_sources_sha256() -> None:
    sources = (BUNDLED / "SOURCES.md").read_text("utf-8")
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| `([0-9a-f]{64})` \|", sources, re.M)

    assert {url: name for name, url, _ in rows} == CONTEXTS
    for name, _, digest in rows:
        assert hashlib.sha256((BUNDLED / name).read_bytes()).hexdigest() == digest


def test_loader_returns_a_fresh_copy_each_time() -> None:
    load = make_document_loader()
    url = "https://www.w3.org/ns/credentials/v2"
    first = load(url, {})
    first["document"]["@context"]["id"] = "mutated"

    assert load(url, {})["document"]["@context"]["id"] == "@id"


def test_loader_refuses_unknown_url_without_opening_a_socket(connect_calls: list[object]) -> None:
    with pytest.raises(UnknownDocumentError, match="never-bundled"):
        make_document_loader()(UNKNOWN_URL, {})

    assert connect_calls == []


def test_pyld_reports_unknown_context_without_opening_a_socket(
    connect_calls: list[object],
) -> None:
    doc = {"@context": UNKNOWN_URL, "name": "x"}

    with pytest.raises(jsonld.JsonLdError) as caught:
        jsonld.expand(doc, {"documentLoader": make_document_loader()})

    assert isinstance(caught.value.__cause__, UnknownDocumentError)
    assert connect_calls == []


def test_canonicalize_names_the_unknown_context(connect_calls: list[object]) -> None:
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2", UNKNOWN_URL], "name": "x"}

    with pytest.raises(ProofError, match=re.escape(UNKNOWN_URL) + " is not a bundled"):
        canonicalize(doc, make_document_loader())

    assert connect_calls == []


def test_loader_serves_extra_documents_without_caching_tag() -> None:
    did = {"id": "did:web:issuer.example", "verificationMethod": []}
    load = make_document_loader({"did:web:issuer.example": did})
    did["id"] = "changed after the loader was made"

    remote = load("did:web:issuer.example", {})

    assert remote["document"] == {"id": "did:web:issuer.example", "verificationMethod": []}
    assert remote["tag"] is None
    with pytest.raises(UnknownDocumentError):
        make_document_loader()("did:web:issuer.example", {})


def test_extra_documents_may_not_replace_a_bundled_context() -> None:
    with pytest.raises(ValueError, match="may not replace bundled contexts"):
        make_document_loader({"https://www.w3.org/ns/did/v1": {"@context": {}}})


OFFLINE_IMPORT = """
import socket, sys
def refuse(*args):
    raise AssertionError("PyLD tried to reach the network")
socket.socket.connect = refuse
import sitegen.produce
from sitegen.crypto.loader import jsonld
clients = sorted(m for m in sys.modules if m.split(".")[0] in ("requests", "aiohttp"))
try:
    jsonld.expand({"@context": "https://contexts.invalid/remote", "a": 1})
except jsonld.JsonLdError as error:
    refused = getattr(error.__cause__, "code", "") == "no default document loader"
else:
    refused = False
import requests  # hidden only while PyLD was imported
print(clients, refused, requests.__name__)
"""


def test_pyld_is_imported_with_a_default_loader_that_fetches_nothing() -> None:
    # A fresh interpreter: PyLD is imported once per process, as a build imports it.
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_IMPORT], capture_output=True, text=True, check=True,
        cwd=ROOT,
    )
    assert result.stdout.split() == ["[]", "True", "requests"], result.stderr
