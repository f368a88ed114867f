"""Odd record keys met as a user would: each is one path segment, or a clear SageError."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sage_async import NotFoundError, SageError
from sage_async.testing import Sandbox

from .conftest import accounting, sales


#: Keys that look like path syntax once decoded; each must reach the server as one segment.
SEGMENT_KEYS = [
    "%2e", "%2e%2e", "%2F", "a/../..", "?x=1", "#frag", "é", "a;b", " ", "\uff0e\uff0e", "\u2028",
]  # fmt: skip


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=3, sales_records=20, accounting_records=20, businesses=1) as sb:
        yield sb


async def test_accounting_odd_keys_stay_one_segment(sandbox: Sandbox) -> None:
    """
    Keys holding ``%2e``, ``/``, ``?``, ``#``, ``;``, spaces or non-ASCII text are sent as
    exactly one percent-encoded segment below the collection and answered 404 by the item
    route (never the collection, its parent or another route).
    """
    async with accounting(sandbox) as client:
        for key in SEGMENT_KEYS:
            with pytest.raises(NotFoundError):
                await client.stock_items.get(key)
    paths = [e.raw_path for e in sandbox.log if e.api == "accounting"]
    assert len(SEGMENT_KEYS) == len(paths)
    for path in paths:
        assert path.startswith("/stock_items/")
        segment = path.removeprefix("/stock_items/")
        assert not {"/", "?", "#"} & set(segment)
        assert segment not in ("", ".", "..")


async def test_accounting_very_long_key_is_a_sage_error(sandbox: Sandbox) -> None:
    """A 20,000-character key is answered by the server (400) as a SageError, not a crash."""
    async with accounting(sandbox) as client:
        with pytest.raises(SageError):
            await client.stock_items.get("x" * 20_000)


async def test_sales_leading_zero_id_addresses_the_record(sandbox: Sandbox) -> None:
    """A Sales id written with leading zeros (``"0003"``) is a string of digits: record 3."""
    async with sales(sandbox) as client:
        account = await client.accounts.get("0003")
    assert 3 == account.id


async def test_sales_huge_integer_id_is_refused_cleanly(sandbox: Sandbox) -> None:
    """
    ``get(10**5000)`` raises a SageError (InvalidParameterError) before sending, like the filter
    builder does for such literals, not Python's raw ``ValueError`` from ``str(int)``.
    """
    async with sales(sandbox) as client:
        with pytest.raises(SageError):
            await client.accounts.get(10**5000)
    assert [] == [e for e in sandbox.log if e.api == "sales" and e.path != "/login"]


async def test_accounting_lone_surrogate_key_is_refused_cleanly(sandbox: Sandbox) -> None:
    """A key with a lone UTF-16 surrogate (``"\\ud800"``) raises InvalidParameterError."""
    async with accounting(sandbox) as client:
        with pytest.raises(SageError):
            await client.stock_items.get("a\ud800")


async def test_sandbox_answers_huge_digit_id_with_910(sandbox: Sandbox) -> None:
    """The sandbox answers a 5000-digit Sales id with 910 (no such record), not a 500 crash."""
    async with sales(sandbox) as client:
        with pytest.raises(SageError) as caught:
            await client.accounts.get("1" * 5000)
    assert 400 == caught.value.status
