"""sage_async.dlt against the sandbox and a real DuckDB file: loads, merges, deletes, ties."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mirror._mirror import (
    accounting_client,
    assert_mirrors,
    column_types,
    pipeline,
    run,
    sales_client,
    table,
)
from sage_async.dlt import SyncStats, accounting_source, sales_source
from sage_async.testing import Sandbox, _tokens


START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
SALES_COUNTS = {"accounts": 650, "contacts": 320}
ACCOUNTING_COUNTS = {"stock_items": 450, "contacts": 230}


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=3, sales_records=SALES_COUNTS, accounting_records=ACCOUNTING_COUNTS,
                       businesses=1, start_time=START) as sandbox:  # fmt: skip
        yield sandbox


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop the sandbox clock at START: every mutation gets the very same timestamp."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return START

    monkeypatch.setattr(_tokens, "datetime", Frozen)


def sales_records(sb: Sandbox, name: str, *, keep_deleted: bool = False) -> dict[Any, Any]:
    records = {rid: sb.record("sales", name, rid) for rid in sb.ids("sales", name)}
    return {k: v for k, v in records.items() if v and (keep_deleted or not v.get("deleted"))}


def accounting_records(sb: Sandbox, name: str) -> dict[Any, Any]:
    return {rid: sb.record("accounting", name, rid) for rid in sb.ids("accounting", name)}


@pytest.mark.parametrize("arrow", [True, False], ids=["arrow", "dicts"])
async def test_sales_sync_mirrors_the_sandbox_then_merges_changes_and_removes_deletes(
    sb: Sandbox, tmp_path: Path, frozen: None, arrow: bool
) -> None:
    """
    A first sync loads accounts and contacts as the sandbox lists them (soft-deleted ones left
    out), typed from the models; after creates, updates (two in the same second) and deletes
    each further sync leaves the tables equal to the sandbox again, without duplicate ids.
    Pages go to dlt as Arrow tables or as lists of dicts: the tables are the same.
    """
    pipe = pipeline(tmp_path, "sales")
    db = tmp_path / "mirror.duckdb"
    make = sales_client(sb)
    tenant = make().tenant

    async def sync_and_check() -> dict[str, Any]:
        stats = SyncStats()
        source = sales_source(make, ["accounts", "contacts"], stats=stats, arrow=arrow)
        changes = await run(pipe, source, stats)
        for name in ("accounts", "contacts"):
            assert_mirrors(pipe, db, "sales", name, sales_records(sb, name), tenant)
        return changes

    first = await sync_and_check()
    live = len(sales_records(sb, "accounts"))
    assert (live, 0, 0) == (first["accounts"].inserted, first["accounts"].updated,
                            first["accounts"].deleted)  # fmt: skip
    types = column_types(db, "sales", "accounts")
    assert "TIMESTAMP WITH TIME ZONE" == types["date_updated"]
    assert "BIGINT" == types["id"]
    assert "BIGINT" == types["status_id__id"]
    assert "VARCHAR" == types["status_id__value"]

    ids = sb.ids("sales", "accounts")
    live_ids = [i for i in ids if not sb.record("sales", "accounts", i)["deleted"]]
    sb.update("sales", "accounts", live_ids[0], {"name": "First change"})
    sb.delete("sales", "accounts", live_ids[1])
    created = sb.create("sales", "accounts", {"name": "Brand new"})
    sb.update("sales", "contacts", sb.ids("sales", "contacts")[5], {"firstName": "Zed"})
    second = await sync_and_check()
    assert (1, 1) == (second["accounts"].inserted, second["accounts"].deleted)
    assert second["accounts"].updated >= 1  # the change, plus rows re-read at the overlap

    # The same record changes again within the same (frozen) second as the change just loaded.
    sb.update("sales", "accounts", live_ids[0], {"name": "Second change, same second"})
    assert sb.record("sales", "accounts", live_ids[0])["dateUpdated"] == created["dateUpdated"]
    await sync_and_check()
    rows = {row["id"]: row for row in table(db, "sales", "accounts")}
    assert "Second change, same second" == rows[live_ids[0]]["name"]
    assert live_ids[1] not in rows


async def test_sales_keep_deleted_keeps_soft_deleted_rows_flagged(
    sb: Sandbox, tmp_path: Path
) -> None:
    """With keep_deleted=True soft-deleted records stay, as rows with deleted = true."""
    pipe = pipeline(tmp_path, "kept")
    db = tmp_path / "mirror.duckdb"
    make = sales_client(sb)
    victim = sb.ids("sales", "contacts")[3]
    sb.delete("sales", "contacts", victim)
    stats = SyncStats()
    await run(pipe, sales_source(make, ["contacts"], keep_deleted=True, stats=stats), stats)
    expected = sales_records(sb, "contacts", keep_deleted=True)
    assert_mirrors(pipe, db, "sales", "contacts", expected, make().tenant)
    rows = {row["id"]: row for row in table(db, "kept", "contacts")}
    assert rows[victim]["deleted"] is True
    assert sum(1 for r in expected.values() if r["deleted"]) == sum(
        1 for r in rows.values() if r["deleted"]
    )


@pytest.mark.parametrize("arrow", [True, False], ids=["arrow", "dicts"])
async def test_accounting_sync_mirrors_stock_items_and_contacts_with_deletes(
    sb: Sandbox, tmp_path: Path, frozen: None, arrow: bool
) -> None:
    """
    Stock items and contacts load whole (money as decimals whether sent as numbers or
    strings); after creates, updates (two in the same second) and deletes (deleted_since)
    further syncs leave the tables equal to the sandbox's live records, with Arrow pages or
    lists of dicts alike.
    """
    pipe = pipeline(tmp_path, "acc")
    db = tmp_path / "mirror.duckdb"
    make = accounting_client(sb)
    tenant = sb.lead_business

    async def sync_and_check() -> dict[str, Any]:
        stats = SyncStats()
        source = accounting_source(make, ["stock_items", "contacts"], stats=stats, arrow=arrow)
        changes = await run(pipe, source, stats)
        for name in ("stock_items", "contacts"):
            assert_mirrors(pipe, db, "accounting", name, accounting_records(sb, name), tenant)
        return changes

    ids = sb.ids("accounting", "stock_items")
    # Money as a JSON string on one record, as the live API mostly sends it.
    sb.update("accounting", "stock_items", ids[0], {"cost_price": "12.3456"})
    await sync_and_check()
    types = column_types(db, "acc", "stock_items")
    assert "DECIMAL(38,9)" == types["cost_price"]
    assert "TIMESTAMP WITH TIME ZONE" == types["updated_at"]
    assert "DATE" == types["cost_price_last_updated"]
    assert "JSON" == types["sales_ledger_account"]
    row = {r["id"]: r for r in table(db, "acc", "stock_items")}[ids[0]]
    assert "12.3456" == str(row["cost_price"].normalize())

    sb.update("accounting", "stock_items", ids[1], {"description": "First change"})
    sb.delete("accounting", "stock_items", ids[2])
    sb.delete("accounting", "contacts", sb.ids("accounting", "contacts")[0])
    sb.create("accounting", "stock_items", {"description": "Brand new"})
    second = await sync_and_check()
    assert (1, 1) == (second["stock_items"].inserted, second["stock_items"].deleted)
    assert 1 == second["contacts"].deleted

    sb.update("accounting", "stock_items", ids[1], {"description": "Second change"})
    await sync_and_check()
    rows = {r["id"]: r for r in table(db, "acc", "stock_items")}
    assert "Second change" == rows[ids[1]]["description"]
    assert ids[2] not in rows


# Real processes or a whole database sync: seconds each (still part of the default run).
pytestmark = pytest.mark.slow
