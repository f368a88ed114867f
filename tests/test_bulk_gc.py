"""``sage_async.bulk_gc``: the young-generation threshold raised inside the block, then restored."""

from __future__ import annotations

import gc

import pytest

import sage_async


def test_the_threshold_is_raised_inside_and_restored_after() -> None:
    """Inside: the first threshold is the bulk one, the others unchanged; after: as before."""
    before = gc.get_threshold()
    with sage_async.bulk_gc():
        assert (sage_async._gc.BULK_GC_THRESHOLD, *before[1:]) == gc.get_threshold()
    assert before == gc.get_threshold()


def test_the_threshold_is_restored_when_the_block_raises() -> None:
    """An error inside the block still gives the collector its thresholds back."""
    before = gc.get_threshold()
    inside: list[int] = []

    def job() -> None:
        with sage_async.bulk_gc(5_000):
            inside.append(gc.get_threshold()[0])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        job()
    assert [5_000] == inside
    assert before == gc.get_threshold()
