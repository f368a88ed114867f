"""
The Sales Management v4 routes of the sandbox (base ``/sales/api/v4``).

Behaviour, with the sales FACTS section each comes from:

- ``POST /login`` ``{"username": public key, "password": private key}`` → ``{"token": ...}``
  ("Authentication"); wrong keys → 401. Every other route needs ``X-Session-Key`` (checked by
  the server middleware; 401 without it or once the session expired).
- Lists ("Listing"): a bare JSON array; ``page`` is 0-based; the page size is read from the
  ``count`` or the ``X-FM-Entity-Count`` request header (both accepted, header names are
  case-insensitive, ``count`` wins when both are sent), default 50. Sizes above the maximum of
  300 are **clamped** to 300 (the facts only show clients asking for 300); a size or page that
  is not a non-negative integer (size: positive) → 400. Past the end → ``[]``. Soft-deleted rows
  are included with ``deleted: true`` and ``dateDeleted`` ("Soft delete").
- ``where`` is parsed with :func:`sage_async.filters.parse` and evaluated with
  :func:`~sage_async.filters.compile_predicate`; a malformed filter or an unknown field → error
  901 (HTTP 400). ``order=<field>`` sorts **descending** ("most recent first", the vendor's
  wording); ``<field> ASC``/``<field> DESC`` (parsed by :func:`~sage_async.filters.parse_order`)
  choose explicitly; ties keep ascending ``id`` order; NULLs sort lowest. Without ``order`` rows
  come in ascending ``id`` order. ``lang`` is accepted (labels are not translated).
- ``GET/PUT/DELETE /{resource}/{id}`` on an unknown id → error 910 with HTTP 400 ("Errors").
  ``GET`` of a soft-deleted row still returns it; ``PUT``/``DELETE`` of one → 910.
- ``POST`` → ``{"Message": "entity created", "id": n}``; ``PUT`` is a partial update →
  ``{"Message": "entity updated"}``; ``DELETE`` soft-deletes → ``{"Message": "entity deleted"}``
  ("Write responses"). Lookups are written as integer ids and read back as ``{id, value}``.
  Missing required fields (from the write model) → 400. Written fields the read model lacks
  are dropped, except ``Z_`` custom fields, which are kept and read back as top-level keys.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from aiohttp import web

from sage_async import _json
from sage_async._converter import _field_infos
from sage_async._errors import SageError
from sage_async.filters import (
    And,
    Comparison,
    Not,
    NullCheck,
    Or,
    Where,
    compile_predicate,
    parse,
    parse_order,
)
from sage_async.testing._http import (
    json_bytes,
    json_response,
    sales_code_error,
    sales_http_error,
)
from sage_async.testing._state import STATE, TENANT
from sage_async.testing._store import Collection


__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "routes", "serve_list"]

DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 300
BASE: Final = "/sales/api/v4"


def routes() -> list[web.RouteDef]:
    """
    Return the Sales routes: the meta and sub-resource routes first (aiohttp matches in
    registration order, and ``/users/scores`` must not reach ``/{resource}/{id}``).
    """
    from sage_async.models.sales import RESOURCES
    from sage_async.testing import _sales_meta

    # Collections whose path has a slash (``activity/points``): one regex segment each.
    nested = [
        f"{{resource:{re.escape(spec.path.strip('/'))}}}"
        for spec in RESOURCES.values()
        if "/" in spec.path.strip("/")
    ]
    return [
        web.post(f"{BASE}/login", login),
        *_sales_meta.routes(BASE),
        *(r for p in nested for r in _item_routes(p)),
        *_item_routes("{resource}"),
    ]


def _item_routes(resource: str) -> list[web.RouteDef]:
    return [
        web.get(f"{BASE}/{resource}", list_records),
        web.post(f"{BASE}/{resource}", create),
        web.get(f"{BASE}/{resource}/{{id}}", get_record),
        web.put(f"{BASE}/{resource}/{{id}}", update),
        web.delete(f"{BASE}/{resource}/{{id}}", delete),
    ]


async def login(request: web.Request) -> web.Response:
    """``POST /login``: exchange the key pair for a session token."""
    state = request.app[STATE]
    try:
        body = _json.loads(await request.read())
    except ValueError:
        return sales_http_error(400, "The body is not valid JSON")
    creds = (
        state.sales_login(body.get("username"), body.get("password"))
        if isinstance(body, dict)
        else None
    )
    if creds is None:
        return sales_http_error(401, "Invalid credentials")
    request[TENANT] = creds.label
    return json_response({"token": state.tokens.new_session(creds.label)})


def _collection(request: web.Request, operation: str) -> Collection | web.Response:
    state = request.app[STATE]
    spec = state.sales_by_path.get(request.match_info["resource"])
    if spec is None:
        return sales_http_error(404, "No such resource")
    if not spec.supports(operation):  # type: ignore[arg-type]
        return sales_http_error(405)
    return state.sales_for(request.get(TENANT))[spec.name]


def _int_param(text: str | None, default: int, minimum: int) -> int | None:
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= minimum else None


async def list_records(request: web.Request) -> web.Response:
    """``GET /{resource}``: one page as a bare JSON array."""
    col = _collection(request, "list")
    if isinstance(col, web.Response):
        return col
    return serve_list(request, col, ("sales", request.get(TENANT), col.spec.name))


def serve_list(request: web.Request, col: Collection, tag: tuple[Any, ...]) -> web.Response:
    """
    Answer one page of ``col`` for the request's ``page``, page-size headers, ``where`` and
    ``order`` (the rules of the module docstring); ``tag`` names the collection in the cache.
    """
    state = request.app[STATE]
    query = request.query
    page = _int_param(query.get("page"), 0, 0)
    raw_size = request.headers.get("count") or request.headers.get("X-FM-Entity-Count")
    size = _int_param(raw_size, DEFAULT_PAGE_SIZE, 1)
    if page is None or size is None:
        return sales_http_error(400, "page and the page size must be non-negative integers")
    size = min(size, MAX_PAGE_SIZE)
    where, order = query.get("where") or None, query.get("order") or None
    key = (*tag, col.version, page, size, where, order)
    cached = state.cache.get(key)
    if cached is not None:
        return json_bytes(cached)
    start = page * size
    by_id = _id_order(order) if where is None else None
    if where is None and order is None:
        rows = [col.get(i) for i in range(start, min(start + size, col.total))]
    elif by_id is not None:
        # Ids grow with the index (``i + 1``, creations appended), so sorting by id is a range:
        # no index over the whole collection, whatever its size.
        last = col.total - 1
        span = (
            range(start, min(start + size, col.total))
            if by_id == "asc"
            else range(last - start, max(last - start - size, -1), -1)
        )
        rows = [col.get(i) for i in span]
    else:
        try:
            indices = col.cached_index(("where", where, order), _selector(col, where, order))
        except SageError as exc:
            return sales_code_error(901, f"The SQL is not generated correctly: {exc}")
        rows = [col.get(i) for i in indices[start : start + size]]
    body = _json.dumps(rows)
    state.cache.put(key, body)
    return json_bytes(body)


def _fields_of(expr: Where) -> set[str]:
    if isinstance(expr, Comparison | NullCheck):
        return {expr.field}
    if isinstance(expr, Not):
        return _fields_of(expr.operand)
    if isinstance(expr, And | Or):
        return set().union(*(_fields_of(o) for o in expr.operands))
    return set()  # pragma: no cover - every node is above


def _instant(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC).timestamp()
    return moment.timestamp()


def _since(expr: Where) -> float | None:
    """The earliest update time a matching record can have, when ``expr`` implies one."""
    if isinstance(expr, Comparison):
        if expr.field in ("dateUpdated", "dateCreated") and expr.op in (">", ">="):
            return _instant(expr.value.text)
        return None
    if isinstance(expr, And):
        bounds = [b for b in map(_since, expr.operands) if b is not None]
        return max(bounds) if bounds else None
    if isinstance(expr, Or):
        found = [_since(o) for o in expr.operands]
        bounds = [b for b in found if b is not None]
        return min(bounds) if len(bounds) == len(found) else None
    return None


def _sort_key(kind: str, wire: str) -> Callable[[Mapping[str, Any]], tuple[int, Any]]:
    def key(record: Mapping[str, Any]) -> tuple[int, Any]:
        value = record.get(wire)
        if value is None:
            return (0, 0)
        if isinstance(value, dict):
            value = value.get("id")
        elif kind == "datetime" and isinstance(value, str):
            value = _instant(value) or 0.0
        elif isinstance(value, str):
            value = value.casefold()
        return (1, value)

    return key


def _id_order(order: str | None) -> str | None:
    """``"asc"``/``"desc"`` when ``order`` sorts by ``id`` alone, else ``None``."""
    if order is None:
        return None
    try:
        sort = parse_order(order)
    except SageError:
        return None  # the general path answers 901
    if sort.field != "id":
        return None
    return "asc" if sort.direction == "asc" else "desc"


def _selector(col: Collection, where: str | None, order: str | None) -> Callable[[], array[int]]:
    """Validate ``where``/``order`` now (raising for 901); return the index-list builder."""
    expr = parse(where) if where is not None else None
    if expr is not None:
        unknown = {f for f in _fields_of(expr) if f not in col.wires and not f.startswith("Z_")}
        if unknown:
            raise SageError(f"unknown field(s) {sorted(unknown)}")
    sort = parse_order(order) if order is not None else None
    if sort is not None and sort.field not in col.wires:
        raise SageError(f"unknown order field {sort.field!r}")

    def build() -> array[int]:
        predicate = compile_predicate(expr) if expr is not None else None
        since = _since(expr) if expr is not None else None
        keep: list[tuple[int, Mapping[str, Any]]] = []
        for i in col.candidates(since):
            record = col.get(i)
            if record is not None and (predicate is None or predicate(record)):
                keep.append((i, record if sort is not None else {}))
        if sort is not None:
            key = _sort_key(col.kinds.get(sort.field, "str"), sort.field)
            keep.sort(key=lambda pair: key(pair[1]), reverse=sort.direction != "asc")
        return array("q", (i for i, _ in keep))

    return build


def _record_index(request: web.Request, col: Collection, *, live: bool) -> int | None:
    i = col.index_of(request.match_info["id"])
    if i is None:
        return None
    if live and (col.get(i) or {}).get("deleted") is True:
        return None
    return i


async def get_record(request: web.Request) -> web.Response:
    """``GET /{resource}/{id}``: one record, or 910."""
    col = _collection(request, "get")
    if isinstance(col, web.Response):
        return col
    i = _record_index(request, col, live=False)
    if i is None:
        return sales_code_error(910)
    return json_response(col.get(i))


async def _body(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        body = _json.loads(await request.read())
    except ValueError:
        return sales_http_error(400, "The body is not valid JSON")
    if not isinstance(body, dict):
        return sales_http_error(400, "The body must be a JSON object")
    return body


def _to_read(request: web.Request, col: Collection, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Turn written fields into read fields: integer lookups become ``{id, value}``."""
    data = request.app[STATE].sales_for(request.get(TENANT))
    out: dict[str, Any] = {}
    lookups = {
        info.wire
        for info in _field_infos(col.spec.model)
        if info.kind == "model" and {i.wire for i in _field_infos(info.target)} == {"id", "value"}
    }
    for wire, value in fields.items():
        if wire in ("id", "deleted", "dateCreated", "dateUpdated", "dateDeleted"):
            continue
        if wire not in col.wires and not wire.startswith("Z_"):
            continue  # write-only fields (e.g. a contact's branchId) are not read back
        if wire in lookups and isinstance(value, int) and not isinstance(value, bool):
            target = data.target_for(col.spec.name, wire)
            if target is not None and 1 <= value <= data[target].total:
                label = data.linked(target, value - 1)[1]
            else:
                label = f"{wire.removesuffix('Id')} {value}"
            out[wire] = {"id": value, "value": label}
        else:
            out[wire] = value
    return out


