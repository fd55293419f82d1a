"""``sitegen serve``: live rebuilds, the reload API, error reporting and file watching."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

import pytest

from sitegen.commands import serve as serve_module
from sitegen.commands.build import build_site
from sitegen.commands.serve import DevServer, describe_changes
from sitegen.livereload import BuildStatus, inject_script, script_tag
from sitegen.watch import is_editor_temp, is_watched
from tests.conftest import AWARD_YAML, ROOT

AWARD = "content/awards/2024/a1.yaml"
PAGE = "awards/a1/"
WAIT = 10.0  # no wait in these tests may last longer: a failure must not hang CI
BROKEN_YAML = "badge: ponctuel\n  recipient: x\n"


def award(narrative: str) -> str:
    return AWARD_YAML + f"narrative: {narrative}\n"


def get(url: str, timeout: float = WAIT) -> tuple[int, str, dict[str, str]]:
    """Status, text and headers of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode("utf-8"), dict(error.headers)


def status_of(dev: DevServer) -> dict[str, object]:
    code, text, _ = get(dev.base_url + "__sitegen__/status")
    assert code == 200
    return json.loads(text)


def wait_until(predicate, what: str, timeout: float = WAIT):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def wait_for_epoch(dev: DevServer, epoch: int) -> dict[str, object]:
    return wait_until(
        lambda: (s := status_of(dev))["epoch"] >= epoch and s, f"build epoch {epoch}"
    )


def save(root: Path, rel: str, text: str) -> None:
    (root / rel).write_text(text, encoding="utf-8")


@pytest.fixture
def serve_site(site_factory):
    """Start a dev server on a scratch site; yields (server, source); always stops it."""
    servers: list[DevServer] = []

    def start(files: dict[str, str | bytes | None] | None = None) -> tuple[DevServer, Path]:
        root = site_factory({AWARD: award("Première version"), **(files or {})})
        dev = DevServer(root, delay=0.3, poll_timeout=5.0)
        servers.append(dev)
        dev.start()
        return dev, root

    yield start
    for dev in servers:
        dev.close()


# --- serving -------------------------------------------------------------------------


def test_serve_injects_the_reload_script_into_served_pages_but_not_built_files(
    serve_site, tmp_path
):
    dev, root = serve_site()
    code, page, headers = get(dev.base_url + PAGE)
    assert code == 200
    assert "Première version" in page
    assert '<script src="/__sitegen__/livereload.js" data-epoch="1" defer></script>\n</body>' in page
    assert headers["Cache-Control"] == "no-cache"
    on_disk = (dev.out_dir / PAGE / "index.html").read_bytes()
    assert b"__sitegen__" not in on_disk
    # The served folder is exactly what `sitegen build` writes for the same URL.
    reference = tmp_path / "reference"
    build_site(root, reference, base_url=dev.base_url)
    built = {p.relative_to(reference): p.read_bytes() for p in reference.rglob("*") if p.is_file()}
    served = {p.relative_to(dev.out_dir): p.read_bytes() for p in dev.out_dir.rglob("*") if p.is_file()}
    assert served == built
    # Other files are served as they are.
    css = next(p for p in built if p.suffix == ".css")
    code, text, _ = get(dev.base_url + css.as_posix())
    assert code == 200 and text.encode("utf-8") == built[css]


def test_serve_serves_its_script_status_and_404_page(serve_site):
    dev, _ = serve_site()
    code, script, headers = get(dev.base_url + "__sitegen__/livereload.js")
    assert code == 200 and headers["Content-Type"].startswith("text/javascript")
    assert "/__sitegen__/livereload?epoch=" in script and "innerHTML" not in script
    assert status_of(dev) == {
        "epoch": 1, "ok": True, "has_site": True, "internal": False, "errors": []}
    # Other origins may read the site, as on a real host, but not the build status.
    assert "Access-Control-Allow-Origin" not in get(dev.base_url + "__sitegen__/status")[2]
    assert get(dev.base_url + "awards/a1/credential.json")[2]["Access-Control-Allow-Origin"] == "*"
    code, page, _ = get(dev.base_url + "no/such/page/")
    assert code == 404 and 'src="/__sitegen__/livereload.js"' in page
    code, _, _ = get(dev.base_url + "__sitegen__/nothing")
    assert code == 404


