"""
Evaluating a :class:`Where` against a record, the way the sandbox answers ``where``.

Strictly private; :func:`compile_predicate` is re-exported from :mod:`sage_async.filters`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sage_async.filters._ast import And, Comparison, Literal, Not, NullCheck, Or, Where


# SQL's three-valued logic: True, False, or None for UNKNOWN (a comparison involving NULL).
Truth = bool | None
_Predicate = Callable[[Mapping[str, Any]], Truth]

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME: Final = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def compile_predicate(expr: Where) -> Callable[[Mapping[str, Any]], bool]:
    """
    Turn a filter into a function ``record -> bool`` with SQL-like semantics.

    - A field is looked up by wire name; a missing key or ``None`` is NULL. A lookup object
      ``{"id": n, "value": "label"}`` compares on its ``id``.
    - Three-valued logic: a comparison with NULL is UNKNOWN, ``NOT UNKNOWN`` is UNKNOWN,
      ``AND``/``OR`` follow SQL, and a record matches only when the result is TRUE.
    - Strings compare case-insensitively (``str.casefold``), as under SQL Server's default
      ``*_CI_AS`` collation. Two values that both read as ISO-8601 dates or date-times
      (including ``datetime``/``date`` objects) compare as instants; a naive one is taken as UTC.
      Numbers (and ``bool`` as 1/0) compare numerically, also against numeric strings.
      Values that cannot be reconciled (a number against ``'abc'``) make the comparison
      UNKNOWN rather than raising.
    - ``LIKE``: ``%`` is any run, ``_`` one character, ``[abc]``/``[a-z]``/``[^a]`` a
      character class (SQL Server), matched case-insensitively against the whole value.

    Args:
        expr: the filter.

    Returns:
        A predicate over decoded JSON records (mappings).
    """
    compiled = _compile(expr)
    return lambda record: compiled(record) is True


def _compile(expr: Where) -> _Predicate:
    if isinstance(expr, Comparison):
        return _compile_comparison(expr)
    if isinstance(expr, NullCheck):
        name, negated = expr.field, expr.negated
        return lambda record: (_lookup(record, name) is None) != negated
    if isinstance(expr, Not):
        inner = _compile(expr.operand)
        return lambda record: None if (value := inner(record)) is None else not value
    if isinstance(expr, And | Or):
        parts = [_compile(o) for o in expr.operands]
        decisive = isinstance(expr, Or)  # OR is decided by a TRUE, AND by a FALSE

        def combine(record: Mapping[str, Any]) -> Truth:
            unknown = False
            for part in parts:
                value = part(record)
                if value is None:
                    unknown = True
                elif value is decisive:
                    return decisive
            return None if unknown else not decisive

        return combine
    raise TypeError(f"cannot evaluate {expr!r}")  # pragma: no cover - every node is above


def _lookup(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(name)
    if isinstance(value, Mapping):
        return value.get("id")
    return value


def _compile_comparison(expr: Comparison) -> _Predicate:
    name, op, literal = expr.field, expr.op, expr.value
    if op in ("LIKE", "NOT LIKE"):
        pattern = _like_regex(literal.text)
        negate = op == "NOT LIKE"

        def like(record: Mapping[str, Any]) -> Truth:
            value = _lookup(record, name)
            if value is None:
                return None
            text = _as_text(value)
            if text is None:
                return None
            return (pattern.fullmatch(text.casefold()) is not None) != negate

        return like
    check = _CHECKS[op]

    def compare(record: Mapping[str, Any]) -> Truth:
        value = _lookup(record, name)
        if value is None:
            return None
        keys = _comparable(value, literal)
        return None if keys is None else check(keys[0], keys[1])

    return compare


_CHECKS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _comparable(value: Any, literal: Literal) -> tuple[Any, Any] | None:
    """Bring a record value and a literal to one comparable type, or None (UNKNOWN)."""
    if isinstance(value, bool | int | float | Decimal):
        number = _as_number(literal.text)
        mine = _as_number(value)
        return None if number is None or mine is None else (mine, number)
    if isinstance(value, dt.date):
        moment = _as_instant(literal.text)
        return None if moment is None else (_as_instant(value), moment)
    if isinstance(value, str):
        if literal.kind == "number":
            mine = _as_number(value)
            number = _as_number(literal.text)
            return None if mine is None or number is None else (mine, number)
        theirs = _as_instant(literal.text)
        if theirs is not None and (mine_instant := _as_instant(value)) is not None:
            return mine_instant, theirs
        return value.casefold(), literal.text.casefold()
    return None


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    try:
        number = Decimal(value if isinstance(value, int | Decimal) else str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@functools.lru_cache(maxsize=1024)
def _parse_instant(text: str) -> dt.datetime | None:
    if _ISO_DATE.fullmatch(text):
        try:
            return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
        except ValueError:
            return None
    match = _ISO_DATETIME.fullmatch(text)
    if match is None:
        return None
    day, clock, fraction, zone = match.groups()
    fraction = (fraction or "")[:7]  # fromisoformat takes at most six digits
    zone = "+00:00" if zone is None or zone.upper() == "Z" else zone
    try:
        moment = dt.datetime.fromisoformat(f"{day}T{clock}{fraction}{zone}")
    except ValueError:
        return None
    return moment.astimezone(dt.UTC)


def _as_instant(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        return _parse_instant(value.strip())
    return None


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return None


@functools.lru_cache(maxsize=256)
def _like_regex(pattern: str) -> re.Pattern[str]:
    """Translate a SQL Server LIKE pattern into an anchored, case-folded regular expression."""
    out: list[str] = []
    index = 0
    pattern = pattern.casefold()
    while index < len(pattern):
        char = pattern[index]
        if char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        elif char == "[" and (close := pattern.find("]", index + 2)) != -1:
            body = pattern[index + 1 : close]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            escaped = _char_class(body)
            if not escaped:  # "[]" or "[^]": no class, the bracket is literal
                out.append(re.escape(char))
                index += 1
                continue
            out.append(f"[{'^' if negate else ''}{escaped}]")
            index = close
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out), re.DOTALL)


def _char_class(body: str) -> str:
    """Translate the inside of a LIKE ``[...]`` into the inside of a regex class."""
    items: list[str] = []
    index = 0
    while index < len(body):
        if index + 2 < len(body) and body[index + 1] == "-" and body[index] <= body[index + 2]:
            items.append(f"{re.escape(body[index])}-{re.escape(body[index + 2])}")
            index += 3
        else:
            items.append(re.escape(body[index]))
            index += 1
    return "".join(items)
