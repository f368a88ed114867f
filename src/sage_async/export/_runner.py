"""
The run loop of an export: resources one after another, each through an unordered concurrent
page stream, records staged durably, a checkpoint after each durable flush, watermarks at the
end. Strictly private (see :func:`sage_async.export.export`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import attrs

from sage_async._accounting_resource import AccountingResource
from sage_async._client import BaseClient, Event, listening
from sage_async._errors import (
    AuthenticationError,
    BadRequestError,
    ExportError,
    NotFoundError,
    PageError,
    PermissionDeniedError,
    SageError,
    UsageError,
)
from sage_async._retry import RetryEvent
from sage_async.export._checkpoint import Checkpoint, CheckpointStore, StreamState
from sage_async.export._formats import finalize
from sage_async.export._fs import disk_error, read_json
from sage_async.export._manifest import Manifest, ResourceReport, StreamReport
from sage_async.export._neighbours import Neighbours, keep_page
from sage_async.export._part import PartFile
from sage_async.export._plan import (
    StreamPlan,
    deletes_tracked,
)
from sage_async.export._progress import Progress, ProgressCallback
from sage_async.export._repair import recover
from sage_async.export._watermark import (
    Tracker,
    Watermark,
    WatermarkStore,
    cursor_text,
    watermark_key,
)


__all__ = ["COUNTERS", "Progress", "ProgressCallback", "Runner", "fatal"]

T = TypeVar("T")
COUNTERS = (
    "requests", "retries", "throttled", "cancelled", "duplicates", "skipped", "deleted",
    "recovered",
)  # fmt: skip


async def _off_loop(function: Callable[[], T]) -> T:
    """
    Run ``function`` in a worker thread; cancelled meanwhile, wait for it to finish before the
    cancellation goes on (so that nothing else touches the file while it runs).
    """
    job = asyncio.ensure_future(asyncio.to_thread(function))
    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await job
        raise


def fatal(exc: SageError) -> bool:
    """Whether an error stops the whole run (it would stop every other resource too)."""
    cause = exc.__cause__ if isinstance(exc, PageError) else exc
    return not isinstance(cause, NotFoundError | PermissionDeniedError | BadRequestError)


class Runner:
    """Strictly private: one export run."""

    def __init__(
        self,
        client: BaseClient,
        state: Checkpoint,
        store: CheckpointStore,
        marks: WatermarkStore,
        out: Path,
        fmt: Any,
        *,
        started: datetime,
        margin: timedelta,
        progress: ProgressCallback | None,
        validate: bool,
        concurrency: int | None,
        flush_pages: int,
        flush_seconds: float,
    ) -> None:
        self.client = client
        self.state = state
        self.store = store
        self.marks = marks
        self.out = out
        self.fmt = fmt
        self.started = started
        self.margin = margin
        self.progress = progress
        self.validate = validate
        self.concurrency = concurrency
        self.flush_pages = flush_pages
        self.flush_seconds = flush_seconds
        self.live: dict[str, int] = dict.fromkeys(COUNTERS, 0)

    # --- the run ----------------------------------------------------------------------------

    async def run(self, plans: Mapping[str, list[StreamPlan]]) -> Manifest:
        clock = time.monotonic()
        manifest = Manifest(
            api=self.client.api, tenant=self.state.tenant, format=self.fmt, out_dir=str(self.out),
            started=datetime.now(UTC).isoformat(),
        )  # fmt: skip
        manifest.resources = [ResourceReport(name) for name in plans]
        manifest.runs = self._earlier_runs()
        manifest.replaced = [
            state.output
            for state in self.state.streams.values()
            if not state.complete and (self.out / state.output).exists()
        ]
        try:
            with listening(self.client, self._count):
                for report, (name, streams) in zip(manifest.resources, plans.items()):
                    drift = self.client.converter.drift.total
                    try:
                        report.streams = [await self._stream(plan) for plan in streams]
                        self._advance(name, streams)
                        report.status = "complete"
                    except (SageError, OSError) as exc:
                        report.status = "failed"
                        report.error = (
                            disk_error(exc, self.out)
                            if isinstance(exc, OSError)
                            else str(exc).splitlines()[0]
                        )
                        cause = exc.__cause__ if isinstance(exc, PageError) else exc
                        report.error_kind = type(cause).__name__
                        report.resumable = not isinstance(
                            cause, AuthenticationError | PermissionDeniedError
                        )
                        report.streams = [
                            self._report(p, self.state.streams[p.name]) for p in streams
                        ]
                        if isinstance(exc, OSError) or fatal(exc):
                            break
                    finally:
                        report.drift = self.client.converter.drift.total - drift
        finally:
            for report in manifest.resources:
                if not report.streams:
                    report.streams = [
                        self._report(p, self.state.streams[p.name]) for p in plans[report.name]
                    ]
            done = all(r.status == "complete" for r in manifest.resources)
            manifest.status = "complete" if done else "partial"
            manifest.finished = datetime.now(UTC).isoformat()
            manifest.duration = time.monotonic() - clock
            if self.validate:
                manifest.drift = self.client.converter.drift.as_dict()
            if done:
                self.store.remove()
                manifest.runs.append(self._this_run(manifest, plans))
            else:
                manifest.checkpoint = str(self.store.path)
            self._write_manifest(manifest, failing=sys.exc_info()[1] is not None)
        return manifest

    def _earlier_runs(self) -> list[dict[str, Any]]:
        """The completed runs the directory's previous manifest lists (same API and tenant)."""
        try:
            previous = read_json(self.out / "manifest.json")
        except (UsageError, OSError):
            return []  # unreadable: start a new history rather than fail the export
        if not isinstance(previous, dict) or (previous.get("api"), previous.get("tenant")) != (
            self.client.api,
            self.state.tenant,
        ):
            return []
        runs = previous.get("runs")
        return [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []

    def _this_run(
        self, manifest: Manifest, plans: Mapping[str, list[StreamPlan]]
    ) -> dict[str, Any]:
        delta = any(plan.stamp for streams in plans.values() for plan in streams)
        return {
            "started": self.state.started,
            "finished": manifest.finished,
            "kind": "delta" if delta else "full",
            "files": {r.name: [s.output for s in r.streams] for r in manifest.resources},
        }

    def _write_manifest(self, manifest: Manifest, *, failing: bool) -> None:
        """Write the manifest; a disk error is one line (and silent while another one is raised)."""
        path = self.out / "manifest.json"
        try:
            manifest.write(path)
        except OSError as exc:
            if failing:
                return
            failed = [f"{r.name}: {r.error}" for r in manifest.resources if r.error]
            raise ExportError(
                "; ".join([*failed, f"the manifest was not written ({disk_error(exc, path)})"])
            ) from None

    def _count(self, event: Event) -> None:
        """Count the run's retries and 429s (a per-run listener: other tasks' calls are not)."""
        if isinstance(event, RetryEvent):
            self.live["retries"] += 1
            if event.status == 429:
                self.live["throttled"] += 1

    def _tracker(self, plan: StreamPlan, saved: StreamState) -> Tracker | None:
        if not plan.cursor:
            return None
        tracker = Tracker(
            fields=plan.cursor, margin=self.margin, started=self.started,
            previous=plan.previous, window=plan.window,
        )  # fmt: skip
        tracker.restore(saved.tracker)
        return tracker

    def _advance(self, name: str, plans: list[StreamPlan]) -> None:
        """Store the watermarks of a completed resource."""
        updates: dict[str, Watermark] = {}
        for plan in plans:
            tracker = self._tracker(plan, self.state.streams[plan.name])
            result = tracker.result() if tracker else None
            if result is not None:
                updates[plan.key] = result
        resource = plans[0].resource
        full = plans[0].window is None
        if full and self.client.api == "accounting" and deletes_tracked(resource):
            # A full export holds no deleted record; deletes from its start on come next time.
            # "Its start" in the server's clock: the upserts' watermark (the latest change the
            # server stamped, capped by this machine's start) when there is one, so that a
            # clock running ahead of the server's loses no delete stamped in between.
            key = watermark_key(self.client.api, self.state.tenant, name, "deleted")
            upserts = updates.get(plans[0].key)
            start = upserts.value if upserts is not None else self.started - self.margin
            updates.setdefault(key, Watermark(start))
        if updates:
            self.marks.put(updates)

    # --- one stream -------------------------------------------------------------------------

    async def _stream(self, plan: StreamPlan) -> StreamReport:
        saved = self.state.streams[plan.name]
        if saved.complete:
            return self._report(plan, saved)
        part = self.out / saved.part
        output = self.out / saved.output
        if not saved.finished:
            await self._fetch(plan, saved, part)
        if part.exists():
            if self.fmt == "jsonl":
                finalize(self.fmt, part, output, plan.resource.spec.model)
            else:
                await self._convert(plan, saved, part, output)
        elif not output.exists():
            raise ExportError(f"cannot finish {plan.name}: {part.name} is missing; run again")
        return self._complete(plan, saved, part)

    async def _convert(
        self, plan: StreamPlan, saved: StreamState, part: Path, output: Path
    ) -> None:
        """
        Convert in a worker thread. Cancelled (Ctrl-C), tell the thread to stop and wait for
        it: it removes its temporary file, or, if it had finished, the stream is recorded as
        complete so that a resume does not convert it again.
        """
        stop = threading.Event()
        begun = time.monotonic()
        self._converting(plan, saved, begun, done=False)
        job = asyncio.ensure_future(asyncio.to_thread(
            finalize, self.fmt, part, output, plan.resource.spec.model, stop=stop,
        ))  # fmt: skip
        try:
            await asyncio.shield(job)
            self._converting(plan, saved, begun, done=True)
        except asyncio.CancelledError:
            stop.set()
            # ConversionStopped, or a failure: the interruption is what the caller hears about.
            with contextlib.suppress(Exception):
                await asyncio.shield(job)
                self._complete(plan, saved, part)  # it finished before it saw the stop
            raise

    def _converting(
        self, plan: StreamPlan, saved: StreamState, begun: float, *, done: bool
    ) -> None:
        """Tell the progress callback that the stream is (or was) being converted."""
        if self.progress is not None:
            self.progress(
                Progress(
                    resource=plan.resource.name, stream=plan.name, records=saved.records,
                    pages=len(saved.pages), pages_total=None, records_total=None,
                    elapsed=time.monotonic() - begun, done=done, phase="convert",
                )
            )  # fmt: skip

    def _complete(self, plan: StreamPlan, saved: StreamState, part: Path) -> StreamReport:
        """Record a stream whose output is in place as complete; drop its staging file."""
        saved.complete = True
        report = self._report(plan, saved)
        saved.report = attrs.asdict(report)
        self.store.save(self.state)
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        return report

    async def _fetch(self, plan: StreamPlan, saved: StreamState, path: Path) -> None:
        resumed = saved.offset > 0 or len(saved.pages) > 0
        part = PartFile(path, resume_at=saved.offset if resumed else None)
        tracker = self._tracker(plan, saved)
        base = dict(saved.counters)
        self.live = dict.fromkeys(COUNTERS, 0)
        neighbours = Neighbours()
        model = plan.resource.spec.model
        converter = self.client.converter
        sales = self.client.api == "sales"
        begun = last_flush = time.monotonic()
        session_pages = since_flush = 0
        consistent = True
        stream = plan.resource.pages(
            raw=True, ordered=False, concurrency=self.concurrency, skip=saved.pages.numbers(),
            **plan.filters,
        )  # fmt: skip

        def checkpoint(offset: int | None = None) -> None:
            """Record a durable point: ``offset`` from a sync just done, else sync now."""
            saved.offset = part.sync() if offset is None else offset
            saved.tracker = tracker.to_json() if tracker else None
            stats = stream.stats
            self.live["requests"], self.live["cancelled"] = stats.requests, stats.cancelled
            saved.counters = {k: base.get(k, 0) + self.live[k] for k in COUNTERS}
            saved.counters["seconds_ms"] = base.get("seconds_ms", 0) + int(
                (time.monotonic() - begun) * 1000
            )
            saved.counters["total_first"] = stats.total_first or base.get("total_first", 0)
            saved.counters["total_last"] = stats.total_last or base.get("total_last", 0)
            self.store.save(self.state)

        failed = True
        try:
            async for page in stream:
                consistent = False
                kept, ids = keep_page(
                    page.items, page.number, tracker, neighbours, sales, self.live
                )
                part.write(kept)
                saved.records += len(kept)
                saved.pages.add(page.number)
                consistent = True
                neighbours.add(page.number, ids, saved.pages.prefix)
                if self.validate and kept:
                    converter.structure_list(kept, model)
                session_pages += 1
                since_flush += 1
                now = time.monotonic()
                if since_flush >= self.flush_pages or now - last_flush >= self.flush_seconds:
                    # The fsync of megabytes waits on the disk: in a thread, so that the pages
                    # in flight keep arriving meanwhile (nothing writes to the file until then).
                    checkpoint(await _off_loop(part.sync))
                    since_flush, last_flush = 0, now
                self._notify(plan, saved, stream.stats, begun, session_pages, done=False)
            if await self._shifted(plan, stream.stats, base):
                checkpoint()  # the main pass is durable before the repair begins

                def write(records: list[dict[str, Any]]) -> int:
                    nonlocal consistent
                    kept = [r for r in records if tracker is None or tracker.admit(r)]
                    consistent = False
                    part.write(kept)
                    consistent = True
                    saved.records += len(kept)
                    return len(kept)

                assert isinstance(plan.resource, AccountingResource)
                self.live["recovered"] += await recover(
                    plan.resource, plan.filters, part, write, concurrency=self.concurrency
                )
            saved.finished = True
            failed = False
        finally:
            try:
                # What is written is made durable and named, even on cancellation; after a
                # disk error that attempt may fail too, and must not hide the first error.
                with contextlib.suppress(*((OSError,) if failed else ())):
                    try:
                        if consistent and not part.closed:
                            checkpoint()
                    finally:
                        part.close()
            finally:
                await stream.aclose()
        self._notify(plan, saved, stream.stats, begun, session_pages, done=True)

    async def _shifted(self, plan: StreamPlan, stats: Any, base: Mapping[str, int]) -> bool:
        """
        Whether a full Accounting export may have missed records (see ``_repair``): offset
        pages shift when records are deleted during the run, which ``$total`` shows unless as
        many were inserted. So: ``$total`` changed (this session or since an earlier one), or
        the collection spans several pages and records were deleted since the run started
        (one ``deleted_since`` request), or it cannot tell deletes (no ``deleted_since``).
        """
        if self.client.api != "accounting" or plan.kind != "upserts" or plan.window is not None:
            return False
        totals = {base.get("total_first"), base.get("total_last"), stats.total_first,
                  stats.total_last} - {None, 0}  # fmt: skip
        if len(totals) > 1:
            return True
        size = plan.filters.get("items_per_page") or 1
        if max(totals, default=0) <= size:
            return False  # one page: nothing could shift past a page boundary
        resource = plan.resource
        assert isinstance(resource, AccountingResource)
        if "deleted_since" not in resource.spec.list_params:
            return True
        since = self.started - self.margin - timedelta(seconds=1)  # exclusive parameter
        probe = await resource.list(raw=True, items_per_page=1, deleted_since=since)
        return bool(probe.total or probe.items)

    def _notify(
        self, plan: StreamPlan, saved: StreamState, stats: Any, begun: float, session: int,
        *, done: bool,
    ) -> None:  # fmt: skip
        if self.progress is None:
            return
        total = stats.total_last
        size = plan.filters.get("items_per_page")
        pages_total = math.ceil(total / size) if total is not None and size else None
        self.progress(
            Progress(
                resource=plan.resource.name, stream=plan.name, records=saved.records,
                pages=len(saved.pages), pages_total=pages_total, records_total=total,
                elapsed=time.monotonic() - begun, session_pages=session, done=done,
            )
        )  # fmt: skip

    def _report(self, plan: StreamPlan, saved: StreamState) -> StreamReport:
        if saved.complete and saved.report is not None:
            return StreamReport(**saved.report)
        counters = saved.counters
        tracker = self._tracker(plan, saved)
        reached = tracker.result() if tracker is not None and saved.complete else None
        return StreamReport(
            name=plan.name, kind=plan.kind, output=saved.output, complete=saved.complete,
            records=saved.records, pages=len(saved.pages),
            **{k: counters.get(k, 0) for k in COUNTERS},
            total_first=counters.get("total_first") or None,
            total_last=counters.get("total_last") or None,
            since=cursor_text(plan.window) if plan.window else None,
            watermark=cursor_text(reached.value) if reached else None,
            duration=counters.get("seconds_ms", 0) / 1000,
        )  # fmt: skip