async def create(request: web.Request) -> web.Response:
    """``POST /{resource}``: create; ``{"Message": "entity created", "id": n}``."""
    col = _collection(request, "create")
    if isinstance(col, web.Response):
        return col
    body = await _body(request)
    if isinstance(body, web.Response):
        return body
    write = col.spec.write_model
    required = [i.wire for i in _field_infos(write) if i.required] if write else []
    missing = [wire for wire in required if body.get(wire) is None]
    if missing:
        return sales_http_error(400, f"Missing required field(s): {', '.join(missing)}")
    record = col.create(_to_read(request, col, body))
    return json_response({"Message": "entity created", "id": record["id"]})


async def update(request: web.Request) -> web.Response:
    """``PUT /{resource}/{id}``: partial update; ``{"Message": "entity updated"}``."""
    col = _collection(request, "update")
    if isinstance(col, web.Response):
        return col
    i = _record_index(request, col, live=True)
    if i is None:
        return sales_code_error(910)
    body = await _body(request)
    if isinstance(body, web.Response):
        return body
    col.update(i, _to_read(request, col, body))
    return json_response({"Message": "entity updated"})


async def delete(request: web.Request) -> web.Response:
    """``DELETE /{resource}/{id}``: soft delete; ``{"Message": "entity deleted"}``."""
    col = _collection(request, "delete")
    if isinstance(col, web.Response):
        return col
    i = _record_index(request, col, live=True)
    if i is None:
        return sales_code_error(910)
    col.delete(i)
    return json_response({"Message": "entity deleted"})
