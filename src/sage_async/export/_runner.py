"""
The run loop of an export: resources one after another, each through an unordered concurrent
page stream, records staged durably, a checkpoint after each durable flush, watermarks at the
end. Strictly private (see :func:`sage_async.export.export`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from sage_async._client import BaseClient, Event
from sage_async._errors import (
    BadRequestError,
    ExportError,
    NotFoundError,
    PageError,
    PermissionDeniedError,
    SageError,
)
from sage_async._pagination import record_id
from sage_async._retry import RetryEvent
from sage_async.export._checkpoint import Checkpoint, CheckpointStore, StreamState
from sage_async.export._formats import finalize
from sage_async.export._manifest import Manifest, ResourceReport, StreamReport
from sage_async.export._part import PartFile
from sage_async.export._plan import (
    StreamPlan,
    deletes_tracked,
)
from sage_async.export._watermark import (
    Tracker,
    Watermark,
    WatermarkStore,
    cursor_text,
    watermark_key,
)


__all__ = ["COUNTERS", "Progress", "ProgressCallback", "Runner", "fatal"]

COUNTERS = ("requests", "retries", "throttled", "cancelled", "duplicates", "skipped", "deleted")
NEIGHBOURS = 8  # pages on either side whose ids are remembered for in-run deduplication


@attrs.frozen
class Progress:
    """
    Where one stream is, passed to the ``progress`` callback after each page.

    Attributes:
        resource: the resource name.
        stream: the stream name (``accounts``, ``stock_items.deleted``).
        records: records written so far (resumed sessions included).
        pages: pages completed so far.
        pages_total: how many pages the stream has, once known (Accounting ``$total``).
        records_total: how many records the API announced (Accounting ``$total``).
        elapsed: seconds since this session started the stream.
        session_pages: pages completed in this session (for a rate).
        done: the stream completed.
        phase: ``fetch`` while pages are fetched, ``convert`` while the staged records become
            CSV or Parquet.
    """

    resource: str
    stream: str
    records: int
    pages: int
    pages_total: int | None
    records_total: int | None
    elapsed: float
    session_pages: int = 0
    done: bool = False
    phase: str = "fetch"


ProgressCallback = Callable[[Progress], object]


def fatal(exc: SageError) -> bool:
    """Whether an error stops the whole run (it would stop every other resource too)."""
    cause = exc.__cause__ if isinstance(exc, PageError) else exc
    return not isinstance(cause, NotFoundError | PermissionDeniedError | BadRequestError)


class _Neighbours:
    """Ids of recently completed pages, to drop a record a neighbouring page already had."""

    def __init__(self, reach: int = NEIGHBOURS) -> None:
        self.reach = reach
        self._pages: dict[int, set[Any]] = {}

    def seen(self, number: int, ident: Any) -> bool:
        pages = self._pages
        return any(
            ident in pages.get(n, ()) for n in range(number - self.reach, number + self.reach + 1)
        )

    def add(self, number: int, ids: set[Any], prefix: int) -> None:
        self._pages[number] = ids
        for old in [n for n in self._pages if n < prefix - self.reach]:
            del self._pages[old]


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
        try:
            with self._counting():
                for report, (name, streams) in zip(manifest.resources, plans.items()):
                    drift = self.client.converter.drift.total
                    try:
                        report.streams = [await self._stream(plan) for plan in streams]
                        self._advance(name, streams)
                        report.status = "complete"
                    except SageError as exc:
                        report.status = "failed"
                        report.error = str(exc).splitlines()[0]
                        report.streams = [
                            self._report(p, self.state.streams[p.name]) for p in streams
                        ]
                        if fatal(exc):
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
            else:
                manifest.checkpoint = str(self.store.path)
            manifest.write(self.out / "manifest.json")
        return manifest

    @contextlib.contextmanager
    def _counting(self) -> Iterator[None]:
        """Count retries and 429s through the client's ``on_event`` hook, wrapping the user's."""
        original = self.client.on_event

        def hook(event: Event) -> object:
            if isinstance(event, RetryEvent):
                self.live["retries"] += 1
                if event.status == 429:
                    self.live["throttled"] += 1
            return original(event) if original is not None else None

        self.client.on_event = hook
        try:
            yield
        finally:
            self.client.on_event = original

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
            key = watermark_key(self.client.api, self.state.tenant, name, "deleted")
            updates.setdefault(key, Watermark(self.started - self.margin))
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
                await asyncio.to_thread(finalize, self.fmt, part, output, plan.resource.spec.model)
        elif not output.exists():
            raise ExportError(f"cannot finish {plan.name}: {part.name} is missing; run again")
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
        neighbours = _Neighbours()
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

        def checkpoint() -> None:
            saved.offset = part.sync()
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

        try:
            async for page in stream:
                consistent = False
                kept: list[dict[str, Any]] = []
                ids: set[Any] = set()
                for record in page.items:
                    if tracker is not None and not tracker.admit(record):
                        self.live["skipped"] += 1
                        continue
                    ident = record_id(record)
                    if ident is not None:
                        if ident in ids or neighbours.seen(page.number, ident):
                            self.live["duplicates"] += 1
                            continue
                        ids.add(ident)
                    if sales and record.get("deleted") in (True, 1):
                        self.live["deleted"] += 1
                    kept.append(record)
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
                    checkpoint()
                    since_flush, last_flush = 0, now
                self._notify(plan, saved, stream.stats, begun, session_pages, done=False)
            saved.finished = True
        finally:
            try:
                if consistent and not part.closed:
                    checkpoint()  # what is written is durable and named, even on cancellation
            finally:
                part.close()
                await stream.aclose()
        self._notify(plan, saved, stream.stats, begun, session_pages, done=True)

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
