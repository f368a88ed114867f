"""
``sync``: run a source through a pipeline and tell what changed in each table.

dlt reports rows loaded, not what a merge did to them; the split into inserted, updated and
deleted is computed from the table sizes before and after the load (SQL destinations) and the
delete marks the source counted. A table the destination does not have yet is a first load
(``_first``): loaded directly, not merged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import dlt
from dlt.common.destination.exceptions import SqlClientNotAvailable
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.extract.source import DltSource

from sage_async.dlt._first import first_load_hints
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
    pipeline: dlt.Pipeline, stats: SyncStats, with_marks: bool, *, skip: Sequence[str] = ()
) -> dict[str, tuple[int, int]]:
    """
    ``{table: (rows, rows among the delete marks)}`` for the tables that exist; ``{}`` when the
    destination has no SQL client. ``skip``: tables known not to exist (this run's first
    loads, before their load: the destination is not even opened when every table is one).
    """
    sizes: dict[str, tuple[int, int]] = {}
    tables = {t: c for t, c in stats.tables.items() if t not in skip}
    if not tables:
        return sizes
    try:
        client = pipeline.sql_client()
    except SqlClientNotAvailable:  # filesystem and other non-SQL destinations
        return sizes
    with client:
        if not client.has_dataset():
            return sizes
        for table, counters in tables.items():
            try:
                rows = _count(client, table)
            except DatabaseUndefinedRelation:  # not created yet: the first run
                continue
            marked = _present(client, table, counters.deleted_ids) if with_marks else 0
            sizes[table] = (rows, marked)
    return sizes


def _missing(pipeline: dlt.Pipeline, tables: list[str]) -> list[str]:
    """Which of ``tables`` the destination does not have (``[]`` without a SQL client)."""
    if not tables:
        return []
    try:
        client = pipeline.sql_client()
    except SqlClientNotAvailable:
        return []
    missing = []
    with client:
        if not client.has_dataset():
            return tables
        for table in tables:
            try:
                _count(client, table)
            except DatabaseUndefinedRelation:
                missing.append(table)
    return missing


@contextlib.contextmanager
def _first_loads(
    pipeline: dlt.Pipeline, source: DltSource, stats: SyncStats
) -> Iterator[list[str]]:
    """
    Within the block, the merge tables the destination does not have yet (the names yielded)
    are first loads (``replace``, see ``_first``); afterwards the resources' own hints are back
    and the counters' ``first_load`` is off again, so the source merges if run without
    :func:`sync`.
    """
    merged = [
        name
        for name, counters in stats.tables.items()
        if not counters.replace and name in source.selected_resources
    ]
    restore = []
    for name in _missing(pipeline, merged):
        resource = source.resources[name]
        columns = resource.columns if isinstance(resource.columns, dict) else {}
        hints = first_load_hints(columns)
        original: Any = {
            column: {key: columns[column].get(key) for key in unset}
            for column, unset in hints["columns"].items()
        }
        restore.append((name, resource, resource.write_disposition, original))
        resource.apply_hints(**hints)
        stats.tables[name].first_load = True
    try:
        yield [name for name, *_ in restore]
    finally:
        for name, resource, disposition, original in restore:
            resource.apply_hints(write_disposition=disposition, columns=original)
            stats.tables[name].first_load = False


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

    A merge table the destination does not have yet is loaded straight into a new table for
    this run (dlt's ``replace``: no staging copy, no merge query; the source leaves out
    soft-deleted records and repeated ids itself), which halves the load of a first sync into
    DuckDB; a table already there (another tenant's rows, a pipeline that lost its state) is
    merged as always.

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
    with _first_loads(pipeline, source, stats) as first:
        pipeline.extract(source, loader_file_format=loader_file_format)
    pipeline.normalize()
    before = _sizes(pipeline, stats, with_marks=True, skip=first)
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
