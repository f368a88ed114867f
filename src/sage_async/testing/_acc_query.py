"""
Accounting list parameters: parsing, validation and the selection of matching records.

Semantics (accounting FACTS sections 4 and 5), applied only for the parameters the resource's
list operation declares in ``openapi/accounting-v3.1.yaml`` (others are ignored, as Rails does):

- ``page`` (1-based, default 1) and ``items_per_page`` (default 20, 1 to 200); anything else →
  422 ``RecordInvalid`` naming the parameter in ``$source``.
- ``updated_or_created_since``: ``updated_at`` or ``created_at`` at or after the instant
  (**inclusive**); ``deleted_since``: records deleted strictly after the instant (**exclusive**)
  — and only those, with their ``deleted_at``. Instants: a date, ``YYYY-MM-DDT(+|-)hh:mm``, or a
  date-time with ``Z`` or an offset (a ``+`` decoded to a space by a sloppy client is repaired).
- ``search``: case-insensitive substring of ``displayed_as``, ``name``, ``item_code``,
  ``description``, ``reference``, ``contact_name``, ``email`` or ``invoice_number``.
- ``active``, ``out_of_stock`` (``quantity_in_stock <= 0``), ``below_reorder_level``
  (``quantity_in_stock < reorder_level``): ``true``/``false``.
- ``from_date``/``to_date``: inclusive bounds on the record's ``date``.
- ``<link>_id`` (``contact_id``, ``status_id``...): the record's ``<link>.id`` equals it;
  ``email``: equal, case-insensitive.
- ``sort=field`` or ``field:asc``/``field:desc`` (ascending by default); ties keep list order;
  an unknown field → 422.
- ``attributes``: summaries (``id``, ``displayed_as``, ``$path``) unless ``attributes`` names
  extra fields (comma list) or says ``all``.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs

from sage_async.testing._store import Collection


__all__ = ["QueryError", "ListQuery", "parse_list_query", "render_item", "select"]

MAX_ITEMS_PER_PAGE: Final = 200
DEFAULT_ITEMS_PER_PAGE: Final = 20
SEARCHED: Final = (
    "displayed_as",
    "name",
    "item_code",
    "description",
    "reference",
    "contact_name",
    "email",
    "invoice_number",
)
BOOLEANS: Final = ("active", "out_of_stock", "below_reorder_level")
_OFFSET_ONLY: Final = re.compile(r"(\d{4}-\d{2}-\d{2})T([+-]\d{2}:?\d{2})")
SUMMARY: Final = ("id", "displayed_as", "$path")


class QueryError(Exception):
    """A list parameter the API would refuse with 422; ``source`` names it."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(message)
        self.source = source
        self.message = message


@attrs.frozen
class ListQuery:
    """One validated Accounting list request."""

    page: int
    per_page: int
    attributes: frozenset[str] | None  # None: summaries; {"all"}: everything
    filters: tuple[tuple[str, Any], ...]
    sort: tuple[str, bool] | None  # (field, descending)


def _positive(query: Mapping[str, str], name: str, default: int, maximum: int | None) -> int:
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(name, f"{name} must be an integer") from None
    if value < 1 or (maximum is not None and value > maximum):
        bound = f"between 1 and {maximum}" if maximum else "at least 1"
        raise QueryError(name, f"{name} must be {bound}")
    return value


def parse_instant(name: str, text: str) -> float:
    """Parse an Accounting date or date-time parameter into a POSIX time (naive = UTC)."""
    text = text.strip().replace(" ", "+")
    match = _OFFSET_ONLY.fullmatch(text)
    if match:
        text = f"{match.group(1)}T00:00:00{match.group(2)}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(name, f"{name} is not a valid date or date-time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _date(name: str, text: str) -> str:
    try:
        return date.fromisoformat(text.strip()[:10]).isoformat()
    except ValueError:
        raise QueryError(name, f"{name} is not a valid date") from None


