"""A process setting for bulk reading: the young generation collected less often."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Final


__all__ = ["BULK_GC_THRESHOLD", "bulk_gc"]

#: The collector's first threshold inside :func:`bulk_gc` (CPython's default is 700).
BULK_GC_THRESHOLD: Final = 100_000


@contextlib.contextmanager
def bulk_gc(threshold: int = BULK_GC_THRESHOLD) -> Iterator[None]:
    """
    Run the young-generation collector less often while the block runs; restored on exit.

    A parsed page is thousands of fresh containers that live until its records are handed on;
    at CPython's default threshold (700 allocations) nearly every page sets off a young
    collection that traverses the pages in flight, and every tenth one traverses them again as
    survivors: measured, 10-15% of the CPU of paging a whole collection, and ~15% of an export.
    Records are acyclic, so collecting a hundred times less often frees nothing later and
    costs no memory; cyclic garbage made meanwhile is still collected, in larger batches.

    It is a process setting (the collector is the interpreter's): use it around a bulk job, as
    ``sage-async export`` and ``sync`` do, not around a service that shares its process with
    latency-sensitive work. The library never changes the setting on its own.

    Example::

        with sage_async.bulk_gc():
            async for record in client.accounts.iterate(raw=True):
                ...

    Args:
        threshold: the first threshold to use inside the block.
    """
    previous = gc.get_threshold()
    gc.set_threshold(threshold, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
