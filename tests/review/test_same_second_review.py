"""Incremental sync when one record changes more than once within one timestamp unit."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest

from sage_async._client import BaseClient
from sage_async.export import export
from sage_async.testing import Sandbox, _tokens

from .conftest import accounting, sales


RESOURCE = {"sales": ("accounts", "name"), "accounting": ("stock_items", "description")}
Api = Literal["sales", "accounting"]


@contextlib.contextmanager
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stop the sandbox clock so that every edit in the block carries one timestamp."""
    instant = datetime.now(UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return instant

    with monkeypatch.context() as patch:
        patch.setattr(_tokens, "datetime", Frozen)
        yield


def sandbox_for(api: Api) -> Sandbox:
    sizes = {RESOURCE[api][0]: 30}
    other = 5
    return Sandbox(
        seed=4,
        sales_records=sizes if api == "sales" else other,
        accounting_records=sizes if api == "accounting" else other,
        businesses=1,
    )


def client_for(api: Api, sb: Sandbox) -> BaseClient:
    return sales(sb) if api == "sales" else accounting(sb, business_id=sb.lead_business)


async def run(client: BaseClient, name: str, out: Path) -> list[dict[str, Any]]:
    manifest = await export(client, name, out_dir=out, since="auto")
    assert manifest.ok
    written: list[dict[str, Any]] = []
    for stream in manifest.resources[0].streams:
        path = out / stream.output
        written += [json.loads(line) for line in path.read_text().splitlines()]
    return written


@pytest.mark.parametrize("api", ["sales", "accounting"])
async def test_three_changes_in_one_second_each_run_gets_the_latest(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    A record is changed to B (run exports B), then back to A, all within one second: the next
    run exports the record again, so the consumer's latest version is A, as on the server.
    """
    name, field = RESOURCE[api]
    async with sandbox_for(api) as sb:
        target = sb.ids(api, name)[3]
        async with client_for(api, sb) as client:
            await run(client, name, tmp_path)  # no watermark yet: everything
            with frozen(monkeypatch):
                sb.update(api, name, target, {field: "A"})
                first = await run(client, name, tmp_path)
                sb.update(api, name, target, {field: "B"})
                second = await run(client, name, tmp_path)
                sb.update(api, name, target, {field: "A"})
                third = await run(client, name, tmp_path)
    assert [(target, "A")] == [(r["id"], r[field]) for r in first]
    assert [(target, "B")] == [(r["id"], r[field]) for r in second]
    assert [(target, "A")] == [(r["id"], r[field]) for r in third]


@pytest.mark.parametrize("api", ["sales", "accounting"])
async def test_two_records_changed_in_the_same_second_across_runs(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Record X changes and is exported; record Y changes within the same second after that run:
    the next run exports Y (and not X again).
    """
    name, field = RESOURCE[api]
    async with sandbox_for(api) as sb:
        x, y = sb.ids(api, name)[5], sb.ids(api, name)[6]
        async with client_for(api, sb) as client:
            await run(client, name, tmp_path)
            with frozen(monkeypatch):
                sb.update(api, name, x, {field: "x changed"})
                first = await run(client, name, tmp_path)
                sb.update(api, name, y, {field: "y changed"})
                second = await run(client, name, tmp_path)
    assert [x] == [r["id"] for r in first]
    assert [y] == [r["id"] for r in second]


async def test_accounting_deletes_in_the_same_second_across_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Accounting deletes within one second, before and after a run (``deleted_since`` is
    exclusive): each deleted record reaches the ``.deleted`` stream exactly once.
    """
    async with sandbox_for("accounting") as sb:
        ids = sb.ids("accounting", "stock_items")
        async with client_for("accounting", sb) as client:
            await run(client, "stock_items", tmp_path)
            with frozen(monkeypatch):
                sb.delete("accounting", "stock_items", ids[1])
                first = await run(client, "stock_items", tmp_path)
                sb.delete("accounting", "stock_items", ids[2])
                second = await run(client, "stock_items", tmp_path)
                third = await run(client, "stock_items", tmp_path)
    assert [ids[1]] == [r["id"] for r in first]
    assert [ids[2]] == [r["id"] for r in second]
    assert [] == third


async def test_sales_delete_after_update_in_the_same_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    A Sales record updated (exported) and soft-deleted within the same second: the next run
    exports the deleted version (``deleted: true``).
    """
    async with sandbox_for("sales") as sb:
        target = sb.ids("sales", "accounts")[8]
        async with client_for("sales", sb) as client:
            await run(client, "accounts", tmp_path)
            with frozen(monkeypatch):
                sb.update("sales", "accounts", target, {"name": "about to go"})
                first = await run(client, "accounts", tmp_path)
                sb.delete("sales", "accounts", target)
                second = await run(client, "accounts", tmp_path)
    assert [(target, False)] == [(r["id"], bool(r.get("deleted"))) for r in first]
    assert [(target, True)] == [(r["id"], bool(r.get("deleted"))) for r in second]


async def test_client_clock_ahead_of_the_server_loses_no_delete(tmp_path: Path) -> None:
    """
    The server's clock is 10 minutes behind this machine's: a record deleted after a full run
    still reaches the next incremental run's ``.deleted`` stream, and an update its main stream.
    """
    behind = datetime.now(UTC) - timedelta(minutes=10)
    async with Sandbox(seed=4, accounting_records={"stock_items": 30}, businesses=1,
                       start_time=behind) as sb:  # fmt: skip
        ids = sb.ids("accounting", "stock_items")
        async with client_for("accounting", sb) as client:
            await run(client, "stock_items", tmp_path)
            sb.clock.advance(5)
            sb.update("accounting", "stock_items", ids[3], {"description": "edited"})
            sb.delete("accounting", "stock_items", ids[4])
            sb.clock.advance(5)
            written = await run(client, "stock_items", tmp_path)
    assert sorted([ids[3], ids[4]]) == sorted(r["id"] for r in written)
