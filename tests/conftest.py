"""Fixtures shared by every test directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sage_async._client import DEFAULT_REGISTRY


@pytest.fixture(autouse=True)
def _fresh_default_registry() -> Iterator[None]:
    """Every test starts and ends with no process-wide governor: throttling state never leaks."""
    DEFAULT_REGISTRY.clear()
    yield
    DEFAULT_REGISTRY.clear()
