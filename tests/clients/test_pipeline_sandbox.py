"""The request pipeline against the sandbox: retries, codes, 429 pauses, auth, secrets."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from sage_async import (
    AccountingClient,
    AuthenticationError,
    BusinessChangedError,
    InvalidQueryError,
    NotFoundError,
    OAuthError,
    ResourceNotFoundError,
    RetryEvent,
    RetryPolicy,
    SalesClient,
    ServerError,
    TokenSet,
    make_pkce,
)
from sage_async.testing import Sandbox


Sales = Callable[..., SalesClient]
Accounting = Callable[..., AccountingClient]


def requests_to(sb: Sandbox, path: str, method: str = "GET") -> list[Any]:
    return [e for e in sb.log if e.path == path and e.method == method]


async def test_900_burst_is_retried_until_success(sandbox: Sandbox, sales_client: Sales) -> None:
    """Two 900 errors then success: the call returns, after exactly three requests."""
    account_id = sandbox.ids("sales", "accounts")[0]
    sandbox.faults.error_900(path=f"/accounts/{account_id}", times=2)
    events: list[Any] = []
    async with sales_client(on_event=events.append) as client:
        account = await client.accounts.get(account_id)
    assert account_id == account.id
    sent = requests_to(sandbox, f"/accounts/{account_id}")
    assert [500, 500, 200] == [e.status for e in sent]
    assert 2 == len([e for e in events if isinstance(e, RetryEvent) and e.code == "900"])


async def test_901_raises_after_one_request_with_the_where_sent(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """Bad SQL (901) is never retried; the error carries the where text that was sent."""
    async with sales_client() as client:
        with pytest.raises(InvalidQueryError) as info:
            await client.request(
                "GET", "/accounts", params={"where": "bogus = 1"}, where="bogus = 1"
            )
    assert "bogus = 1" == info.value.where
    assert ("901",) == info.value.codes
    assert 1 == len(requests_to(sandbox, "/accounts"))


async def test_910_raises_not_found_after_one_request(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """A missing id answers 910 (HTTP 400): ResourceNotFoundError, one request, no retry."""
    async with sales_client() as client:
        with pytest.raises(ResourceNotFoundError) as info:
            await client.accounts.get(987654321)
    assert 400 == info.value.status
    assert 1 == len(requests_to(sandbox, "/accounts/987654321"))


async def test_429_pauses_the_whole_tenant_for_retry_after(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """After a 429 with Retry-After: 2, no request of that tenant is sent for 2 seconds."""
    ids = sandbox.ids("sales", "accounts")[:2]
    sandbox.faults.status(429, path=f"/accounts/{ids[0]}", times=1, retry_after=2)
    async with sales_client(retry=RetryPolicy(retry_after_spread=0.0)) as client:
        await client.accounts.get(ids[1])  # logs in, warms the connection

        async def later() -> Any:
            await asyncio.sleep(0.2)  # starts while the tenant is paused
            return await client.accounts.get(ids[1])

        started = time.monotonic()
        await asyncio.gather(client.accounts.get(ids[0]), later())
        elapsed = time.monotonic() - started
    first, retried = requests_to(sandbox, f"/accounts/{ids[0]}")
    second = requests_to(sandbox, f"/accounts/{ids[1]}")[-1]
    assert 429 == first.status
    assert 2.0 <= (retried.time - first.time).total_seconds()
    assert 2.0 <= (second.time - first.time).total_seconds()
    assert elapsed >= 2.0


async def test_expired_session_with_50_concurrent_calls_logs_in_once(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """50 calls hitting an expired token cause exactly one new login (single-flight)."""
    ids = sandbox.ids("sales", "accounts")[:50]
    async with sales_client() as client:
        await client.accounts.get(ids[0])
        assert 1 == client.login_count
        sandbox.expire_tokens()
        accounts = await asyncio.gather(*(client.accounts.get(i) for i in ids))
    assert ids == [a.id for a in accounts]
    assert 2 == client.login_count
    assert 2 == len(requests_to(sandbox, "/login", "POST"))


async def test_wrong_keys_raise_authentication_error(sandbox: Sandbox) -> None:
    """Bad credentials are an AuthenticationError, and the key is not in the message."""
    client = SalesClient(public_key="nope", private_key="wrong-secret", base_url=sandbox.sales_url)
    async with client:
        with pytest.raises(AuthenticationError) as info:
            await client.accounts.list()
    assert "wrong-secret" not in str(info.value)


async def test_rotating_refresh_tokens_reach_the_callback(
    sandbox: Sandbox, accounting_client: Accounting
) -> None:
    """Each refresh hands a new refresh token to the callback; 50 calls refresh once."""
    saved: list[TokenSet] = []

    async def save(tokens: TokenSet) -> None:
        saved.append(tokens)

    first = sandbox.accounting_tokens()
    ids = sandbox.ids("accounting", "stock_items")[:50]
    async with accounting_client(
        access_token=None, refresh_token=first["refresh_token"], on_token_refresh=save
    ) as client:
        await client.stock_items.get(ids[0])  # no access token yet: refresh
        sandbox.expire_tokens()
        items = await asyncio.gather(*(client.stock_items.get(i) for i in ids))
    assert ids == [i.id for i in items]
    assert 2 == client.refresh_count == len(saved)
    refresh_tokens = [first["refresh_token"], *(t.refresh_token for t in saved)]
    assert len(set(refresh_tokens)) == 3  # rotated every time


async def test_refresh_before_expiry(sandbox: Sandbox, accounting_client: Accounting) -> None:
    """A token about to expire is refreshed before the call, not after a 401."""
    tokens = sandbox.accounting_tokens()
    soon = TokenSet(
        access_token=str(tokens["access_token"]),
        refresh_token=str(tokens["refresh_token"]),
        expires_at=time.time() + 5,
    )
    async with accounting_client(tokens=soon, access_token=None, refresh_token=None) as client:
        await client.stock_items.list()
    assert 1 == client.refresh_count
    assert [] == [e for e in sandbox.log if e.status == 401]


async def test_html_502_becomes_server_error_after_retries(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """A proxy's HTML 502 page is retried, then raised as a clear ServerError."""
    account_id = sandbox.ids("sales", "accounts")[0]
    sandbox.faults.html_502(path=f"/accounts/{account_id}")
    async with sales_client(retry=RetryPolicy(max_attempts=3, base_backoff=0.001)) as client:
        with pytest.raises(ServerError, match="502") as info:
            await client.accounts.get(account_id)
    assert 502 == info.value.status
    assert 3 == len(requests_to(sandbox, f"/accounts/{account_id}"))


