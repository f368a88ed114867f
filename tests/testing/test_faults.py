"""Injected faults and rate limits, and the request log that records them."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import orjson
import pytest

from sage_async.testing import Sandbox

from .conftest import bearer, get_json, sales_login


async def test_fixed_latency_on_one_route(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """A latency fault delays only its route and is recorded in the log."""
    headers = await sales_login(http, sb)
    sb.faults.latency(0.2, path="/accounts")
    started = time.monotonic()
    await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
    slow = time.monotonic() - started
    started = time.monotonic()
    await get_json(http, f"{sb.sales_url}/contacts", headers=headers)
    fast = time.monotonic() - started
    assert slow >= 0.2
    assert fast < 0.2
    assert [e.fault for e in sb.log.filter(path="/accounts")] == ["latency"]


async def test_random_latency_is_bounded_and_seeded(http: aiohttp.ClientSession) -> None:
    """Jittered latency stays within [delay, delay + jitter] and repeats with the seed."""
    runs = []
    for _ in range(2):
        async with Sandbox(seed=3) as sb:
            headers = await sales_login(http, sb)
            sb.faults.latency(0.01, jitter=0.05, api="sales")
            for _ in range(3):
                await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
            durations = [e.duration for e in sb.log.filter(fault="latency")]
            assert all(0.01 <= d < 0.2 for d in durations)
            runs.append(sb.faults.rng.random())
    assert runs[0] == runs[1]


async def test_error_900_every_nth_limited(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """error_900(every=3, times=2) fails requests 3 and 6 with code 900 / HTTP 500 only."""
    headers = await sales_login(http, sb)
    fault = sb.faults.error_900(every=3, times=2)
    statuses = []
    for _ in range(9):
        status, body, _ = await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
        statuses.append(status)
        if status == 500:
            assert body["code"] == 900
    assert statuses == [200, 200, 500, 200, 200, 500, 200, 200, 200]
    assert fault.fired == 2


async def test_error_900_by_probability(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """A probability-1 fault limited to one firing fails exactly once."""
    headers = await sales_login(http, sb)
    sb.faults.error_900(probability=1.0, times=1)
    first = await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
    second = await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
    assert (first[0], second[0]) == (500, 200)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_status_faults_in_each_api_shape(
    sb: Sandbox, http: aiohttp.ClientSession, status: int
) -> None:
    """5xx faults answer in the API's error shape: Sales object, Accounting array."""
    headers = await sales_login(http, sb)
    sb.faults.status(status, times=2)
    got, body, _ = await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
    assert (got, body["statusCode"]) == (status, status)
    got, body, _ = await get_json(http, f"{sb.accounting_url}/contacts", headers=bearer(sb))
    assert got == status
    assert body[0]["$severity"] == "error"


