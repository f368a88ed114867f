"""
In-run deduplication: a record that offset pagination shifted onto a neighbouring page is
delivered twice; the ids of the pages around each page are remembered to drop the second copy.

Strictly private.
"""

from __future__ import annotations

from typing import Any, Final


__all__ = ["NEIGHBOURS", "Neighbours"]

NEIGHBOURS: Final = 8  # pages on either side whose ids are remembered for in-run deduplication


class Neighbours:
    """Ids of recently completed pages, to drop a record a neighbouring page already had."""

    def __init__(self, reach: int = NEIGHBOURS) -> None:
        self.reach = reach
        self._pages: dict[int, set[Any]] = {}

    def seen(self, number: int, ident: Any) -> bool:
        pages = self._pages
        return any(
            ident in pages.get(n, ()) for n in range(number - self.reach, number + self.reach + 1)
        )

    def add(self, number: int, ids: set[Any], prefix: int) -> None:
        self._pages[number] = ids
        for old in [n for n in self._pages if n < prefix - self.reach]:
            del self._pages[old]
