"""
The fleet on Dask against rate-limited tenants: ``python -m benchmarks.fleet``.

20 Sales tenants, each limited by the sandbox (in its own process) to 4 requests/s with 100 ms
latency on every request. Each tenant exports ``accounts`` (page size 300). The wall time of
the fleet run (cluster already up) with 1 worker process and with 2 is compared with the
theoretical bound: records / (sum of the tenants' rates x page size). Also measured: the
scheduler's overhead per task (1,000 no-op tasks) and the memory a running tenant costs a
worker (peak RSS growth over the run / tenants running at once). Needs the ``fleet`` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sage_async.fleet import export_fleet
from sage_async.testing._process import SandboxProcess


PAGE = 300  # Sales page size the export asks for


def _rss() -> dict[str, int]:
    """The worker process's current and peak RSS, bytes (Linux ``/proc``)."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) * 1024
    return fields


def _noop(i: int) -> int:
    return i


def _run(
    sandbox: SandboxProcess, work: Path, workers: int, tenants: int, rate: float
) -> dict[str, Any]:
    import distributed

    fleet = work / f"fleet-{workers}"
    fleet.mkdir()
    env = sandbox.fleet_files(
        fleet, sales=tenants, accounting=0, resources={"sales": ["accounts"]},
        defaults=f"rate = {rate}\nper = 1.0\nretries = 0",
    )  # fmt: skip
    os.environ.update(env)
    threads = -(-tenants // workers)
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=threads, processes=True,
            dashboard_address=":0", silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        client.run(lambda: None)  # workers up and connected
        before = client.run(_rss)
        started = time.monotonic()
        manifest = export_fleet(fleet / "fleet.toml", work / f"out-{workers}", client=client)
        wall = time.monotonic() - started
        after = client.run(_rss)
        growth = sum(after[w]["VmHWM"] - before[w]["VmRSS"] for w in after)
        overhead = None
        if workers == 1:
            started = time.monotonic()
            client.gather(client.map(_noop, range(1000), pure=False))
            overhead = (time.monotonic() - started) / 1000
    return {
        "workers": workers,
        "threads_per_worker": threads,
        "status": manifest.status,
        "records": manifest.records,
        "requests": sum(t.requests for t in manifest.tenants),
        "throttled": sum(t.throttled for t in manifest.tenants),
        "wall": wall,
        "rss_growth_per_tenant": growth / tenants,
        "task_overhead": overhead,
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures (and a JSON line)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet")
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--rate", type=int, default=4, help="requests/s per tenant")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--pages", type=int, default=60, help="pages per tenant")
    args = parser.parse_args(argv)
    records = args.pages * PAGE
    total = records * args.tenants
    bound = total / (args.tenants * args.rate * PAGE)
    results = []
    with (
        SandboxProcess(
            sales_tenants=args.tenants, businesses=1, records=records,
            latency_ms=args.latency_ms, rate_limits=(f"sales:{args.rate}/s",),
        ) as sandbox,
        tempfile.TemporaryDirectory() as work,
    ):  # fmt: skip
        for workers in (1, 2):
            results.append(_run(sandbox, Path(work), workers, args.tenants, args.rate))
    print(
        f"fleet: {args.tenants} Sales tenants x {records:,} records ({args.pages} pages of "
        f"{PAGE}), {args.rate} requests/s each, {args.latency_ms:.0f} ms latency"
    )
    print(
        f"theoretical bound: {total:,} records / ({args.tenants} x {args.rate}/s x {PAGE}) "
        f"= {bound:.2f} s"
    )
    for r in results:
        print(
            f"{r['workers']} worker(s) x {r['threads_per_worker']} threads: {r['status']}, "
            f"{r['records']:,} records in {r['wall']:.2f} s = {bound / r['wall']:.3f} of the bound "
            f"({r['records'] / r['wall']:,.0f} records/s, {r['requests']} requests, "
            f"{r['throttled']} throttled), peak RSS growth "
            f"{r['rss_growth_per_tenant'] / 2**20:.1f} MiB per running tenant"
        )
        if r["task_overhead"] is not None:
            print(
                f"scheduler overhead: {r['task_overhead'] * 1000:.2f} ms per task "
                "(1,000 no-op tasks)"
            )
    print(json.dumps({"bound": bound, "runs": results}), file=sys.stderr)


if __name__ == "__main__":
    main()
