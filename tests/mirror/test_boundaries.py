"""Why the window is hand-kept, what importing costs, and a run stopped after its extract."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt

from mirror._mirror import pipeline, run, sales_client, table
from sage_async.dlt import SyncStats, sales_source
from sage_async.dlt._window import Window
from sage_async.testing import Sandbox


def test_importing_sage_async_and_its_cli_does_not_import_dlt() -> None:
    """`import sage_async` (and the CLI with its sync command) leaves dlt unloaded."""
    code = (
        "import sys, sage_async, sage_async.cli\n"
        "sage_async.cli._parser.build_parser()\n"
        "print(sorted(m for m in sys.modules if m == 'dlt' or m.startswith('dlt.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "[]" == out.stdout.strip()


def test_dlt_incremental_drops_a_same_second_change_which_is_why_the_window_overlaps(
    tmp_path: Path,
) -> None:
    """
    dlt.sources.incremental dedupes its boundary by primary key: a record changed twice in the
    same second loses its second change. (If dlt ever keeps it, this test says so.)
    """
    at = "2026-03-01T12:00:00+00:00"
    versions = iter([{"id": 1, "updated_at": at, "name": "first"},
                     {"id": 1, "updated_at": at, "name": "second"}])  # fmt: skip

    @dlt.resource(primary_key="id", write_disposition="merge", name="items")
    def items(updated_at: Any = dlt.sources.incremental("updated_at")) -> Any:  # noqa: B008
        yield next(versions)

    pipe = pipeline(tmp_path, "probe")
    pipe.run(items())
    pipe.run(items())
    assert ["first"] == [row["name"] for row in table(tmp_path / "mirror.duckdb", "probe", "items")]


def test_window_starts_where_the_previous_run_began() -> None:
    """
    First run: the next one starts `overlap` before the newest timestamp; later runs start at
    the newest timestamp seen before the previous run, so its changes are read again.
    """
    state: dict[str, Any] = {}
    overlap = timedelta(minutes=10)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = Window(state, overlap)
    assert first.since is None
    first.see([{"u": "2026-01-01T00:00:00.5Z"}, {"u": "2026-01-01T00:00:00Z"}], "u")
    first.commit()
    assert (t0 + timedelta(seconds=0.5) - overlap).isoformat() == state["since"]
    second = Window(state, overlap)
    second.see([{"u": "2026-01-01T00:05:00Z"}], "u")
    second.commit()
    assert (t0 + timedelta(seconds=0.5)).isoformat() == state["since"]
    third = Window(state, overlap)
    assert t0 + timedelta(seconds=0.5) == third.since
    third.commit()  # nothing new: the next run starts where this one's previous cursor was
    assert (t0 + timedelta(minutes=5)).isoformat() == state["since"]


async def test_a_run_stopped_after_extract_is_loaded_by_the_next_sync(tmp_path: Path) -> None:
    """
    A pipeline left with an extracted, unloaded package (a run killed after extract) is
    completed by the next sync, which then loads its own data too: nothing is ignored.
    """
    async with Sandbox(seed=4, sales_records={"accounts": 120}, businesses=1) as sb:
        pipe = pipeline(tmp_path, "pending")
        make = sales_client(sb)
        stats = SyncStats()
        await asyncio.to_thread(pipe.extract, sales_source(make, ["accounts"]))
        assert pipe.has_pending_data
        victim = next(i for i in sb.ids("sales", "accounts")
                      if not sb.record("sales", "accounts", i)["deleted"])  # fmt: skip
        sb.update("sales", "accounts", victim, {"name": "After the pending package"})
        await run(pipe, sales_source(make, ["accounts"], stats=stats), stats)
        assert not pipe.has_pending_data
        rows = {r["id"]: r for r in table(tmp_path / "mirror.duckdb", "pending", "accounts")}
        assert "After the pending package" == rows[victim]["name"]
        live = [i for i in sb.ids("sales", "accounts")
                if not sb.record("sales", "accounts", i)["deleted"]]  # fmt: skip
        assert sorted(live) == sorted(rows)
