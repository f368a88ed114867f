"""How clients resolve, share and report their tenant's governor (against the sandbox)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from sage_async import (
    AccountingClient,
    GovernorRegistry,
    RetryPolicy,
    SalesClient,
    ThrottleEvent,
    UsageError,
)
from sage_async._client import DEFAULT_REGISTRY
from sage_async.testing import Sandbox


Sales = Callable[..., SalesClient]
Accounting = Callable[..., AccountingClient]


async def test_an_empty_registry_given_to_a_client_is_the_one_it_uses(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """A fresh (empty, so falsy) GovernorRegistry is used, and the process-wide one is not."""
    registry = GovernorRegistry()
    async with sales_client(registry=registry) as client:
        await client.accounts.get(sandbox.ids("sales", "accounts")[0])
        assert 1 == len(registry)
        assert client.governor is registry.get("sales", sandbox.sales_credentials.public_key)
    assert 0 == len(DEFAULT_REGISTRY)


async def test_throttle_events_reach_the_clients_on_event(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """
    429s reach on_event: the first as pause and shrink events (an isolated 429 does not slow
    the tenant down), the one right after its pause as slow and pause; a queued request as a
    wait.
    """
    first, second = sandbox.ids("sales", "accounts")[:2]
    sandbox.faults.status(429, api="sales", path=f"/accounts/{first}", times=2, retry_after=0.2)
    events: list[Any] = []
    async with sales_client(on_event=events.append, rate=10.0) as client:
        await client.accounts.get(first)
        await asyncio.gather(client.accounts.get(second), client.accounts.get(second))
    throttle = [event for event in events if isinstance(event, ThrottleEvent)]
    kinds = [e.kind for e in throttle if e.kind != "wait"]
    # the second burst may shrink the window again: its Retry-After is a whole second
    assert ["pause", "shrink", "slow", "pause"] == kinds[:4]
    assert any(e.kind == "wait" and e.seconds > 0.05 for e in throttle)  # 10/s: one waits
    assert {client.tenant} == {e.tenant for e in throttle}


async def test_async_on_event_hooks_are_awaited_for_throttle_events(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """A coroutine on_event receives throttle events too (awaited, never left pending)."""
    sandbox.faults.status(429, api="sales", path="/accounts/*", times=1, retry_after=0.1)
    kinds: list[str] = []

    async def hook(event: object) -> None:
        if isinstance(event, ThrottleEvent):
            kinds.append(event.kind)

    async with sales_client(on_event=hook) as client:
        await client.accounts.get(sandbox.ids("sales", "accounts")[0])
    assert "pause" in kinds


async def test_two_clients_of_one_credential_with_different_rates_are_refused(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """The second client's rate does not silently replace the first's: UsageError, both named."""
    registry = GovernorRegistry()
    account = sandbox.ids("sales", "accounts")[0]
    async with (
        sales_client(registry=registry, rate=4.0) as slow,
        sales_client(registry=registry, rate=13.0) as fast,
    ):
        await slow.accounts.get(account)
        with pytest.raises(UsageError, match=r"4 per 1 s.*13 per 1 s"):
            await fast.accounts.get(account)
        await slow.accounts.get(account)
        assert 4.0 == slow.governor.rate  # never flipped to 13
    sent = [e for e in sandbox.log if e.path == f"/accounts/{account}"]
    assert 2 == len(sent)  # both from the first client: the refused one sent nothing
    assert 1 == len([e for e in sandbox.log if e.path == "/login"])


async def test_the_governor_is_resolved_once_per_client(
    sandbox: Sandbox, sales_client: Sales, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten requests of one client look its governor up in the registry once."""
    registry = GovernorRegistry()
    lookups: list[str] = []
    original = registry.get

    def counting(api: Any, tenant: str, **kw: Any) -> Any:
        lookups.append(api)
        return original(api, tenant, **kw)

    monkeypatch.setattr(registry, "get", counting)
    async with sales_client(registry=registry) as client:
        for key in sandbox.ids("sales", "accounts")[:10]:
            await client.accounts.get(key)
    assert ["sales"] == lookups


async def test_accounting_clients_are_throttled_per_business_served(
    sandbox: Sandbox, accounting_client: Accounting
) -> None:
    """
    A client without business_id shares the governor of the business it is served (the lead),
    with a client that names that business; a client of another business has its own.
    """
    registry = GovernorRegistry()
    lead, other = sandbox.lead_business, sandbox.business_ids[1]
    async with (
        accounting_client(registry=registry) as unnamed,
        accounting_client(registry=registry, business_id=lead) as named,
        accounting_client(registry=registry, business_id=other) as elsewhere,
    ):
        for client in (unnamed, named, elsewhere):
            await client.request("GET", "/stock_items")
        assert lead == unnamed.served_business
        assert unnamed.governor is named.governor
        assert unnamed.governor is not elsewhere.governor
        assert unnamed.tenant != named.tenant  # export watermarks keep their stable label


async def test_default_registry_is_used_without_one(sandbox: Sandbox) -> None:
    """A client given no registry shares the process-wide one (tests reset it, see conftest)."""
    creds = sandbox.sales_credentials
    async with SalesClient(
        public_key=creds.public_key, private_key=creds.private_key, base_url=sandbox.sales_url,
        rate=1000.0, retry=RetryPolicy(max_attempts=1),
    ) as client:  # fmt: skip
        await client.accounts.get(sandbox.ids("sales", "accounts")[0])
    assert 1 == len(DEFAULT_REGISTRY)


def test_default_registry_is_empty_at_the_start_of_each_test() -> None:
    """The autouse fixture cleared the governor the previous test left in the default registry."""
    assert 0 == len(DEFAULT_REGISTRY)
