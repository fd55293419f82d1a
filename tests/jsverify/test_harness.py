"""Self-tests of the offline JavaScript verifier against a signed Open Badges 3.0 mini site."""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from .client import (
    DEFAULT_CONTEXTS,
    HARNESS_DIR,
    MARKER_NAME,
    REPO_ROOT,
    JsVerifier,
    JsVerifyError,
    ensure_installed,
)

pytestmark = pytest.mark.jsverify

FIXTURE_SITE = REPO_ROOT / "tests" / "data" / "jsverify-fixture" / "site"
BASE_URL = "https://issuer.example/"
ISSUER_DID = "did:web:issuer.example:issuers:acme"
KEY_ID = f"{ISSUER_DID}#key-1"
STATUS_LIST_URL = "https://issuer.example/status/1"
OK = "credentials/credential-signed.json"
REVOKED = "credentials/credential-signed-revoked.json"
TAMPERED = "credentials/credential-tampered.json"
STATUS_LIST = "status/1"
DID_DOCUMENT = "issuers/acme/did.json"
# A valid Ed25519 Multikey that signed nothing here: the public key of the seed
# SHA-256("sitegen jsverify: a key that signed nothing").
OTHER_KEY = "z6Mkn37fz7zFdHBpEPXXTThKxBQWgZ1JfjrYQuVBTN2hZ989"
UNKNOWN_CONTEXT = "https://contexts.example.invalid/unknown-v1.jsonld"

Result = dict[str, Any]


@pytest.fixture(scope="module")
def fixture_results(js_verifier: JsVerifier) -> dict[str, Result]:
    names = [OK, REVOKED, TAMPERED, STATUS_LIST]
    results = js_verifier.verify(FIXTURE_SITE, BASE_URL, [FIXTURE_SITE / n for n in names])
    return dict(zip(names, results, strict=True))


@pytest.fixture
def site_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE_SITE, tmp_path / "site"))


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def verify_one(verifier: JsVerifier, site: Path, name: str, **options: Any) -> Result:
    (result,) = verifier.verify(site, options.pop("base_url", BASE_URL), [site / name], **options)
    return result


def test_verify_accepts_credential_whose_status_bit_is_clear(
    fixture_results: dict[str, Result],
) -> None:
    result = fixture_results[OK]
    assert result["verified"] is True
    assert result["error"] is None
    status = result["statusResult"]
    assert status["verified"] is True
    assert status["status"] is False
    assert status["entries"] == [
        {
            "verified": True,
            "statusPurpose": "revocation",
            "statusListIndex": "3",
            "statusListCredential": STATUS_LIST_URL,
            "status": False,
        }
    ]


def test_verify_reports_revoked_credential_as_verified_with_status_bit_set(
    fixture_results: dict[str, Result],
) -> None:
    result = fixture_results[REVOKED]
    # @digitalbazaar/vc leaves revocation to the caller: the proof is fine.
    assert result["verified"] is True
    assert result["statusResult"]["verified"] is True
    assert result["statusResult"]["status"] is True
    assert result["statusResult"]["entries"][0]["statusListIndex"] == "7"


def test_verify_rejects_tampered_credential_as_invalid_signature(
    fixture_results: dict[str, Result],
) -> None:
    result = fixture_results[TAMPERED]
    assert result["verified"] is False
    assert "Invalid signature" in result["error"]
    assert result["statusResult"] is None
    assert result["raw"]["proofs"][0]["verified"] is False


def test_verify_accepts_status_list_credential_itself(
    fixture_results: dict[str, Result],
) -> None:
    result = fixture_results[STATUS_LIST]
    assert result["verified"] is True
    assert result["error"] is None
    assert result["statusResult"] is None


def test_verify_keeps_request_order_in_results(fixture_results: dict[str, Result]) -> None:
    for name, result in fixture_results.items():
        assert result["path"] == str((FIXTURE_SITE / name).resolve())