def test_serve_only_listens_on_loopback(serve_site):
    dev, _ = serve_site()
    assert dev.server.server_address[0] == "127.0.0.1"
    assert dev.base_url.startswith("http://127.0.0.1:")


# --- rebuilding ------------------------------------------------------------------------


def test_editing_an_award_rebuilds_and_answers_the_long_poll(serve_site):
    dev, root = serve_site()
    answers: list[tuple[float, dict[str, object]]] = []

    def long_poll() -> None:
        _, text, _ = get(dev.base_url + "__sitegen__/livereload?epoch=1")
        answers.append((time.monotonic(), json.loads(text)))

    poller = threading.Thread(target=long_poll, daemon=True)
    poller.start()
    time.sleep(0.3)
    assert not answers, "the long-poll must wait while nothing changes"
    saved = time.monotonic()
    save(root, AWARD, award("Deuxième version"))
    poller.join(WAIT)
    assert answers, "the long-poll did not return after the edit"
    answered, status = answers[0]
    assert status["epoch"] == 2 and status["ok"] is True
    assert answered - saved < WAIT
    code, page, _ = get(dev.base_url + PAGE)
    assert code == 200 and "Deuxième version" in page and "Première version" not in page
    assert 'data-epoch="2"' in page


def test_long_poll_returns_the_same_epoch_after_its_timeout(site_factory):
    root = site_factory()
    with DevServer(root, poll_timeout=0.5) as dev:
        dev.start()
        started = time.monotonic()
        code, text, _ = get(dev.base_url + "__sitegen__/livereload?epoch=1")
        assert code == 200 and json.loads(text)["epoch"] == 1
        assert 0.4 < time.monotonic() - started < WAIT


def test_a_burst_of_saves_gives_one_rebuild(serve_site):
    dev, root = serve_site()
    for n in range(5):
        save(root, AWARD, award(f"Version {n}"))
        time.sleep(0.03)
    wait_for_epoch(dev, 2)
    time.sleep(1.0)  # longer than the debounce delay plus a rebuild
    assert status_of(dev)["epoch"] == 2
    assert "Version 4" in get(dev.base_url + PAGE)[1]


def test_a_new_award_rebuilds_once_although_the_build_writes_the_status_lock(serve_site):
    dev, root = serve_site()
    lock = (root / "status-indexes.yaml").read_text(encoding="utf-8")
    save(root, "content/awards/2024/a2.yaml", award("Une autre"))
    wait_for_epoch(dev, 2)
    assert (root / "status-indexes.yaml").read_text(encoding="utf-8") != lock
    time.sleep(1.0)
    assert status_of(dev)["epoch"] == 2
    assert get(dev.base_url + "awards/a2/")[0] == 200


def test_hidden_temporary_and_output_files_do_not_rebuild(serve_site):
    dev, root = serve_site()
    save(root, "content/awards/2024/.a1.yaml.swp", "x")
    save(root, "content/awards/2024/a1.yaml~", "x")
    save(root, "content/awards/2024/4913", "")
    (root / "_site").mkdir()
    save(root, "_site/index.html", "x")
    save(root, "notes.txt", "x")
    time.sleep(1.0)
    assert status_of(dev)["epoch"] == 1


def test_a_theme_override_rebuilds(serve_site):
    dev, root = serve_site()
    (root / "themes/default/static").mkdir(parents=True)
    save(root, "themes/default/static/extra.css", "body { color: black }\n")
    wait_for_epoch(dev, 2)
    assert get(dev.base_url + "static/extra.css")[0] == 200


# --- bad edits -------------------------------------------------------------------------


