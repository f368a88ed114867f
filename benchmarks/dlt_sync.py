"""
Sync throughput: Sales records/s into DuckDB through ``sage_async.dlt`` next to the JSONL export.

Run: ``python -m benchmarks.dlt_sync [--records N] [--rounds R]`` (needs the ``dlt`` extra).
Both paths read the same collection (``accounts``, 100,000 records by default) from one sandbox
process (``benchmarks._sandbox``), interleaved round by round; each sync is a first, full load
into a new DuckDB file (extract, normalize and load, as ``sage-async sync`` runs it). Every
measurement runs in a fresh process, as a user runs one command (a process that has imported
dlt makes the export's garbage collections slower too). A third row, the dlt floor, loads the
very rows the sync loads, already fetched and converted to Arrow tables before its timer
starts, through the same ``sync()``: what dlt and DuckDB cost without the library. Prints
records/s for all three and the ratios to the export; issue 12's target is sync >= 0.5x
export. The fixed costs (importing dlt, a pipeline loading one row) are printed apart:
imports are outside every timer, as for the export.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks._sandbox import SALES_PRIVATE_KEY, SALES_PUBLIC_KEY, SandboxProcess, ServerOptions
from sage_async import SalesClient
from sage_async.export import export


RESOURCE = "accounts"
RATE = 1000.0  # requests/s: the sandbox machine is the limit, not the governor
IMPORTS = (
    "import time; t = time.perf_counter(); import sage_async.dlt; print(time.perf_counter() - t)"
)


def client(url: str) -> SalesClient:
    return SalesClient(
        public_key=SALES_PUBLIC_KEY, private_key=SALES_PRIVATE_KEY, base_url=url, rate=RATE
    )


async def run_export(url: str, out: Path) -> float:
    start = time.perf_counter()
    async with client(url) as sales:
        manifest = await export(sales, [RESOURCE], out_dir=out)
    assert manifest.ok, manifest
    return time.perf_counter() - start


def _pipeline(work: Path) -> Any:
    import dlt

    return dlt.pipeline(
        pipeline_name="bench", destination=dlt.destinations.duckdb(str(work / "bench.duckdb")),
        dataset_name="sales", pipelines_dir=str(work / "pipelines"),
    )  # fmt: skip


def _live_rows(work: Path) -> int:
    import duckdb

    with duckdb.connect(str(work / "bench.duckdb"), read_only=True) as db:
        row = db.execute(f"SELECT count(*) FROM sales.{RESOURCE}").fetchone()
    assert row is not None
    return int(row[0])


def run_sync(url: str, work: Path) -> tuple[float, int]:
    """A first sync of the collection, timed from the pipeline's creation to the summary."""
    from sage_async.dlt import SyncStats, sales_source, sync

    start = time.perf_counter()
    stats = SyncStats()
    sync(_pipeline(work), sales_source(lambda: client(url), [RESOURCE], stats=stats), stats)
    return time.perf_counter() - start, _live_rows(work)


async def materialize(url: str) -> list[Any]:
    """The Arrow tables a first sync hands dlt, made as its source makes them (untimed)."""
    from sage_async.dlt._arrow import PageTables
    from sage_async.dlt._columns import TENANT, columns_for
    from sage_async.dlt._first import FirstCopies
    from sage_async.models.sales import RESOURCES

    tables = PageTables(columns_for(RESOURCES[RESOURCE], cursor="dateUpdated", hard_delete=None))
    first = FirstCopies("deleted")
    batches = []
    async with client(url) as sales:
        async for page in sales.accounts.pages(raw=True, ordered=False):
            rows = first.keep(page.items)
            for row in rows:
                row[TENANT] = sales.tenant
            if rows:
                batches += tables.add(rows)
    return batches + tables.flush()


