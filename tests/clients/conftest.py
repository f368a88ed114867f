"""Fixtures: a sandbox per test and clients pointed at it (each with its own governor registry)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from sage_async import AccountingClient, GovernorRegistry, RetryPolicy, SalesClient
from sage_async.testing import Sandbox


FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.01, retry_after_spread=0.0)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=7, sales_records=300, accounting_records=300) as sb:
        yield sb


@pytest.fixture
def sales_client(sandbox: Sandbox) -> Callable[..., SalesClient]:
    def make(**kw: Any) -> SalesClient:
        options: dict[str, Any] = {
            "base_url": sandbox.sales_url,
            "rate": 1000.0,
            "retry": FAST,
            "registry": GovernorRegistry(),
        }
        options.update(kw)
        creds = sandbox.sales_credentials
        return SalesClient(public_key=creds.public_key, private_key=creds.private_key, **options)

    return make


@pytest.fixture
def accounting_client(sandbox: Sandbox) -> Callable[..., AccountingClient]:
    def make(**kw: Any) -> AccountingClient:
        creds = sandbox.accounting_credentials
        options: dict[str, Any] = {
            "base_url": sandbox.accounting_url,
            "token_url": sandbox.token_url,
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "rate": 1000.0,
            "per": 1.0,
            "retry": FAST,
            "registry": GovernorRegistry(),
        }
        if "access_token" not in kw and "refresh_token" not in kw:
            tokens = sandbox.accounting_tokens()
            options["access_token"] = tokens["access_token"]
            options["refresh_token"] = tokens["refresh_token"]
        options.update(kw)
        return AccountingClient(**options)

    return make
