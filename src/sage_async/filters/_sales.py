"""
Query parameters of Sage Sales Management v4 list calls, checked before any request.

Strictly private; :func:`sales_params` is re-exported from :mod:`sage_async.filters`.
See ``../shared/reference/sales-management/FACTS.md`` ("Listing: pagination, filters, order").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from sage_async._errors import InvalidParameterError
from sage_async.filters._ast import Where
from sage_async.filters._builder import Field
from sage_async.filters._order import Order, parse_order
from sage_async.filters._parser import parse


if TYPE_CHECKING:
    from sage_async.filters._fields import Fields

Language = Literal["en", "es", "pt", "it", "fr", "de", "ru"]
LANGUAGES: Final = ("en", "es", "pt", "it", "fr", "de", "ru")


def sales_params(
    *,
    page: int | None = None,
    where: Where | str | None = None,
    order: Order | Field | str | None = None,
    lang: Language | None = None,
    fields: Fields | None = None,
) -> dict[str, str]:
    """
    Render the parameters of a Sales Management list call as query parameters.

    ``None`` leaves a parameter out. The values are not URL-encoded here (the transport does).

    Args:
        page: 0-based page number (the API's default is 0).
        where: a :class:`Where` (rendered), or raw filter text, which is checked with
            :func:`~sage_async.filters.parse` and sent exactly as given, so a malformed
            filter never spends a rate-limited request on error 901.
        order: an :class:`Order`, a :class:`Field` (sent bare: the API sorts descending), or
            raw text checked with :func:`~sage_async.filters.parse_order`.
        lang: language of value-list descriptions: en, es, pt, it, fr, de or ru.
        fields: when given (a resource's ``fields``), every field named by ``where`` and
            ``order`` must exist on that resource.

    Returns:
        The query parameters as strings.

    Raises:
        InvalidParameterError: a value of the wrong type, a negative page, an unknown language.
        InvalidFilterError: raw ``where``/``order`` text that does not parse (with position).
        UnknownFieldError: with ``fields``, a field the resource does not have.
    """
    params: dict[str, str] = {}
    if page is not None:
        if isinstance(page, bool) or not isinstance(page, int):
            raise InvalidParameterError(f"page must be an int, not {type(page).__name__}")
        if page < 0:
            raise InvalidParameterError(f"page must be 0 or more (0-based), not {page}")
        params["page"] = str(page)
    if where is not None:
        if isinstance(where, str):
            expr = parse(where)
            params["where"] = where
        elif isinstance(where, Where):
            expr = where
            params["where"] = where.render()
        else:
            raise InvalidParameterError(
                f"where must be a Where or a str, not {type(where).__name__}"
            )
        if fields is not None:
            fields.check(expr)
    if order is not None:
        if isinstance(order, str):
            checked = parse_order(order)
            params["order"] = order
        elif isinstance(order, Order):
            checked = order
            params["order"] = order.render()
        elif isinstance(order, Field):
            checked = Order(order.name)
            params["order"] = checked.render()
        else:
            raise InvalidParameterError(
                f"order must be an Order, a Field or a str, not {type(order).__name__}"
            )
        if fields is not None:
            fields.check(checked)
    if lang is not None:
        if lang not in LANGUAGES:  # a tuple: `in` compares, so a list fails cleanly
            raise InvalidParameterError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
        params["lang"] = lang
    return params
