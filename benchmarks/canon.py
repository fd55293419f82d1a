"""Time canonicalize+sign of credentials: sitegen's ``create_proof`` or a plain PyLD baseline.

Usage: ``python benchmarks/canon.py CREDENTIAL.json... --mode MODE [--runs 200]`` prints
``{"mode": ..., "runs": ..., "median_ms": ..., "first_ms": ...}``. Modes: ``sitegen`` (the
build's path: templates per credential shape), ``sitegen-pyld`` (``create_proof`` without
templates: safe-mode check and PyLD canonicalization) and ``baseline`` (plain PyLD).

Each run signs the next of the given credentials in turn, so that a cache of whole
credentials could not help: pass many distinct ones (different earners, dates, badges).

Run each mode in its own process: PyLD's resolved-context cache is process-wide and
keyed by URL, so a baseline timed after sitegen's loader would reuse its cached contexts.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pyld import jsonld  # noqa: E402

from sitegen.crypto.fastcanon import Canonicalizer  # noqa: E402
from sitegen.crypto.keys import SigningKey  # noqa: E402
from sitegen.crypto.loader import CONTEXTS, make_document_loader  # noqa: E402
from sitegen.crypto.proof import create_proof  # noqa: E402
from sitegen.keyring import development_key  # noqa: E402

METHOD = "did:web:bench.example.org:issuers:bench#development-key"
CREATED = "2024-03-14T00:00:00Z"
CONTEXTS_DIR = ROOT / "sitegen" / "crypto" / "contexts"


def make_untagged_loader() -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """A loader serving the same bundled contexts, without PyLD's ``static`` tag."""
    documents = {
        url: json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
        for url, name in CONTEXTS.items()
    }

    def load(url: str, options: dict[str, Any]) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(documents[url])}

    return load


def sign_baseline(doc: dict[str, Any], key: SigningKey, loader: Any) -> dict[str, Any]:
    """What a straightforward eddsa-rdfc-2022 signer does: normalize twice, hash, sign."""
    options = {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": CREATED,
        "verificationMethod": METHOD, "proofPurpose": "assertionMethod",
    }
    settings = {"algorithm": "URDNA2015", "format": "application/n-quads",
                "documentLoader": loader}
    config = {**options, "@context": doc["@context"]}
    data = (hashlib.sha256(jsonld.normalize(config, settings).encode("utf-8")).digest()
            + hashlib.sha256(jsonld.normalize(doc, settings).encode("utf-8")).digest())
    signed = dict(doc)
    signed["proof"] = {**options, "proofValue": key.sign(data).hex()}
    return signed


def time_mode(docs: list[dict[str, Any]], mode: str, runs: int) -> dict[str, Any]:
    """Median and first-call time of ``runs`` signings with ``mode``, cycling over ``docs``."""
    key = development_key("bench")
    sign: Callable[[dict[str, Any]], object]
    if mode in ("sitegen", "sitegen-pyld"):
        loader = make_document_loader()
        canonicalizer = Canonicalizer(loader) if mode == "sitegen" else None

        def sign(doc: dict[str, Any]) -> object:
            return create_proof(doc, key, verification_method=METHOD, created=CREATED,
                                loader=loader, canonicalizer=canonicalizer)
    else:
        plain_loader = make_untagged_loader()

        def sign(doc: dict[str, Any]) -> object:
            return sign_baseline(doc, key, plain_loader)

    times = []
    for run in range(runs):
        doc = docs[run % len(docs)]
        started = time.perf_counter()
        sign(doc)
        times.append((time.perf_counter() - started) * 1000)
    result = {"mode": mode, "runs": runs, "credentials": len(docs),
              "median_ms": statistics.median(times), "first_ms": times[0]}
    if mode == "sitegen" and canonicalizer is not None:
        result["templates_made"] = canonicalizer.misses
        result["fallbacks_to_pyld"] = canonicalizer.fallbacks
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("credentials", type=Path, nargs="+",
                        help="credential.json files (their proofs are removed)")
    parser.add_argument("--mode", choices=("sitegen", "sitegen-pyld", "baseline"),
                        required=True)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)
    docs = []
    for path in args.credentials:
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc.pop("proof", None)
        docs.append(doc)
    sys.stdout.write(json.dumps(time_mode(docs, args.mode, args.runs)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
