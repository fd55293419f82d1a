"""Registers the validator marker and a validator fixture for the harness's self-tests."""

from __future__ import annotations

import pytest

from .client import OB2Validator, make_validator


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "validator: runs the 1EdTech Open Badges 2.0 validator in its own virtual environment",
    )


@pytest.fixture(scope="session")
def ob2_validator() -> OB2Validator:
    # Project-wide tests get theirs from tests/conftest.py; this one serves this folder.
    return make_validator()
