"""
Output formats: JSON Lines, CSV and Parquet, all produced from the ``.part`` staging file.

Strictly private. Every stream is staged as JSON Lines (``_part.PartFile``), which is what makes
resuming by byte offset possible for every format. When the stream completes:

- ``jsonl``: the ``.part`` file is renamed to ``<name>.jsonl`` (one record per line, wire names).
- ``csv``: two streaming passes over the ``.part`` file write ``<name>.csv``. Nested objects are
  flattened with dotted names (``salesRepId1.id``); lists and deeper objects are one JSON cell.
  **Header rule**: first every column of the resource's model, in the model's field order
  (nested models expanded two levels deep), whether or not any record has it; then every other
  key found in the data (custom ``Z_`` fields, keys the spec does not declare), sorted by name.
  The first pass only collects those extra names, so the header is the same whatever order the
  pages completed in, and a resumed run writes the same file as an uninterrupted one.
- ``parquet`` (``pip install 'sage-async[parquet]'``): the same columns, written in row groups
  of :data:`BATCH_ROWS` rows. Integer, number and boolean model fields are typed columns
  (``0``/``1`` count as booleans, as Sales sends them); a column whose data does not fit its
  declared type, and every other column, is text; money (``format: decimal``) is text with
  every digit.

Memory is one record (CSV) or one batch (Parquet) at a time, plus the set of column names.

A conversion runs in a worker thread; it checks a ``stop`` event every :data:`CHECK_ROWS` rows
and, once it is set (Ctrl-C), raises :class:`ConversionStopped` and removes its temporary file.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import threading
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import orjson

from sage_async._converter import _field_infos
from sage_async._errors import UsageError
from sage_async._json import dumps
from sage_async.export._fs import fsync_directory


__all__ = [
    "BATCH_ROWS",
    "CHECK_ROWS",
    "ConversionStopped",
    "FORMATS",
    "Format",
    "Layout",
    "cell",
    "columns",
    "finalize",
    "flatten",
    "layout_for",
    "require_format",
]

Format = Literal["jsonl", "csv", "parquet"]
FORMATS: Final[tuple[Format, ...]] = ("jsonl", "csv", "parquet")
BATCH_ROWS: Final = 10_000
CHECK_ROWS: Final = 256  # rows between two looks at the stop event (a few ms of work)
NESTING: Final = 2  # nested models expanded this many levels; deeper ones are one JSON cell
Layout = dict[str, Any]  # wire name -> leaf kind (str) or a nested Layout


def require_format(name: str) -> Format:
    """
    Check an output format name (and that pyarrow is installed for Parquet).

    Raises:
        UsageError: unknown format, or Parquet without pyarrow.
    """
    for known in FORMATS:
        if name == known:
            if known == "parquet":
                _pyarrow()
            return known
    raise UsageError(f"unknown format {name!r} (choose jsonl, csv or parquet)")


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise UsageError("Parquet output needs pyarrow: pip install 'sage-async[parquet]'") from exc
    return pyarrow


# --- flattening -------------------------------------------------------------------------------


def layout_for(model: type, depth: int = NESTING) -> Layout:
    """The column layout of a model: its fields in order, nested models expanded."""
    layout: Layout = {}
    for info in _field_infos(model):
        if info.kind == "model" and depth > 0:
            layout[info.wire] = layout_for(info.target, depth - 1)
        elif info.kind in ("model", "list"):
            layout[info.wire] = "json"
        else:
            layout[info.wire] = info.kind
    return layout


def columns(layout: Layout, prefix: str = "") -> dict[str, str]:
    """The model's columns in order: dotted name -> leaf kind."""
    out: dict[str, str] = {}
    for wire, spec in layout.items():
        if isinstance(spec, dict):
            out.update(columns(spec, f"{prefix}{wire}."))
        else:
            out[prefix + wire] = spec
    return out


def flatten(record: Mapping[str, Any], layout: Layout | None) -> dict[str, Any]:
    """
    Flatten one record to dotted column names.

    Objects the model declares are expanded by the layout; unknown objects are expanded fully;
    lists stay values (a JSON cell). An object where the model has a scalar stays one value,
    and a scalar where the model has an object becomes a column of its own name.
    """
    out: dict[str, Any] = {}
    _flatten_into(out, record, layout, "")
    return out


