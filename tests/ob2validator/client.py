"""Drive the offline Open Badges 2.0 validator runner from the project's tests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .venv import (
    DEFAULT_CACHE_DIR,
    REPO_ROOT,
    RUNNER,
    ensure_validator_python,
    make_child_env,
)

DEFAULT_CONTEXT_FILE = REPO_ROOT / "tests" / "data" / "contexts" / "openbadges-v2.jsonld"
BATCH_TIMEOUT_SECONDS = 600.0
# A proxy would take even loopback requests off the machine; the runner needs none.
PROXY_VARIABLES = frozenset(
    name
    for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for name in (base, base.upper())
)
STDERR_TAIL_CHARS = 4000

Job = Mapping[str, Any]
Result = dict[str, Any]


class ValidatorHarnessError(RuntimeError):
    """The runner crashed, or a job could not run at all (not: a badge was invalid)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OB2Validator:
    """Runs batches of verify/unbake jobs in the validator's own Python.

    Each call starts one subprocess that imports the validator (about 0.3 s
    once its bytecode is compiled), so tests that check many badges should
    pass them to ``run`` at once.
    """

    python: Path
    context_file: Path = DEFAULT_CONTEXT_FILE
    runner: Path = RUNNER
    timeout: float = BATCH_TIMEOUT_SECONDS
    extra_env: Mapping[str, str] = field(default_factory=dict, hash=False)

    def run(self, jobs: Sequence[Job]) -> list[Result]:
        """Run the jobs in one subprocess; results keep the jobs' order.

        A job that could not run comes back as ``{"error": "..."}``.
        """
        request = {"context_file": str(self.context_file), "jobs": [dict(j) for j in jobs]}
        try:
            completed = subprocess.run(
                [str(self.python), str(self.runner)],
                input=json.dumps(request),
                capture_output=True,
                text=True,
                encoding="utf-8",
                env=self.make_env(),
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ValidatorHarnessError(
                f"validator runner timed out after {self.timeout}s"
            ) from exc
        if completed.returncode != 0:
            raise ValidatorHarnessError(
                f"validator runner exited with {completed.returncode}:\n"
                + completed.stderr[-STDERR_TAIL_CHARS:]
            )
        try:
            results: list[Result] = json.loads(completed.stdout)["results"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValidatorHarnessError(
                f"validator runner printed no result ({exc}):\n"
                + completed.stdout[-STDERR_TAIL_CHARS:]
                + completed.stderr[-STDERR_TAIL_CHARS:]
            ) from exc
        if len(results) != len(jobs):
            raise ValidatorHarnessError(
                f"validator runner answered {len(results)} results for {len(jobs)} jobs"
            )
        return results

    def make_env(self) -> dict[str, str]:
        env = make_child_env(self.extra_env)
        return {key: value for key, value in env.items() if key not in PROXY_VARIABLES}

    def verify(
        self,
        url_or_json: str | Mapping[str, Any],
        recipient: Mapping[str, Any] | None = None,
    ) -> Result:
        """Validate a hosted assertion URL, assertion JSON or JWS: ``{report, graph}``."""
        return self.run_one(make_verify_job(url_or_json, recipient))

    def verify_image(self, path: Path | str, recipient: Mapping[str, Any] | None = None) -> Result:
        """Validate the badge baked into a PNG or SVG file: ``{report, graph}``."""
        return self.run_one(make_verify_image_job(path, recipient))

    def unbake(self, path: Path | str) -> str | None:
        """Extract the baked payload the way openbadges-bakery 1.2.4 does."""
        payload = self.run_one(make_unbake_job(path))["payload"]
        if payload is not None and not isinstance(payload, str):
            raise ValidatorHarnessError(f"unbake returned {type(payload).__name__}")
        return payload

    def run_one(self, job: Job) -> Result:
        (result,) = self.run([job])
        if "error" in result:
            raise ValidatorHarnessError(f"{job.get('kind')} job failed: {result['error']}")
        return result


def make_verify_job(
    url_or_json: str | Mapping[str, Any], recipient: Mapping[str, Any] | None = None
) -> Job:
    text = url_or_json if isinstance(url_or_json, str) else json.dumps(url_or_json)
    return {"kind": "verify", "input": text, "recipient": dict(recipient) if recipient else None}


def make_verify_image_job(path: Path | str, recipient: Mapping[str, Any] | None = None) -> Job:
    return {
        "kind": "verify_image",
        "path": str(Path(path).resolve()),
        "recipient": dict(recipient) if recipient else None,
    }


def make_unbake_job(path: Path | str) -> Job:
    return {"kind": "unbake", "path": str(Path(path).resolve())}


def make_fetch_job(url: str, client: str = "requests") -> Job:
    """Probe the runner's network sandbox: what happens when ``client`` GETs ``url``."""
    return {"kind": "fetch", "url": url, "client": client}


def list_message_names(result: Result, level: str = "ERROR") -> list[str]:
    """Names of a verify result's messages at ``level`` (e.g. VERIFY_RECIPIENT_IDENTIFIER)."""
    return [
        str(message.get("name"))
        for message in result["report"].get("messages", [])
        if message.get("messageLevel") == level
    ]


def find_graph_node(result: Result, node_id: str) -> dict[str, Any] | None:
    """The validator's compacted node with this ``id``, if it fetched one."""
    for node in result.get("graph", []):
        if node.get("id") == node_id:
            return dict(node)
    return None


def make_validator(cache_dir: Path | None = None) -> OB2Validator:
    """Build (once) the validator's venv and return a client for it.

    ``cache_dir`` defaults to ``<repo>/.cache/ob2-validator``.
    """
    return OB2Validator(python=ensure_validator_python(cache_dir or DEFAULT_CACHE_DIR))
