"""
The sandbox's aiohttp application: routing, authentication, rate limits, faults and the log.

Every request passes one middleware, in this order:

1. classify the API from the path (``/sales/api/v4``, ``/accounting/v3.1``,
   ``/legacy/{region}/sageone/accounts/v3``, ``/oauth``) and find the firing faults;
2. ``latency`` faults sleep; an ``expire_tokens`` fault invalidates every live token;
3. authentication: Sales needs a live ``X-Session-Key`` (except ``/login``); Accounting a live
   ``Authorization: Bearer`` token (accounting FACTS section 3) and, on the legacy gateway, the
   ``Ocp-Apim-Subscription-Key`` header or ``subscription-key`` query parameter (401 without,
   in the gateway's own ``{"statusCode", "message"}`` shape). ``X-Business`` (``X-Site`` also
   on the legacy gateway) picks the business, the lead one when absent; an unknown business →
   403 ``AuthorizationFailure``. The business is echoed in the ``X-Business`` response header;
4. the tenant's rate limit (429 with ``Retry-After``);
5. a response fault (900, a 5xx status, an HTML 502) replaces the handler; otherwise the route
   handler answers, and a body fault (reset, truncated JSON, empty body, slow body) reshapes
   its body;
6. one :class:`~sage_async.testing.LogEntry` is written.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

from sage_async.testing import _accounting, _oauth, _sales
from sage_async.testing._faults import BODY_KINDS, RESPONSE_KINDS, Fault
from sage_async.testing._http import (
    accounting_error,
    html_error,
    json_response,
    oauth_error,
    phrase,
    sales_code_error,
    sales_http_error,
)
from sage_async.testing._log import LogEntry, redact
from sage_async.testing._state import BUSINESS, STATE, TENANT, State


__all__ = ["build_app", "classify"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SALES: Final = "/sales/api/v4"
ACCOUNTING: Final = "/accounting/v3.1"
GATEWAY_401: Final = (
    "Access denied due to missing subscription key. "
    "Make sure to include subscription key when making requests to an API."
)


def classify(path: str) -> tuple[str, str]:
    """Return ``(api, path relative to the API base)`` for a request path."""
    if path.startswith(SALES + "/"):
        return "sales", path[len(SALES) :]
    if path.startswith(ACCOUNTING + "/"):
        return "accounting", path[len(ACCOUNTING) :]
    if path.startswith("/legacy/"):
        parts = path.split("/", 6)  # "", legacy, region, sageone, accounts, v3, rest
        return "legacy", "/" + parts[6] if len(parts) == 7 else path
    if path.startswith("/oauth/"):
        return "oauth", path[len("/oauth") :]
    return "other", path


def _guard(request: web.Request, state: State, api: str, rel: str) -> web.Response | None:
    """Authenticate, pick the business and apply the rate limit; a response means refused."""
    headers = request.headers
    if api == "sales":
        if rel == "/login":
            return None
        label = state.tokens.session(headers.get("X-Session-Key"))
        if label is None:
            return sales_http_error(401, "Missing or expired X-Session-Key")
        request[TENANT] = label
    elif api in ("accounting", "legacy"):
        if api == "legacy":
            if request.match_info.get("region") not in _accounting.REGIONS:
                return web.json_response(
                    {"statusCode": 404, "message": "Resource not found"}, status=404
                )
            key = headers.get("Ocp-Apim-Subscription-Key") or request.query.get("subscription-key")
            if key != state.subscription_key:
                return web.json_response({"statusCode": 401, "message": GATEWAY_401}, status=401)
        auth = headers.get("Authorization", "")
        bearer = auth[7:] if auth[:7].lower() == "bearer " else None
        if not state.tokens.bearer(bearer):
            return accounting_error(
                401,
                "AuthorizationFailure",
                "The access token is missing, invalid or expired.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        business = headers.get("X-Business") or headers.get("X-Site") or state.lead_business
        if business not in state.businesses:
            return accounting_error(403, "AuthorizationFailure", "No access to this business.")
        request[BUSINESS] = request[TENANT] = business
    else:
        return None
    retry = state.faults.check_rate(api, request[TENANT])
    if retry is None:
        return None
    extra = {"Retry-After": str(retry)}
    if api == "sales":
        return sales_http_error(429, "Rate limit exceeded", headers=extra)
    return accounting_error(429, "TooManyRequests", "Too many requests.", headers=extra)


def _fault_response(api: str, fault: Fault) -> web.Response | None:
    if fault.kind == "html_502":
        return html_error(502)
    if fault.kind == "error_900":
        return sales_code_error(900) if api == "sales" else None
    status = fault.status
    extra: dict[str, str] = {}
    if fault.retry_after is not None or status == 429:
        extra["Retry-After"] = str(math.ceil(fault.retry_after or 1))
    if api == "sales":
        return sales_http_error(status, headers=extra)
    if api in ("accounting", "legacy"):
        code = "TooManyRequests" if status == 429 else phrase(status).replace(" ", "")
        return accounting_error(status, code, phrase(status), headers=extra)
    if api == "oauth":
        return oauth_error("server_error", status)
    return json_response({"message": phrase(status)}, status, headers=extra)


async def _reshape(request: web.Request, resp: web.Response, fault: Fault) -> web.StreamResponse:
    body = bytes(resp.body) if isinstance(resp.body, bytes | bytearray) else b""
    headers = {k: v for k, v in resp.headers.items() if k.lower() not in ("content-length",)}
    if fault.kind == "truncate":
        return web.Response(
            body=body[: max(1, len(body) // 2)], status=resp.status, headers=headers
        )
    if fault.kind == "empty_body":
        return web.Response(body=b"", status=resp.status, headers=headers)
    stream = web.StreamResponse(status=resp.status, headers=headers)
    if fault.kind == "reset":
        stream.content_length = len(body)
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
        if request.transport is not None:
            request.transport.abort()
        return stream
    stream.enable_chunked_encoding()
    await stream.prepare(request)
    size = max(1, fault.chunk_size)
    for start in range(0, len(body), size):
        if start:
            await asyncio.sleep(fault.delay)
        await stream.write(body[start : start + size])
    await stream.write_eof()
    return stream


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Apply faults, authentication, rate limits and logging around every route."""
    state = request.app[STATE]
    started = time.monotonic()
    arrived = state.clock.now()
    api, rel = classify(request.path)
    faults = state.faults.firing(api, request.method, rel) if state.faults.faults else []
    applied: str | None = None
    status = 0
    try:
        for fault in faults:
            if fault.kind == "latency":
                applied = "latency"
                await asyncio.sleep(state.faults.jitter(fault))
            elif fault.kind == "expire_tokens":
                applied = "expire_tokens"
                state.tokens.expire_all()
        refused = _guard(request, state, api, rel)
        if refused is not None:
            status = refused.status
            return refused
        resp: web.StreamResponse | None = None
        for fault in faults:
            if fault.kind in RESPONSE_KINDS and (resp := _fault_response(api, fault)) is not None:
                applied = fault.kind
                break
        if resp is None:
            resp = await handler(request)
        if BUSINESS in request:
            resp.headers["X-Business"] = request[BUSINESS]
        status = resp.status
        body_fault = next((f for f in faults if f.kind in BODY_KINDS), None)
        if body_fault is not None and isinstance(resp, web.Response) and resp.body:
            applied = body_fault.kind
            return await _reshape(request, resp, body_fault)
        return resp
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        state.log.append(
            LogEntry(
                time=arrived,
                api=api,
                method=request.method,
                path=rel,
                query=redact(request.query),
                status=status,
                tenant=request.get(TENANT),
                fault=applied,
                duration=time.monotonic() - started,
                raw_path=classify(request.raw_path.split("?", 1)[0])[1],
            )
        )


def build_app(state: State) -> web.Application:
    """Return the aiohttp application serving both APIs and OAuth over ``state``."""
    app = web.Application(middlewares=[middleware], client_max_size=16 * 1024 * 1024)
    app[STATE] = state
    app.add_routes(_sales.routes() + _accounting.routes() + _oauth.routes())
    return app
