"""Export runs count their own retries through a per-run listener, not the client's hook."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sage_async import RetryEvent, SalesClient
from sage_async._client import Event
from sage_async.export import export
from sage_async.testing import Sandbox


async def test_overlapping_exports_count_their_own_retries_and_keep_the_users_hook(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient], tmp_path: Path
) -> None:
    """
    Two exports overlap on one client while other calls retry too: each manifest counts only
    its own retries, the user's ``on_event`` sees every event, and stays the client's hook.
    """
    sandbox.faults.latency(0.005, api="sales", path="/accounts")
    sandbox.faults.latency(0.005, api="sales", path="/contacts")
    sandbox.faults.status(503, api="sales", path="/contacts", times=4)
    sandbox.faults.status(502, api="sales", path="/accounts/*", times=2)
    seen: list[Event] = []

    def hook(event: Event) -> None:
        seen.append(event)

    ids = sandbox.ids("sales", "accounts", limit=3)
    async with sales_client(on_event=hook) as client:

        async def direct() -> None:
            for ident in ids:
                await client.accounts.get(ident)

        accounts, contacts, _ = await asyncio.gather(
            export(client, "accounts", out_dir=tmp_path / "a", concurrency=2),
            export(client, "contacts", out_dir=tmp_path / "c", concurrency=2),
            direct(),
        )
        assert hook is client.on_event
    assert (0, 0) == (
        accounts.resources[0].streams[0].retries,
        accounts.resources[0].streams[0].throttled,
    )
    assert 4 == contacts.resources[0].streams[0].retries
    assert 6 == len([e for e in seen if isinstance(e, RetryEvent)])  # throttle events too
