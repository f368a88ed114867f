"""First loads: a table the destination lacks is loaded straight in (replace), not merged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dlt
import duckdb

from mirror._mirror import assert_mirrors, run, sales_client, table
from sage_async.dlt import SyncStats, sales_source
from sage_async.dlt._first import FirstCopies
from sage_async.testing import Sandbox


def schemas(db_path: Path) -> set[str]:
    with duckdb.connect(str(db_path), read_only=True) as db:
        rows = db.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()
    return {str(row[0]) for row in rows}


def live_records(sb: Sandbox, name: str) -> dict[Any, Any]:
    records = {rid: sb.record("sales", name, rid) for rid in sb.ids("sales", name)}
    return {k: v for k, v in records.items() if v and not v.get("deleted")}


def named_pipeline(tmp_path: Path, name: str, dataset: str) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / "mirror.duckdb")),
        dataset_name=dataset,
        pipelines_dir=str(tmp_path / name),
    )


def test_first_copies_keep_each_id_once_and_leave_out_soft_deletes() -> None:
    """
    The first copy of an id decides, whatever page it comes back on: a repeat is dropped, and
    a record whose first copy is soft-deleted stays out even if a later copy is not.
    """
    first = FirstCopies("deleted")
    page1 = [{"id": 1, "deleted": False}, {"id": 2, "deleted": True}, {"id": 3}]
    page2 = [{"id": 3, "v": "again"}, {"id": 2, "deleted": False}, {"id": 4, "deleted": 0}]
    assert [1, 3] == [row["id"] for row in first.keep(page1)]
    assert [{"id": 4, "deleted": 0}] == first.keep(page2)
    keep_all = FirstCopies(None)
    assert page1 == keep_all.keep(page1)


async def test_first_sync_loads_new_tables_without_staging_then_merges(tmp_path: Path) -> None:
    """
    Into an empty destination the first sync loads each table directly (no staging dataset
    exists afterwards), soft-deleted records left out; the source keeps its merge hints and
    counters, and the next sync merges through staging and removes a record deleted meanwhile.
    """
    async with Sandbox(seed=5, sales_records={"accounts": 700}, businesses=1) as sb:
        pipe = named_pipeline(tmp_path, "first", "sales")
        db = tmp_path / "mirror.duckdb"
        make = sales_client(sb)
        tenant = make().tenant
        stats = SyncStats()
        source = sales_source(make, ["accounts"], stats=stats)
        changes = await run(pipe, source, stats)
        assert "sales_staging" not in schemas(db)
        assert "sales" in schemas(db)
        expected = live_records(sb, "accounts")
        assert len(expected) < 700  # the seed has soft-deleted records to leave out
        assert_mirrors(pipe, db, "sales", "accounts", expected, tenant)
        assert (len(expected), len(expected), 0, 0) == (
            changes["accounts"].rows, changes["accounts"].inserted,
            changes["accounts"].updated, changes["accounts"].deleted,
        )  # fmt: skip
        assert "merge" == source.resources["accounts"].write_disposition
        assert not stats.tables["accounts"].first_load  # run without sync(), it merges

        victim = next(iter(expected))
        sb.delete("sales", "accounts", victim)
        again = SyncStats()
        await run(pipe, sales_source(make, ["accounts"], stats=again), again)
        assert "sales_staging" in schemas(db)
        assert_mirrors(pipe, db, "sales", "accounts", live_records(sb, "accounts"), tenant)


async def test_a_table_already_in_the_dataset_is_merged_not_replaced(tmp_path: Path) -> None:
    """
    A pipeline without state of its own (another tenant or machine sharing the dataset) finds
    the table there and merges into it: rows it did not send stay.
    """
    async with Sandbox(seed=6, sales_records={"accounts": 300}, businesses=1) as sb:
        db = tmp_path / "mirror.duckdb"
        make = sales_client(sb)
        stats = SyncStats()
        await run(named_pipeline(tmp_path, "one", "shared"),
                  sales_source(make, ["accounts"], stats=stats), stats)  # fmt: skip
        with duckdb.connect(str(db)) as conn:
            conn.execute(
                "INSERT INTO shared.accounts (id, name, _sage_tenant) "
                "VALUES (987654321, 'Other tenant', 'other')"
            )
        other = SyncStats()
        pipe = named_pipeline(tmp_path, "two", "shared")
        await run(pipe, sales_source(make, ["accounts"], stats=other), other)
        rows = {row["id"]: row for row in table(db, "shared", "accounts")}
        assert "Other tenant" == rows.pop(987654321)["name"]
        assert sorted(live_records(sb, "accounts")) == sorted(rows)
