"""A small fault proxy on loopback: forwards to the sandbox, answers chosen requests itself."""

from __future__ import annotations

import fnmatch
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import attrs
from aiohttp import web


@attrs.define
class Rule:
    """Answer ``times`` requests matching ``method`` and the path glob with ``status``/``body``."""

    method: str
    path: str
    body: bytes
    status: int = 200
    content_type: str = "text/html"
    times: int = 1
    fired: int = 0


@attrs.define
class FaultProxy:
    """The proxy's URL (standing for the upstream's root) and its rules."""

    url: str
    rules: list[Rule] = attrs.field(factory=list)


@asynccontextmanager
async def fault_proxy(upstream: str) -> AsyncIterator[FaultProxy]:
    """Serve a proxy of ``upstream`` (a URL root such as ``http://127.0.0.1:PORT``)."""
    proxy = FaultProxy(url="")
    session = aiohttp.ClientSession(auto_decompress=False)

    async def handle(request: web.Request) -> web.StreamResponse:
        for rule in proxy.rules:
            if (
                rule.fired < rule.times
                and rule.method == request.method
                and fnmatch.fnmatchcase(request.path, rule.path)
            ):
                rule.fired += 1
                await request.read()
                return web.Response(
                    status=rule.status, body=rule.body, content_type=rule.content_type
                )
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        async with session.request(
            request.method,
            upstream + request.raw_path,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as upstream_response:
            body = await upstream_response.read()
            drop = ("content-length", "transfer-encoding", "content-encoding", "connection")
            out = {k: v for k, v in upstream_response.headers.items() if k.lower() not in drop}
            return web.Response(status=upstream_response.status, body=body, headers=out)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    proxy.url = f"http://127.0.0.1:{port}"
    try:
        yield proxy
    finally:
        await runner.cleanup()
        await session.close()
