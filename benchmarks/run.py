"""Measure sitegen builds of generated sites: times, peak memory, output size, signing cost.

Usage: ``python benchmarks/run.py [--sizes 1000,10000] [--json OUT.json] [--runs 200]``

Every build runs in a fresh ``python -m sitegen build`` subprocess with ``CI=1``; its
peak RSS comes from ``os.wait4``. The per-stage profile is a separate in-process cProfile
run of the smallest size (profiling slows the build, so its times are shares, not totals).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import write_extra_award, write_site  # noqa: E402

BASE_URL = "https://bench.example.org/"
STAGES = {
    "scan_inputs (stat every input)": ("state.py", "scan_inputs"),
    "resolve_catalog (issuers, badges)": ("resolve.py", "resolve_catalog"),
    "read_images": ("images.py", "read_images"),
    "validate_awards (read and check award files)": ("batches.py", "validate_awards"),
    "Maker.awards_files (make a chunk of awards)": ("produce.py", "awards_files"),
    "create_proof": ("proof.py", "create_proof"),
    "check_safe_mode": ("proof.py", "check_safe_mode"),
    "canonicalize": ("proof.py", "canonicalize"),
    "encode_vc_jwt": ("jwt.py", "encode_vc_jwt"),
    "bake_png": ("sitegen/bake/", "bake_png"),
    "bake_svg": ("sitegen/bake/", "bake_svg"),
    "Renderer.award": ("render.py", "award"),
    "qr_png": ("qr.py", "qr_png"),
    "write_files / replace_folders": ("output.py", ("write_files", "replace_folders")),
    "Maker.site_files (lists, pages, assets)": ("produce.py", "site_files"),
    "render_share_image": ("share.py", "render_share_image"),
    "build_site (total)": ("build.py", "build_site"),
}
KINDS = (
    ("share.png", lambda p: p.name == "share.png"),
    ("badge.png", lambda p: p.name == "badge.png" and p.parts[0] == "awards"),
    ("badge.svg", lambda p: p.name == "badge.svg" and p.parts[0] == "awards"),
    ("credential.json", lambda p: p.name == "credential.json"),
    ("credential.jwt", lambda p: p.name == "credential.jwt"),
    ("assertion.json", lambda p: p.name == "assertion.json"),
    ("en/ pages", lambda p: p.parts[0] == "en" and p.suffix == ".html"),
    ("award page (fr)", lambda p: p.parts[0] == "awards" and p.name == "index.html"),
    ("other HTML pages", lambda p: p.suffix == ".html"),
    ("everything else", lambda p: True),
)


def run_build(source: Path, out: Path) -> dict[str, Any]:
    """One ``sitegen build`` in a fresh process: wall time, peak memory, its summary line.

    Memory is sampled every 20 ms over the build process and all its workers: the peak
    of the summed resident sets (RSS, which counts pages shared by forked workers once
    per process) and of the summed proportional sets (PSS, which shares them out, so it
    is the memory the build really occupies).
    """
    # As on a user's machine: Python keeps sitegen's compiled modules (an installed package
    # has them), sitegen keeps compiled templates in the user's cache folder; both in the
    # benchmark's own folder.
    work = source.parent
    env = {**os.environ, "CI": "1", "PYTHONPATH": str(ROOT),
           "PYTHONPYCACHEPREFIX": str(work / "python-cache"),
           "XDG_CACHE_HOME": str(work / "user-cache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    log = source.parent / f"{source.name}.build.log"
    command = [sys.executable, "-m", "sitegen", "build", "-s", str(source), "-o", str(out),
               "--base-url", BASE_URL]
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env,
                                   cwd=source)
        peak = {"rss": 0, "pss": 0}
        sampler = threading.Thread(target=_sample_memory, args=(process.pid, peak), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"build failed ({process.returncode}):\n{text[-3000:]}")
    summary = [line for line in text.splitlines() if line.startswith("built ")]
    # Linux reports ru_maxrss in KiB.
    # The build's CPU time with its workers': system time grows when the disk is slow.
    return {"seconds": round(seconds, 3),
            "cpu_user_s": round(usage.ru_utime, 1), "cpu_system_s": round(usage.ru_stime, 1),
            "peak_rss_mib": round(peak["rss"] / 1024, 1),
            "peak_pss_mib": round(peak["pss"] / 1024, 1),
            "largest_process_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "summary": summary[-1] if summary else ""}


def _sample_memory(pid: int, peak: dict[str, int]) -> None:
    """Record the peak summed RSS and PSS (KiB) of ``pid`` and its descendants until it ends."""
    while Path(f"/proc/{pid}").exists():
        rss = pss = 0
        for each in _process_tree(pid):
            rss_kib, pss_kib = _memory_of(each)
            rss += rss_kib
            pss += pss_kib
        peak["rss"] = max(peak["rss"], rss)
        peak["pss"] = max(peak["pss"], pss)
        time.sleep(0.02)


def _process_tree(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        queue.extend(int(child) for child in children)
    return found


def _memory_of(pid: int) -> tuple[int, int]:
    """RSS and PSS of one process in KiB (0, 0 once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name] = int(rest.split()[0])
    if values.get("Rss", 0) == 0:  # a zombie: its memory is already freed
        return 0, 0
    return values.get("Rss", 0), values.get("Pss", 0)


