"""Fixtures: a sandbox per test, clients pointed at it, and readers of export output."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sage_async import AccountingClient, GovernorRegistry, RetryPolicy, SalesClient, set_testing
from sage_async.testing import Sandbox


FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.01, retry_after_spread=0.0, max_attempts=8)


@pytest.fixture(autouse=True)
def fast_retries() -> Iterator[None]:
    """Retries wait nothing in these tests."""
    with set_testing(True):
        yield


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    records = {"accounts": 3_000, "contacts": 1_000}
    async with Sandbox(seed=11, sales_records=records, accounting_records={"stock_items": 2_000},
                       businesses=1) as sb:  # fmt: skip
        yield sb


@pytest.fixture
def sales_client(sandbox: Sandbox) -> Callable[..., SalesClient]:
    def make(**kw: Any) -> SalesClient:
        creds = sandbox.sales_credentials
        options: dict[str, Any] = {
            "base_url": sandbox.sales_url, "rate": 2000.0, "retry": FAST,
            "registry": GovernorRegistry(),
        }  # fmt: skip
        options.update(kw)
        return SalesClient(public_key=creds.public_key, private_key=creds.private_key, **options)

    return make


@pytest.fixture
def accounting_client(sandbox: Sandbox) -> Callable[..., AccountingClient]:
    def make(**kw: Any) -> AccountingClient:
        creds = sandbox.accounting_credentials
        tokens = sandbox.accounting_tokens()
        options: dict[str, Any] = {
            "base_url": sandbox.accounting_url, "token_url": sandbox.token_url,
            "client_id": creds.client_id, "client_secret": creds.client_secret,
            "access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"],
            "rate": 2000.0, "per": 1.0, "retry": FAST, "registry": GovernorRegistry(),
        }  # fmt: skip
        options.update(kw)
        return AccountingClient(**options)

    return make


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSON Lines file."""
    return [json.loads(line) for line in path.read_text().splitlines()]


def ids_of(path: Path) -> list[Any]:
    """The ids of a JSON Lines file, in file order."""
    return [record["id"] for record in read_jsonl(path)]


def names_in(path: Path, pattern: str = "*") -> list[str]:
    """The sorted names of the files in ``path`` matching ``pattern``."""
    return sorted(p.name for p in path.glob(pattern))
