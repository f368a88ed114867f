"""Record keys: refused when they would leave the item path, sent as exactly one segment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sage_async import (
    AccountingClient,
    InvalidParameterError,
    NotFoundError,
    SalesClient,
)
from sage_async.testing import Sandbox


Sales = Callable[..., SalesClient]
Accounting = Callable[..., AccountingClient]
#: Keys that would name the collection, its parent, or carry a control character.
NOT_A_KEY: list[Any] = ["", ".", "..", None, "a\nb", "\x00", "x\x7f"]
#: Not Sales ids: Sales ids are integers.
NOT_A_SALES_ID: list[Any] = ["1;2", "abc", "1/2", " 1", "-1", -1, "١٢", True, 1.5]


def api_requests(sb: Sandbox) -> list[Any]:
    return [e for e in sb.log if e.api in ("sales", "accounting") and e.path != "/login"]


async def test_sales_refuses_keys_that_leave_the_item_path(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """
    get/update/delete with an empty, ``.``/``..``, None or control-character key, or an id
    that is not a non-negative integer or a string of ASCII digits, raise
    InvalidParameterError and send nothing.
    """
    refused = 0
    async with sales_client() as client:
        for key in [*NOT_A_KEY, *NOT_A_SALES_ID]:
            for call in (
                client.accounts.get(key),
                client.accounts.delete(key),
                client.accounts.update(key, {"name": "x"}),
            ):
                with pytest.raises(InvalidParameterError):
                    await call
                refused += 1
    assert 3 * (len(NOT_A_KEY) + len(NOT_A_SALES_ID)) == refused
    assert [] == api_requests(sandbox)


async def test_sales_digit_string_id_fetches_the_record(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """A Sales id given as a string of digits addresses that record."""
    record_id = sandbox.ids("sales", "accounts")[3]
    async with sales_client() as client:
        account = await client.accounts.get(str(record_id))
    assert record_id == account.id
    assert [f"/accounts/{record_id}"] == [e.raw_path for e in api_requests(sandbox)]


async def test_accounting_refuses_keys_that_leave_the_item_path(
    sandbox: Sandbox, accounting_client: Accounting
) -> None:
    """
    get/update/delete with an empty, ``.``/``..``, None or control-character key raise
    InvalidParameterError and send nothing.
    """
    refused = 0
    async with accounting_client() as client:
        for key in NOT_A_KEY:
            for call in (
                client.stock_items.get(key),
                client.stock_items.delete(key),
                client.stock_items.update(key, {"description": "x"}),
            ):
                with pytest.raises(InvalidParameterError):
                    await call
                refused += 1
    assert 3 * len(NOT_A_KEY) == refused
    assert [] == api_requests(sandbox)


@pytest.mark.parametrize(
    ("key", "wire"),
    [
        ("1;2", "/stock_items/1%3B2"),
        ("a/b", "/stock_items/a%2Fb"),
        ("../contacts", "/stock_items/..%2Fcontacts"),
        ("%2E%2E", "/stock_items/%252E%252E"),
        ("a?b#c", "/stock_items/a%3Fb%23c"),
        ("é ü", "/stock_items/%C3%A9%20%C3%BC"),
    ],
)
async def test_accounting_key_reaches_the_server_as_one_segment(
    sandbox: Sandbox, accounting_client: Accounting, key: str, wire: str
) -> None:
    """
    A key with reserved characters is percent-encoded and sent as it was built (not decoded
    and re-normalised on the way): the server sees one segment, the key itself.
    """
    async with accounting_client() as client:
        with pytest.raises(NotFoundError):
            await client.stock_items.get(key)
    sent = api_requests(sandbox)
    assert [wire] == [e.raw_path for e in sent]
    assert [f"/stock_items/{key}"] == [e.path for e in sent]


async def test_accounting_singleton_needs_no_key(
    sandbox: Sandbox, accounting_client: Accounting
) -> None:
    """
    A singleton resource (``user``) is fetched at its own path, without a key; a key given
    to it is refused rather than ignored.
    """
    async with accounting_client() as client:
        await client.user.get()
        with pytest.raises(InvalidParameterError):
            await client.user.get("someone")
    assert ["/user"] == [e.raw_path for e in api_requests(sandbox)]