def measure_output(out: Path, awards: int) -> dict[str, Any]:
    """Total bytes, bytes per award, and bytes by kind of file."""
    kinds = {name: 0 for name, _ in KINDS}
    total = files = 0
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        size = path.stat().st_size
        relative = path.relative_to(out)
        total += size
        files += 1
        kinds[next(name for name, test in KINDS if test(relative))] += size
    return {
        "files": files, "total_bytes": total, "bytes_per_award": round(total / awards),
        "per_award_by_kind": {name: round(size / awards) for name, size in kinds.items()},
    }


def measure_size(work: Path, awards: int) -> dict[str, Any]:
    """Cold build, no-change rebuild and one-award rebuild of a generated site."""
    source, out = work / f"site-{awards}", work / f"out-{awards}"
    started = time.perf_counter()
    write_site(source, awards=awards)
    generated = time.perf_counter() - started
    cold = run_build(source, out)
    print_run(awards, "cold build", cold)  # as soon as measured: large sizes take long
    warm = run_build(source, out)
    print_run(awards, "no-change rebuild", warm)
    write_extra_award(source, number=awards)
    added = run_build(source, out)
    print_run(awards, "added-one-award rebuild", added)
    result = {
        "awards": awards, "generate_seconds": round(generated, 2), "cold": cold,
        "no_change": warm, "added_one": added, "output": measure_output(out, awards + 1),
    }
    shutil.rmtree(source)
    return result


def profile_stages(work: Path, awards: int) -> dict[str, Any]:
    """Cumulative time of the pipeline's functions in one profiled, cold, in-process build."""
    from sitegen.commands.build import build_site

    source = work / f"profile-{awards}"
    write_site(source, awards=awards)
    profiler = cProfile.Profile()
    profiler.enable()
    build_site(source, work / f"profile-out-{awards}", base_url=BASE_URL, environ={},
               cache_dir=source / ".sitegen", workers=1)  # profile sees one process only
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    found: dict[str, float] = {}
    for label, (file_name, names) in STAGES.items():
        wanted = (names,) if isinstance(names, str) else names
        found[label] = round(sum(
            cumulative for (path, _, function), (_, _, _, cumulative, _) in stats.items()
            if function in wanted and "sitegen" in path
            and (path.endswith(file_name) or file_name in path)
        ), 2)
    shutil.rmtree(source)
    return {"awards": awards, "cumulative_seconds": found}


