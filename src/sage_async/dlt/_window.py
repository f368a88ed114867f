"""
The incremental window of one resource, kept in dlt's resource state.

A run lists what changed at or after ``since`` (inclusive, so records sharing the boundary
second are fetched again rather than lost; the merge on ``id`` makes the repeat harmless).
Choosing ``since`` must also cover records changed *during* an earlier run after their page
was read: their timestamps can be older than the newest one that run saw. So the next run
starts at the newest timestamp seen *before* the previous run began (every record behind it
was read after it was written); after the first, full, run there is no such value and the
newest timestamp minus ``overlap`` is used instead.

State keys: ``cursor`` (newest timestamp loaded so far, ISO) and ``since`` (where the next run
starts, ISO, absent before the first run).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any


__all__ = ["Window", "newest"]


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def newest(rows: Iterable[dict[str, Any]], field: str, current: datetime | None) -> datetime | None:
    """
    The latest of ``current`` and the ``field`` timestamps of ``rows`` (compared as instants:
    Sales sends 0 to 3 fractional digits, so the strings do not sort).
    """
    best = current
    for row in rows:
        value = row.get(field)
        if value:
            stamp = datetime.fromisoformat(value)
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            if best is None or stamp > best:
                best = stamp
    return best


class Window:
    """
    One run's view of a resource's incremental state.

    Args:
        state: the dlt resource state (``dlt.current.resource_state()``), updated by
            :meth:`commit` only, so a run that fails changes nothing.
        overlap: how far before the newest timestamp of a first, full run the next run starts.
    """

    def __init__(self, state: MutableMapping[str, Any], overlap: timedelta) -> None:
        self._state = state
        self._overlap = overlap
        self.previous = _parse(state.get("cursor"))
        #: Where this run starts (``None``: a full listing).
        self.since = _parse(state.get("since"))
        self.newest = self.previous

    def see(self, rows: Iterable[dict[str, Any]], field: str) -> None:
        """Account for the cursor values of a page of rows."""
        self.newest = newest(rows, field, self.newest)

    def commit(self) -> None:
        """Record where the next run starts (called once every page of the run was yielded)."""
        if self.newest is None:
            return
        start = self.previous if self.previous is not None else self.newest - self._overlap
        self._state["since"] = start.isoformat()
        self._state["cursor"] = self.newest.isoformat()
