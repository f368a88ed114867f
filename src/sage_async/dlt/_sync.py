"""
``sync``: run a source through a pipeline and tell what changed in each table.

dlt reports rows loaded, not what a merge did to them; the split into inserted, updated and
deleted is computed from the table sizes before and after the load (SQL destinations) and the
delete marks the source counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import dlt
from dlt.common.destination.exceptions import SqlClientNotAvailable
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.extract.source import DltSource

from sage_async.dlt._stats import SyncStats


__all__ = ["TableChange", "sync"]

CHUNK = 500


@attrs.frozen
class TableChange:
    """
    What one sync did to one table.

    Attributes:
        table: the table name (the resource name).
        rows: live rows sent (a row repeated at the window boundary counts once per sending).
        inserted: rows that were not in the table before (``None``: not a SQL destination).
        updated: rows sent for records already in the table: changed, or read again where
            this run's window overlaps the previous one (``None`` likewise).
        deleted: rows removed (``None`` likewise).
    """

    table: str
    rows: int
    inserted: int | None
    updated: int | None
    deleted: int | None


def _count(client: Any, table: str) -> int:
    name = client.make_qualified_table_name(table)
    with client.execute_query(f"SELECT count(*) FROM {name}") as cursor:  # noqa: S608
        return int(cursor.fetchone()[0])


def _present(client: Any, table: str, ids: Sequence[int | str]) -> int:
    """How many of ``ids`` the table holds."""
    name = client.make_qualified_table_name(table)
    total = 0
    for start in range(0, len(ids), CHUNK):
        chunk = list(dict.fromkeys(ids[start : start + CHUNK]))
        marks = ",".join(["%s"] * len(chunk))
        query = f"SELECT count(*) FROM {name} WHERE id IN ({marks})"  # noqa: S608
        with client.execute_query(query, *chunk) as cursor:
            total += int(cursor.fetchone()[0])
    return total


def _sizes(
    pipeline: dlt.Pipeline, stats: SyncStats, with_marks: bool
) -> dict[str, tuple[int, int]]:
    """
    ``{table: (rows, rows among the delete marks)}`` for the tables that exist; ``{}`` when the
    destination has no SQL client.
    """
    sizes: dict[str, tuple[int, int]] = {}
    try:
        client = pipeline.sql_client()
    except SqlClientNotAvailable:  # filesystem and other non-SQL destinations
        return sizes
    with client:
        if not client.has_dataset():
            return sizes
        for table, counters in stats.tables.items():
            try:
                rows = _count(client, table)
            except DatabaseUndefinedRelation:  # not created yet: the first run
                continue
            marked = _present(client, table, counters.deleted_ids) if with_marks else 0
            sizes[table] = (rows, marked)
    return sizes


def _file_format(pipeline: dlt.Pipeline) -> Any:
    """Parquet where the destination loads it and pyarrow is installed, else dlt's default."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return None
    formats = pipeline.destination.capabilities().supported_loader_file_formats
    return "parquet" if "parquet" in formats else None


def sync(
    pipeline: dlt.Pipeline,
    source: DltSource,
    stats: SyncStats,
    *,
    loader_file_format: Any = "auto",
) -> list[TableChange]:
    """
    Load what an interrupted run left pending, then extract, normalize and load ``source``.

    Args:
        pipeline: the dlt pipeline (destination, dataset, state).
        source: a source from :func:`sales_source` or :func:`accounting_source` built with
            ``stats``.
        stats: the counters the source fills.
        loader_file_format: dlt's file format; ``"auto"``: parquet where the destination
            takes it and pyarrow is installed (DuckDB loads it about 30 times faster than
            dlt's default SQL inserts), else dlt's default.

    Returns:
        One :class:`TableChange` per selected resource.
    """
    stats.reset()
    if pipeline.has_pending_data:
        # A run killed after extracting left packages behind; dlt would load them and ignore
        # new data, so they go first, on their own.
        pipeline.run()
    if loader_file_format == "auto":
        loader_file_format = _file_format(pipeline)
    pipeline.extract(source, loader_file_format=loader_file_format)
    pipeline.normalize()
    before = _sizes(pipeline, stats, with_marks=True)
    pipeline.load()
    after = _sizes(pipeline, stats, with_marks=False)
    changes = []
    for table, counters in stats.tables.items():
        if table not in after:
            changes.append(TableChange(table, counters.rows, None, None, None))
            continue
        old, removed = before.get(table, (0, 0))
        new = after[table][0]
        if counters.replace:  # every row is new; the old ones are gone
            changes.append(TableChange(table, counters.rows, new, 0, old))
            continue
        inserted = max(0, new - old + removed)
        changes.append(
            TableChange(table, counters.rows, inserted, max(0, counters.rows - inserted), removed)
        )
    return changes
