"""
The ``order`` query parameter of Sales Management lists.

Strictly private; :class:`Order`, :func:`order_by` and :func:`parse_order` are re-exported from
:mod:`sage_async.filters`.
"""

from __future__ import annotations

import re
import typing
from typing import Final

import attrs

from sage_async._errors import InvalidFilterError
from sage_async.filters._values import IDENTIFIER, check_field_name


if typing.TYPE_CHECKING:
    from sage_async.filters._builder import Field

Direction = typing.Literal["asc", "desc"]

_WORD: Final = re.compile(r"[A-Za-z0-9_]+")


@attrs.frozen(repr=False)
class Order:
    """
    The sort of a Sales Management list: ``order=<field>`` plus an optional direction.

    The API documents only ``order=<field>``, which sorts **descending** ("most recent first").
    An explicit direction renders as ``field ASC`` / ``field DESC``; that syntax is standard SQL
    but unverified against the server, so it is sent only when asked for.

    Attributes:
        field: the wire name of the field.
        direction: ``None`` (server default, descending), ``"asc"`` or ``"desc"``.
    """

    field: str = attrs.field(validator=lambda _i, _a, v: check_field_name(v))
    direction: Direction | None = attrs.field(
        default=None, validator=attrs.validators.in_((None, "asc", "desc"))
    )

    def render(self) -> str:
        """Return the wire text for the ``order`` query parameter."""
        return self.field if self.direction is None else f"{self.field} {self.direction.upper()}"

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Order<{self.render()}>"


def order_by(field: Field | str, *, descending: bool | None = None) -> Order:
    """
    Build the ``order`` parameter for ``field``.

    Args:
        field: a :class:`Field` (``F.date_created``, ``client.accounts.fields.date_created``)
            or a wire name as a str.
        descending: ``None`` sends the bare field (the documented form, which the API sorts
            descending); ``True``/``False`` send ``field DESC``/``field ASC`` (unverified).

    Returns:
        The :class:`Order`.

    Raises:
        InvalidFilterError: the field name is not an identifier.
    """
    name = field if isinstance(field, str) else field.name
    if descending is None:
        return Order(name)
    return Order(name, "desc" if descending else "asc")


def parse_order(text: str) -> Order:
    """
    Parse an ``order`` text: a field name, optionally followed by ``ASC`` or ``DESC``.

    Keywords are case-insensitive; surrounding whitespace is ignored.

    Raises:
        InvalidFilterError: anything else, with the 0-based position of the problem.
    """
    if not isinstance(text, str):
        raise InvalidFilterError(f"an order must be a str, not {type(text).__name__}")
    position = _skip_space(text, 0)
    head = IDENTIFIER.match(text, position)
    if head is None:
        message = "expected a field name" if text.strip() else "empty order"
        raise InvalidFilterError(message, text=text, position=position)
    try:
        field = check_field_name(head.group())
    except InvalidFilterError as exc:
        raise InvalidFilterError(str(exc), text=text, position=position) from None
    position = _skip_space(text, head.end())
    if position == len(text):
        return Order(field)
    word = _WORD.match(text, position)
    if word is None or word.group().lower() not in ("asc", "desc"):
        found = word.group() if word else text[position]
        raise InvalidFilterError(
            f"expected ASC or DESC after field {field!r}, found {found!r}",
            text=text,
            position=position,
        )
    direction: Direction = "asc" if word.group().lower() == "asc" else "desc"
    end = _skip_space(text, word.end())
    if end != len(text):
        raise InvalidFilterError(
            f"unexpected {text[end:]!r} after the order direction", text=text, position=end
        )
    return Order(field, direction)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position
