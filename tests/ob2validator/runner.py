# mypy: disable-error-code="import-not-found,import-untyped"
"""Run the 1EdTech Open Badges 2.0 validator and unbaker offline on a JSON batch of jobs.

This script runs under the validator's own virtual environment (see ``venv.py``) and
imports nothing from the project. It reads one request on stdin::

    {"context_file": "openbadges-v2.jsonld",
     "jobs": [{"kind": "verify", "input": "<url or JSON>", "recipient": {...} | null},
              {"kind": "verify_image", "path": "baked.png", "recipient": null},
              {"kind": "unbake", "path": "baked.svg"},
              {"kind": "fetch", "url": "http://...", "client": "requests" | "urllib"}]}

and prints ``{"results": [...]}`` on stdout, one result per job, in order:

* verify, verify_image: ``{"report": {...}, "graph": [...]}`` as the validator made them;
* unbake: ``{"payload": "<text>" | null}``;
* fetch (a probe of the network sandbox): ``{"status", "body", "exception"}``;
* any job that could not run: ``{"error": "<exception>"}``.

Network: the OB 2.0 JSON-LD context URL is answered from ``context_file``, requests to
loopback hosts pass through, and every other request fails. The ``responses`` mock
refuses unregistered URLs made through ``requests``; a socket-level guard refuses
non-loopback name lookups and connections from any other client.

``--self-check`` imports everything, checks the crypto backend and prints versions.
"""

from __future__ import annotations

import collections
import collections.abc
import contextlib
import ipaddress
import json
import re
import socket
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any

OB2_CONTEXT_URL = "https://w3id.org/openbadges/v2"
LOOPBACK_URL = re.compile(
    r"^https?://(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?(?:[/?#]|$)",
    re.IGNORECASE,
)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})
FETCH_BODY_LIMIT = 4096


def restore_collections_aliases() -> None:
    """Put back ``collections.Mapping`` and friends, removed in Python 3.10."""
    # PyLD 0.7, requests-cache 0.4 and future 0.16 still import them from there.
    for name in collections.abc.__all__:
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))


def is_loopback_host(host: str | bytes | None) -> bool:
    """Tell whether a host name or address literal stays on this machine."""
    if host is None:
        return True  # getaddrinfo(None, ...) means a local wildcard address
    text = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    text = text.strip("[]").split("%", 1)[0]
    if text.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def install_socket_guard() -> None:
    """Refuse name lookups and connections to anything but loopback, for every client."""

    def refuse(target: object) -> OSError:
        return ConnectionRefusedError(
            f"network access outside loopback is blocked by the OB2 test harness: {target!r}"
        )

    real_getaddrinfo = socket.getaddrinfo
    real_gethostbyname = socket.gethostbyname
    real_gethostbyname_ex = socket.gethostbyname_ex
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback_host(host):
            raise socket.gaierror(socket.EAI_NONAME, str(refuse(host)))
        return real_getaddrinfo(host, *args, **kwargs)

    def gethostbyname(host: str) -> str:
        if not is_loopback_host(host):
            raise socket.gaierror(socket.EAI_NONAME, str(refuse(host)))
        return real_gethostbyname(host)

    def gethostbyname_ex(host: str) -> tuple[str, list[str], list[str]]:
        if not is_loopback_host(host):
            raise socket.gaierror(socket.EAI_NONAME, str(refuse(host)))
        return real_gethostbyname_ex(host)

    def allowed(sock: socket.socket, address: Any) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True  # Unix sockets and the like never leave the machine
        return isinstance(address, tuple) and is_loopback_host(address[0])

    def connect(self: socket.socket, address: Any) -> None:
        if not allowed(self, address):
            raise refuse(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not allowed(self, address):
            raise refuse(address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = gethostbyname
    socket.gethostbyname_ex = gethostbyname_ex
    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign, assignment]


@contextlib.contextmanager
def offline_requests(context_text: str) -> Iterator[None]:
    """Answer the OB 2.0 context locally, pass loopback through, refuse the rest."""
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.GET,
            OB2_CONTEXT_URL,
            body=context_text,
            content_type="application/ld+json",
        )
        mock.add_passthru(LOOPBACK_URL)
        yield


