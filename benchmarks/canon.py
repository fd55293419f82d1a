"""Time canonicalize+sign of credentials: sitegen's ``create_proof`` or a plain PyLD baseline.

Usage: ``python benchmarks/canon.py [CREDENTIAL.json...] [--mode MODE] [--runs 200]``.

With ``--mode``, prints one JSON line ``{"mode", "runs", "credentials", "median_ms",
"first_ms", ...}`` for that mode. Modes: ``sitegen`` (the build's path: templates per
credential shape; also ``warm_median_ms`` over signings that reused a template,
``cold_median_ms`` over those that made one, and the canonicalizer's counters),
``sitegen-pyld`` (``create_proof`` without templates: safe-mode check and PyLD
canonicalization) and ``baseline`` (plain PyLD: normalize document and proof
configuration, hash, sign).

Without ``--mode``, runs the three modes one after the other, each in its own process,
and prints their times and speed-ups over the baseline. Without credentials, it builds a
generated site of ``--awards`` awards (12 badges, distinct earners and dates) first.

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
import os
import statistics
import subprocess
import sys
import tempfile
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
MODES = ("baseline", "sitegen-pyld", "sitegen")


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
    canonicalizer: Canonicalizer | None = None
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

    times, cold = [], []
    for run in range(runs):
        doc = docs[run % len(docs)]
        made = canonicalizer.templates_made if canonicalizer else 0
        started = time.perf_counter()
        sign(doc)
        times.append((time.perf_counter() - started) * 1000)
        cold.append(canonicalizer is not None and canonicalizer.templates_made > made)
    result: dict[str, Any] = {"mode": mode, "runs": runs, "credentials": len(docs),
                              "median_ms": statistics.median(times), "first_ms": times[0]}
    if canonicalizer is not None:
        warm = [t for t, is_cold in zip(times, cold, strict=True) if not is_cold]
        made = [t for t, is_cold in zip(times, cold, strict=True) if is_cold]
        result.update({
            "warm_median_ms": statistics.median(warm) if warm else None,
            "cold_median_ms": statistics.median(made) if made else None,
            "templates_made": canonicalizer.templates_made,
            "template_hits": canonicalizer.template_hits,
            "node_map_fills": canonicalizer.node_map_fills,
            "fallbacks_to_pyld": canonicalizer.fallbacks_to_pyld,
            "self_check_failures": canonicalizer.self_check_failures,
        })
    return result


def read_credentials(paths: list[Path]) -> list[dict[str, Any]]:
    docs = []
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc.pop("proof", None)
        docs.append(doc)
    return docs


def build_credentials(work: Path, awards: int) -> list[Path]:
    """The credentials of a freshly built generated site of ``awards`` awards."""
    from benchmarks.generate import write_site

    source, out = work / "site", work / "out"
    write_site(source, awards=awards)
    env = {**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "-s", str(source), "-o", str(out),
         "--base-url", "https://bench.example.org/"],
        check=True, capture_output=True, env=env, cwd=source,
    )
    return sorted((out / "awards").glob("*/credential.json"))


def compare_modes(paths: list[Path], runs: int) -> dict[str, Any]:
    """Every mode in its own process, over the same credentials, with speed-ups."""
    results: dict[str, Any] = {}
    for mode in MODES:
        done = subprocess.run(
            [sys.executable, __file__, *(str(p) for p in paths), "--mode", mode,
             "--runs", str(runs)],
            check=True, capture_output=True, text=True,
        )
        results[mode] = json.loads(done.stdout)
    baseline = results["baseline"]["median_ms"]
    fast = results["sitegen"]
    results["speedup_vs_baseline"] = {
        "sitegen": round(baseline / fast["median_ms"], 2),
        "sitegen_warm": round(baseline / (fast["warm_median_ms"] or fast["median_ms"]), 2),
        "sitegen-pyld": round(baseline / results["sitegen-pyld"]["median_ms"], 2),
    }
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("credentials", type=Path, nargs="*",
                        help="credential.json files (their proofs are removed)")
    parser.add_argument("--mode", choices=MODES, help="time one mode (default: compare all)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--awards", type=int, default=200,
                        help="awards of the generated site when no credentials are given")
    args = parser.parse_args(argv)
    if args.mode:
        if not args.credentials:
            parser.error("--mode needs credential files")
        result = time_mode(read_credentials(args.credentials), args.mode, args.runs)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    with tempfile.TemporaryDirectory(prefix="sitegen-canon-") as temp:
        paths = args.credentials or build_credentials(Path(temp), args.awards)
        results = compare_modes(paths, args.runs)
    fast, speedup = results["sitegen"], results["speedup_vs_baseline"]
    lines = [
        f"canonicalize+sign, median over {args.runs} signings of {fast['credentials']}"
        " distinct credentials:",
        f"  plain PyLD baseline       {results['baseline']['median_ms']:6.2f} ms",
        f"  sitegen without templates {results['sitegen-pyld']['median_ms']:6.2f} ms"
        f"  ({speedup['sitegen-pyld']}x)",
        f"  sitegen with templates    {fast['median_ms']:6.2f} ms  ({speedup['sitegen']}x);"
        f" warm {fast['warm_median_ms']:.2f} ms ({speedup['sitegen_warm']}x),"
        f" cold {fast['cold_median_ms'] or 0:.1f} ms",
        f"  {fast['templates_made']} templates, {fast['template_hits']} hits"
        f" ({fast['node_map_fills']} via PyLD's node map), {fast['fallbacks_to_pyld']}"
        f" fallbacks to PyLD, {fast['self_check_failures']} self-check failures",
    ]
    sys.stdout.write("\n".join(lines) + "\n" + json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