def test_verify_resolves_did_web_and_status_list_from_site_folder(
    fixture_results: dict[str, Result],
) -> None:
    raw = fixture_results[OK]["raw"]
    assert {KEY_ID, ISSUER_DID, STATUS_LIST_URL} <= set(raw["loaded"])
    assert set(raw["loaded"]) <= {KEY_ID, ISSUER_DID, STATUS_LIST_URL, *DEFAULT_CONTEXTS}
    assert raw["proofs"] == [
        {
            "verified": True,
            "proofPurpose": "assertionMethod",
            "verificationMethod": KEY_ID,
            "controller": ISSUER_DID,
            "error": None,
        }
    ]


def test_verify_rejects_credential_when_did_document_key_is_swapped(
    js_verifier: JsVerifier, site_copy: Path
) -> None:
    def swap_key(document: dict[str, Any]) -> None:
        document["verificationMethod"][0]["publicKeyMultibase"] = OTHER_KEY

    edit_json(site_copy / DID_DOCUMENT, swap_key)
    ok, status_list = js_verifier.verify(
        site_copy, BASE_URL, [site_copy / OK, site_copy / STATUS_LIST]
    )
    for result in (ok, status_list):
        assert result["verified"] is False
        assert "Invalid signature" in result["error"]


def test_verify_rejects_key_not_listed_as_assertion_method(
    js_verifier: JsVerifier, site_copy: Path
) -> None:
    def drop_assertion_method(document: dict[str, Any]) -> None:
        document["assertionMethod"] = []

    edit_json(site_copy / DID_DOCUMENT, drop_assertion_method)
    result = verify_one(js_verifier, site_copy, OK)
    assert result["verified"] is False
    assert "not authorized by controller" in result["error"]


def test_verify_rejects_did_document_published_under_another_id(
    js_verifier: JsVerifier, site_copy: Path
) -> None:
    def rename(document: dict[str, Any]) -> None:
        document["id"] = "did:web:issuer.example:issuers:other"

    edit_json(site_copy / DID_DOCUMENT, rename)
    result = verify_one(js_verifier, site_copy, OK)
    assert result["verified"] is False
    assert 'has id "did:web:issuer.example:issuers:other"' in result["error"]


def test_verify_refuses_did_web_off_the_base_url_host(js_verifier: JsVerifier) -> None:
    result = verify_one(js_verifier, FIXTURE_SITE, OK, base_url="https://other.example/")
    assert result["verified"] is False
    assert ISSUER_DID in result["error"]
    assert "never uses the network" in result["error"]


def test_verify_fails_offline_on_unknown_context_naming_its_url(
    js_verifier: JsVerifier, site_copy: Path
) -> None:
    def add_context(document: dict[str, Any]) -> None:
        document["@context"].append(UNKNOWN_CONTEXT)

    edit_json(site_copy / OK, add_context)
    result = verify_one(js_verifier, site_copy, OK)
    assert result["verified"] is False
    assert UNKNOWN_CONTEXT in result["error"]
    assert "never uses the network" in result["error"]


def test_verify_fails_status_check_when_status_list_is_not_published(
    js_verifier: JsVerifier, site_copy: Path
) -> None:
    (site_copy / STATUS_LIST).unlink()
    result = verify_one(js_verifier, site_copy, OK)
    assert result["verified"] is False
    assert result["statusResult"]["verified"] is False
    assert result["statusResult"]["status"] is None
    assert STATUS_LIST_URL in result["error"]


def test_verify_skips_status_list_when_status_check_is_off(
    js_verifier: JsVerifier, site_copy: Path
) -> None:
    (site_copy / STATUS_LIST).unlink()
    result = verify_one(js_verifier, site_copy, REVOKED, check_status=False)
    assert result["verified"] is True
    assert result["statusResult"] is None
    assert STATUS_LIST_URL not in result["raw"]["loaded"]


def test_verify_reports_unreadable_credential_without_stopping_batch(
    js_verifier: JsVerifier, tmp_path: Path
) -> None:
    missing, ok = js_verifier.verify(
        FIXTURE_SITE, BASE_URL, [tmp_path / "missing.json", FIXTURE_SITE / OK]
    )
    assert missing["verified"] is False
    assert "cannot read credential" in missing["error"]
    assert ok["verified"] is True


