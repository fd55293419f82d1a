"""Build, once, the private virtual environment that runs the Open Badges 2.0 validator."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]
# The repository's .gitignore lists /.cache/, so the venv never enters git.
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "ob2-validator"
RUNNER = Path(__file__).resolve().with_name("runner.py")

# Every distribution of the validator's environment, pinned, installed with
# --no-deps. openbadges 1.1.2 pins 2017 releases, three of which do not import
# on Python 3.11 (pycryptodome 3.6.6, pytz 2017.2, python-jose 3.0.1). Letting
# pip resolve its pins and then overriding them would compile pycryptodome
# 3.6.6 from source (a C compiler needed) only to throw it away, so the
# overrides are part of the set from the start.
VALIDATOR_REQUIREMENTS: tuple[str, ...] = (
    "openbadges==1.1.2",
    "openbadges-bakery==1.2.4",
    # openbadges 1.1.2's own exact pins, kept.
    "aniso8601==10.0.1",
    "click==6.7",
    "future==0.16.0",
    "jsonschema==2.6.0",
    "language-tags==0.4.3",
    "pydux==0.2.2",
    "PyLD==0.7.1",
    "python-mimeparse==1.6.0",
    "requests-cache==0.4.13",
    "rfc3986==0.4.1",
    "validators==0.11.2",
    # Overrides. python-jose >= 3.3 dropped its pycryptodome backend, which the
    # validator's RSA keys need; 3.2.0 declares pycryptodome < 4.
    "pycryptodome==3.24.1",
    "python-jose==3.2.0",
    "pytz==2026.6",
    # Transitive dependencies. requests is only bounded below (>= 2.13).
    "certifi==2026.10.18",
    "charset-normalizer==3.5.2",
    "decorator==5.3.1",
    "defusedxml==0.7.1",
    "ecdsa==0.19.2",
    "idna==3.20",
    "pyasn1==0.6.5",
    "pypng==0.20220715.0",
    "requests==2.34.2",
    "rsa==4.9.1",
    "six==1.17.0",
    "urllib3==2.8.0",
    # Our addition: mocks the JSON-LD context URL and refuses other hosts.
    "responses==0.26.3",
    "PyYAML==6.0.3",
)
# future, language-tags, pydux, PyLD and validators ship only as sdists whose
# setup scripts trip deprecations that newer setuptools may turn into errors;
# pip applies PIP_CONSTRAINT inside its isolated build environments too.
BUILD_CONSTRAINTS: tuple[str, ...] = ("setuptools==80.9.0", "wheel==0.45.1")
LAYOUT_VERSION = 1

INSTALL_TIMEOUT_SECONDS = 1800
LOG_TAIL_LINES = 60
MARKER_NAME = "ob2-validator.ready"


class ValidatorEnvError(RuntimeError):
    """The validator's virtual environment could not be built."""


def compute_requirements_digest() -> str:
    """Hash what the environment is built from, so a change triggers a rebuild."""
    recipe = {
        "layout": LAYOUT_VERSION,
        "python": sys.version,
        "base": str(getattr(sys, "_base_executable", sys.executable)),
        "requirements": VALIDATOR_REQUIREMENTS,
        "build": BUILD_CONSTRAINTS,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def locate_venv_python(venv_dir: Path) -> Path:
    if os.name == "nt":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def ensure_validator_python(cache_dir: Path | None = None) -> Path:
    """Return the validator venv's python, creating the venv first if needed.

    Safe when several processes call it at once: they queue on a lock file and
    all but the first find the finished environment.
    """
    cache_dir = (cache_dir or DEFAULT_CACHE_DIR).resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    venv_dir = cache_dir / "venv"
    python = locate_venv_python(venv_dir)
    marker = venv_dir / MARKER_NAME
    digest = compute_requirements_digest()
    with hold_lock(cache_dir / "build.lock"):
        if python.exists() and read_marker(marker) == digest:
            return python
        build_venv(cache_dir, venv_dir, python)
        write_atomically(marker, digest + "\n")
    return python


@contextmanager
def hold_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def read_marker(marker: Path) -> str | None:
    try:
        return marker.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def build_venv(cache_dir: Path, venv_dir: Path, python: Path) -> None:
    shutil.rmtree(venv_dir, ignore_errors=True)
    log_path = cache_dir / "pip.log"
    constraints = cache_dir / "build-constraints.txt"
    constraints.write_text("\n".join(BUILD_CONSTRAINTS) + "\n", encoding="utf-8")
    env = make_child_env({"PIP_CONSTRAINT": str(constraints)})
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input"]
    steps: list[Sequence[str]] = [
        [sys.executable, "-m", "venv", str(venv_dir)],
        [*pip, "install", "--no-deps", *VALIDATOR_REQUIREMENTS],
        [str(python), str(RUNNER), "--self-check"],
        [*pip, "freeze"],
    ]
    with log_path.open("w", encoding="utf-8") as log:
        for argv in steps:
            run_logged(argv, env, log, log_path)


def make_child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment, minus what would leak the project's packages in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PIP_USER"}
    }
    env.update(extra)
    return env


def run_logged(argv: Sequence[str], env: Mapping[str, str], log: IO[str], log_path: Path) -> None:
    log.write("$ " + " ".join(argv) + "\n")
    log.flush()
    try:
        completed = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.write(f"{exc}\n")
        log.flush()
        raise ValidatorEnvError(failure_message(argv, str(exc), log_path)) from exc
    log.write("\n")
    log.flush()
    if completed.returncode != 0:
        raise ValidatorEnvError(
            failure_message(argv, f"exit status {completed.returncode}", log_path)
        )


def failure_message(argv: Sequence[str], reason: str, log_path: Path) -> str:
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    tail = "\n".join(lines[-LOG_TAIL_LINES:])
    return (
        f"building the OB2 validator environment failed ({reason}) at: {' '.join(argv)}\n"
        f"last {LOG_TAIL_LINES} lines of {log_path}:\n{tail}"
    )