def test_a_broken_file_is_reported_and_the_last_good_site_stays_served(serve_site):
    dev, root = serve_site()
    save(root, AWARD, BROKEN_YAML)
    status = wait_for_epoch(dev, 2)
    assert status["ok"] is False and status["has_site"] is True and status["internal"] is False
    error, *others = status["errors"]  # errors first, then warnings
    assert all(other["severity"] == "warning" for other in others)
    assert error["location"] == f"{AWARD}:2:12"
    assert (error["path"], error["line"], error["column"]) == (AWARD, 2, 12)
    assert error["code"] == "yaml.syntax" and error["message"]
    code, page, _ = get(dev.base_url + PAGE)
    assert code == 200 and "Première version" in page
    assert get(dev.base_url)[0] == 200
    save(root, AWARD, award("Réparée"))
    status = wait_for_epoch(dev, 3)
    assert status["ok"] is True and status["errors"] == []
    assert "Réparée" in get(dev.base_url + PAGE)[1]


def test_a_content_error_is_printed_as_diagnostics(site_factory):
    root = site_factory()
    out: list[str] = []
    err: list[str] = []
    with DevServer(root, out=out.append, err=err.append) as dev:
        dev.start()
        save(root, AWARD, AWARD_YAML.replace("ponctuel", "ponctuell"))
        wait_for_epoch(dev, 2)
        wait_until(lambda: len(err) >= 2, "the terminal report")
    assert "built in" in out[0] and "1 issuer(s), 1 badge(s), 1 award(s)" in out[0]
    assert (f"{AWARD}:1:8: error[award.unknown-badge]: badge 'ponctuell' does not exist\n"
            "  hint: did you mean 'ponctuel'?") in err[-2]
    assert "build failed (content errors)" in err[-1]
    assert "still serving the last good version" in err[-1]


def test_an_internal_error_keeps_the_server_running(serve_site, monkeypatch):
    dev, root = serve_site()
    real_build = serve_module.build_site

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(serve_module, "build_site", explode)
    save(root, AWARD, award("Jamais publiée"))
    status = wait_for_epoch(dev, 2)
    assert status["ok"] is False and status["internal"] is True
    assert status["errors"][0]["message"] == "RuntimeError: boom"
    assert "Première version" in get(dev.base_url + PAGE)[1]
    monkeypatch.setattr(serve_module, "build_site", real_build)
    save(root, AWARD, award("Publiée"))
    assert wait_for_epoch(dev, 3)["ok"] is True
    assert "Publiée" in get(dev.base_url + PAGE)[1]


def test_a_site_broken_from_the_start_is_served_as_an_error_page_until_fixed(serve_site):
    dev, root = serve_site({AWARD: 'badge: "<img src=x>"\nrecipient:\n  email: a@b.c\n'
                                   "issued: 2024-03-14\n"})
    status = status_of(dev)
    assert status["ok"] is False and status["has_site"] is False
    code, page, _ = get(dev.base_url + PAGE)
    assert code == 503
    assert "The site could not be built" in page
    assert f"<code>{AWARD}:1:8</code>" in page
    assert "&lt;img src=x&gt;" in page and "<img src=x>" not in page
    assert '<script src="/__sitegen__/livereload.js" data-epoch="1" defer></script>' in page
    save(root, AWARD, award("Enfin"))
    assert wait_for_epoch(dev, 2)["ok"] is True
    code, page, _ = get(dev.base_url + PAGE)
    assert code == 200 and "Enfin" in page


