"""
:func:`export`: check the arguments, plan the streams, load or start the checkpoint, and hand
the run to ``_runner.Runner``.

Strictly private; :func:`export` is re-exported from :mod:`sage_async.export`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from os import PathLike
from pathlib import Path
from typing import Any

from sage_async._accounting_resource import AccountingResource
from sage_async._client import BaseClient, ClientState
from sage_async._errors import (
    ClientClosedError,
    ExportError,
    UsageError,
)
from sage_async._sales_resource import SalesResource
from sage_async.export._checkpoint import Checkpoint, CheckpointStore, PageSet, StreamState
from sage_async.export._formats import require_format
from sage_async.export._fs import check_directory, disk_error
from sage_async.export._lock import export_lock
from sage_async.export._manifest import Manifest
from sage_async.export._plan import (
    StreamPlan,
    check_since,
    check_where,
    plan_resource,
)
from sage_async.export._runner import ProgressCallback, Runner
from sage_async.export._watermark import (
    DEFAULT_MARGIN,
    WatermarkStore,
)
from sage_async.filters import Where


__all__ = ["export"]


async def export(
    client: BaseClient,
    resources: str | Sequence[str],
    *,
    out_dir: str | PathLike[str],
    format: str = "jsonl",
    checkpoint: str | PathLike[str] | None = None,
    since: datetime | str | None = None,
    resume: bool = False,
    concurrency: int | None = None,
    where: Where | str | None = None,
    progress: ProgressCallback | None = None,
    validate: bool = False,
    margin: timedelta = DEFAULT_MARGIN,
    flush_pages: int = 20,
    flush_seconds: float = 5.0,
    lock_timeout: float | None = None,
) -> Manifest:
    """
    Export whole collections (or what changed since the last run) to files, exactly once.

    Each resource is fetched through ``pages(raw=True, ordered=False)``: pages in flight
    concurrently at the tenant's rate, records written in completion order to
    ``<name>.jsonl.part``, and a checkpoint stored after each durable flush (every
    ``flush_pages`` pages or ``flush_seconds`` seconds). When a resource completes, its file
    takes its final name and its watermark advances. Memory stays at a window of pages.

    Args:
        client: an open :class:`~sage_async.SalesClient` or :class:`~sage_async.AccountingClient`.
        resources: resource names (``"accounts"``, ``["stock_items", "contacts"]``).
        out_dir: the output directory (created if needed).
        format: ``"jsonl"`` (one record per line, wire names), ``"csv"`` (flattened, dotted
            names; see :mod:`sage_async.export` for the header rule) or ``"parquet"`` (needs
            the ``parquet`` extra).
        checkpoint: the checkpoint file (default ``<out_dir>/checkpoint.json``); watermarks
            are kept in ``watermarks.json`` beside it.
        since: ``None`` exports everything; an aware datetime, what changed at or after it;
            ``"auto"``, what changed since the stored watermark (everything when none).
            Accounting incremental runs also write deletes to ``<name>.deleted.<ext>``; Sales
            soft-deleted rows (``deleted: true``) come in the same stream.
        resume: continue the run the checkpoint describes (it must be the same query): the
            ``.part`` files are cut back to the checkpoint and completed pages are skipped.
            Without a checkpoint, a new run starts. Without ``resume``, any checkpoint is
            replaced.
        concurrency: the most pages in flight (default: the client's ``max_concurrency``).
        where: Sales only: a filter (``Where`` or text, checked before any request).
        progress: called with a :class:`Progress` after each page of each stream.
        validate: decode every record with the models too, to report drift (files still
            hold the records as the API sent them).
        margin: the incremental overlap window and clock-skew margin.
        flush_pages: pages between durable flushes (and checkpoints).
        flush_seconds: seconds between durable flushes.
        lock_timeout: one run at a time writes into a directory (``.sage-async.lock``, held
            for the whole run, on ``out_dir`` and the checkpoint's directory): ``None``
            refuses at once when another run holds it; a number of seconds waits that long.

    Returns:
        The :class:`Manifest`, also written to ``<out_dir>/manifest.json``. Its ``status`` is
        ``"partial"`` when a resource failed: the checkpoint is kept and ``resume=True``
        continues; :meth:`Manifest.raise_for_status` raises in that case.

    Raises:
        UsageError: before any request: an unknown resource (``UnknownFieldError``), a bad
            ``where`` (``InvalidFilterError``), an unwritable directory, a bad ``since``,
            a resume of a checkpoint written for another query, another export writing
            into the same directory (after ``lock_timeout``).
        ClientClosedError: the client is not open.
        ExportError: nothing could be written (a full disk: one line naming the file); a
            disk error once the run started fails the resource instead (see the manifest).
    """
    fmt = require_format(format)
    names = _names(resources)
    if client.state is not ClientState.OPEN:
        raise ClientClosedError(f"{type(client).__name__} must be open to export (async with)")
    chosen = [_listable(client, name) for name in names]
    since_value = check_since(since)
    where_expr = check_where(client.api, where, chosen)
    if flush_pages < 1 or flush_seconds <= 0:
        raise UsageError("flush_pages must be a positive int and flush_seconds positive")
    out = check_directory(Path(out_dir))
    store = CheckpointStore(Path(checkpoint) if checkpoint is not None else out / "checkpoint.json")
    check_directory(store.path.parent)
    async with export_lock([out, store.path.parent], wait=lock_timeout):
        marks = WatermarkStore(store.path.parent / "watermarks.json")
        tenant = client.tenant  # stable: the governor may move to the business served
        previous = store.load() if resume else None
        if previous is not None:
            _check_same_run(previous, client.api, tenant, fmt, names)
        started = datetime.fromisoformat(previous.started) if previous else datetime.now(UTC)
        stored = marks.load()
        plans = {
            name: plan_resource(
                resource, api=client.api, tenant=tenant, since=since_value, marks=stored,
                margin=margin, where=where_expr, stamp=delta_stamp(started),
            )
            for name, resource in zip(names, chosen)
        }  # fmt: skip
        if previous is not None:
            plans = {name: _as_checkpointed(streams, previous) for name, streams in plans.items()}
        state = Checkpoint(client.api, tenant, fmt, started.isoformat(), list(names))
        for streams in plans.values():
            for plan in streams:
                state.streams[plan.name] = _stream_state(plan, previous, fmt)
        runner = Runner(
            client, state, store, marks, out, fmt, started=started, margin=margin,
            progress=progress, validate=validate,
            concurrency=concurrency, flush_pages=flush_pages, flush_seconds=flush_seconds,
        )  # fmt: skip
        try:
            store.save(state)
        except OSError as exc:
            raise ExportError(disk_error(exc, store.path)) from None
        return await runner.run(plans)


def delta_stamp(started: datetime) -> str:
    """The stamp in an incremental run's file names: ``delta-20250131T120000123456Z``."""
    return "delta-" + started.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _names(resources: str | Sequence[str]) -> list[str]:
    names = [resources] if isinstance(resources, str) else list(resources)
    if not names or not all(names):
        raise UsageError("name at least one resource to export")
    return list(dict.fromkeys(names))


def _listable(
    client: BaseClient, name: str
) -> SalesResource[Any, Any] | AccountingResource[Any, Any]:
    resource = client.resource(name)
    assert isinstance(resource, SalesResource | AccountingResource)
    if not resource.spec.supports("list") or resource.spec.singleton:
        raise UsageError(f"{name} cannot be listed, so it cannot be exported")
    return resource


def _check_same_run(cp: Checkpoint, api: str, tenant: str, fmt: str, names: list[str]) -> None:
    asked = {"api": api, "tenant": tenant, "format": fmt, "resources": names}
    stored = {"api": cp.api, "tenant": cp.tenant, "format": cp.format, "resources": cp.resources}
    for key, value in asked.items():
        if stored[key] != value:
            raise UsageError(
                f"cannot resume: the checkpoint was written for {key} {stored[key]!r}, not "
                f"{value!r}; run without resume to start over"
            )


def _as_checkpointed(streams: list[StreamPlan], previous: Checkpoint) -> list[StreamPlan]:
    """
    On resume, a resource the checkpoint has complete keeps the streams it had: its watermark
    has advanced since, which would otherwise plan it differently.
    """
    done = [p for p in streams if p.name in previous.streams]
    if done and all(previous.streams[p.name].complete for p in done):
        return done
    return streams


def _stream_state(plan: StreamPlan, previous: Checkpoint | None, fmt: str) -> StreamState:
    output = plan.output(fmt)
    old = previous.streams.get(plan.name) if previous else None
    if old is not None and not old.complete and old.query != plan.query:
        raise UsageError(
            f"cannot resume {plan.name}: the checkpoint was written for another query "
            f"({old.query} != {plan.query}); run without resume to start over"
        )
    if old is not None:
        return old
    return StreamState(plan.resource.name, plan.kind, output, plan.part, plan.query,
                       PageSet(first=plan.first))  # fmt: skip
