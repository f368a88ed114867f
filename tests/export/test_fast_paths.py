"""The export's per-page fast paths answer exactly what the per-record paths answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sage_async.export import Tracker, Watermark
from sage_async.export._neighbours import Neighbours
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


@settings(max_examples=150, deadline=None)
@given(
    pages=st.lists(records, min_size=1, max_size=4),
    earlier=records,
    previous_kind=st.sampled_from(["none", "run", "bare"]),
    bare=moments,
    incremental=st.booleans(),
)
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
    first = tracker(None, False)
    for record in earlier:
        first.admit(record)
    previous = {"none": None, "run": first.result(), "bare": Watermark(bare)}[previous_kind]
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
