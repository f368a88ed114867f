"""Fixtures of the independent fault review: clients of a sandbox, each with its own registry."""

from __future__ import annotations

from typing import Any

from sage_async import AccountingClient, GovernorRegistry, RetryPolicy, SalesClient
from sage_async.testing import Sandbox


FAST = RetryPolicy(base_backoff=0.001, max_backoff=0.01, retry_after_spread=0.0)


def sales(sb: Sandbox, **kw: Any) -> SalesClient:
    """A Sales client of ``sb`` that retries at once (own governor registry)."""
    creds = sb.sales_credentials
    options: dict[str, Any] = {
        "public_key": creds.public_key, "private_key": creds.private_key,
        "base_url": sb.sales_url, "rate": 1000.0, "retry": FAST, "registry": GovernorRegistry(),
    }  # fmt: skip
    options.update(kw)
    return SalesClient(**options)


def accounting(sb: Sandbox, **kw: Any) -> AccountingClient:
    """An Accounting client of ``sb`` with fresh tokens that retries at once."""
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
