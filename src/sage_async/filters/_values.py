"""
Field names and literal values of the Sales Management ``where`` grammar.

Strictly private: the rules here are documented on the public functions that use them
(:class:`sage_async.filters.Field`, :class:`sage_async.filters.Literal`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import typing
from decimal import Decimal
from typing import Final

from sage_async._errors import FilterValueError, InvalidFilterError


LiteralKind = typing.Literal["string", "number"]

# Keywords of the grammar; a field cannot be named like one (the parser would read a keyword).
KEYWORDS: Final = frozenset({"AND", "OR", "NOT", "LIKE", "IS", "NULL"})

IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# The longest number literal, in characters: far beyond any database numeric type (SQL Server's
# decimal holds 38 digits; the smallest float, 5e-324, takes 325 in fixed point), small enough
# that an int is rendered under Python's 4300-digit conversion limit and a Decimal such as
# 1E+100000000 is refused before it becomes a 100 MB literal.
MAX_NUMBER_LENGTH: Final = 1000
_INT_LIMIT: Final = 10 ** (MAX_NUMBER_LENGTH - 1)  # abs() below: at most 999 digits and a sign
_BAD_IDENTIFIER_CHAR: Final = re.compile(r"[^A-Za-z0-9_]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def check_field_name(name: str) -> str:
    """
    Return ``name`` if it can stand unquoted as a field in a ``where`` text.

    Raises:
        InvalidFilterError: the name is empty, has a character outside ``[A-Za-z0-9_]``,
            starts with a digit, or is a keyword of the grammar.
    """
    if not isinstance(name, str):
        raise InvalidFilterError(f"a field name must be a str, not {type(name).__name__}")
    if not name:
        raise InvalidFilterError("a field name cannot be empty")
    if IDENTIFIER.fullmatch(name) is None:
        bad = _BAD_IDENTIFIER_CHAR.search(name)
        position = 0 if bad is None else bad.start()
        raise InvalidFilterError(
            f"field name {name!r} is not an identifier (letters, digits and _ only, "
            "not starting with a digit)",
            text=name,
            position=position,
        )
    if name.upper() in KEYWORDS:
        raise InvalidFilterError(f"field name {name!r} is a keyword of the filter grammar")
    return name


def wire_name(python_name: str) -> str:
    """
    Map a Python attribute name to the Sales Management wire name.

    ``date_updated`` becomes ``dateUpdated``; a name that starts with ``Z_`` (custom field) or
    already holds an uppercase letter passes through as written; one trailing underscore is
    dropped (``type_`` -> ``type``), as Python keywords require.
    """
    if python_name.startswith("Z_") or python_name != python_name.lower():
        return python_name
    if python_name.endswith("_") and not python_name.endswith("__"):
        python_name = python_name[:-1]
    head, *rest = python_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def check_string(value: str, *, field: str | None = None) -> str:
    """
    Return ``value`` if it can be rendered as a string literal that nothing can break out of.

    Only the quote is special in the grammar (``'`` is doubled); every other character,
    including newlines, tabs, control characters and any Unicode, stays as written. Refused:

    - NUL: C-string layers between the API and its database may truncate at it;
    - lone surrogates: they cannot be encoded as UTF-8 in the URL;
    - a backslash directly before a quote, before a line break, or at the end of the value: a
      backend that treats ``\\`` as an escape (MySQL style) would read ``\\'`` as an escaped
      quote and let the rest of the value out of the literal, and SQL Server drops a backslash
      followed by a line break. Backslashes anywhere else are ordinary characters.

    Raises:
        FilterValueError: the value contains one of the refused sequences.
    """
    where = f" for field {field!r}" if field else ""
    if "\x00" in value:
        raise FilterValueError(f"a string value{where} cannot contain NUL (\\x00)")
    if _SURROGATE.search(value):
        raise FilterValueError(f"a string value{where} contains a lone surrogate (not UTF-8)")
    index = value.find("\\")
    while index != -1:
        following = value[index + 1 : index + 2]
        if following in ("", "'", "\n", "\r"):
            raise FilterValueError(
                f"a string value{where} has a backslash before a quote, a line break or the "
                f"end of the value (at index {index}); a backend that treats \\ as an escape "
                "could read the value past the closing quote"
            )
        index = value.find("\\", index + 1)
    return value


def quote(value: str) -> str:
    """Render an already checked string as a single-quoted literal (``'`` doubled)."""
    return "'" + value.replace("'", "''") + "'"


def format_datetime(value: dt.datetime) -> str:
    """
    Render a timezone-aware datetime as UTC ISO-8601 with ``Z``.

    Microseconds are kept only when non-zero, as milliseconds (truncated toward the past): the
    API stores and returns at most three fractional digits.
    """
    utc = value.astimezone(dt.UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    if utc.microsecond:
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def format_date(value: dt.date) -> str:
    """Render a date as ``YYYY-MM-DD`` (four-digit year even before 1000)."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def render_value(value: object, *, field: str) -> tuple[LiteralKind, str]:
    """
    Turn a Python value into the ``(kind, text)`` of a literal: ``"string"`` or ``"number"``.

    Args:
        value: the value to render.
        field: the wire name of the field it is compared with (named in errors).

    Returns:
        ``("string", decoded_text)`` or ``("number", numeric_text)``.

    Raises:
        FilterValueError: ``None``, a naive datetime, a non-finite number, a refused string, or a
            type the grammar has no literal for.
    """
    if value is None:
        raise FilterValueError(
            f"cannot compare field {field!r} with None; use F.{field}.is_null() or .is_not_null()"
        )
    if isinstance(value, bool):
        # SQL Server has no boolean literal; bit columns compare with 1 and 0.
        return "number", "1" if value else "0"
    if isinstance(value, int):
        if not -_INT_LIMIT < value < _INT_LIMIT:
            raise FilterValueError(
                f"integer for field {field!r} has {MAX_NUMBER_LENGTH} digits or more; a number "
                f"literal is at most {MAX_NUMBER_LENGTH} characters"
            )
        return "number", int.__repr__(value)
    if isinstance(value, float | Decimal):
        return "number", _format_number(value, field)
    if isinstance(value, str):
        return "string", check_string(str.__str__(value), field=field)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise FilterValueError(
                f"naive datetime {value.isoformat()} for field {field!r}: attach a timezone "
                "(e.g. datetime(..., tzinfo=UTC)) so the filter means one instant"
            )
        return "string", format_datetime(value)
    if isinstance(value, dt.date):
        return "string", format_date(value)
    raise FilterValueError(
        f"cannot render a value of type {type(value).__name__} for field {field!r}; use str, "
        "int, float, Decimal, bool, date or a timezone-aware datetime"
    )


def _format_number(value: float | Decimal, field: str) -> str:
    number = Decimal(repr(value)) if isinstance(value, float) else value
    if not number.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
        raise FilterValueError(f"cannot compare field {field!r} with non-finite number {value}")
    # Fixed-point notation: the grammar has no exponent form ("1E+2" would not parse). A huge
    # exponent is refused before it is spelt out (digits + |exponent| + 2 bounds the length).
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    fits = len(digits) + abs(exponent) <= 2 * MAX_NUMBER_LENGTH
    text = format(number, "f") if fits else ""
    if not fits or len(text) > MAX_NUMBER_LENGTH:
        raise FilterValueError(
            f"number {_short(number)} for field {field!r} is longer than {MAX_NUMBER_LENGTH} "
            "characters in fixed-point notation (the grammar has no exponent form)"
        )
    return text


def _short(number: Decimal) -> str:
    text = str(number)  # scientific notation when the exponent is large
    return text if len(text) <= 40 else f"{text[:20]}...{text[-12:]}"