# --- the command line ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("launch", ["directly", "with SIGINT ignored"])
def test_sitegen_serve_command_serves_rebuilds_and_stops_on_ctrl_c(site_factory, launch):
    root = site_factory({AWARD: award("Depuis la ligne de commande")})
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "sitegen", "serve", "--source", str(root), "--port", str(port)]
    if launch != "directly":  # as a shell starts a background job: the signal is ignored
        command = ["sh", "-c", 'trap "" INT; exec "$0" "$@"', *command]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_until(lambda: _answers(base), "the server to answer", timeout=30)
        assert "Depuis la ligne de commande" in get(base + PAGE)[1]
        save(root, AWARD, BROKEN_YAML)
        wait_until(lambda: json.loads(get(base + "__sitegen__/status")[1])["epoch"] == 2,
                   "the rebuild")
        assert get(base + PAGE)[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            stdout, stderr = process.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
    assert process.returncode == 0, stderr
    lines = stdout.splitlines()
    assert "built in" in lines[0]
    assert lines[1] == f"serving at {base} — watching for changes (Ctrl+C to stop)"
    assert lines[-1] == "stopped"
    assert f"{AWARD}:2:12: error[yaml.syntax]" in stderr
    assert "still serving the last good version" in stderr
    assert "Traceback" not in stderr


def _answers(base: str) -> bool:
    try:
        return get(base, timeout=1)[0] == 200
    except OSError:
        return False


def test_sitegen_serve_reports_a_busy_port_without_traceback(site_factory):
    root = site_factory()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "sitegen", "serve", "--source", str(root), "--port", str(port)],
            capture_output=True, text=True, timeout=30,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_sitegen_serve_refuses_a_missing_source_folder(tmp_path):
    from click.testing import CliRunner

    from sitegen.cli import main

    result = CliRunner().invoke(main, ["serve", "--source", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "is not a folder" in result.stderr
    assert not (tmp_path / "nowhere").exists()


# --- pure parts ------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "watched"), [
    ("site.yaml", True),
    ("status-indexes.yaml", True),
    ("content", True),
    ("content/awards/2024/a1.yaml", True),
    ("content/badges/ponctuel.png", True),
    ("themes/default/templates/base.html", True),
    ("_site/index.html", False),
    (".sitegen/serve/index.html", False),
    (".git/index", False),
    (".keys/atelier.key", False),
    ("content/awards/.a1.yaml.swp", False),
    ("content/awards/a1.yaml~", False),
    ("content/awards/.#a1.yaml", False),
    ("content/awards/#a1.yaml#", False),
    ("content/awards/4913", False),
    ("README.md", False),
    ("docs/index.md", False),
])
def test_is_watched_keeps_sources_and_ignores_output_hidden_and_editor_files(path, watched):
    assert is_watched(PurePosixPath(path)) is watched


def test_is_editor_temp_recognises_vim_and_emacs_scratch_files():
    assert all(map(is_editor_temp, ["4913", "a.yaml.swp", "a.yaml~", ".#a.yaml", "#a.yaml#"]))
    assert not any(map(is_editor_temp, ["a.yaml", "4914", "notes.md"]))


def test_inject_script_goes_before_the_last_closing_body_tag():
    tag = script_tag(7)
    page = b"<html><body><p>&lt;/body&gt;</p><pre></body></pre></BODY >\n</html>"
    injected = inject_script(page, tag)
    assert injected == page.replace(b"</BODY >", tag + b"\n</BODY >")
    assert inject_script(b"<p>fragment</p>", tag) == b"<p>fragment</p>" + tag


def test_status_document_lists_problems_with_their_location():
    from sitegen.diagnostics import Diagnostic, Severity, Span
    from sitegen.livereload import problems_from

    diagnostic = Diagnostic(severity=Severity.ERROR, code="award.bad-date", message="bad",
                            span=Span("content/a.yaml", 4, 9), hint="write YYYY-MM-DD")
    status = BuildStatus(epoch=3, ok=False, has_site=True, problems=problems_from([diagnostic]))
    assert json.loads(status.to_json()) == {
        "epoch": 3, "ok": False, "has_site": True, "internal": False,
        "errors": [{"location": "content/a.yaml:4:9", "path": "content/a.yaml", "line": 4,
                    "column": 9, "severity": "error", "code": "award.bad-date",
                    "message": "bad", "hint": "write YYYY-MM-DD"}],
    }


def test_describe_changes_names_two_files_and_counts_the_rest():
    paths = frozenset(PurePosixPath(f"content/awards/a{n}.yaml") for n in range(4))
    assert describe_changes(paths) == "content/awards/a0.yaml, content/awards/a1.yaml and 2 more"
