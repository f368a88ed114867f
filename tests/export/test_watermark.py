"""Tie-safe watermarks: records at the boundary timestamp are neither lost nor duplicated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sage_async.export import Tracker, Watermark, WatermarkStore
from sage_async.export._watermark import cursor_text


MARGIN = timedelta(seconds=60)
T = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
NOW = T + timedelta(hours=1)  # runs start well after the data changed


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def rec(ident: int, moment: datetime) -> dict[str, Any]:
    return {"id": ident, "dateUpdated": stamp(moment)}


def run(records: list[dict[str, Any]], previous: Watermark | None, started: datetime = NOW):
    """One run over what the API answered for the window: (written ids, next watermark)."""
    window = previous.window(MARGIN) if previous else None
    tracker = Tracker(
        fields=("dateUpdated", "dateDeleted"), margin=MARGIN, started=started,
        previous=previous, window=window,
    )  # fmt: skip
    written = [r.get("id") for r in records if tracker.admit(r)]
    return written, tracker.result()


def the_api(data: list[dict[str, Any]], since: datetime | None) -> list[dict[str, Any]]:
    """What the API answers to ``dateUpdated >= since`` (inclusive)."""
    if since is None:
        return list(data)
    return [r for r in data if datetime.fromisoformat(r["dateUpdated"]) >= since]


def test_records_sharing_the_boundary_timestamp_are_exported_exactly_once() -> None:
    """
    Run 1 sees two records at T (the highest timestamp); a third record at T becomes visible
    only after run 1 (a late commit). Run 2 writes the late one and nothing of run 1 again.
    """
    data = [rec(1, T - timedelta(hours=2)), rec(2, T), rec(3, T)]
    written1, mark1 = run(the_api(data, None), None)
    assert [1, 2, 3] == written1
    assert mark1 is not None
    assert T == mark1.value
    assert {("2", cursor_text(T)), ("3", cursor_text(T))} == {(i, c) for i, c, _ in mark1.seen}

    data.append(rec(4, T))  # committed at T but visible only now
    written2, mark2 = run(the_api(data, mark1.window(MARGIN)), mark1)
    assert [4] == written2
    assert mark2 is not None
    assert {"2", "3", "4"} == {i for i, *_ in mark2.seen}

    written3, mark3 = run(the_api(data, mark2.window(MARGIN)), mark2)
    assert [] == written3
    assert mark2 == mark3


def test_a_record_changed_again_is_a_new_version_and_is_written() -> None:
    """Same id, newer timestamp: written again (a new version, not a duplicate)."""
    data = [rec(1, T), rec(2, T)]
    _, mark1 = run(the_api(data, None), None)
    data[0] = rec(1, T + timedelta(seconds=5))
    written, mark2 = run(the_api(data, mark1.window(MARGIN) if mark1 else None), mark1)
    assert [1] == written
    assert mark2 is not None
    assert T + timedelta(seconds=5) == mark2.value


def test_records_before_the_window_are_not_written() -> None:
    """An API that rounds the bound down returns older records: they are dropped."""
    mark = Watermark(T)
    early = rec(9, mark.window(MARGIN) - timedelta(milliseconds=1))
    written, _ = run([early, rec(10, T + timedelta(seconds=1))], mark)
    assert [10] == written


def test_the_watermark_is_capped_by_the_run_start_and_never_moves_back() -> None:
    """Records changed after the run started stay inside the next window; no regression."""
    started = T + timedelta(seconds=30)
    _, mark = run([rec(1, T + timedelta(seconds=20))], None, started=started)
    assert mark is not None
    assert started - MARGIN == mark.value  # min(highest seen, start - margin)
    assert {"1"} == {i for i, *_ in mark.seen}  # inside value - margin: remembered
    later = Watermark(T + timedelta(days=1))
    _, kept = run([rec(2, T + timedelta(days=1, seconds=-59))], later)
    assert kept is not None
    assert later.value == kept.value


def test_a_run_that_sees_nothing_keeps_the_previous_watermark() -> None:
    """No record means no evidence of the API's time: the previous watermark stays."""
    mark = Watermark(T, frozenset({("1", "x", "d")}))
    assert ([], mark) == run([], mark)
    assert ([], None) == run([], None)


def test_records_without_id_or_timestamp_are_written_and_not_tracked() -> None:
    """Nothing is lost for want of a cursor."""
    written, mark = run([{"id": 5}, {"dateUpdated": stamp(T)}], None)
    assert [5, None] == written
    assert mark is None


def test_tracker_state_survives_a_checkpoint() -> None:
    """A resumed run restores the highest cursor and the boundary pairs."""
    tracker = Tracker(fields=("updated_at",), margin=MARGIN, started=NOW)
    for i in range(3):
        tracker.admit({"id": str(i), "updated_at": "2025-03-01T12:00:00Z"})
    again = Tracker(fields=("updated_at",), margin=MARGIN, started=NOW)
    again.restore(tracker.to_json())
    assert tracker.result() == again.result()


def test_the_boundary_set_stays_small_on_long_runs() -> None:
    """Only pairs within the margin of the watermark are kept, however many records pass."""
    tracker = Tracker(fields=("updated_at",), margin=MARGIN, started=NOW)
    for i in range(5000):
        moment = T - timedelta(seconds=5000 - i)
        tracker.admit({"id": str(i), "updated_at": moment.isoformat()})
    result = tracker.result()
    assert result is not None
    assert 61 == len(result.seen)  # T-60 s .. T-1 s and the watermark itself, one per second
    assert len(tracker.to_json()["seen"]) <= 61


def test_watermark_store_merges_and_writes_atomically(tmp_path: Path) -> None:
    """put() keeps other keys; the file reads back equal; no temporary file is left."""
    store = WatermarkStore(tmp_path / "watermarks.json")
    assert {} == store.load()
    store.put({"a": Watermark(T, frozenset({("1", "t", "d")}))})
    store.put({"b": Watermark(T + timedelta(seconds=1))})
    expected = {
        "a": Watermark(T, frozenset({("1", "t", "d")})),
        "b": Watermark(T + timedelta(seconds=1)),
    }
    assert expected == store.load()
    assert ["watermarks.json"] == sorted(p.name for p in tmp_path.iterdir())


@pytest.mark.parametrize("text", ["2016-02-29T16:22:34.4Z", "2016-02-29T17:22:34.400+01:00"])
def test_timestamps_of_either_api_compare_as_instants(text: str) -> None:
    """0-3 fractional digits and offsets give one canonical cursor per instant."""
    tracker = Tracker(fields=("t",), margin=MARGIN, started=NOW)
    assert datetime(2016, 2, 29, 16, 22, 34, 400000, tzinfo=UTC) == tracker.cursor({"t": text})
