"""Empty, cut and HTML 200 bodies on every kind of call: retried when safe, never a silent None."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sage_async import DecodeError, SageError
from sage_async.testing import Sandbox

from .conftest import accounting, sales
from .proxy import Rule, fault_proxy


sys.path.insert(0, str(Path(__file__).parents[1] / "clients"))
from test_crud_sandbox import build  # write payloads with every required field


HTML = b"<html><head><title>Service Unavailable</title></head><body>maintenance</body></html>"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=5, sales_records=120, accounting_records=120, businesses=1) as sb:
        yield sb


def root(sb: Sandbox) -> str:
    return sb.sales_url.split("/sales/")[0]


def sent(sb: Sandbox, api: str, method: str) -> int:
    return len(sb.log.filter(api=api, method=method))


@pytest.mark.parametrize("kind", ["empty_body", "truncate"])
async def test_reads_retry_empty_and_cut_bodies(sandbox: Sandbox, kind: str) -> None:
    """A 200 with an empty or cut body on get() and list() of either API is re-sent once."""
    key = sandbox.ids("accounting", "stock_items")[0]
    async with sales(sandbox) as s, accounting(sandbox) as a:
        calls: list[tuple[str, str, Any]] = [
            ("sales", "/accounts/*", lambda: s.accounts.get(2)),
            ("sales", "/accounts", lambda: s.accounts.list()),
            ("accounting", "/stock_items/*", lambda: a.stock_items.get(key)),
            ("accounting", "/stock_items", lambda: a.stock_items.list()),
        ]
        for api, path, call in calls:
            sandbox.faults.clear()
            getattr(sandbox.faults, kind)(api=api, method="GET", path=path, times=1)
            before = sent(sandbox, api, "GET")
            assert await call()
            assert 2 == sent(sandbox, api, "GET") - before


@pytest.mark.parametrize("kind", ["truncate", "reset"])
async def test_cut_create_is_not_resent(sandbox: Sandbox, kind: str) -> None:
    """A create whose answer is cut raises a SageError and is not re-sent (no duplicate record)."""
    async with sales(sandbox) as s, accounting(sandbox) as a:
        for api, name, resource in [("sales", "accounts", s.accounts),
                                    ("accounting", "stock_items", a.stock_items)]:  # fmt: skip
            sandbox.faults.clear()
            getattr(sandbox.faults, kind)(api=api, method="POST", path="/" + name, times=1)
            before = sandbox.count(api, name)  # type: ignore[arg-type]
            with pytest.raises(SageError):
                await resource.create(build(resource.spec.write_model, sandbox, api))
            assert 1 == sandbox.count(api, name) - before  # type: ignore[arg-type]


@pytest.mark.parametrize("api", ["sales", "accounting"])
async def test_create_with_empty_200_body_is_a_decode_error(sandbox: Sandbox, api: str) -> None:
    """
    A create answered 200/201 with an empty body raises DecodeError (the record may exist, its
    id is unknown); it never returns ``None`` where the signature promises a model.
    """
    async with sales(sandbox) as s, accounting(sandbox) as a:
        resource: Any = s.accounts if api == "sales" else a.stock_items
        await resource.list(raw=True)  # logged in first: the fault is for the create itself
        sandbox.faults.empty_body(api=api, method="POST", times=1)
        with pytest.raises(DecodeError):
            await resource.create(build(resource.spec.write_model, sandbox, api))


async def test_accounting_update_with_empty_200_body_is_retried(sandbox: Sandbox) -> None:
    """An Accounting update (PUT, idempotent) answered 200 with an empty body is re-sent."""
    key = sandbox.ids("accounting", "stock_items")[1]
    async with accounting(sandbox) as client:
        sandbox.faults.empty_body(api="accounting", method="PUT", times=1)
        item = await client.stock_items.update(key, {"description": "changed"})
    assert "changed" == item.description


async def test_sales_delete_with_cut_answer_succeeds(sandbox: Sandbox) -> None:
    """A Sales delete whose answer body is cut still succeeds: the record is deleted."""
    async with sales(sandbox) as client:
        sandbox.faults.truncate(api="sales", method="DELETE", times=1)
        await client.accounts.delete(4)
    assert sandbox.record("sales", "accounts", 4)["deleted"] is True


async def test_html_200_on_pages_and_get_is_retried(sandbox: Sandbox) -> None:
    """
    A 200 carrying a proxy's HTML page instead of JSON, on a list page or a get of either API,
    is re-sent; the run still yields every record once.
    """
    async with fault_proxy(root(sandbox)) as proxy:
        key = sandbox.ids("accounting", "stock_items")[0]
        proxy.rules += [
            Rule("GET", "/sales/api/v4/accounts", HTML, times=2),
            Rule("GET", "/sales/api/v4/accounts/*", HTML),
            Rule("GET", "/accounting/v3.1/stock_items", HTML, times=2),
            Rule("GET", "/accounting/v3.1/stock_items/*", HTML),
        ]
        s_url = proxy.url + "/sales/api/v4"
        a_url = proxy.url + "/accounting/v3.1"
        async with sales(sandbox, base_url=s_url) as s, accounting(sandbox, base_url=a_url) as a:
            sales_ids = [r.id async for r in s.accounts.iterate(page_size=20)]
            acc_ids = [r.id async for r in a.stock_items.iterate(items_per_page=20)]
            assert 2 == (await s.accounts.get(2)).id
            assert key == (await a.stock_items.get(key)).id
    assert sorted(sandbox.ids("sales", "accounts")) == sorted(sales_ids)
    assert sorted(sandbox.ids("accounting", "stock_items")) == sorted(acc_ids)
    assert [2, 1, 2, 1] == [rule.fired for rule in proxy.rules]


async def test_html_200_on_token_endpoint_is_a_sage_error(sandbox: Sandbox) -> None:
    """An HTML 200 from the token endpoint during a refresh is a SageError, not a crash."""
    async with fault_proxy(root(sandbox)) as proxy:
        proxy.rules.append(Rule("POST", "/oauth/token", HTML))
        async with accounting(sandbox, token_url=proxy.url + "/oauth/token") as client:
            with pytest.raises(SageError):
                await client.refresh()


async def test_html_200_on_sales_login_is_retried(sandbox: Sandbox) -> None:
    """An HTML 200 answering the Sales login is retried like a cut body; the call succeeds."""
    async with fault_proxy(root(sandbox)) as proxy:
        proxy.rules.append(Rule("POST", "/sales/api/v4/login", HTML))
        async with sales(sandbox, base_url=proxy.url + "/sales/api/v4") as client:
            assert 3 == (await client.accounts.get(3)).id
    assert 1 == proxy.rules[0].fired