def jsonable(value: object) -> object:
    """Make the odd value in a validator result printable as JSON."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return repr(value)


def run_verify(job: dict[str, Any]) -> dict[str, Any]:
    from openbadges import verify

    result = verify(job["input"], recipient_profile=copy_recipient(job))
    return {"report": result["report"], "graph": result["graph"]}


def run_verify_image(job: dict[str, Any]) -> dict[str, Any]:
    from openbadges import verify

    with open(job["path"], "rb") as image:
        result = verify(image, recipient_profile=copy_recipient(job))
    return {"report": result["report"], "graph": result["graph"]}


def run_unbake(job: dict[str, Any]) -> dict[str, Any]:
    from openbadges_bakery import unbake

    with open(job["path"], "rb") as image:
        payload = unbake(image)
    # The SVG unbaker returns the `verify` attribute as bytes, the PNG one text.
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8")
    return {"payload": payload}


def run_fetch(job: dict[str, Any]) -> dict[str, Any]:
    url = job["url"]
    try:
        if job.get("client", "requests") == "urllib":
            import urllib.request

            with urllib.request.urlopen(url, timeout=10) as response:
                status, body = response.status, response.read().decode("utf-8", "replace")
        else:
            import requests

            answer = requests.get(url, timeout=10)
            status, body = answer.status_code, answer.text
    except Exception as exc:  # noqa: BLE001 - the probe reports whatever stopped it
        return {"status": None, "body": None, "exception": describe(exc)}
    return {"status": status, "body": body[:FETCH_BODY_LIMIT], "exception": None}


def copy_recipient(job: dict[str, Any]) -> dict[str, Any] | None:
    recipient = job.get("recipient")
    # The validator adds "@context" to the profile it is given.
    return dict(recipient) if recipient else None


def describe(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__name__}: {exc}"


JOB_KINDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "verify": run_verify,
    "verify_image": run_verify_image,
    "unbake": run_unbake,
    "fetch": run_fetch,
}


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    kind = job.get("kind")
    action = JOB_KINDS.get(kind) if isinstance(kind, str) else None
    if action is None:
        return {"error": f"unknown job kind {kind!r}; expected one of {sorted(JOB_KINDS)}"}
    try:
        return action(job)
    except Exception as exc:  # noqa: BLE001 - one broken job must not sink the batch
        traceback.print_exc(file=sys.stderr)
        return {"error": describe(exc)}


def run_batch(request: dict[str, Any]) -> list[dict[str, Any]]:
    with open(request["context_file"], encoding="utf-8") as handle:
        context_text = handle.read()
    jobs = request.get("jobs", [])
    with offline_requests(context_text):
        return [run_job(job) for job in jobs]


def self_check() -> dict[str, Any]:
    """Prove the environment imports and can verify an RS256 signature."""
    import importlib.metadata
    import importlib.util

    import openbadges.verifier  # noqa: F401 - importing is the check
    import openbadges_bakery  # noqa: F401
    import responses  # noqa: F401
    from Crypto.PublicKey import RSA
    from jose import jwk, jws
    from jose.backends import RSAKey

    if importlib.util.find_spec("cryptography") is not None:
        raise RuntimeError("cryptography is installed; python-jose 3.2 would prefer it")
    key = RSA.generate(2048)
    token = jws.sign({"probe": 1}, key.export_key().decode(), algorithm="RS256")
    # Same calls as the validator's tasks/crypto.py verify_jws_signature.
    public = RSA.import_key(key.publickey().export_key())
    jws.verify(token, jwk.construct(public, "RS256").to_dict(), None)
    names = [
        "openbadges",
        "openbadges-bakery",
        "PyLD",
        "python-jose",
        "pycryptodome",
        "requests",
        "requests-cache",
        "responses",
    ]
    return {
        "python": sys.version,
        "jose_rsa_backend": RSAKey.__module__,
        "versions": {name: importlib.metadata.version(name) for name in names},
    }


def main(argv: list[str]) -> int:
    restore_collections_aliases()
    install_socket_guard()
    real_stdout = sys.stdout
    if argv[1:] == ["--self-check"]:
        with contextlib.redirect_stdout(sys.stderr):
            outcome: object = self_check()
    else:
        try:
            request = json.load(sys.stdin)
        except json.JSONDecodeError as exc:
            print(f"runner: stdin is not a JSON request: {exc}", file=sys.stderr)
            return 2
        # Anything the validator prints must not corrupt the JSON answer.
        with contextlib.redirect_stdout(sys.stderr):
            outcome = {"results": run_batch(request)}
    json.dump(outcome, real_stdout, default=jsonable)
    real_stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