async def test_429_status_fault_carries_retry_after(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """A 429 status fault sends Retry-After (the given seconds, else 1) in each API's shape."""
    headers = await sales_login(http, sb)
    sb.faults.status(429, api="sales", times=1, retry_after=2)
    status, body, got = await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
    assert (status, body["statusCode"], got["Retry-After"]) == (429, 429, "2")
    sb.faults.status(429, api="accounting", times=1)
    status, body, got = await get_json(http, f"{sb.accounting_url}/contacts", headers=bearer(sb))
    assert (status, body[0]["$dataCode"], got["Retry-After"]) == (429, "TooManyRequests", "1")


async def test_html_502(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """The HTML fault answers 502 with a text/html gateway page."""
    sb.faults.html_502(api="accounting")
    async with http.get(f"{sb.accounting_url}/contacts", headers=bearer(sb)) as resp:
        assert resp.status == 502
        assert resp.content_type == "text/html"
        assert "<title>502 Bad Gateway</title>" in await resp.text()


async def test_connection_reset_mid_body(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """The reset fault sends headers and half the body, then cuts the connection."""
    headers = await sales_login(http, sb)
    sb.faults.reset(path="/accounts", times=1)
    async with http.get(f"{sb.sales_url}/accounts", headers=headers) as resp:
        assert resp.status == 200
        with pytest.raises(aiohttp.ClientError):
            await resp.read()
    assert sb.log.entries[-1].fault == "reset"
    status, body, _ = await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
    assert (status, len(body)) == (200, 50)


async def test_truncated_json(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """The truncate fault sends a complete 200 response whose JSON is cut."""
    sb.faults.truncate(api="accounting", times=1)
    async with http.get(f"{sb.accounting_url}/contacts", headers=bearer(sb)) as resp:
        assert resp.status == 200
        raw = await resp.read()
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(raw)
    assert raw.startswith(b'{"$total"')


async def test_slow_body_arrives_whole(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """A slow body comes in delayed chunks but is complete and valid."""
    headers = await sales_login(http, sb)
    sb.faults.slow_body(0.02, chunk_size=2048, path="/accounts")
    started = time.monotonic()
    status, body, _ = await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
    assert (status, len(body)) == (200, 50)
    assert time.monotonic() - started >= 0.04


async def test_token_expiry_mid_run(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """An expire_tokens fault invalidates live tokens: the next calls get 401."""
    headers = await sales_login(http, sb)
    acc = bearer(sb)
    assert (await get_json(http, f"{sb.sales_url}/accounts", headers=headers))[0] == 200
    sb.faults.expire_tokens(api="sales")
    assert (await get_json(http, f"{sb.sales_url}/accounts", headers=headers))[0] == 401
    assert (await get_json(http, f"{sb.accounting_url}/contacts", headers=acc))[0] == 401
    headers = await sales_login(http, sb)
    assert (await get_json(http, f"{sb.sales_url}/accounts", headers=headers))[0] == 200


async def test_sales_rate_limit_per_second(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """Over 4 requests in a second → 429 with Retry-After; refused requests do not count."""
    headers = await sales_login(http, sb)
    sb.faults.rate_limit("sales", per_second=4)
    results = await asyncio.gather(
        *(get_json(http, f"{sb.sales_url}/accounts", headers=headers) for _ in range(6))
    )
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [200, 200, 200, 200, 429, 429]
    limited = next(h for status, _, h in results if status == 429)
    assert limited["Retry-After"] == "1"
    assert len(sb.log.filter(status=429)) == 2


async def test_accounting_rate_limit_per_minute_per_business(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """Accounting limits count per business: one business throttled, another not."""
    sb.faults.rate_limit("accounting", per_minute=2)
    url = f"{sb.accounting_url}/contacts"
    statuses = [(await get_json(http, url, headers=bearer(sb)))[0] for _ in range(3)]
    assert statuses == [200, 200, 429]
    status, body, headers = await get_json(http, url, headers=bearer(sb))
    assert status == 429
    assert body[0]["$dataCode"] == "TooManyRequests"
    assert 1 <= int(headers["Retry-After"]) <= 60
    other = bearer(sb, **{"X-Business": sb.business_ids[1]})
    assert (await get_json(http, url, headers=other))[0] == 200


async def test_request_log_records_and_redacts(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """The log keeps method, path, query, status, api and tenant, never tokens or keys."""
    headers = await sales_login(http, sb)
    await get_json(http, f"{sb.sales_url}/accounts", headers=headers, params={"page": "1"})
    await get_json(http, f"{sb.accounting_url}/contacts", headers=bearer(sb))
    login, listing, contacts = sb.log.entries
    assert (login.method, login.path, login.status, login.api) == ("POST", "/login", 200, "sales")
    assert (listing.path, listing.query, listing.tenant) == ("/accounts", {"page": "1"}, "sales")
    assert (contacts.api, contacts.tenant) == ("accounting", sb.lead_business)
    text = repr(sb.log.entries)
    assert headers["X-Session-Key"] not in text
    assert sb.sales_credentials.private_key not in text
    assert sb.sales_credentials.public_key not in repr(sb.sales_credentials)
    sb.log.clear()
    assert len(sb.log) == 0
