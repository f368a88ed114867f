"""
The fleet on Dask against rate-limited tenants: ``python -m benchmarks.fleet``.

20 Sales tenants, each limited by the sandbox (in its own process) to 4 requests in any
1-second window, with 100 ms latency on every request. Each tenant exports ``accounts`` (page
size 300). Per cluster (1 worker process, then 2), two fleet runs on the running cluster:

- ``cold``: the first run; the workers import the library and the sandbox renders every page
  for the first time (about 400 KB of JSON per page, on the same two cores as the client);
- ``warm``: the same fleet again into a fresh directory: warm workers, pages served from the
  sandbox's cache (what a fleet against a real API sees: the server is not on the client's
  cores). This is the figure compared with the target.

The timer covers ``export_fleet`` on a running cluster: submitting one task per tenant, every
tenant's login and pages, writing the files and manifests, and collecting the reports. Cluster
start-up is not counted.

The bound: a tenant must send ``1 login + its pages`` requests (a Sales collection whose size
is a multiple of the page size ends with one empty page: there is no total to stop at), all
through its rate; tenants run side by side, so the fleet's bound is the largest tenant's
``requests / rate`` (equal tenants: records / (sum of rates x page size), plus those requests).
Also measured: requests started against those needed, 429s, the spread of the tenants' own
durations (the rest of the wall time is Dask's), the scheduler's overhead per task (1,000 no-op
tasks) and the memory a running tenant costs a worker. Needs the ``fleet`` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sage_async.fleet import export_fleet
from sage_async.testing._process import SandboxProcess


PAGE = 300  # Sales page size the export asks for
PAGE_MB = 0.5  # a rendered page of 300 sandbox accounts is about 400 KB


def _rss() -> dict[str, int]:
    """The worker process's current and peak RSS, bytes (Linux ``/proc``)."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) * 1024
    return fields


def _cpu() -> float:
    """The worker process's CPU seconds so far (user and system)."""
    return time.process_time()


def _noop(i: int) -> int:
    return i


def needed_requests(records: int) -> int:
    """Requests one Sales tenant must send to export ``records`` records: login and pages."""
    pages = -(-records // PAGE)
    ending = 1 if records % PAGE == 0 else 0  # a full last page: an empty one tells the end
    return 1 + pages + ending


def _figures(manifest: Any, wall: float) -> dict[str, Any]:
    tenants = manifest.tenants
    durations = sorted(t.duration for t in tenants)
    return {
        "status": manifest.status,
        "records": manifest.records,
        "wall": wall,
        # page requests started (a speculative page cancelled before its rate slot included:
        # it never reaches the server), retries, one login each
        "sent": sum(t.requests + t.retries + 1 for t in tenants),
        "throttled": sum(t.throttled for t in tenants),
        "tenant_max": durations[-1],
        "tenant_median": statistics.median(durations),
        "tenant_min": durations[0],
    }


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
    runs: dict[str, Any] = {"workers": workers, "threads_per_worker": threads}
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=threads, processes=True,
            dashboard_address=":0", silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        client.run(lambda: None)  # workers up and connected
        before = client.run(_rss)
        for phase in ("cold", "warm"):
            time.sleep(1.5)  # the sandbox's 1-second windows are empty again
            cpu = client.run(_cpu)
            started = time.monotonic()
            manifest = export_fleet(
                fleet / "fleet.toml", work / f"out-{workers}-{phase}", client=client
            )
            wall = time.monotonic() - started
            runs[phase] = _figures(manifest, wall)
            used = client.run(_cpu)
            # the busiest worker's CPU share: near 1.0, one process's GIL is the limit
            runs[phase]["worker_cpu"] = max((used[w] - cpu[w]) / wall for w in used)
        after = client.run(_rss)
        runs["rss_growth_per_tenant"] = (
            sum(after[w]["VmHWM"] - before[w]["VmRSS"] for w in after) / tenants
        )
        if workers == 1:
            started = time.monotonic()
            client.gather(client.map(_noop, range(1000), pure=False))
            runs["task_overhead"] = (time.monotonic() - started) / 1000
    return runs


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures (and a JSON line on stderr)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet")
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--rate", type=int, default=4, help="requests/s per tenant")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--pages", type=int, default=40, help="pages per tenant")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    records = args.pages * PAGE
    needed = needed_requests(records)
    bound = needed / args.rate
    issue_bound = records * args.tenants / (args.tenants * args.rate * PAGE)
    cache_mb = int(args.tenants * (args.pages + 2) * PAGE_MB) + 64
    results = []
    with (
        SandboxProcess(
            sales_tenants=args.tenants, businesses=1, records=records,
            latency_ms=args.latency_ms, rate_limits=(f"sales:{args.rate}/s",),
            page_cache_mb=cache_mb,
        ) as sandbox,
        tempfile.TemporaryDirectory() as work,
    ):  # fmt: skip
        for workers in args.workers:
            results.append(_run(sandbox, Path(work), workers, args.tenants, args.rate))
    print(
        f"fleet: {args.tenants} Sales tenants x {records:,} records ({args.pages} pages of "
        f"{PAGE}), {args.rate} requests/s each (any 1-s window), {args.latency_ms:.0f} ms latency"
    )
    print(
        f"bound: {needed} requests per tenant (login, {needed - 1} pages) / {args.rate}/s = "
        f"{bound:.2f} s (records / sum of rates alone: {issue_bound:.2f} s); "
        f"{needed * args.tenants} requests needed in all"
    )
    for r in results:
        for phase in ("cold", "warm"):
            f = r[phase]
            print(
                f"{r['workers']} worker(s) x {r['threads_per_worker']} threads, {phase}: "
                f"{f['status']}, {f['records']:,} records in {f['wall']:.2f} s = "
                f"{bound / f['wall']:.3f} of the bound ({issue_bound / f['wall']:.3f} of "
                f"records/rates); {f['sent']} requests started, {f['throttled']} x 429; tenants "
                f"took {f['tenant_min']:.2f}/{f['tenant_median']:.2f}/{f['tenant_max']:.2f} s "
                f"(min/median/max); busiest worker {f['worker_cpu']:.0%} CPU"
            )
        print(f"  peak RSS growth {r['rss_growth_per_tenant'] / 2**20:.1f} MiB per running tenant")
        if r.get("task_overhead") is not None:
            print(
                f"scheduler overhead: {r['task_overhead'] * 1000:.2f} ms per task "
                "(1,000 no-op tasks)"
            )
    print(json.dumps({"bound": bound, "needed": needed, "runs": results}), file=sys.stderr)


if __name__ == "__main__":
    main()
