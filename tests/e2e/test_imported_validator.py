"""An award imported with a kept hashed email still verifies for its earner (1EdTech validator)."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.commands.build import build_site
from sitegen.devserver import make_server
from tests.conftest import png_bytes

pytestmark = [pytest.mark.validator, pytest.mark.slow]

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "migrate" / "ob2-json"
EARNER = "beth@example.org"


def test_imported_hashed_award_is_valid_for_the_earners_email(site_factory, tmp_path,
                                                               ob2_validator):
    export = tmp_path / "export"
    shutil.copytree(FIXTURES, export)
    (export / "robotics-badge.png").write_bytes(png_bytes(128))
    # The specification's assertion, hashed for an address the test knows.
    assertion = json.loads((export / "beths-robotics-badge.json").read_text())
    digest = hashlib.sha256(f"{EARNER}deadsea".encode()).hexdigest()
    assertion["recipient"]["identity"] = f"sha256${digest}"
    (export / "beths-robotics-badge.json").write_text(json.dumps(assertion))
    root = site_factory()
    result = CliRunner().invoke(main, ["import", "--source", str(root), "--from", "ob2-json",
                                       str(export)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (award,) = (root / "content/awards/imported-ob2-json").glob("*.yaml")

    out = tmp_path / "out"
    server = make_server(out, 0, quiet=True)
    base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    build_site(root, out, base_url=base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"{base_url}awards/{award.stem}/assertion.json"
        right, wrong = ob2_validator.run([
            {"kind": "verify", "input": url, "recipient": {"email": EARNER}},
            {"kind": "verify", "input": url, "recipient": {"email": "mallory@example.org"}},
        ])
    finally:
        server.shutdown()
        server.server_close()
    report = right["report"]
    assert report["valid"], report["messages"]
    assert report["errorCount"] == 0
    assert report["recipientProfile"] == {"email": EARNER}
    assert not wrong["report"]["valid"]
