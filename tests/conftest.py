"""Shared fixtures: scratch sites written from strings, and the example site."""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from sitegen.commands.build import build_site
from sitegen.devserver import make_server

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _private_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Builds run from the command line keep compiled templates in the user's cache folder:
    the tests' own, not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
        yield

SITE_YAML = """\
title: Test badges
base_url: https://badges.example.org/
language: fr
timezone: Europe/Paris
"""

ISSUER_YAML = """\
name: Atelier Test
url: https://atelier.example.org/
email: contact@atelier.example.org
"""

BADGE_YAML = """\
issuer: atelier
name: Ponctuel
description: Arrive à l'heure.
image:
  file: ponctuel.png
  alt: Une horloge verte
criteria:
  narrative: Validé par l'équipe.
  items:
    - id: ponctualite
      name: Ponctualité
      period: P6M
    - id: communication
      name: Communication
      optional: true
"""

AWARD_YAML = """\
badge: ponctuel
recipient:
  email: Ada@Example.net
issued: 2024-03-14
"""


def png_bytes(width: int = 128, height: int | None = None, mode: str = "RGBA") -> bytes:
    """A small valid PNG."""
    img = Image.new(mode, (width, height or width), (20, 120, 60, 255) if mode == "RGBA" else 0)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


SiteFactory = Callable[..., Path]


@pytest.fixture
def site_factory(tmp_path: Path) -> SiteFactory:
    """Write a scratch site: a valid minimal one, with files replaced or added by path.

    Pass ``None`` as a file's content to leave that file out.
    """

    def make(files: dict[str, str | bytes | None] | None = None) -> Path:
        root = tmp_path / "site"
        layout: dict[str, str | bytes | None] = {
            "site.yaml": SITE_YAML,
            "content/issuers/atelier.yaml": ISSUER_YAML,
            "content/badges/ponctuel.yaml": BADGE_YAML,
            "content/badges/ponctuel.png": png_bytes(),
            "content/awards/2024/a1.yaml": AWARD_YAML,
        }
        layout.update(files or {})
        for rel, content in layout.items():
            if content is None:
                continue
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content), encoding="utf-8")
        return root

    return make


@pytest.fixture(scope="session")
def served_example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the bundled example site for a loopback URL and serve it; yields the base URL."""
    out = tmp_path_factory.mktemp("served") / "site"
    server = make_server(out, 0, quiet=True)
    base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    build_site(ROOT, out, base_url=base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def ob2_validator():
    """The 1EdTech Open Badges 2.0 validator, in a virtual environment of its own."""
    from tests.ob2validator.client import make_validator

    return make_validator()
