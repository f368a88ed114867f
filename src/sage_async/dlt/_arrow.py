"""
Pages as Arrow tables typed by the column hints: dlt then writes them to parquet as they are,
skipping its row-by-row normalizer (the slowest step of a dict load by far).

A page is converted in one call: Arrow reads the rows as one struct array of the declared
columns in their wire types (date-times, dates and decimals as text; a Sales lookup as a
struct of its two fields), and Arrow's own casts then parse the text columns (ISO date-times
with ``Z`` or an offset, numeric strings to decimals, dates). A column whose values that read
refuses (0/1 flags, a number in a text field, money sent as JSON numbers) leaves the struct
for the rest of the run and is converted on its own, value by value where a cast refuses.
Keys the models do not declare (Sales ``Z_`` custom fields) become columns of the type Arrow
infers, or JSON text when their values mix. The table's schema is the one dlt stores: a column
the hints declare non-nullable (``id``) is a non-nullable field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa


__all__ = ["BATCH_ROWS", "PageTables"]

#: Pages are handed to dlt in tables of at least this many rows: dlt's extract costs a schema
#: merge per item, which at one item per 300-row page outweighs the conversion itself.
BATCH_ROWS = 10_000

_DECIMAL = pa.decimal128(38, 9)  # dlt's default precision and scale
_TIMESTAMP = pa.timestamp("us", tz="UTC")
_DIRECT = {"text": pa.string(), "bigint": pa.int64(), "double": pa.float64()}


def _json(values: list[Any]) -> pa.Array:
    return pa.array([None if v is None else orjson.dumps(v).decode() for v in values], pa.string())


_REFUSED = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError)


def _decimal(values: list[Any]) -> pa.Array:
    try:  # every value a numeric string (or null): one cast
        return pa.array(values, pa.string()).cast(_DECIMAL)
    except _REFUSED:  # numbers, or more than 9 fractional digits
        pass
    text = [None if v is None else str(v) for v in values]
    try:
        return pa.array(text, pa.string()).cast(_DECIMAL)
    except _REFUSED:
        step = Decimal("1e-9")
        return pa.array([None if t is None else Decimal(t).quantize(step) for t in text], _DECIMAL)


def _instants(values: list[Any], kind: str) -> pa.Array:
    target = _TIMESTAMP if kind == "timestamp" else pa.date32()
    try:  # ISO strings with Z or an offset: one cast
        return pa.array(values, pa.string()).cast(target)
    except _REFUSED:  # "" (empty settings dates), no offset (taken as UTC), a date-time as date
        text = [v or None for v in values]
        return pa.array([None if t is None else _instant(t, kind) for t in text], target)


def _cast(values: list[Any], kind: str) -> pa.Array:
    if kind == "json":
        return _json(values)
    if kind == "bool":
        try:
            return pa.array(values, pa.bool_())
        except _REFUSED:  # Sales 0/1 flags
            return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    if kind == "decimal":
        return _decimal(values)
    if kind in ("timestamp", "date"):
        return _instants(values, kind)
    kind_type = _DIRECT[kind]
    try:
        return pa.array(values, kind_type)
    except _REFUSED:  # a value of another type
        if kind == "text":
            return pa.array([None if v is None else str(v) for v in values], kind_type)
        convert = int if kind == "bigint" else float
        return pa.array([None if v is None else convert(v) for v in values], kind_type)


def _instant(text: str, kind: str) -> Any:
    value = datetime.fromisoformat(text)
    if kind == "date":  # a date-time sent in a date field: its date
        return value.date()
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _inferred(values: list[Any]) -> pa.Array:
    try:
        array = pa.array(values)
    except _REFUSED:
        return _json(values)
    if pa.types.is_null(array.type) or pa.types.is_nested(array.type):
        return _json(values)
    return array


#: The type a column is read as in the one-call struct pass (``None``: never read there).
_WIRE: dict[str, pa.DataType | None] = {
    "text": pa.string(), "bigint": pa.int64(), "double": pa.float64(), "bool": pa.bool_(),
    "decimal": pa.string(), "timestamp": pa.string(), "date": pa.string(), "json": None,
}  # fmt: skip
_PARSED = {"decimal": _DECIMAL, "timestamp": _TIMESTAMP, "date": pa.date32()}


def _parse(array: pa.Array, kind: str) -> pa.Array:
    """A column read in its wire type, in its declared type: text parsed by one Arrow cast."""
    target = _PARSED.get(kind)
    if target is None:
        return array
    try:
        return array.cast(target)
    except _REFUSED:  # the conversions of the values a cast refuses
        return _cast(array.to_pylist(), kind)


class PageTables:
    """
    Turn pages (lists of dicts) into Arrow tables with the types of ``columns``.

    Args:
        columns: the resource's column hints (wire names; ``a__b`` reads ``row[a][b]``).
    """

    def __init__(self, columns: Mapping[str, Mapping[str, Any]]) -> None:
        self._plain: list[tuple[str, str]] = []
        self._nested: dict[str, list[tuple[str, str]]] = {}
        for name, hint in columns.items():
            kind = str(hint["data_type"])
            if "__" in name:
                parent, child = name.split("__", 1)
                self._nested.setdefault(parent, []).append((child, kind))
            else:
                self._plain.append((name, kind))
        self._declared = {name for name, _ in self._plain} | set(self._nested)
        self._required = {name for name, hint in columns.items() if hint.get("nullable") is False}
        # The struct pass: every column of a wire type until Arrow refuses one of its values.
        self._wire: dict[str, pa.DataType] = {}
        for name, kind in self._plain:
            if _WIRE[kind] is not None:
                self._wire[name] = _WIRE[kind]
        for parent, children in self._nested.items():
            if all(_WIRE[kind] is not None for _, kind in children):
                self._wire[parent] = pa.struct([(c, _WIRE[k]) for c, k in children])
        self._pending: list[pa.Table] = []
        self._rows = 0

    def add(self, rows: list[dict[str, Any]]) -> list[pa.Table]:
        """Convert a page; return the batch once it holds ``BATCH_ROWS`` rows, else ``[]``."""
        self._pending.append(self.table(rows))
        self._rows += len(rows)
        return self.flush() if self._rows >= BATCH_ROWS else []

    def flush(self) -> list[pa.Table]:
        """
        The pages converted since the last batch: one table, or the pages' own tables when an
        undeclared key had values of different types in different pages.
        """
        pending, self._pending, self._rows = self._pending, [], 0
        if len(pending) < 2:
            return pending
        try:
            return [pa.concat_tables(pending, promote_options="default")]
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return pending

    def _read(self, rows: list[dict[str, Any]]) -> dict[str, pa.Array]:
        """
        The struct pass: ``{column: values in its wire type}`` for the columns still in it (a
        lookup as ``parent__child`` columns). A column with a value Arrow refuses leaves the
        pass for good: the API encodes a field one way throughout.
        """
        if not self._wire:
            return {}
        try:
            array = pa.array(rows, pa.struct(self._wire.items()))
        except _REFUSED:
            before = len(self._wire)
            for name, wire in list(self._wire.items()):
                try:
                    pa.array([row.get(name) for row in rows], wire)
                except _REFUSED:
                    del self._wire[name]
            if len(self._wire) == before:  # refused as a whole only: every column on its own
                self._wire.clear()
            return self._read(rows)
        read: dict[str, pa.Array] = {}
        for field, values in zip(array.type, array.flatten(), strict=True):
            if field.name in self._nested:  # flatten() keeps a null lookup's children null
                for child, child_values in zip(field.type, values.flatten(), strict=True):
                    read[f"{field.name}__{child.name}"] = child_values
            else:
                read[field.name] = values
        return read

    def table(self, rows: list[dict[str, Any]]) -> pa.Table:
        """The page as a table: declared columns first, then the undeclared keys it holds."""
        read = self._read(rows)
        names: list[str] = []
        arrays: list[pa.Array] = []
        for name, kind in self._plain:
            names.append(name)
            if name in read:
                arrays.append(_parse(read[name], kind))
            else:  # one comprehension per column: the per-value cost is what counts here
                arrays.append(_cast([row.get(name) for row in rows], kind))
        for parent, children in self._nested.items():
            objects = None if parent in self._wire else [row.get(parent) for row in rows]
            for child, kind in children:
                name = f"{parent}__{child}"
                names.append(name)
                if objects is None:
                    arrays.append(_parse(read[name], kind))
                else:
                    values = [o.get(child) if type(o) is dict else None for o in objects]
                    arrays.append(_cast(values, kind))
        for name in sorted(set().union(*rows) - self._declared):
            names.append(name)
            arrays.append(_inferred([row.get(name) for row in rows]))
        fields = [
            pa.field(name, array.type, nullable=name not in self._required)
            for name, array in zip(names, arrays, strict=True)
        ]
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))
