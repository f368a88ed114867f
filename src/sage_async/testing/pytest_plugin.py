"""
A pytest plugin with a ``sage_sandbox`` fixture: a fresh :class:`~sage_async.testing.Sandbox`
per test.

Enable it in a ``conftest.py``::

    pytest_plugins = ["sage_async.testing.pytest_plugin"]

and write async tests (this needs ``pytest-asyncio`` in your environment). The plugin marks every
``async def`` test that asks for ``sage_sandbox`` with ``@pytest.mark.asyncio`` itself, so it
works under pytest-asyncio's default strict mode as well as with ``asyncio_mode = "auto"``::

    async def test_lists_accounts(sage_sandbox):
        async with SalesClient(
            public_key=sage_sandbox.sales_credentials.public_key,
            private_key=sage_sandbox.sales_credentials.private_key,
            base_url=sage_sandbox.sales_url,
        ) as client:
            ...

Settings come from the ``sage_sandbox_options`` marker, passed to :class:`Sandbox` as keyword
arguments (defaults: ``seed=0``, 100 records per resource)::

    @pytest.mark.sage_sandbox_options(sales_records=5_000, seed=3)
    async def test_big_export(sage_sandbox): ...
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Generator
from typing import Any

import pytest
import pytest_asyncio

from sage_async.testing._sandbox import Sandbox


__all__ = ["pytest_configure", "pytest_pycollect_makeitem", "sage_sandbox"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sage_sandbox_options`` marker."""
    config.addinivalue_line(
        "markers", "sage_sandbox_options(**kwargs): keyword arguments for the sage_sandbox fixture"
    )


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, object, None]:
    """
    Mark ``async def`` tests that use ``sage_sandbox`` with ``@pytest.mark.asyncio``.

    Runs before pytest-asyncio turns coroutine functions into its own items, so that in strict
    mode (pytest-asyncio's default) a test using the fixture needs no marker of its own.
    """
    marks = getattr(obj, "pytestmark", ())
    if (
        inspect.iscoroutinefunction(obj)
        and "sage_sandbox" in _parameters(obj)
        and not any(m.name == "asyncio" for m in marks)
    ):
        pytest.mark.asyncio(obj)
    yield


def _parameters(obj: Any) -> set[str]:
    try:
        return set(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return set()


@pytest_asyncio.fixture
async def sage_sandbox(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    """A started :class:`Sandbox`, closed after the test."""
    marker = request.node.get_closest_marker("sage_sandbox_options")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    async with Sandbox(**options) as sandbox:
        yield sandbox
