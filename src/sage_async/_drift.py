"""
Counting how real payloads deviate from the generated models ("the spec lies").

The converter is lenient by default: a deviation is repaired when it can be (``deleted: 0`` read
as ``False``, a number sent as a string read as a number) or kept as it came, and counted here
per model, field and kind, so that an exporter can report drift and a CI job can run strict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Literal

import attrs


__all__ = ["DriftKind", "DriftReport", "DriftRow"]

DriftKind = Literal[
    "unknown_key",  # a key the schema does not declare (kept in the model's ``extras``)
    "unexpected_null",  # null where the schema does not allow it (kept as None)
    "missing_required",  # a required key was absent
    "int_as_bool",  # 0/1 where a boolean was declared (read as False/True)
    "str_as_number",  # "12.50" where a number was declared (parsed)
    "number_as_str",  # 12 where a string was declared (converted with str())
    "naive_datetime",  # a date-time without offset (read as UTC)
    "datetime_as_date",  # a date-time where a date was declared (date part kept)
    "wrong_type",  # anything else that could not be repaired (raw value kept)
]


@attrs.frozen
class DriftRow:
    """One line of a drift report: how often ``kind`` happened on ``model.field``."""

    model: str
    field: str
    kind: DriftKind
    count: int


@attrs.define
class DriftReport:
    """
    Deviation counts of one converter, per model, field and kind.

    Read it after decoding (``converter.drift``): it is falsy while nothing deviated.
    """

    _counts: Counter[tuple[str, str, DriftKind]] = attrs.field(factory=Counter)

    def add(self, model: str, field: str, kind: DriftKind, count: int = 1) -> None:
        """Count ``count`` deviations of ``kind`` on ``model.field``."""
        self._counts[(model, field, kind)] += count

    def count(
        self, model: str | None = None, field: str | None = None, kind: DriftKind | None = None
    ) -> int:
        """Return how many deviations match the given model, field and kind (``None``: any)."""
        return sum(
            n
            for (m, f, k), n in self._counts.items()
            if (model is None or m == model)
            and (field is None or f == field)
            and (kind is None or k == kind)
        )

    @property
    def total(self) -> int:
        """The number of deviations counted."""
        return sum(self._counts.values())

    def rows(self) -> list[DriftRow]:
        """Every counted deviation, most frequent first."""
        return [DriftRow(m, f, k, n) for (m, f, k), n in self._counts.most_common()]

    def as_dict(self) -> dict[str, dict[str, dict[str, int]]]:
        """The counts as ``{model: {field: {kind: n}}}`` (for manifests and JSON logs)."""
        out: dict[str, dict[str, dict[str, int]]] = {}
        for (model, field, kind), n in sorted(self._counts.items()):
            out.setdefault(model, {}).setdefault(field, {})[kind] = n
        return out

    def reset(self) -> None:
        """Forget every count."""
        self._counts.clear()

    def __iter__(self) -> Iterator[DriftRow]:
        return iter(self.rows())

    def __bool__(self) -> bool:
        return bool(self._counts)

    def __str__(self) -> str:
        if not self._counts:
            return "no drift"
        return "\n".join(f"{r.model}.{r.field}: {r.kind} x{r.count}" for r in self.rows())
