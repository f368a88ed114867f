"""The one JSON codec of the library: orjson, with money (Decimal) written as exact numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson


__all__ = ["dumps", "loads"]

loads = orjson.loads


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
