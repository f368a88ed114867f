"""
Sync throughput: Sales records/s into DuckDB through ``sage_async.dlt`` next to the JSONL export.

Run: ``python -m benchmarks.dlt_sync [--records N] [--rounds R]`` (needs the ``dlt`` extra).
Both paths read the same collection (``accounts``, 100,000 records by default) from one sandbox
process (``benchmarks._sandbox``), interleaved round by round; each sync is a first, full load
into a new DuckDB file (extract, normalize and load, as ``sage-async sync`` runs it). Prints
records/s for both and their ratio; issue 12's target is sync >= 0.5x export.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._sandbox import SALES_PRIVATE_KEY, SALES_PUBLIC_KEY, SandboxProcess, ServerOptions
from sage_async import SalesClient
from sage_async.export import export


RESOURCE = "accounts"
RATE = 1000.0  # requests/s: the sandbox machine is the limit, not the governor


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


def run_sync(url: str, work: Path) -> tuple[float, int]:
    import dlt
    import duckdb

    from sage_async.dlt import SyncStats, sales_source, sync

    start = time.perf_counter()
    stats = SyncStats()
    pipeline = dlt.pipeline(
        pipeline_name="bench", destination=dlt.destinations.duckdb(str(work / "bench.duckdb")),
        dataset_name="sales", pipelines_dir=str(work / "pipelines"),
    )  # fmt: skip
    sync(pipeline, sales_source(lambda: client(url), [RESOURCE], stats=stats), stats)
    elapsed = time.perf_counter() - start
    with duckdb.connect(str(work / "bench.duckdb"), read_only=True) as db:
        row = db.execute(f"SELECT count(*) FROM sales.{RESOURCE}").fetchone()
    assert row is not None
    return elapsed, int(row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    options = ServerOptions(sales_records=args.records, accounting_records=10, businesses=1)
    exports: list[float] = []
    syncs: list[float] = []
    with SandboxProcess(options) as server, tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run_export(server.sales_url, Path(tmp) / "warm"))  # warms the page cache
        for n in range(args.rounds):
            seconds = asyncio.run(run_export(server.sales_url, Path(tmp) / f"export{n}"))
            exports.append(args.records / seconds)
            work = Path(tmp) / f"sync{n}"
            work.mkdir()
            seconds, loaded = run_sync(server.sales_url, work)
            syncs.append(args.records / seconds)
            print(f"round {n + 1}: export {exports[-1]:,.0f} rec/s, sync {syncs[-1]:,.0f} rec/s, "
                  f"{syncs[-1] / exports[-1]:.2f}x ({loaded:,} rows live in DuckDB)")  # fmt: skip
    export_rate, sync_rate = statistics.median(exports), statistics.median(syncs)
    print(f"{args.records:,} Sales {RESOURCE}, median of {args.rounds} rounds")
    print(f"  JSONL export : {export_rate:>10,.0f} records/s")
    print(f"  dlt -> DuckDB: {sync_rate:>10,.0f} records/s")
    ratios = [sync / export for sync, export in zip(syncs, exports)]
    print(f"  ratio        : {statistics.median(ratios):.2f}x median of the rounds' ratios "
          f"(range {min(ratios):.2f}-{max(ratios):.2f}; target >= 0.50x)")  # fmt: skip


if __name__ == "__main__":
    main()
