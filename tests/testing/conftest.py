"""Fixtures for the sandbox tests: a small sandbox, a plain aiohttp session, auth headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sage_async.testing import Sandbox


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    """A started sandbox with 120 Sales and 50 Accounting records per resource."""
    async with Sandbox(seed=7, sales_records=120, accounting_records=50) as sandbox:
        yield sandbox


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session (no client class of the library is involved)."""
    async with aiohttp.ClientSession() as session:
        yield session


async def sales_login(http: aiohttp.ClientSession, sb: Sandbox) -> dict[str, str]:
    """Log in through POST /login and return the X-Session-Key header."""
    creds = sb.sales_credentials
    body = {"username": creds.public_key, "password": creds.private_key}
    async with http.post(f"{sb.sales_url}/login", json=body) as resp:
        assert resp.status == 200
        token = (await resp.json())["token"]
    return {"X-Session-Key": token}


def bearer(sb: Sandbox, **extra: str) -> dict[str, str]:
    """Return an Authorization header with a freshly minted access token."""
    return {"Authorization": f"Bearer {sb.accounting_tokens()['access_token']}", **extra}


async def get_json(http: aiohttp.ClientSession, url: str, **kwargs: Any) -> tuple[int, Any, Any]:
    """GET ``url`` and return ``(status, decoded JSON, headers)``."""
    async with http.get(url, **kwargs) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers
