"""``accounting_source``: every listable Accounting collection of one business as a dlt resource."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from datetime import timedelta
from typing import Any

import dlt
from dlt.extract.source import DltSource

from sage_async._accounting_client import AccountingClient
from sage_async._accounting_resource import AccountingResource
from sage_async.dlt._columns import DELETED, TENANT, columns_for
from sage_async.dlt._first import FirstCopies
from sage_async.dlt._resources import check_names, use_arrow
from sage_async.dlt._shared import SharedClient
from sage_async.dlt._stats import SyncStats
from sage_async.dlt._window import Window
from sage_async.models.accounting import RESOURCES


__all__ = ["accounting_source"]

CURSOR = "updated_at"
DEFAULT_OVERLAP = timedelta(minutes=10)


def accounting_source(
    client: Callable[[], AccountingClient],
    resources: Iterable[str] | None = None,
    *,
    overlap: timedelta = DEFAULT_OVERLAP,
    concurrency: int | None = None,
    stats: SyncStats | None = None,
    arrow: bool | None = None,
) -> DltSource:
    """
    A dlt source with one resource per listable Accounting collection of one business.

    Each resource is an async generator of pages (``attributes=all``: whole records, plus a
    ``_sage_tenant`` column holding the business id) merged on ``id``, with column types from
    the models. Collections that accept ``updated_or_created_since`` load incrementally (state
    in dlt's resource state) and, where they accept ``deleted_since``, yield delete marks
    (``{id, updated_at: deleted_at, _sage_deleted: true}``) that remove the rows on merge. The
    others (``currencies``, ``businesses``) are reloaded whole (``replace``).

    Args:
        client: makes a new, unopened client for the business; called inside dlt's event loop,
            once per resource (clients of one business share its rate governor).
        resources: the collections to select (default: all).
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
    names = check_names("accounting", resources)
    counters = stats if stats is not None else SyncStats()
    shared = SharedClient(client)
    tables = use_arrow(arrow)

    @dlt.source(name="sage_accounting", max_table_nesting=1)
    def source() -> Any:
        return [_resource(name, shared, overlap, concurrency, counters, tables) for name in names]

    return source()


def _resource(
    name: str,
    shared: SharedClient[AccountingClient],
    overlap: timedelta,
    concurrency: int | None,
    stats: SyncStats,
    arrow: bool,
) -> Any:
    spec = RESOURCES[name]
    params = set(spec.list_params)
    wires = set(columns_for(spec, cursor=None, hard_delete=None))
    cursor = CURSOR if "updated_or_created_since" in params and CURSOR in wires else None
    deletes = cursor is not None and "deleted_since" in params
    columns = columns_for(spec, cursor=cursor, hard_delete=DELETED if deletes else None)
    base: dict[str, Any] = {"attributes": "all"} if "attributes" in params else {}
    counters = stats.table(name)
    counters.replace = cursor is None
    tables = None
    if arrow:
        from sage_async.dlt._arrow import PageTables  # pyarrow only when asked for

        tables = PageTables(columns)

    async def pages() -> AsyncIterator[Any]:  # pages: lists of dicts, or Arrow tables
        window = Window(dlt.current.resource_state(), overlap) if cursor else None
        since = None if window is None else window.since
        first = FirstCopies(None) if counters.first_load else None
        async with shared.use() as client:
            resource: AccountingResource[Any, Any] = getattr(client, name)
            filters = dict(base)
            if since is not None:
                filters["updated_or_created_since"] = since
            tenant = client.business_id
            async for page in resource.pages(raw=True, ordered=False, concurrency=concurrency,
                                             **filters):  # fmt: skip
                rows = page.items
                if not rows:
                    continue
                if window is not None:
                    window.see(rows, CURSOR)
                if first is not None:
                    rows = first.keep(rows)
                    if not rows:
                        continue
                tenant = tenant or client.served_business
                for row in rows:
                    row[TENANT] = tenant
                counters.rows += len(rows)
                if tables is None:
                    yield rows
                else:
                    for batch in tables.add(rows):
                        yield batch
            if tables is not None:
                for batch in tables.flush():
                    yield batch
            if deletes and since is not None:
                # deleted_since is exclusive: one second earlier keeps a delete at `since`.
                gone = resource.pages(raw=True, ordered=False, concurrency=concurrency,
                                      deleted_since=since - timedelta(seconds=1))  # fmt: skip
                async for page in gone:
                    marks = [
                        {"id": row["id"], CURSOR: row.get("deleted_at"), DELETED: True,
                         TENANT: tenant or client.served_business}
                        for row in page.items
                    ]  # fmt: skip
                    counters.deleted_ids.extend(mark["id"] for mark in marks)
                    if marks:
                        yield marks if tables is None else tables.table(marks)
        if window is not None:
            window.commit()

    return dlt.resource(
        pages,
        name=name,
        primary_key="id",
        write_disposition="merge" if cursor else "replace",
        columns=columns,
    )
