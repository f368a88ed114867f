"""The export's per-page fast paths answer exactly what the per-record paths answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sage_async.export import Tracker, Watermark
from sage_async.export._neighbours import Neighbours, keep_lines
from sage_async.export._views import Views
from sage_async.export._watermark import cursor_text


MARGIN = timedelta(seconds=60)
T = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
NOW = T + timedelta(hours=1)

moments = st.integers(min_value=-600, max_value=600).map(lambda s: T + timedelta(seconds=s))
stamps = st.one_of(
    st.none(),
    st.just("not a time"),
    st.just(""),
    st.just(1700000000),
    moments.map(lambda m: m.strftime("%Y-%m-%dT%H:%M:%SZ")),
    moments.map(lambda m: m.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")),
    moments.map(lambda m: (m + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00")),
)
records = st.lists(
    st.fixed_dictionaries(
        {"id": st.one_of(st.none(), st.integers(0, 30)), "updated": stamps, "deleted": stamps,
         "name": st.sampled_from(["a", "b"])},
    ),
    max_size=60,
)  # fmt: skip


def tracker(previous: Watermark | None, window: bool) -> Tracker:
    return Tracker(
        fields=("updated", "deleted"), margin=MARGIN, started=NOW, previous=previous,
        window=previous.window(MARGIN) if previous is not None and window else None,
    )  # fmt: skip


runs = given(
    pages=st.lists(records, min_size=1, max_size=4),
    earlier=records,
    previous_kind=st.sampled_from(["none", "run", "bare"]),
    bare=moments,
    incremental=st.booleans(),
)


def previous_run(earlier: list[dict[str, Any]], kind: str, bare: datetime) -> Watermark | None:
    """No earlier run, an earlier run's watermark (with its boundary set), or a bare one."""
    first = tracker(None, False)
    for record in earlier:
        first.admit(record)
    return {"none": None, "run": first.result(), "bare": Watermark(bare)}[kind]


@settings(max_examples=150, deadline=None)
@runs
def test_admit_all_equals_admit_record_by_record(
    pages: list[list[dict[str, Any]]],
    earlier: list[dict[str, Any]],
    previous_kind: str,
    bare: datetime,
    incremental: bool,
) -> None:
    """
    Page by page, ``admit_all`` keeps the same records as ``admit`` called per record, and
    leaves the same watermark and checkpoint state: no earlier run, an earlier run's watermark
    (with its boundary set), or a watermark with an empty boundary set; with and without the
    overlap window.
    """
    previous = previous_run(earlier, previous_kind, bare)
    slow, fast = tracker(previous, incremental), tracker(previous, incremental)
    for page in pages:
        expected = [r for r in page if slow.admit(r)]
        assert expected == fast.admit_all(page)
    assert slow.result() == fast.result()
    assert slow.to_json() == fast.to_json()


@given(
    pages=st.dictionaries(st.integers(0, 12), st.sets(st.integers(0, 8), max_size=4)),
    number=st.integers(0, 12),
    idents=st.lists(st.one_of(st.none(), st.integers(0, 8), st.text(max_size=1))),
)
def test_known_answers_what_seen_answers_per_id(
    pages: dict[int, set[int]], number: int, idents: list[Any]
) -> None:
    """``Neighbours.known`` is the set of ids for which ``seen`` is true on that page."""
    neighbours = Neighbours(reach=3)
    for page, ids in sorted(pages.items()):
        neighbours.add(page, ids, prefix=0)
    expected = {i for i in idents if i is not None and neighbours.seen(number, i)}
    assert expected == neighbours.known(number, idents)


def test_a_timestamp_with_an_offset_gives_the_same_cursor_text() -> None:
    """``+02:00`` and ``Z`` forms of one instant give one cursor text (the UTC fast path)."""
    slow = tracker(None, False)
    texts = {
        cursor_text(c)
        for c in (
            slow.cursor({"updated": "2025-03-01T14:00:00+02:00"}),
            slow.cursor({"updated": "2025-03-01T12:00:00Z"}),
            slow.cursor({"updated": "2025-03-01T12:00:00.000+00:00"}),
        )
        if c is not None
    }
    assert {"2025-03-01T12:00:00.000000+00:00"} == texts


@settings(max_examples=100, deadline=None)
@runs
def test_records_as_bytes_are_admitted_as_their_dicts(
    pages: list[list[dict[str, Any]]],
    earlier: list[dict[str, Any]],
    previous_kind: str,
    bare: datetime,
    incremental: bool,
) -> None:
    """
    The export's bytes path (``Views`` reads id and cursors, ``admit_columns`` decides) keeps
    the same records and leaves the same watermark state as ``admit_all`` on the dicts.
    """
    previous = previous_run(earlier, previous_kind, bare)
    dicts, lines = tracker(previous, incremental), tracker(previous, incremental)
    views = Views(("updated", "deleted"), sales=False)
    for page in pages:
        expected = [orjson.dumps(r) for r in dicts.admit_all(page)]
        raw = [orjson.dumps(r) for r in page]
        view = views.read(raw)
        assert expected == [
            raw[i] for i in lines.admit_columns(view.ids, view.cursors, page.__getitem__)
        ]
    assert dicts.result() == lines.result()
    assert dicts.to_json() == lines.to_json()


def test_keep_lines_drops_repeats_and_counts_sales_deletes() -> None:
    """
    ``keep_lines`` drops a record whose id the page already had or a neighbouring page had,
    keeps records without an id, and counts Sales ``deleted`` flags of what it keeps.
    """
    views = Views((), sales=True)
    neighbours = Neighbours(reach=2)
    neighbours.add(4, {7}, prefix=0)
    live = {"skipped": 0, "duplicates": 0, "deleted": 0}
    page = [
        {"id": 1, "deleted": False}, {"id": 7, "deleted": True}, {"id": 2, "deleted": True},
        {"id": 1, "deleted": True}, {"name": "no id"}, {"id": 3, "deleted": 1},
    ]  # fmt: skip
    lines = [orjson.dumps(r) for r in page]
    kept, ids = keep_lines(lines, 5, None, neighbours, live, views)
    assert [lines[0], lines[2], lines[4], lines[5]] == kept
    assert {1, 2, 3} == ids
    assert {"skipped": 0, "duplicates": 2, "deleted": 2} == live


def test_views_refuse_a_record_that_is_not_an_object() -> None:
    """A line that is not a JSON object is a ``msgspec.DecodeError`` (the runner names it)."""
    with pytest.raises(msgspec.DecodeError):
        Views(("updated",), sales=False).read([b'{"id": 1}', b"[1, 2]"])
