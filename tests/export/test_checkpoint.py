"""Checkpoints: completed pages as prefix + set, JSON round trip, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sage_async import UsageError
from sage_async.export import Checkpoint, CheckpointStore, PageSet, StreamState


def test_pages_completing_out_of_order_grow_the_prefix_only_over_closed_gaps() -> None:
    """Pages beyond a gap are kept apart until the gap closes, then folded into the prefix."""
    pages = PageSet(first=0)
    for number in (2, 0, 5, 3):
        pages.add(number)
    assert 1 == pages.prefix
    assert {2, 3, 5} == pages.beyond
    pages.add(1)
    assert 4 == pages.prefix
    assert {5} == pages.beyond
    assert frozenset({0, 1, 2, 3, 5}) == pages.numbers()
    assert 5 == len(pages)
    assert 4 not in pages
    assert 5 in pages


def test_accounting_pages_start_at_one_and_repeated_pages_are_ignored() -> None:
    """A 1-based set starts its prefix at 1; adding a page twice changes nothing."""
    pages = PageSet(first=1)
    pages.add(1)
    pages.add(1)
    pages.add(3)
    assert {"first": 1, "prefix": 2, "beyond": [3]} == pages.to_json()
    assert frozenset({1, 3}) == pages.numbers()


def test_page_set_round_trips_and_normalises() -> None:
    """The JSON form reads back equal; pages below the prefix are folded in on reading."""
    pages = PageSet.from_json({"first": 0, "prefix": 3, "beyond": [1, 3, 4, 9]})
    assert 5 == pages.prefix
    assert {9} == pages.beyond
    assert pages == PageSet.from_json(pages.to_json())


def _checkpoint() -> Checkpoint:
    state = StreamState(
        "accounts", "upserts", "accounts.jsonl", "accounts.jsonl.part",
        {"kind": "upserts", "filters": {"order": "id"}}, PageSet(first=0, prefix=4, beyond={7}),
        offset=1234, records=1200, counters={"requests": 9},
    )  # fmt: skip
    cp = Checkpoint("sales", "sales:abc", "jsonl", "2025-01-01T00:00:00+00:00", ["accounts"])
    cp.streams["accounts"] = state
    return cp


def test_checkpoint_store_round_trip(tmp_path: Path) -> None:
    """A saved checkpoint loads back equal, and no temporary file is left beside it."""
    store = CheckpointStore(tmp_path / "checkpoint.json")
    assert store.load() is None
    store.save(_checkpoint())
    assert _checkpoint() == store.load()
    assert ["checkpoint.json"] == sorted(p.name for p in tmp_path.iterdir())
    store.remove()
    assert store.load() is None


def test_a_failed_write_leaves_the_previous_checkpoint_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new document goes to a temporary file first: a crash before the rename loses nothing."""
    store = CheckpointStore(tmp_path / "checkpoint.json")
    store.save(_checkpoint())
    before = store.path.read_bytes()
    changed = _checkpoint()
    changed.streams["accounts"].offset = 99999

    def crash(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        store.save(changed)
    assert before == store.path.read_bytes()
    assert 1234 == store.load().streams["accounts"].offset  # type: ignore[union-attr]


def test_damaged_or_foreign_checkpoints_are_refused(tmp_path: Path) -> None:
    """A file that is not JSON, or not this version's checkpoint, raises UsageError."""
    store = CheckpointStore(tmp_path / "checkpoint.json")
    store.path.write_text("{not json")
    with pytest.raises(UsageError, match="not a valid JSON"):
        store.load()
    store.path.write_text('{"version": 99}')
    with pytest.raises(UsageError, match="another version"):
        store.load()
    store.path.write_text('{"version": 1, "api": "sales"}')
    with pytest.raises(UsageError, match="damaged"):
        store.load()