def _boolean(name: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise QueryError(name, f"{name} must be true or false")
    return lowered == "true"


def parse_list_query(query: Mapping[str, str], col: Collection) -> ListQuery:
    """
    Validate the query of a list request.

    Raises:
        QueryError: a parameter the API would refuse (sent as 422).
    """
    per_page = _positive(query, "items_per_page", DEFAULT_ITEMS_PER_PAGE, MAX_ITEMS_PER_PAGE)
    page = _positive(query, "page", 1, None)
    allowed = set(col.spec.list_params)
    attributes: frozenset[str] | None = None
    if query.get("attributes"):
        names = {a.strip() for a in query["attributes"].split(",") if a.strip()}
        attributes = frozenset({"all"} if "all" in names else names)
    filters: list[tuple[str, Any]] = []
    for name, text in query.items():
        if name not in allowed or text == "":
            continue
        if name in ("updated_or_created_since", "deleted_since"):
            filters.append((name, parse_instant(name, text)))
        elif name in BOOLEANS:
            filters.append((name, _boolean(name, text)))
        elif name in ("from_date", "to_date") and "date" in col.wires:
            filters.append((name, _date(name, text)))
        elif name == "search" or (name == "email" and "email" in col.wires):
            filters.append((name, text.casefold()))
        elif name.endswith("_id") and col.kinds.get(name[:-3]) == "model":
            filters.append((name, text))
    sort = None
    if query.get("sort") and "sort" in allowed:
        field, _, direction = query["sort"].partition(":")
        if field not in col.wires or direction.lower() not in ("", "asc", "desc"):
            raise QueryError("sort", f"cannot sort by {query['sort']!r}")
        sort = (field, direction.lower() == "desc")
    return ListQuery(page, per_page, attributes, tuple(sorted(filters)), sort)


def _check(name: str, value: Any) -> Callable[[Mapping[str, Any]], bool]:
    if name == "updated_or_created_since":
        return lambda r: _ts(r.get("updated_at")) >= value or _ts(r.get("created_at")) >= value
    if name == "search":
        return lambda r: any(
            isinstance(r.get(f), str) and value in r[f].casefold() for f in SEARCHED
        )
    if name == "active":
        return lambda r: bool(r.get("active")) is value
    if name == "out_of_stock":
        return lambda r: (_amount(r.get("quantity_in_stock")) <= 0) is value
    if name == "below_reorder_level":
        return lambda r: (
            (_amount(r.get("quantity_in_stock")) < _amount(r.get("reorder_level"))) is value
        )
    if name == "from_date":
        return lambda r: isinstance(r.get("date"), str) and r["date"] >= value
    if name == "to_date":
        return lambda r: isinstance(r.get("date"), str) and r["date"] <= value
    if name == "email":
        return lambda r: isinstance(r.get("email"), str) and r["email"].casefold() == value
    link = name[:-3]
    return lambda r: isinstance(r.get(link), dict) and r[link].get("id") == value


def _amount(value: Any) -> Decimal:
    """A money or quantity value as a Decimal: records carry JSON strings ("10.0") or numbers."""
    if isinstance(value, bool) or value is None:
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _ts(text: Any) -> float:
    if not isinstance(text, str):
        return float("-inf")
    return datetime.fromisoformat(text).timestamp()


def select(col: Collection, q: ListQuery) -> array[int] | None:
    """
    Return the indices of the matching records, or ``None`` for "every live record in order".

    Index lists are cached per (filters, sort, data version) on the collection.
    """
    if not q.filters and q.sort is None:
        return None

    def build() -> array[int]:
        filters = dict(q.filters)
        if "deleted_since" in filters:
            since = filters["deleted_since"]
            return array("q", sorted(i for i, ts in col.deleted.items() if ts > since))
        since = filters.get("updated_or_created_since")
        checks = [_check(name, value) for name, value in q.filters]
        keep: list[tuple[int, Any]] = []
        for i in col.candidates(since):
            if i in col.deleted:
                continue
            record = col.get(i)
            if record is not None and all(check(record) for check in checks):
                keep.append((i, _sort_value(record, q.sort[0], col.kinds) if q.sort else 0))
        if q.sort is not None:
            keep.sort(key=lambda pair: pair[1], reverse=q.sort[1])
        return array("q", (i for i, _ in keep))

    return col.cached_index(("list", q.filters, q.sort), build)


def _sort_value(record: Mapping[str, Any], field: str, kinds: Mapping[str, str]) -> tuple[int, Any]:
    value = record.get(field)
    if value is None:
        return (0, 0)
    if kinds.get(field) == "decimal":
        return (1, _amount(value))  # money strings sort by amount, not as text
    if isinstance(value, dict):
        value = str(value.get("displayed_as") or value.get("id") or "")
    if isinstance(value, str):
        value = value.casefold()
    return (1, value)


def render_item(
    col: Collection, i: int, attributes: frozenset[str] | None, legacy_id: bool
) -> dict[str, Any]:
    """Render list item ``i``: a summary, the summary plus asked attributes, or everything."""
    if attributes is None:
        item = col.summary(i)
    else:
        record = col.get(i) or {}
        if "all" in attributes:
            item = dict(record) if legacy_id else record
        else:
            item = {k: record[k] for k in record if k in SUMMARY or k in attributes}
    if legacy_id:
        item = dict(item)
        item["legacy_id"] = i + 1
    return item