async def test_connection_reset_and_truncated_body_are_retried(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """A body cut mid-way or a reset connection is retried for a GET."""
    ids = sandbox.ids("sales", "accounts")[:2]
    sandbox.faults.reset(path=f"/accounts/{ids[0]}", times=1)
    sandbox.faults.truncate(path=f"/accounts/{ids[1]}", times=1)
    async with sales_client() as client:
        assert ids == [(await client.accounts.get(i)).id for i in ids]
    assert 2 == len(requests_to(sandbox, f"/accounts/{ids[0]}"))
    assert 2 == len(requests_to(sandbox, f"/accounts/{ids[1]}"))


async def test_post_is_not_retried_after_a_server_error(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """A POST that reached the server is not repeated (it could create the record twice)."""
    sandbox.faults.status(503, path="/accounts", method="POST", times=1)
    async with sales_client() as client:
        with pytest.raises(ServerError):
            await client.accounts.create({"name": "Acme", "branchId": 1, "salesRepId1": 1})
    assert 1 == len(requests_to(sandbox, "/accounts", "POST"))


async def test_business_header_is_sent_and_a_change_is_detected(
    sandbox: Sandbox, accounting_client: Accounting
) -> None:
    """X-Business selects the business; a response for another business raises."""
    other = sandbox.business_ids[1]
    async with accounting_client(business_id=other) as client:
        page = await client.stock_items.list()
        assert other == client.served_business
        assert page.items
    async with accounting_client() as client:
        await client.stock_items.list()
        assert sandbox.lead_business == client.served_business
        client.served_business = other  # as if the lead business had changed meanwhile
        with pytest.raises(BusinessChangedError, match="X-Business changed"):
            await client.stock_items.list()


async def test_legacy_gateway_sends_the_subscription_key(
    sandbox: Sandbox, accounting_client: Accounting
) -> None:
    """The legacy v3 gateway works with the subscription key and refuses a wrong one."""
    url = sandbox.legacy_url("uki")
    async with accounting_client(
        base_url=url, region="uki", subscription_key=sandbox.subscription_key
    ) as client:
        page = await client.stock_items.list(show_legacy_id=True, attributes="all")
        assert page.items
    async with accounting_client(base_url=url, region="uki", subscription_key="wrong") as client:
        with pytest.raises(AuthenticationError):
            await client.stock_items.list()


async def test_authorization_code_exchange_with_pkce(
    sandbox: Sandbox, accounting_client: Accounting
) -> None:
    """An authorization code is exchanged (with its PKCE verifier) for working tokens."""
    pkce = make_pkce()
    redirect = sandbox.accounting_credentials.redirect_uri
    code = sandbox.authorization_code(code_verifier=pkce.verifier)
    saved: list[TokenSet] = []
    async with accounting_client(
        access_token=None, refresh_token=None, on_token_refresh=saved.append
    ) as client:
        url = client.authorization_url(redirect, pkce=pkce, state="xyz")
        assert pkce.challenge in url
        tokens = await client.exchange_code(
            code, redirect_uri=redirect, code_verifier=pkce.verifier
        )
        assert [tokens] == saved
        assert (await client.stock_items.list()).items
        bad = sandbox.authorization_code(code_verifier=pkce.verifier)
        with pytest.raises(OAuthError):
            await client.exchange_code(bad, redirect_uri=redirect, code_verifier="wrong" * 10)


async def test_accounting_404_and_validation_errors(
    sandbox: Sandbox, accounting_client: Accounting
) -> None:
    """RecordNotFound is NotFoundError; a create missing required fields names each field."""
    from sage_async import ValidationError

    async with accounting_client() as client:
        with pytest.raises(NotFoundError):
            await client.stock_items.get("does-not-exist")
        with pytest.raises(ValidationError) as info:
            await client.stock_items.create({"description": "no item code"})
    sources = {d.source for d in info.value.details}
    assert "item_code" in sources


async def test_no_secret_reaches_logs_or_the_sandbox_log(
    sandbox: Sandbox,
    sales_client: Sales,
    accounting_client: Accounting,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Keys and tokens appear in no log record, even with retries and re-logins."""
    caplog.set_level(logging.DEBUG)
    sandbox.faults.error_900(times=2)
    async with sales_client() as client:
        await client.accounts.list()
        sandbox.expire_tokens()
        await client.accounts.list()
        token = client._token
    async with accounting_client() as acc:
        await acc.stock_items.list()
        tokens = acc.tokens
    assert token is not None
    assert tokens is not None
    secrets = [
        sandbox.sales_credentials.private_key,
        token,
        tokens.access_token,
        str(tokens.refresh_token),
        sandbox.accounting_credentials.client_secret,
    ]
    text = caplog.text + "\n".join(repr(e) for e in sandbox.log)
    for secret in secrets:
        assert secret not in text


async def test_per_call_options_override_timeouts_and_retries(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """client.options() overrides timeouts and retries only inside its block."""
    from sage_async import RequestTimeoutError, Timeouts

    account_id = sandbox.ids("sales", "accounts")[0]
    async with sales_client() as client:
        await client.accounts.get(account_id)  # log in first
        sandbox.faults.latency(0.5, path=f"/accounts/{account_id}")
        single = RetryPolicy(max_attempts=1)
        with (
            client.options(timeouts=Timeouts(total=0.1), retry=single),
            pytest.raises(RequestTimeoutError),
        ):
            await client.accounts.get(account_id)
        assert account_id == (await client.accounts.get(account_id)).id  # defaults again
    assert 3 == len(requests_to(sandbox, f"/accounts/{account_id}"))


async def test_success_grows_the_adaptive_window_back(
    sandbox: Sandbox, sales_client: Sales
) -> None:
    """After a throttle shrinks the tenant's concurrency, successful calls grow it again."""
    async with sales_client(max_concurrency=8) as client:
        limit = client.governor.concurrency
        await client.accounts.list()
        limit.on_throttle()
        shrunk = limit.limit
        for _ in range(40):
            await client.accounts.list(page_size=5)
    assert shrunk < limit.limit
