"""Registers the jsverify marker and a session-wide JavaScript verifier fixture."""

from __future__ import annotations

import pytest

from .client import JsVerifier, make_verifier


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "jsverify: verifies Open Badges 3.0 credentials with the Digital Bazaar JavaScript stack",
    )


@pytest.fixture(scope="session")
def js_verifier() -> JsVerifier:
    return make_verifier()
