"""
In-run deduplication: a record that offset pagination shifted onto a neighbouring page is
delivered twice; the ids of the pages around each page are remembered to drop the second copy.

Strictly private.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final


if TYPE_CHECKING:
    from sage_async.export._watermark import Tracker


__all__ = ["NEIGHBOURS", "Neighbours", "keep_page"]

NEIGHBOURS: Final = 8  # pages on either side whose ids are remembered for in-run deduplication


class Neighbours:
    """Ids of recently completed pages, to drop a record a neighbouring page already had."""

    def __init__(self, reach: int = NEIGHBOURS) -> None:
        self.reach = reach
        self._pages: dict[int, set[Any]] = {}

    def seen(self, number: int, ident: Any) -> bool:
        """Whether a page within ``reach`` of page ``number`` had ``ident``."""
        pages = self._pages
        return any(
            ident in pages.get(n, ()) for n in range(number - self.reach, number + self.reach + 1)
        )

    def known(self, number: int, idents: Iterable[Any]) -> set[Any]:
        """
        The ``idents`` that a page within ``reach`` of page ``number`` had.

        One set intersection per remembered neighbour (in C) instead of one lookup per record
        and neighbour: on an unchanged collection the answer is empty and costs nothing more.
        """
        low, high = number - self.reach, number + self.reach
        near = [ids for n, ids in self._pages.items() if low <= n <= high]
        if not near:
            return set()
        wanted = idents if isinstance(idents, set | frozenset) else set(idents)
        return set().union(*(wanted & ids for ids in near))

    def add(self, number: int, ids: set[Any], prefix: int) -> None:
        self._pages[number] = ids
        for old in [n for n in self._pages if n < prefix - self.reach]:
            del self._pages[old]


def keep_page(
    items: list[dict[str, Any]], number: int, tracker: Tracker | None, neighbours: Neighbours,
    sales: bool, live: dict[str, int],
) -> tuple[list[dict[str, Any]], set[Any]]:  # fmt: skip
    """
    The records of page ``number`` to write, and their ids: each record is shown to the
    tracker (which drops what an earlier run exported), then dropped if this page or a
    neighbouring one already had its id. Per page rather than per record where it can be: the
    neighbours are asked once about the page's ids. Counts go to ``live`` (``skipped``,
    ``duplicates``, and for Sales ``deleted``).
    """
    admitted = items
    if tracker is not None:
        admitted = tracker.admit_all(items)
        live["skipped"] += len(items) - len(admitted)
    # record_id(), inline for dicts: an int or str id, else None
    idents = [i if isinstance(i := r.get("id"), int | str) else None for r in admitted]
    known = neighbours.known(number, idents)
    ids = set(idents)
    ids.discard(None)
    if not known and len(ids) + idents.count(None) == len(idents):
        kept = admitted  # the common case: no id twice, none on a neighbouring page
    else:
        kept, ids = [], set()
        for record, ident in zip(admitted, idents):
            if ident is not None:
                if ident in ids or ident in known:
                    live["duplicates"] += 1
                    continue
                ids.add(ident)
            kept.append(record)
    if sales:
        live["deleted"] += sum(1 for record in kept if record.get("deleted") in (True, 1))
    return kept, ids