def _flatten_into(
    out: dict[str, Any], data: Mapping[str, Any], layout: Layout | None, prefix: str
) -> None:
    for key, value in data.items():
        name = prefix + key
        spec = layout.get(key) if layout is not None else None
        if isinstance(spec, dict) or (spec is None and isinstance(value, dict) and value):
            if isinstance(value, dict):
                _flatten_into(out, value, spec if isinstance(spec, dict) else None, name + ".")
            elif value is not None:
                out[name] = value
        else:
            out[name] = value


def cell(value: Any) -> str:
    """The CSV text of a value: empty for null, ``true``/``false``, exact numbers, JSON."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return dumps(value).decode()


def _fits(kind: str, value: Any) -> bool:
    if value is None:
        return True
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool) or (type(value) is int and value in (0, 1))
    return True


class ConversionStopped(Exception):
    """Strictly private: a conversion gave up because its stop event was set."""


def _records(
    path: Path, *, exact: bool, stop: threading.Event | None = None
) -> Iterator[dict[str, Any]]:
    """Stream the records of a ``.part`` file (numbers as Decimal when ``exact``)."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle):
            if stop is not None and number % CHECK_ROWS == 0 and stop.is_set():
                raise ConversionStopped(path.name)
            if not line.strip():
                continue
            if exact:
                yield json.loads(line, parse_float=Decimal)
            else:
                yield orjson.loads(line)


def _scan(
    path: Path, model_columns: Mapping[str, str], layout: Layout, stop: threading.Event | None
) -> tuple[list[str], set[str]]:
    """First pass: the extra column names (sorted) and the typed columns that do not fit."""
    extras: set[str] = set()
    misfits: set[str] = set()
    for record in _records(path, exact=False, stop=stop):
        for name, value in flatten(record, layout).items():
            kind = model_columns.get(name)
            if kind is None:
                extras.add(name)
            elif name not in misfits and not _fits(kind, value):
                misfits.add(name)
    return sorted(extras), misfits


# --- finalizers -------------------------------------------------------------------------------


def finalize(
    fmt: Format, part: Path, output: Path, model: type, *, stop: threading.Event | None = None
) -> None:
    """
    Turn a complete ``.part`` file into the output file, atomically.

    JSON Lines renames the ``.part`` file; CSV and Parquet write a temporary file beside the
    output and rename it, leaving the ``.part`` file for the caller to delete once the
    checkpoint records completion.

    Raises:
        ConversionStopped: ``stop`` was set before the conversion ended (no file is left).
    """
    if fmt == "jsonl":
        with open(part, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(part, output)
        fsync_directory(output.parent)
        return
    temporary = output.with_name(f".{output.name}.tmp")
    layout = layout_for(model)
    model_columns = columns(layout)
    extras, misfits = _scan(part, model_columns, layout, stop)
    header = [*model_columns, *extras]
    try:
        if fmt == "csv":
            _write_csv(temporary, part, header, layout, stop)
        else:
            _write_parquet(temporary, part, header, model_columns, misfits, layout, stop)
        os.replace(temporary, output)
    except BaseException:  # a full disk, or an interruption: no half-written file stays
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
    fsync_directory(output.parent)


def _write_csv(
    target: Path, part: Path, header: list[str], layout: Layout, stop: threading.Event | None
) -> None:
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for record in _records(part, exact=True, stop=stop):
            flat = flatten(record, layout)
            writer.writerow([cell(flat.get(name)) for name in header])
        handle.flush()
        os.fsync(handle.fileno())


def _write_parquet(
    target: Path,
    part: Path,
    header: list[str],
    model_columns: Mapping[str, str],
    misfits: set[str],
    layout: Layout,
    stop: threading.Event | None,
) -> None:
    pa = _pyarrow()
    import pyarrow.parquet as pq

    typed = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    kinds: dict[str, str] = {}
    fields = []
    for name in header:
        kind = model_columns.get(name, "str")
        kind = kind if kind in typed and name not in misfits else "str"
        kinds[name] = kind
        fields.append(pa.field(name, typed.get(kind, pa.string())))
    schema = pa.schema(fields)

    def convert(kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return bool(value)
        return cell(value)

    with pq.ParquetWriter(str(target), schema) as writer:
        batch: dict[str, list[Any]] = {name: [] for name in header}
        rows = written = 0
        for record in _records(part, exact=True, stop=stop):
            flat = flatten(record, layout)
            for name in header:
                batch[name].append(convert(kinds[name], flat.get(name)))
            rows += 1
            if rows >= BATCH_ROWS:
                writer.write_table(pa.table(batch, schema=schema))
                batch = {name: [] for name in header}
                written += rows
                rows = 0
        if rows or not written:  # an empty stream still gets a file with its schema
            writer.write_table(pa.table(batch, schema=schema))
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())
