"""The one JSON codec of the library: orjson, with money (Decimal) written as exact numbers."""

from __future__ import annotations

import gc
from decimal import Decimal
from typing import Any, Final

import orjson


__all__ = ["JSONDecodeError", "dumps", "loads"]

JSONDecodeError = orjson.JSONDecodeError
#: Bodies larger than this are parsed with the cyclic garbage collector paused.
PAUSE_GC_ABOVE: Final = 64 * 1024


def loads(data: bytes | str) -> Any:
    """
    Parse JSON with orjson.

    A page body (hundreds of KiB) becomes tens of thousands of containers at once; with the
    collector running, CPython traverses every young object of the pages held in the pagination
    window over and over (measured: 15-40% of the parse time). The parsed data is acyclic, so
    the collector is paused for the parse of a large body and its previous state restored.

    Raises:
        JSONDecodeError: invalid JSON (a ``ValueError``).
    """
    if len(data) < PAUSE_GC_ABOVE:
        return orjson.loads(data)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return orjson.loads(data)
    finally:
        if enabled:
            gc.enable()


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):  # every digit, as a JSON number (never a float round trip)
        return orjson.Fragment(str(obj))
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def dumps(obj: Any, *, newline: bool = False) -> bytes:
    """
    Serialise ``obj`` to JSON bytes.

    Args:
        obj: JSON-compatible data; ``Decimal`` values are written as numbers, datetimes as ISO.
        newline: append ``\\n`` (for JSON Lines).

    Raises:
        TypeError: ``obj`` holds a value JSON cannot represent.
    """
    option = orjson.OPT_APPEND_NEWLINE if newline else 0
    return orjson.dumps(obj, default=_default, option=option)
