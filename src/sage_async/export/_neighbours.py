"""
In-run deduplication: a record that offset pagination shifted onto a neighbouring page is
delivered twice; the ids of the pages around each page are remembered to drop the second copy.

Strictly private.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final


__all__ = ["NEIGHBOURS", "Neighbours"]

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
