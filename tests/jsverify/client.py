"""Install, once, and drive the Node.js verifier of Open Badges 3.0 credentials."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

HARNESS_DIR = Path(__file__).resolve().parent
REPO_ROOT = HARNESS_DIR.parents[1]
CONTEXTS_DIR = REPO_ROOT / "tests" / "data" / "contexts"

# The contexts an Open Badges 3.0 credential, its did:web document and its
# Multikey need; the verifier refuses every other URL it is not told about.
DEFAULT_CONTEXTS: Mapping[str, Path] = MappingProxyType(
    {
        "https://www.w3.org/ns/credentials/v2": CONTEXTS_DIR / "credentials-v2.jsonld",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": CONTEXTS_DIR
        / "ob-v3p0-context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": CONTEXTS_DIR
        / "ob-v3p0-extensions.json",
        "https://w3id.org/security/multikey/v1": CONTEXTS_DIR / "multikey-v1.jsonld",
        "https://www.w3.org/ns/did/v1": CONTEXTS_DIR / "did-v1.jsonld",
    }
)

# Written into node_modules after a successful `npm ci`: the digest of the
# manifest and lockfile it installed, so an edited lockfile triggers a reinstall.
MARKER_NAME = ".sitegen-installed"
INSTALL_TIMEOUT_SECONDS = 600.0
BATCH_TIMEOUT_SECONDS = 300.0
OUTPUT_TAIL_CHARS = 4000
# Variables that would load code or modules from outside the harness folder.
STRIPPED_NODE_VARIABLES = frozenset({"NODE_OPTIONS", "NODE_PATH"})

Result = dict[str, Any]


class JsVerifyError(RuntimeError):
    """The harness could not be installed or crashed (not: a credential failed to verify)."""


def ensure_installed(harness_dir: Path = HARNESS_DIR, *, npm: str = "npm") -> None:
    """Run ``npm ci`` in ``harness_dir`` unless its node_modules matches the lockfile.

    Safe when several processes call it at once: they queue on a lock held on
    the lockfile itself, and all but the first find the finished install.
    """
    harness_dir = harness_dir.resolve()
    lockfile = harness_dir / "package-lock.json"
    marker = harness_dir / "node_modules" / MARKER_NAME
    with hold_lock(lockfile):
        digest = compute_install_digest(harness_dir)
        if read_marker(marker) == digest:
            return
        run_npm_ci(harness_dir, npm)
        marker.write_text(digest + "\n", encoding="utf-8")


def compute_install_digest(harness_dir: Path) -> str:
    hasher = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        hasher.update((harness_dir / name).read_bytes())
    return hasher.hexdigest()


@contextmanager
def hold_lock(path: Path) -> Iterator[None]:
    # Locking a committed file leaves no lock file behind for git to see.
    with path.open("rb") as handle:
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


def run_npm_ci(harness_dir: Path, npm: str) -> None:
    executable = shutil.which(npm)
    if executable is None:
        raise JsVerifyError(
            f"{npm!r} is not on PATH; the JavaScript verifier needs Node.js and npm"
        )
    argv = [executable, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
    try:
        completed = subprocess.run(
            argv,
            cwd=harness_dir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise JsVerifyError(f"npm ci timed out after {INSTALL_TIMEOUT_SECONDS}s") from exc
    if completed.returncode != 0:
        raise JsVerifyError(
            f"npm ci in {harness_dir} exited with {completed.returncode}:\n"
            + (completed.stdout + completed.stderr)[-OUTPUT_TAIL_CHARS:]
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class JsVerifier:
    """Verifies credentials with @digitalbazaar/vc in one ``node`` process per batch.

    Each batch costs about a third of a second of start-up, so tests that
    check many credentials should pass them to ``verify`` at once.
    """

    harness_dir: Path = HARNESS_DIR
    node: str = "node"
    timeout: float = BATCH_TIMEOUT_SECONDS

    def verify(
        self,
        site_dir: Path | str,
        base_url: str,
        credential_paths: Sequence[Path | str],
        contexts: Mapping[str, Path | str] | None = None,
        *,
        check_status: bool = True,
        now: str | None = None,
    ) -> list[Result]:
        """Verify each credential file against the built site; results keep the order.

        Each result is ``{path, verified, error, statusResult, raw}``. A revoked
        credential still has ``verified`` true: read ``statusResult["status"]``.
        """
        request: dict[str, Any] = {
            "siteDir": str(Path(site_dir).resolve()),
            "baseUrl": base_url,
            "contexts": {
                url: str(Path(file).resolve())
                for url, file in (DEFAULT_CONTEXTS if contexts is None else contexts).items()
            },
            "credentials": [str(Path(p).resolve()) for p in credential_paths],
            "checkStatus": check_status,
        }
        if now is not None:
            request["now"] = now
        completed = self.run_node([], json.dumps(request))
        try:
            results: list[Result] = json.loads(completed.stdout)["results"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise JsVerifyError(
                f"verify.mjs printed no results ({exc}):\n"
                + (completed.stdout + completed.stderr)[-OUTPUT_TAIL_CHARS:]
            ) from exc
        if len(results) != len(credential_paths):
            raise JsVerifyError(
                f"verify.mjs answered {len(results)} results for {len(credential_paths)} files"
            )
        return results

    def probe_network(self, url: str) -> dict[str, str | None]:
        """Let the verifier's process try to GET ``url``: how its network guard refused."""
        outcome: dict[str, str | None] = json.loads(
            self.run_node(["--probe-network", url], "").stdout
        )
        return outcome

    def run_node(self, args: Sequence[str], stdin: str) -> subprocess.CompletedProcess[str]:
        executable = shutil.which(self.node)
        if executable is None:
            raise JsVerifyError(f"{self.node!r} is not on PATH")
        env = {k: v for k, v in os.environ.items() if k not in STRIPPED_NODE_VARIABLES}
        try:
            completed = subprocess.run(
                [executable, str(self.harness_dir / "verify.mjs"), *args],
                cwd=self.harness_dir,
                input=stdin,
                capture_output=True,
                text=True,
                encoding="utf-8",
                env=env,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise JsVerifyError(f"verify.mjs timed out after {self.timeout}s") from exc
        if completed.returncode != 0:
            raise JsVerifyError(
                f"verify.mjs exited with {completed.returncode}:\n"
                + completed.stderr[-OUTPUT_TAIL_CHARS:]
            )
        return completed


def make_verifier() -> JsVerifier:
    """A verifier whose node_modules is installed and matches the lockfile."""
    ensure_installed()
    return JsVerifier()
