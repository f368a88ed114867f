"""
What the ``progress`` callback of :func:`~sage_async.export.export` receives.

Strictly private; :class:`Progress` and ``ProgressCallback`` are re-exported from
:mod:`sage_async.export`.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs


__all__ = ["Progress", "ProgressCallback"]


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
