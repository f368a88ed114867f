"""``sales_source``: every listable Sales Management collection as a dlt resource."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from datetime import timedelta
from typing import Any

import dlt
from dlt.extract.source import DltSource

from sage_async._sales_client import SalesClient
from sage_async._sales_resource import SalesResource
from sage_async.dlt._columns import TENANT, columns_for
from sage_async.dlt._first import FirstCopies
from sage_async.dlt._resources import check_names, use_arrow
from sage_async.dlt._shared import SharedClient
from sage_async.dlt._stats import SyncStats
from sage_async.dlt._window import Window
from sage_async.filters import F
from sage_async.models.sales import RESOURCES


__all__ = ["sales_source"]

CURSOR = "dateUpdated"
DEFAULT_OVERLAP = timedelta(minutes=10)


def sales_source(
    client: Callable[[], SalesClient],
    resources: Iterable[str] | None = None,
    *,
    keep_deleted: bool = False,
    overlap: timedelta = DEFAULT_OVERLAP,
    concurrency: int | None = None,
    stats: SyncStats | None = None,
    arrow: bool | None = None,
) -> DltSource:
    """
    A dlt source with one resource per listable Sales Management collection.

    Each resource is an async generator of pages (lists of dicts, as the API sends them plus a
    ``_sage_tenant`` column) merged on ``id``, with column types from the models. Collections
    with ``dateUpdated`` load incrementally (``where dateUpdated >= since``, state in dlt's
    resource state); the others are reloaded whole (``replace``).

    Args:
        client: makes a new, unopened client; called inside dlt's event loop, once per
            resource (clients of one credential share its rate governor).
        resources: the collections to select (default: all).
        keep_deleted: keep soft-deleted records as rows with ``deleted = true`` instead of
            removing them.
        overlap: how far before the newest timestamp of the first, full, run the second run
            starts (later runs start where the previous run began: see ``_window``).
        concurrency: pages in flight per resource (default: the client's adaptive window).
        stats: counters filled while the source runs (the CLI's summary).
        arrow: yield each page as an Arrow table typed by the column hints, which dlt writes
            as it is instead of normalizing row by row (several times faster); default: when
            pyarrow is installed (it is with the ``dlt`` extra). ``False`` yields the pages'
            lists of dicts.

    Raises:
        UnknownFieldError: a resource name the API does not list.
    """
    names = check_names("sales", resources)
    counters = stats if stats is not None else SyncStats()
    shared = SharedClient(client)
    tables = use_arrow(arrow)

    @dlt.source(name="sage_sales", max_table_nesting=1)
    def source() -> Any:
        options = (keep_deleted, overlap, concurrency, counters, tables)
        return [_resource(name, shared, *options) for name in names]

    return source()


def _resource(
    name: str,
    shared: SharedClient[SalesClient],
    keep_deleted: bool,
    overlap: timedelta,
    concurrency: int | None,
    stats: SyncStats,
    arrow: bool,
) -> Any:
    spec = RESOURCES[name]
    wires = set(columns_for(spec, cursor=None, hard_delete=None))
    cursor = CURSOR if CURSOR in wires else None
    soft = "deleted" in wires
    columns = columns_for(
        spec, cursor=cursor, hard_delete="deleted" if soft and not keep_deleted else None
    )
    counters = stats.table(name)
    counters.replace = cursor is None
    tables = None
    if arrow:
        from sage_async.dlt._arrow import PageTables  # pyarrow only when asked for

        tables = PageTables(columns)
    # A null lookup would make dlt announce an untyped column `<lookup>`; its two typed
    # columns (`<lookup>__id`, `<lookup>__value`) are null without it.
    lookups = [w[: -len("__id")] for w in columns if w.endswith("__id")]

    async def pages() -> AsyncIterator[Any]:  # pages: lists of dicts, or Arrow tables
        window = Window(dlt.current.resource_state(), overlap) if cursor else None
        first = None
        if counters.first_load:
            first = FirstCopies("deleted" if soft and not keep_deleted else None)
        async with shared.use() as client:
            resource: SalesResource[Any, Any] = getattr(client, name)
            tenant = client.tenant
            filters: dict[str, Any] = {}
            if window is not None and window.since is not None:
                filters["where"] = F[CURSOR] >= window.since
            stream = resource.pages(raw=True, ordered=False, concurrency=concurrency, **filters)
            async for page in stream:
                rows = page.items
                if not rows:
                    continue
                if window is not None:
                    window.see(rows, CURSOR)
                if first is not None:
                    rows = first.keep(rows)
                    if not rows:
                        continue
                for row in rows:
                    row[TENANT] = tenant
                if tables is None:
                    for row in rows:
                        for wire in lookups:
                            if row.get(wire, 0) is None:
                                del row[wire]
                if soft and not keep_deleted:
                    gone = [row["id"] for row in rows if row.get("deleted")]
                    counters.deleted_ids.extend(gone)
                    counters.rows += len(rows) - len(gone)
                else:
                    counters.rows += len(rows)
                if tables is None:
                    yield rows
                else:
                    for batch in tables.add(rows):
                        yield batch
            if tables is not None:
                for batch in tables.flush():
                    yield batch
        if window is not None:
            window.commit()

    return dlt.resource(
        pages,
        name=name,
        primary_key="id",
        write_disposition="merge" if cursor else "replace",
        columns=columns,
    )