def test_verify_raises_harness_error_for_missing_site_folder(
    js_verifier: JsVerifier, tmp_path: Path
) -> None:
    with pytest.raises(JsVerifyError, match="siteDir"):
        js_verifier.verify(tmp_path / "no-site", BASE_URL, [FIXTURE_SITE / OK])


class CountingHandler(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        CountingHandler.requests.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def loopback_server() -> Iterator[str]:
    CountingHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/context.jsonld"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_verifier_process_cannot_open_sockets(
    js_verifier: JsVerifier, loopback_server: str
) -> None:
    outcome = js_verifier.probe_network(loopback_server)
    assert outcome["fetch"] is not None
    assert "network is disabled" in outcome["fetch"]
    assert outcome["http"] is not None
    assert "network is disabled" in outcome["http"]
    assert CountingHandler.requests == []


def test_lockfile_pins_every_package_with_integrity_and_one_download_host() -> None:
    manifest = json.loads((HARNESS_DIR / "package.json").read_text(encoding="utf-8"))
    for name, version in manifest["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
    lock = json.loads((HARNESS_DIR / "package-lock.json").read_text(encoding="utf-8"))
    hosts = set()
    for key, package in lock["packages"].items():
        if not key:
            continue
        assert package.get("integrity", "").startswith("sha512-"), key
        resolved = package.get("resolved")
        if resolved is not None:
            match = re.fullmatch(r"https://([^/]+)/.+\.tgz", resolved)
            assert match, f"{key} resolves to {resolved}"
            hosts.add(match.group(1))
    assert len(hosts) <= 1


def write_fake_harness(root: Path, delay: float = 0.0, exit_code: int = 0) -> tuple[Path, Path]:
    """A harness folder and an ``npm`` stand-in that logs its calls and fills node_modules."""
    root.mkdir()
    (root / "package.json").write_text('{"name": "fake"}\n', encoding="utf-8")
    (root / "package-lock.json").write_text('{"lockfileVersion": 3}\n', encoding="utf-8")
    log = root / "npm-calls.log"
    npm = root / "fake-npm"
    npm.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        f"sleep {delay}\n"
        "mkdir -p node_modules\n"
        "echo 'npm failed on purpose' >&2\n"
        f"exit {exit_code}\n",
        encoding="utf-8",
    )
    npm.chmod(0o755)
    return npm, log


def count_calls(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def test_ensure_installed_runs_npm_ci_once_until_lockfile_changes(tmp_path: Path) -> None:
    harness = tmp_path / "harness"
    npm, log = write_fake_harness(harness)
    ensure_installed(harness, npm=str(npm))
    ensure_installed(harness, npm=str(npm))
    assert log.read_text(encoding="utf-8") == "ci --no-audit --no-fund --ignore-scripts\n"
    assert (harness / "node_modules" / MARKER_NAME).is_file()
    (harness / "package-lock.json").write_text('{"lockfileVersion": 3, "x": 1}\n')
    ensure_installed(harness, npm=str(npm))
    assert count_calls(log) == 2


def test_ensure_installed_lets_concurrent_callers_share_one_install(tmp_path: Path) -> None:
    harness = tmp_path / "harness"
    npm, log = write_fake_harness(harness, delay=0.3)
    threads = [
        threading.Thread(target=ensure_installed, args=(harness,), kwargs={"npm": str(npm)})
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count_calls(log) == 1


def test_ensure_installed_reports_npm_failure_and_retries_next_time(tmp_path: Path) -> None:
    harness = tmp_path / "harness"
    npm, log = write_fake_harness(harness, exit_code=1)
    with pytest.raises(JsVerifyError, match="npm failed on purpose"):
        ensure_installed(harness, npm=str(npm))
    assert not (harness / "node_modules" / MARKER_NAME).exists()
    with pytest.raises(JsVerifyError):
        ensure_installed(harness, npm=str(npm))
    assert count_calls(log) == 2


def test_ensure_installed_explains_missing_npm(tmp_path: Path) -> None:
    harness = tmp_path / "harness"
    write_fake_harness(harness)
    with pytest.raises(JsVerifyError, match="not on PATH"):
        ensure_installed(harness, npm=str(tmp_path / "no-such-npm"))