def run_floor(batches: list[Any], work: Path) -> tuple[float, int]:
    """The same rows, already Arrow tables, through ``sync()``: dlt's own cost."""
    import dlt

    from sage_async.dlt import SyncStats, sync
    from sage_async.dlt._columns import columns_for
    from sage_async.models.sales import RESOURCES

    columns = columns_for(RESOURCES[RESOURCE], cursor="dateUpdated", hard_delete="deleted")

    def tables() -> Iterator[Any]:
        yield from batches

    resource: Callable[[], Any] = dlt.resource(
        tables, name=RESOURCE, primary_key="id", write_disposition="merge", columns=columns
    )
    start = time.perf_counter()
    stats = SyncStats()
    stats.table(RESOURCE)
    sync(_pipeline(work), dlt.source(name="sage_sales")(lambda: [resource()])(), stats)
    return time.perf_counter() - start, _live_rows(work)


def measure(kind: str, url: str, work: Path) -> tuple[float, int]:
    """One measurement in this process: ``export``, ``sync``, ``floor`` or ``one-row``."""
    import sage_async.dlt  # noqa: F401  (imports outside every timer, as for the export)

    if kind == "export":
        return asyncio.run(run_export(url, work / "out")), 0
    if kind == "sync":
        return run_sync(url, work)
    batches = asyncio.run(materialize(url))
    if kind == "one-row":
        batches = [batches[0].slice(0, 1)]
    return run_floor(batches, work)


def child(kind: str, url: str, tmp: Path, name: str) -> tuple[float, int]:
    """Run one measurement in a fresh process, as a user runs one command (``--child``)."""
    work = tmp / name
    work.mkdir()
    command = [sys.executable, "-m", "benchmarks.dlt_sync", "--child", kind, url, str(work)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    seconds, rows = done.stdout.split()[-2:]
    return float(seconds), int(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "URL", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, url, work = args.child
        seconds, rows = measure(kind, url, Path(work))
        print(seconds, rows)
        return
    options = ServerOptions(sales_records=args.records, accounting_records=10, businesses=1)
    rates: dict[str, list[float]] = {"export": [], "sync": [], "floor": []}
    with SandboxProcess(options) as server, tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        url = server.sales_url
        child("export", url, tmp, "warm")  # warms the sandbox's page cache
        imports = float(subprocess.run([sys.executable, "-c", IMPORTS], capture_output=True,
                                       text=True, check=True).stdout)  # fmt: skip
        one_row, _ = child("one-row", url, tmp, "one-row")
        for n in range(args.rounds):
            loaded = 0
            for kind in rates:
                seconds, rows = child(kind, url, tmp, f"{kind}{n}")
                rates[kind].append(args.records / seconds)
                loaded = rows or loaded
            export_rate, sync_rate, floor_rate = (rates[k][-1] for k in rates)
            print(f"round {n + 1}: export {export_rate:,.0f} rec/s, sync {sync_rate:,.0f} rec/s "
                  f"({sync_rate / export_rate:.2f}x), dlt floor {floor_rate:,.0f} rec/s "
                  f"({floor_rate / export_rate:.2f}x); {loaded:,} rows live in DuckDB")  # fmt: skip
    median = {kind: statistics.median(values) for kind, values in rates.items()}
    print(f"{args.records:,} Sales {RESOURCE}, median of {args.rounds} rounds, one process each")
    print(f"  JSONL export        : {median['export']:>10,.0f} records/s")
    print(f"  dlt -> DuckDB (sync): {median['sync']:>10,.0f} records/s")
    print(f"  dlt floor           : {median['floor']:>10,.0f} records/s "
          "(the same rows as Arrow tables, no fetching)")  # fmt: skip
    for kind in ("sync", "floor"):
        ratios = [r / e for r, e in zip(rates[kind], rates["export"], strict=True)]
        print(f"  {kind} / export: {statistics.median(ratios):.2f}x median of the rounds' ratios "
              f"(range {min(ratios):.2f}-{max(ratios):.2f})")  # fmt: skip
    print("  target: sync >= 0.50x export")
    print(f"  fixed: import sage_async.dlt (and dlt) {imports:.2f} s once per command, outside "
          f"the timers; a sync of one row {one_row:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
