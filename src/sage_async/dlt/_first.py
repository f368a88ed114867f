"""
The first load of a table: the whole collection, straight into a table the destination does
not have yet.

A merge costs a load into a staging table plus a deduplicating copy into the real one (in
DuckDB about as much again as the load itself). Into a table that does not exist yet there is
nothing to merge with, so :func:`~sage_async.dlt.sync` loads such a table with dlt's
``replace`` instead (hints in :func:`first_load_hints`). What the merge did besides then
happens in the source (:class:`FirstCopies`): soft-deleted records are left out (the merge
would have removed them) and a record that paging delivered twice (shifted onto a later page
while the run read the collection) is kept once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


__all__ = ["FirstCopies", "first_load_hints"]


class FirstCopies:
    """
    Rows of a first load: each id once (its first copy), soft-deleted records left out.

    The ids loaded so far are kept for the run (a few MB per 100,000 records): a shifted
    record can reappear any number of pages later.

    Args:
        deleted: the soft-delete flag (Sales ``deleted``) whose true rows are left out, or
            ``None`` to keep every row.
    """

    def __init__(self, deleted: str | None) -> None:
        self._deleted = deleted
        self._seen: set[Any] = set()

    def keep(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows of a page to load: the first copy of each id, unless soft-deleted."""
        seen, flag = self._seen, self._deleted
        kept = []
        for row in rows:
            ident = row["id"]
            if ident in seen:
                continue
            seen.add(ident)  # a first copy that is deleted decides for the record too
            if flag is None or not row.get(flag):
                kept.append(row)
        return kept


def first_load_hints(columns: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """
    ``apply_hints`` arguments turning a merge resource with ``columns`` into a first load:
    ``replace``, without the merge-only column hints (dlt warns that a replace ignores them;
    the next run's merge sets them again from the resource's own hints).
    """
    merge_only = ("hard_delete", "dedup_sort")
    unset = {
        name: dict.fromkeys(merge_only)
        for name, hint in columns.items()
        if any(hint.get(key) for key in merge_only)
    }
    return {"write_disposition": "replace", "columns": unset}
