"""What a sync sent per table: live rows and delete marks (the CLI's summary reads it)."""

from __future__ import annotations

import attrs


__all__ = ["SyncStats", "TableStats"]


@attrs.define
class TableStats:
    """
    Rows one resource yielded during a run.

    Attributes:
        rows: live rows (inserts and updates; a row repeated at the window boundary counts).
        deleted_ids: ids marked for removal (Accounting ``deleted_since``, Sales soft deletes
            unless ``keep_deleted``).
        replace: the table is reloaded whole on every run (no cursor to merge by).
        first_load: set by :func:`~sage_async.dlt.sync` while it extracts: the destination
            has no such table yet, so this run loads the whole collection straight into a new
            table (dlt's ``replace``, no staging copy and merge), without soft-deleted records
            and without a record's second copy.
    """

    rows: int = 0
    deleted_ids: list[int | str] = attrs.field(factory=list)
    replace: bool = False
    first_load: bool = False


@attrs.define
class SyncStats:
    """Per-table counters a source fills while dlt extracts (pass one to the source)."""

    tables: dict[str, TableStats] = attrs.field(factory=dict)

    def table(self, name: str) -> TableStats:
        """The counters of ``name`` (created on first use)."""
        return self.tables.setdefault(name, TableStats())

    def reset(self) -> None:
        """Zero the counters before a run (a source may be run more than once)."""
        for table in self.tables.values():
            table.rows = 0
            table.deleted_ids.clear()
            table.first_load = False
