"""
:func:`export_fleet`: submit one Dask task per tenant, follow them, write the fleet manifest.

Strictly private; re-exported from :mod:`sage_async.fleet`. Dask is imported here, when a fleet
runs, never by ``import sage_async``.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sage_async._errors import UsageError
from sage_async.export._fs import check_directory
from sage_async.fleet._report import FleetManifest, TenantReport
from sage_async.fleet._spec import Fleet, load_fleet
from sage_async.fleet._task import TenantIncomplete, run_tenant


__all__ = ["export_fleet"]

POLL = 0.25  # seconds between looks at the futures when none finishes
PROGRESS_EVERY = 2.0  # seconds between progress lines when nothing finished
MAX_THREADS = 64  # per local worker: each running tenant holds one thread


def export_fleet(
    fleet: Fleet | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int | None = None,
    client: Any = None,
    progress: IO[str] | None = None,
    on_report: Callable[[TenantReport], object] | None = None,
) -> FleetManifest:
    """
    Export every tenant of a fleet on a Dask cluster, one task per tenant.

    Each tenant's export runs whole in one worker thread, in its own event loop, with its own
    rate governor, session and tokens, and writes to ``<out_dir>/<label>/`` (its files,
    ``manifest.json``, its checkpoint and watermarks). A task that fails, or whose worker dies,
    is run again by Dask and resumes from the checkpoint: no record lost or written twice. A
    tenant that still fails is reported; the others finish.

    Args:
        fleet: a :class:`Fleet`, or the path of a fleet file (see :func:`load_fleet`).
        out_dir: the output directory, a path every worker can reach (shared storage on a
            real cluster).
        scheduler: the address of a running Dask scheduler (``tcp://host:8786``).
        workers: without ``scheduler``: the worker processes of the local cluster started
            for the run (default: the CPU count, at most one per tenant).
        threads_per_worker: threads of each local worker (default: enough for every tenant
            to run at once, up to 64).
        client: an existing ``distributed.Client`` to use instead (it is left open).
        progress: where progress lines go (e.g. ``sys.stderr``); ``None`` for silence.
        on_report: called with each tenant's report as it finishes.

    Returns:
        The :class:`FleetManifest`, also written to ``<out_dir>/fleet-manifest.json``.

    Raises:
        UsageError: a bad fleet file, an unwritable output directory, both ``scheduler`` and
            ``workers``, or Dask not installed (``pip install "sage-async[fleet]"``).
    """
    spec = fleet if isinstance(fleet, Fleet) else load_fleet(fleet)
    out = check_directory(Path(out_dir).absolute())
    if scheduler is not None and workers is not None:
        raise UsageError("give a scheduler address or a number of local workers, not both")
    if workers is not None and workers < 1:
        raise UsageError("workers must be at least 1")
    try:
        import distributed
    except ImportError:
        raise UsageError(
            'the fleet runs on Dask distributed: pip install "sage-async[fleet]"'
        ) from None
    started = datetime.now(UTC)
    clock = time.monotonic()
    manifest = FleetManifest(str(out), started=started.isoformat())
    manifest.tenants = [TenantReport(t.label, t.api) for t in spec.tenants]
    with _client(distributed, client, scheduler, workers, threads_per_worker, spec) as dask:
        manifest.dashboard = _dashboard(dask)
        if progress is not None and manifest.dashboard:
            print(f"fleet: Dask dashboard {manifest.dashboard}", file=progress, flush=True)
        run = uuid.uuid4().hex[:8]
        futures = {
            dask.submit(
                run_tenant, tenant, str(out), key=f"sage-fleet-{tenant.label}-{run}",
                retries=tenant.retries, pure=False,
            ): index
            for index, tenant in enumerate(spec.tenants)
        }  # fmt: skip
        _follow(distributed, dask, futures, manifest, clock, progress, on_report)
    manifest.finished = datetime.now(UTC).isoformat()
    manifest.duration = time.monotonic() - clock
    manifest.status = (
        "complete" if all(t.status == "complete" for t in manifest.tenants) else "partial"
    )
    manifest.write()
    if progress is not None:
        print(_line(manifest, clock, running=0, final=True), file=progress, flush=True)
    return manifest


@contextlib.contextmanager
def _client(
    distributed: Any, client: Any, scheduler: str | None, workers: int | None,
    threads: int | None, spec: Fleet,
) -> Iterator[Any]:  # fmt: skip
    if client is not None:
        yield client
        return
    if scheduler is not None:
        with distributed.Client(scheduler) as remote:
            yield remote
        return
    count = workers or min(os.cpu_count() or 1, len(spec.tenants))
    per = threads or min(MAX_THREADS, max(1, math.ceil(len(spec.tenants) / count)))
    with (
        distributed.LocalCluster(
            n_workers=count, threads_per_worker=per, processes=True, dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as local,
    ):  # fmt: skip
        yield local


def _dashboard(dask: Any) -> str | None:
    with contextlib.suppress(Exception):
        link = dask.dashboard_link
        return str(link) if link else None
    return None


def _follow(
    distributed: Any,
    dask: Any,
    futures: dict[Any, int],
    manifest: FleetManifest,
    clock: float,
    progress: IO[str] | None,
    on_report: Callable[[TenantReport], object] | None,
) -> None:
    pending = dict(futures)
    said = time.monotonic()
    while pending:
        finished = [f for f in pending if f.done()]
        for future in finished:
            index = pending.pop(future)
            report = _outcome(future, manifest.tenants[index])
            # Nothing wants the result any more: a worker dying later must not make Dask
            # compute the task again (a whole export, into this run's directory).
            future.release()
            manifest.tenants[index] = report
            if on_report is not None:
                on_report(report)
        now = time.monotonic()
        if progress is not None and (finished or now - said >= PROGRESS_EVERY):
            running = _running(dask, pending)
            print(_line(manifest, clock, running), file=progress, flush=True)
            said = now
        if pending:
            # Wake as soon as a tenant finishes (the wall time of a run is not rounded up to
            # a polling period), at the latest after POLL seconds for a progress line.
            with contextlib.suppress(TimeoutError):
                distributed.wait(list(pending), timeout=POLL, return_when="FIRST_COMPLETED")


def _outcome(future: Any, blank: TenantReport) -> TenantReport:
    """The tenant's report from its finished future: its result, or why it failed."""
    try:
        return TenantReport.from_json(future.result())
    except TenantIncomplete as exc:
        report = TenantReport.from_json(exc.report)
    except Exception as exc:  # a worker died too often (KilledWorker), a bug: keep the others
        report = blank
        report.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    report.status = "failed"
    return report


def _running(dask: Any, pending: dict[Any, int]) -> int:
    with contextlib.suppress(Exception):
        keys = {f.key for f in pending}
        return sum(1 for tasks in dask.processing().values() for key in tasks if key in keys)
    return 0


def _line(manifest: FleetManifest, clock: float, running: int, *, final: bool = False) -> str:
    total = len(manifest.tenants)
    done = sum(t.status == "complete" for t in manifest.tenants)
    failed = sum(t.status == "failed" for t in manifest.tenants)
    elapsed = max(time.monotonic() - clock, 1e-9)
    rate = manifest.records / elapsed
    head = "fleet: finished" if final else "fleet:"
    return (
        f"{head} {done}/{total} done, {running} running, {failed} failed, "
        f"{manifest.records:,} records ({rate:,.0f} records/s), {elapsed:.1f}s"
    )
