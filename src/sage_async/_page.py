"""One page of a list call, as both APIs' resources return it."""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs


__all__ = ["Page"]

M = TypeVar("M")


@attrs.frozen
class Page(Generic[M]):
    """
    One page of a list call.

    Attributes:
        items: the records (models, or dicts with ``raw=True``).
        number: the page number as the API counts it (Sales 0-based, Accounting 1-based).
        size: the page size asked for.
        total: Accounting ``$total`` (Sales sends no total: ``None``).
        next: Accounting ``$next`` (a path), ``None`` on the last page.
        last: whether no page follows (Sales: fewer items than ``size``).
    """

    items: list[M]
    number: int
    size: int
    total: int | None = None
    next: str | None = None
    last: bool = False

    def __len__(self) -> int:
        return len(self.items)