def measure_signing(work: Path, runs: int) -> dict[str, Any]:
    """Median canonicalize+sign time over distinct credentials: sitegen, PyLD, jsonld.js."""
    source, out = work / "sign-site", work / "sign-out"
    write_site(source, awards=max(runs, 50))
    run_build(source, out)
    credentials = sorted((out / "awards").glob("*/credential.json"))
    result: dict[str, Any] = {}
    for mode in ("sitegen", "sitegen-pyld", "baseline"):
        done = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "canon.py"),
             *(str(c) for c in credentials), "--mode", mode, "--runs", str(runs)],
            check=True, capture_output=True, text=True,
        )
        result[mode] = json.loads(done.stdout)
    result["speedup_vs_baseline"] = round(
        result["baseline"]["median_ms"] / result["sitegen"]["median_ms"], 2
    )
    result["jsonld_js"] = measure_jsonld_js(work, credentials[0], runs)
    return result


def measure_jsonld_js(work: Path, credential: Path, runs: int) -> dict[str, Any] | None:
    """Digital Bazaar jsonld.js canonicalization time, when node and its modules are there."""
    if shutil.which("node") is None:
        return None
    try:
        from tests.jsverify.client import ensure_installed

        ensure_installed()
    except Exception as error:  # noqa: BLE001 - optional measure: say why it is missing
        return {"skipped": f"jsverify modules unavailable: {error}"}
    from sitegen.crypto.loader import CONTEXTS

    contexts = work / "contexts.json"
    contexts.write_text(json.dumps(CONTEXTS), encoding="utf-8")
    done = subprocess.run(
        ["node", str(ROOT / "benchmarks" / "canon.mjs"), str(credential), str(contexts),
         str(runs)], check=True, capture_output=True, text=True,
    )
    return dict(json.loads(done.stdout), note="canonicalization only (no hashing or signing)")


def say(line: str) -> None:
    """One line of the report on standard output (this is a command line tool)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def print_run(n: int, label: str, run: dict[str, Any]) -> None:
    """One line for one build."""
    say(f"[{n}] {label}: {run['seconds']:.2f} s (CPU: user {run['cpu_user_s']:.1f} s, "
        f"system {run['cpu_system_s']:.1f} s), peak memory of all processes: "
        f"PSS {run['peak_pss_mib']:.0f} MiB, RSS {run['peak_rss_mib']:.0f} MiB "
        f"(largest process {run['largest_process_rss_mib']:.0f} MiB)")


def print_size(result: dict[str, Any]) -> None:
    """The output lines of one size (builds are printed as they finish)."""
    n, output = result["awards"], result["output"]
    say(f"[{n}] output: {output['total_bytes'] / 1e6:.1f} MB, {output['files']} files, "
          f"{output['bytes_per_award'] / 1000:.1f} KB per award")
    kinds = ", ".join(f"{k} {v / 1000:.1f}" for k, v in output["per_award_by_kind"].items())
    say(f"[{n}] KB per award by kind: {kinds}")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated award counts (default 1000,10000)")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the results (default: a temporary file)")
    parser.add_argument("--runs", type=int, default=200, help="signing repetitions")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as temp:
        work = Path(temp)
        signing = measure_signing(work, args.runs)
        results["signing"] = signing
        fast = signing["sitegen"]
        say(f"canonicalize+sign one credential ({fast['credentials']} distinct, median): "
            f"sitegen {fast['median_ms']:.2f} ms (first {fast['first_ms']:.1f} ms, "
            f"{fast['templates_made']} templates, {fast['fallbacks_to_pyld']} fallbacks), "
            f"sitegen without templates {signing['sitegen-pyld']['median_ms']:.2f} ms, "
            f"plain PyLD {signing['baseline']['median_ms']:.2f} ms: "
            f"sitegen is {signing['speedup_vs_baseline']}x faster than the baseline")
        js = signing["jsonld_js"]
        if js and "median_ms" in js:
            say(f"jsonld.js canonicalize (config + document): {js['median_ms']:.2f} ms")
        for size in sizes:
            result = measure_size(work, size)
            results["sizes"].append(result)
            print_size(result)
        if not args.no_profile:
            profile = profile_stages(work, min(sizes))
            results["profile"] = profile
            say(f"[{profile['awards']}] profile (cumulative s, under cProfile): " + ", ".join(
                f"{k} {v}" for k, v in profile["cumulative_seconds"].items()))
    target = args.json or Path(tempfile.mkstemp(prefix="sitegen-bench-", suffix=".json")[1])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    say(f"results written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
