"""Re-authentication under repeated token invalidation, and one retry budget per call."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from sage_async import (
    AccountingClient,
    AuthenticationError,
    GovernorRegistry,
    OAuthError,
    RateLimitError,
    RetryPolicy,
    SalesClient,
    ServerError,
)
from sage_async._client import FRESH_TOKEN_REFUSALS
from sage_async._retry import set_testing
from sage_async.testing import Sandbox


RECORDS = 3000
FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.01, retry_after_spread=0.0)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=11, sales_records=RECORDS, accounting_records=RECORDS) as sb:
        yield sb


def sales(sb: Sandbox, **kw: Any) -> SalesClient:
    creds = sb.sales_credentials
    options: dict[str, Any] = {
        "public_key": creds.public_key, "private_key": creds.private_key,
        "base_url": sb.sales_url, "rate": 1000.0, "retry": FAST, "registry": GovernorRegistry(),
    }  # fmt: skip
    options.update(kw)
    return SalesClient(**options)


def accounting(sb: Sandbox, **kw: Any) -> AccountingClient:
    creds = sb.accounting_credentials
    tokens = sb.accounting_tokens()
    options: dict[str, Any] = {
        "access_token": str(tokens["access_token"]),
        "refresh_token": str(tokens["refresh_token"]),
        "client_id": creds.client_id, "client_secret": creds.client_secret,
        "base_url": sb.accounting_url, "token_url": sb.token_url,
        "rate": 1000.0, "per": 1.0, "retry": FAST, "registry": GovernorRegistry(),
    }  # fmt: skip
    options.update(kw)
    return AccountingClient(**options)


def count(sb: Sandbox, api: str, method: str, path: str) -> int:
    return sum(1 for e in sb.log if e.api == api and e.method == method and e.path == path)


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_sales_iterate_survives_tokens_invalidated_in_bursts(
    sandbox: Sandbox, concurrency: int
) -> None:
    """
    Tokens invalidated on 3 requests in a row out of every 25: a full Sales ``iterate()``
    re-logs in as often as needed (a re-sent page meets another 401 when it is one of the
    burst) and delivers every record exactly once, one page at a time or concurrently.
    """
    fault = sandbox.faults.expire_tokens(api="sales", path="/accounts", every=25, burst=3,
                                         times=None)  # fmt: skip
    async with sales(sandbox) as client:
        ids = [
            r["id"]
            async for r in client.accounts.iterate(page_size=20, raw=True, concurrency=concurrency)
        ]
    assert sorted(sandbox.ids("sales", "accounts")) == sorted(ids)
    assert len(ids) == len(set(ids))
    assert fault.fired >= 12  # the run really met repeated invalidations
    assert client.login_count >= 5


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_accounting_iterate_survives_tokens_invalidated_in_bursts(
    sandbox: Sandbox, concurrency: int
) -> None:
    """
    Access tokens invalidated on 3 requests in a row out of every 25: a full Accounting
    ``iterate()`` refreshes as often as needed and delivers every record exactly once, one
    page at a time or concurrently.
    """
    fault = sandbox.faults.expire_tokens(api="accounting", path="/stock_items", every=25,
                                         burst=3, times=None)  # fmt: skip
    async with accounting(sandbox) as client:
        ids = [
            r["id"]
            async for r in client.stock_items.iterate(
                items_per_page=20, raw=True, concurrency=concurrency
            )
        ]
    assert sorted(sandbox.ids("accounting", "stock_items")) == sorted(ids)
    assert len(ids) == len(set(ids))
    assert fault.fired >= 12
    assert client.refresh_count >= 5


async def test_sales_wrong_keys_still_fail_after_one_login(sandbox: Sandbox) -> None:
    """A wrong private key fails the call at once: one refused login, no API request."""
    async with sales(sandbox, private_key="wrong-secret") as client:
        with pytest.raises(AuthenticationError):
            await client.accounts.get(1)
    assert 1 == count(sandbox, "sales", "POST", "/login")
    assert 0 == count(sandbox, "sales", "GET", "/accounts/1")


async def test_accounting_wrong_refresh_token_fails_after_one_refresh(sandbox: Sandbox) -> None:
    """An expired access token with a refresh token the server refuses: one refresh, then fail."""
    ids = sandbox.ids("accounting", "stock_items")[:1]
    client = accounting(sandbox, refresh_token="not-a-refresh-token")
    sandbox.expire_tokens()
    async with client:
        with pytest.raises(OAuthError):
            await client.stock_items.get(ids[0])
    assert 1 == sum(1 for e in sandbox.log if e.api == "oauth")


async def test_sales_fresh_token_refused_every_time_is_fatal(sandbox: Sandbox) -> None:
    """
    An API that refuses every token, even one just obtained, fails the call after the first
    login and FRESH_TOKEN_REFUSALS renewals instead of looping.
    """
    sandbox.faults.status(401, api="sales", path="/accounts/*", times=None)
    async with sales(sandbox) as client:
        with pytest.raises(AuthenticationError):
            await client.accounts.get(1)
    assert 1 + FRESH_TOKEN_REFUSALS == count(sandbox, "sales", "POST", "/login")
    assert 1 + FRESH_TOKEN_REFUSALS == count(sandbox, "sales", "GET", "/accounts/1")


async def test_sales_failing_login_costs_one_attempt_of_the_call(sandbox: Sandbox) -> None:
    """
    A login that keeps failing (502) is retried by the call's one retry loop only: 5 attempts
    send 5 login POSTs in all (not 5 per attempt), and the call raises the server error.
    """
    sandbox.faults.status(502, api="sales", method="POST", path="/login", times=None)
    async with sales(sandbox) as client:
        with pytest.raises(ServerError):
            await client.accounts.get(1)
    assert FAST.max_attempts == count(sandbox, "sales", "POST", "/login")
    assert 0 == count(sandbox, "sales", "GET", "/accounts/1")


async def test_accounting_throttled_refresh_costs_one_attempt_of_the_call(
    sandbox: Sandbox,
) -> None:
    """
    A token endpoint that keeps answering 429 is retried by the call's one retry loop only:
    5 attempts send 5 refresh POSTs in all (not 5 per attempt).
    """
    client = accounting(sandbox)
    sandbox.expire_tokens()
    sandbox.faults.status(429, api="oauth", method="POST", times=None)
    with set_testing(True):  # no Retry-After waits
        async with client:
            with pytest.raises(RateLimitError):
                await client.stock_items.get(sandbox.ids("accounting", "stock_items")[0])
    assert FAST.max_attempts == sum(1 for e in sandbox.log if e.api == "oauth")


async def test_sales_429_on_login_pauses_the_credential(sandbox: Sandbox) -> None:
    """A 429 answering the login pauses the credential's governor for its Retry-After."""
    sandbox.faults.status(429, api="sales", method="POST", path="/login", times=1, retry_after=1)
    async with sales(sandbox) as client:
        started = time.monotonic()
        account = await client.accounts.get(1)
        paused_until = client.governor.paused_until
    assert 1 == account.id
    assert 2 == count(sandbox, "sales", "POST", "/login")
    assert paused_until >= started + 1.0


async def test_sales_create_is_retried_when_only_its_login_failed(sandbox: Sandbox) -> None:
    """
    A POST whose login failed was never sent: the call retries it, and the record is created
    exactly once.
    """
    sandbox.faults.status(502, api="sales", method="POST", path="/login", times=1)
    before = sandbox.count("sales", "accounts")
    async with sales(sandbox) as client:
        created = await client.accounts.create(
            {"name": "Once Ltd", "branchId": 1, "salesRepId1": 1}, raw=True
        )
    assert "Once Ltd" == sandbox.record("sales", "accounts", created["id"])["name"]
    assert 1 == count(sandbox, "sales", "POST", "/accounts")
    assert before + 1 == sandbox.count("sales", "accounts")
