"""
Query parameters of Sage Accounting v3.1 list calls, typed and checked before any request.

Strictly private; :func:`accounting_params` is re-exported from :mod:`sage_async.filters`.
Formats from https://developer.sage.com/accounting/reference/ (the v3.1 swagger parameter
descriptions) and https://developer.sage.com/accounting/guides/efficiencies/pagination/.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Final, Literal

from sage_async._errors import InvalidParameterError
from sage_async._resource_spec import Param


MAX_ITEMS_PER_PAGE: Final = 200
_SORT: Final = re.compile(r"[a-z_][a-z0-9_]*(?::(?:asc|desc))?")
_ATTRIBUTE: Final = re.compile(r"[^\s,]+")


def accounting_params(
    *,
    search: str | None = None,
    updated_or_created_since: dt.datetime | dt.date | None = None,
    deleted_since: dt.datetime | dt.date | None = None,
    from_date: dt.date | None = None,
    to_date: dt.date | None = None,
    active: bool | None = None,
    out_of_stock: bool | None = None,
    below_reorder_level: bool | None = None,
    show_legacy_id: bool | None = None,
    attributes: Sequence[str] | Literal["all"] | None = None,
    sort: tuple[str, Literal["asc", "desc"]] | str | None = None,
    contact_id: str | None = None,
    items_per_page: int | None = None,
    page: int | None = None,
) -> dict[str, str]:
    """
    Render the keyword parameters of an Accounting list call as query parameters.

    ``None`` leaves a parameter out. Which parameters a resource honours is listed per
    operation in the API reference; this function checks types and formats only.

    Args:
        search: free-text search (meaning per resource, e.g. item code or description).
        updated_or_created_since: only records changed at or after this moment; **inclusive**
            of the timestamp. A timezone-aware datetime is sent in UTC as
            ``YYYY-MM-DDThh:mm:ss+00:00`` with the sub-second part dropped (which can only
            widen the window); a date is sent as midnight UTC of that day.
        deleted_since: only records deleted after this moment; **not inclusive** of the
            timestamp. Same formats as ``updated_or_created_since``.
        from_date: first date of the period, ``YYYY-MM-DD``.
        to_date: last date of the period, ``YYYY-MM-DD`` (not before ``from_date``).
        active: only active (``true``) or inactive (``false``) records.
        out_of_stock: stock items that are (not) out of stock.
        below_reorder_level: stock items that are (not) below their reorder level.
        show_legacy_id: include the legacy id (UK/IE v3 resources).
        attributes: extra attributes to return, as a list of names (sent comma-joined), or
            ``"all"``. A plain string other than ``"all"`` is refused (pass a list).
        sort: ``(attribute, "asc" | "desc")`` or the raw text ``"created_at"`` /
            ``"created_at:desc"``; ascending is the API's default and is sent bare.
        contact_id: only records of this contact.
        items_per_page: page size, 1 to 200 (the API's default is 20).
        page: 1-based page number.

    Returns:
        The query parameters as strings, in a fixed order.

    Raises:
        InvalidParameterError: a value of the wrong type, a naive datetime, an out-of-range
            number, ``to_date`` before ``from_date``, or a malformed ``sort``/``attributes``.
    """
    params: dict[str, str] = {}
    if search is not None:
        params["search"] = _text("search", search)
    if updated_or_created_since is not None:
        params["updated_or_created_since"] = _since(
            "updated_or_created_since", updated_or_created_since
        )
    if deleted_since is not None:
        params["deleted_since"] = _since("deleted_since", deleted_since)
    if from_date is not None:
        params["from_date"] = _date("from_date", from_date)
    if to_date is not None:
        params["to_date"] = _date("to_date", to_date)
        if from_date is not None and to_date < from_date:
            raise InvalidParameterError(f"to_date {to_date} is before from_date {from_date}")
    flags = {
        "active": active,
        "out_of_stock": out_of_stock,
        "below_reorder_level": below_reorder_level,
        "show_legacy_id": show_legacy_id,
    }
    for name, flag in flags.items():
        if flag is not None:
            if not isinstance(flag, bool):
                raise InvalidParameterError(f"{name} must be a bool, not {type(flag).__name__}")
            params[name] = "true" if flag else "false"
    if attributes is not None:
        params["attributes"] = _attributes(attributes)
    if sort is not None:
        params["sort"] = _sort(sort)
    if contact_id is not None:
        params["contact_id"] = _text("contact_id", contact_id, allow_empty=False)
    if items_per_page is not None:
        params["items_per_page"] = str(
            _integer("items_per_page", items_per_page, 1, MAX_ITEMS_PER_PAGE)
        )
    if page is not None:
        params["page"] = str(_integer("page", page, 1, None))
    return params


def _text(name: str, value: object, *, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise InvalidParameterError(f"{name} must be a str, not {type(value).__name__}")
    if "\x00" in value:
        raise InvalidParameterError(f"{name} cannot contain NUL (\\x00)")
    if not allow_empty and not value.strip():
        raise InvalidParameterError(f"{name} cannot be empty")
    return value


def _integer(name: str, value: object, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterError(f"{name} must be an int, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise InvalidParameterError(f"{name} must be {limits}, not {value}")
    return value


def _since(name: str, value: object) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidParameterError(
                f"{name} is a naive datetime ({value.isoformat()}); attach a timezone"
            )
        utc = value.astimezone(dt.UTC)
    elif isinstance(value, dt.date):
        utc = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    else:
        raise InvalidParameterError(
            f"{name} must be a datetime or a date, not {type(value).__name__}"
        )
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}+00:00"
    )


def _date(name: str, value: object) -> str:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidParameterError(
            f"{name} must be a date (not a datetime), not {type(value).__name__}"
        )
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _attributes(value: object) -> str:
    if isinstance(value, str):
        if value == "all":
            return value
        raise InvalidParameterError(
            f"attributes must be a list of names or 'all', not the str {value!r}"
        )
    if not isinstance(value, Sequence):
        raise InvalidParameterError(
            f"attributes must be a list of names or 'all', not {type(value).__name__}"
        )
    if not value:
        raise InvalidParameterError("attributes cannot be an empty list (leave it out)")
    for item in value:
        if not isinstance(item, str) or _ATTRIBUTE.fullmatch(item) is None:
            raise InvalidParameterError(
                f"attribute {item!r} must be a non-empty str without commas or spaces"
            )
    return ",".join(value)


def _sort(value: object) -> str:
    if isinstance(value, str):
        if _SORT.fullmatch(value) is None:
            raise InvalidParameterError(
                f"sort {value!r} must look like 'created_at' or 'created_at:desc'"
            )
        return value
    if isinstance(value, tuple) and len(value) == 2:
        attribute, direction = value
        if not isinstance(attribute, str) or _SORT.fullmatch(attribute) is None or ":" in attribute:
            raise InvalidParameterError(f"sort attribute {attribute!r} is not an attribute name")
        if direction == "asc":
            return attribute
        if direction == "desc":
            return f"{attribute}:desc"
        raise InvalidParameterError(f"sort direction must be 'asc' or 'desc', not {direction!r}")
    raise InvalidParameterError(
        f"sort must be (attribute, 'asc' | 'desc') or a str, not {type(value).__name__}"
    )


def render_params(
    given: Mapping[str, object],
    allowed: Sequence[str],
    kinds: Mapping[str, Param],
    *,
    place: str,
) -> dict[str, str]:
    """
    Check and render the keyword parameters of one Accounting call against its spec.

    Every name must be one the operation declares (``allowed``); each value is checked and
    rendered by the parameter's kind (:class:`~sage_async._resource_spec.Param`). ``None``
    leaves a parameter out.

    Args:
        given: the keyword arguments as the caller passed them.
        allowed: the parameter names the operation accepts.
        kinds: the type of each parameter, by name.
        place: how the call is named in messages (``"stock_items.list()"``).

    Returns:
        The query parameters as strings, in the order given.

    Raises:
        InvalidParameterError: an unknown name (with the close ones as a hint), a value of the
            wrong type or format, or ``to_date`` before ``from_date``.
    """
    unknown = [name for name in given if name not in allowed]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, allowed, n=2)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        accepted = ", ".join(n for n in allowed if n not in ("page", "items_per_page")) or "none"
        raise InvalidParameterError(
            f"{place} got an unexpected keyword argument {name!r}{hint} (it accepts: {accepted})"
        )
    params: dict[str, str] = {}
    for name, value in given.items():
        if value is None:
            continue
        kind = kinds.get(name)
        params[name] = _render(name, value, kind or Param(name))
    if "from_date" in params and "to_date" in params and params["to_date"] < params["from_date"]:
        raise InvalidParameterError(
            f"to_date {params['to_date']} is before from_date {params['from_date']}"
        )
    return params


def _render(name: str, value: object, param: Param) -> str:
    kind = param.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise InvalidParameterError(f"{name} must be a bool, not {type(value).__name__}")
        return "true" if value else "false"
    if kind == "int":
        return str(_integer(name, value, 1 if name == "page" else 0, _LIMITS.get(name)))
    if kind == "datetime":
        return _since(name, _instant(name, value))
    if kind == "date":
        return _date(name, _day(name, value))
    if kind == "attributes":
        if isinstance(value, str) and value != "all":
            value = [part.strip() for part in value.split(",")]  # the documented comma form
        return _attributes(value)
    if kind == "sort":
        return _sort(value)
    if kind == "enum":
        if value not in param.choices:
            raise InvalidParameterError(
                f"{name} must be one of {', '.join(param.choices)}, not {value!r}"
            )
        return str(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidParameterError(f"{name} must be a str, not {type(value).__name__}")
    return _text(name, str(value))


_LIMITS: Final = {"items_per_page": MAX_ITEMS_PER_PAGE}
# The API documents dates with an offset and no time (YYYY-MM-DDT+hh:mm) besides date-times.
_DATE_WITH_OFFSET: Final = re.compile(r"(\d{4}-\d{2}-\d{2})T?([+-]\d{2}:\d{2}|Z)")


def _instant(name: str, value: object) -> dt.datetime | dt.date:
    """A datetime parameter: an aware datetime, a date, or ISO-8601 text of either."""
    if not isinstance(value, str):
        return value  # type: ignore[return-value]  # _since checks the type
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        match = _DATE_WITH_OFFSET.fullmatch(text)
        if match:
            day, offset = match.groups()
            text = f"{day}T00:00:00{offset}"
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidParameterError(
            f"{name} must be an ISO-8601 date or date-time such as 2025-01-31T12:00:00+00:00, "
            f"not {value!r}"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidParameterError(
            f"{name} {value!r} has no UTC offset; add one (e.g. +00:00 or Z)"
        )
    return parsed


def _day(name: str, value: object) -> object:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidParameterError(
                f"{name} must be a date such as 2025-01-31, not {value!r}"
            ) from None
    return value


def render_open_params(given: Mapping[str, object], place: str) -> dict[str, str]:
    """
    Render the parameters of a call on a path the spec does not model (``client.collection``).

    Names are passed through; values are rendered by their Python type: booleans as
    ``true``/``false``, aware datetimes and dates in the API's formats, lists comma-joined,
    ``None`` left out.

    Raises:
        InvalidParameterError: a value of a type no query parameter can carry.
    """
    params: dict[str, str] = {}
    for name, value in given.items():
        if value is None:
            continue
        if isinstance(value, bool):
            params[name] = "true" if value else "false"
        elif isinstance(value, dt.datetime):
            params[name] = _since(name, value)
        elif isinstance(value, dt.date):
            params[name] = _date(name, value)
        elif isinstance(value, str | int | float):
            params[name] = _text(name, str(value))
        elif isinstance(value, Sequence):
            params[name] = _attributes(list(value))
        else:
            raise InvalidParameterError(
                f"{place}: parameter {name} cannot be a {type(value).__name__}"
            )
    return params
