"""
The Accounting v3.1 routes of the sandbox (base ``/accounting/v3.1``; the legacy v3 gateway
``/legacy/{region}/sageone/accounts/v3`` serves the same handlers).

Behaviour, with the accounting FACTS section each comes from (authentication, ``X-Business``
and the legacy subscription key are checked by the server middleware):

- Lists (section 4): ``{"$total", "$page", "$next", "$back", "$itemsPerPage", "$items"}``.
  ``$next``/``$back`` are paths relative to the API base carrying the original query
  (``/stock_items?page=3&items_per_page=25&attributes=all``), ``null`` at the ends. A page past
  the end answers the **last page again** (``$page`` is then the last page's number, ``$next``
  is ``null``). Parameters: see :mod:`sage_async.testing._acc_query`.
- ``GET /{resource}/{key}``: the full record; unknown or deleted → 404 ``RecordNotFound``.
- Writes (section 3): the body is wrapped in the singular key (``{"stock_item": {...}}``);
  references are written as ``<name>_id`` strings and read back as links; an unknown
  referenced id → 422 ``RecordInvalid`` "Couldn't find ..." (section 6). ``POST`` → 201 with the
  full record; missing required fields → 422, one error per field with ``$source``; ``PUT`` is
  partial → 200 with the record; ``DELETE`` → 204 (section 9), after which the record only
  shows up for ``deleted_since``. Voids and special actions: :mod:`._acc_actions`.
- Lists of a ``list_shape: array`` resource (``tax_determinations``) answer a bare array.
- ``/businesses`` (section 4): every business of the user, with the ``$items_per_page`` quirk
  (``2147483647``) instead of ``$itemsPerPage``; ``/businesses/lead``; ``/user``.
- Legacy gateway only: ``show_legacy_id=true`` adds the integer ``legacy_id`` (section 9).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlencode

from aiohttp import web

from sage_async import _json
from sage_async._converter import _field_infos
from sage_async.testing._acc_actions import perform_action, void
from sage_async.testing._acc_query import QueryError, parse_list_query, render_item, select
from sage_async.testing._http import accounting_error, accounting_errors, json_bytes, json_response
from sage_async.testing._state import BUSINESS, STATE, State
from sage_async.testing._store import Collection, Dataset


__all__ = ["BASE", "LEGACY_BASE", "REGIONS", "routes"]

BASE: Final = "/accounting/v3.1"
LEGACY_BASE: Final = "/legacy/{region}/sageone/accounts/v3"
REGIONS: Final = frozenset({"uki", "us", "ca", "de", "es", "fr"})
PROTECTED: Final = frozenset(
    {"id", "$path", "displayed_as", "created_at", "updated_at", "deleted_at"}
)
BUSINESSES_PER_PAGE: Final = 2147483647


def routes() -> list[web.RouteDef]:
    """Return the Accounting routes (v3.1 and the legacy gateway)."""
    out = []
    for base in (BASE, LEGACY_BASE):
        out += [
            web.get(f"{base}/businesses", list_businesses),
            web.get(f"{base}/businesses/lead", get_lead_business),
            web.get(f"{base}/{{resource}}", list_records),
            web.post(f"{base}/{{resource}}", create),
            web.get(f"{base}/{{resource}}/{{key}}", get_record),
            web.put(f"{base}/{{resource}}", update),
            web.put(f"{base}/{{resource}}/{{key}}", update),
            web.delete(f"{base}/{{resource}}/{{key}}", delete),
            web.get(f"{base}/{{resource}}/{{key}}/{{action}}", action),
            web.post(f"{base}/{{resource}}/{{key}}/{{action}}", action),
        ]
    return out


def _dataset(request: web.Request, name: str) -> Dataset:
    state = request.app[STATE]
    if name in ("businesses", "user"):
        return state.user
    return state.businesses[request[BUSINESS]]


def _collection(request: web.Request, operation: str) -> tuple[Dataset, Collection] | web.Response:
    state = request.app[STATE]
    spec = state.accounting_by_path.get(request.match_info["resource"])
    if spec is None:
        return accounting_error(404, "RecordNotFound", "No such resource")
    if not spec.supports(operation):  # type: ignore[arg-type]
        return accounting_error(405, "MethodNotAllowed", f"{operation} is not allowed here")
    dataset = _dataset(request, spec.name)
    return dataset, dataset[spec.name]


def _legacy_ids(request: web.Request) -> bool:
    return "region" in request.match_info and request.query.get("show_legacy_id") == "true"


def _link(path: str, page: int, per_page: int, query: Mapping[str, str]) -> str:
    rest = [(k, v) for k, v in query.items() if k not in ("page", "items_per_page")]
    return f"{path}?{urlencode([('page', page), ('items_per_page', per_page), *rest])}"


async def list_records(request: web.Request) -> web.Response:
    """``GET /{resource}``: one page in the ``$items`` envelope."""
    state = request.app[STATE]
    spec = state.accounting_by_path.get(request.match_info["resource"])
    if spec is not None and spec.singleton:
        return await get_record(request)
    found = _collection(request, "list")
    if isinstance(found, web.Response):
        return found
    _, col = found
    legacy = _legacy_ids(request)
    key = (
        "acc",
        request.get(BUSINESS),
        col.spec.name,
        col.version,
        legacy,
        tuple(request.query.items()),
    )
    cached = state.cache.get(key)
    if cached is not None:
        return json_bytes(cached)
    try:
        q = parse_list_query(request.query, col)
    except QueryError as exc:
        return accounting_error(422, "RecordInvalid", exc.message, exc.source)
    indices = select(col, q)
    total = col.live_count() if indices is None else len(indices)
    last = max(1, math.ceil(total / q.per_page))
    page = min(q.page, last)
    start = (page - 1) * q.per_page
    if indices is None:
        chosen: Any = col.live_range(start, q.per_page)
    else:
        chosen = indices[start : start + q.per_page]
    items = [render_item(col, i, q.attributes, legacy) for i in chosen]
    path = col.spec.path
    if col.spec.list_shape == "array":  # e.g. tax_determinations: a bare array, no envelope
        body = _json.dumps(items)
        state.cache.put(key, body)
        return json_bytes(body)
    body = _json.dumps(
        {
            "$total": total,
            "$page": page,
            "$next": _link(path, page + 1, q.per_page, request.query) if page < last else None,
            "$back": _link(path, page - 1, q.per_page, request.query) if page > 1 else None,
            "$itemsPerPage": q.per_page,
            "$items": items,
        }
    )
    state.cache.put(key, body)
    return json_bytes(body)


async def list_businesses(request: web.Request) -> web.Response:
    """``GET /businesses``: every business of the user, with ``$items_per_page``."""
    state = request.app[STATE]
    col = state.user["businesses"]
    attributes = request.query.get("attributes")
    wanted = None if not attributes else frozenset(a.strip() for a in attributes.split(","))
    items = [render_item(col, i, wanted, False) for i in range(col.total)]
    body = {
        "$total": len(items),
        "$page": 1,
        "$next": None,
        "$back": None,
        "$items_per_page": BUSINESSES_PER_PAGE,
        "$items": items,
    }
    return json_response(body)


async def get_lead_business(request: web.Request) -> web.Response:
    """``GET /businesses/lead``: the lead business."""
    return json_response(request.app[STATE].user["businesses"].get(0))


def _index(request: web.Request, col: Collection) -> int | None:
    if col.spec.singleton:
        return 0
    i = col.index_of(request.match_info.get("key", ""))
    return None if i is None or i in col.deleted else i


async def get_record(request: web.Request) -> web.Response:
    """``GET /{resource}/{key}``: the full record, or 404."""
    found = _collection(request, "get")
    if isinstance(found, web.Response):
        return found
    _, col = found
    i = _index(request, col)
    if i is None:
        return accounting_error(404, "RecordNotFound", "Record not found", "")
    record = col.get(i) or {}
    if _legacy_ids(request):
        record = {**record, "legacy_id": i + 1}
    return json_response(record)


async def _unwrap(request: web.Request, col: Collection) -> dict[str, Any] | web.Response:
    wrap = col.spec.wrap_key or ""
    try:
        body = _json.loads(await request.read())
    except ValueError:
        return accounting_error(400, "InvalidJSON", "The body is not valid JSON")
    inner = body.get(wrap) if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        return accounting_error(
            422, "RecordInvalid", f"The body must be {{{wrap!r}: {{...}}}}", wrap
        )
    return inner


def _to_read(
    dataset: Dataset, col: Collection, fields: Mapping[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Turn written fields into read fields: ``<name>_id`` strings become links."""
    errors: list[tuple[str, str, str]] = []
    out = _convert(dataset, col.spec.name, col.spec.model, fields, errors, "")
    for key in PROTECTED & out.keys():
        del out[key]
    if isinstance(out.get("name"), str):
        out["displayed_as"] = out["name"]
    return out, errors


def _convert(
    dataset: Dataset,
    owner: str,
    model: type,
    fields: Mapping[str, Any],
    errors: list[tuple[str, str, str]],
    prefix: str,
) -> dict[str, Any]:
    """Map one written object onto ``model`` (recursing into nested objects and lists)."""
    infos = {info.wire: info for info in _field_infos(model)}
    out: dict[str, Any] = {}
    for key, value in fields.items():
        link = infos.get(key[:-3]) if key.endswith("_id") else None
        info = infos.get(key)
        if link is not None and link.kind == "model":
            found = _reference(dataset, owner, link.wire, value)
            if found is False:
                errors.append(
                    ("RecordInvalid", f"Couldn't find {link.wire.replace('_', ' ')}.", prefix + key)
                )
            else:
                out[link.wire] = found
        elif info is None:
            continue  # write-only or unknown: not read back
        elif info.kind == "model" and isinstance(value, dict):
            out[key] = _convert(dataset, owner, info.target, value, errors, f"{prefix}{key}.")
        elif info.kind == "list" and info.target[0] == "model" and isinstance(value, list):
            out[key] = [
                _convert(dataset, owner, info.target[1], item, errors, f"{prefix}{key}.")
                if isinstance(item, dict)
                else item
                for item in value
            ]
        else:
            out[key] = value
    return out


def _reference(dataset: Dataset, owner: str, wire: str, value: Any) -> Any:
    """The link a ``<wire>_id`` value reads back as; ``False`` when it names no record."""
    if value is None:
        return None
    target = dataset.target_for(owner, wire)
    if target is None:
        return {"id": str(value), "displayed_as": str(value), "$path": f"/{wire}s/{value}"}
    tcol = dataset[target]
    j = tcol.index_of(str(value))
    if j is None or j in tcol.deleted:
        return False
    return tcol.summary(j)


def _respond(
    request: web.Request, col: Collection, record: Mapping[str, Any], status: int
) -> web.Response:
    return json_response(record, status)


async def create(request: web.Request) -> web.Response:
    """``POST /{resource}``: create from the wrapped body; 201 with the record."""
    found = _collection(request, "create")
    if isinstance(found, web.Response):
        return found
    dataset, col = found
    fields = await _unwrap(request, col)
    if isinstance(fields, web.Response):
        return fields
    write = col.spec.write_model
    required = [i.wire for i in _field_infos(write) if i.required] if write else []
    errors = [
        ("RecordInvalid", "This field is required.", w)
        for w in required
        if fields.get(w) in (None, "")
    ]
    read, bad = _to_read(dataset, col, fields)
    if errors or bad:
        return accounting_errors(422, errors + bad)
    return _respond(request, col, col.create(read), 201)


async def update(request: web.Request) -> web.Response:
    """``PUT /{resource}/{key}``: partial update from the wrapped body; 200 with the record."""
    found = _collection(request, "update")
    if isinstance(found, web.Response):
        return found
    dataset, col = found
    i = _index(request, col)
    if i is None:
        return accounting_error(404, "RecordNotFound", "Record not found")
    fields = await _unwrap(request, col)
    if isinstance(fields, web.Response):
        return fields
    read, bad = _to_read(dataset, col, fields)
    if bad:
        return accounting_errors(422, bad)
    return _respond(request, col, col.update(i, read), 200)


async def delete(request: web.Request) -> web.Response:
    """``DELETE /{resource}/{key}``: 204; the record moves to ``deleted_since``."""
    found = _collection(request, "delete")
    if isinstance(found, web.Response):
        return found
    _, col = found
    i = _index(request, col)
    if i is None:
        return accounting_error(404, "RecordNotFound", "Record not found")
    if col.spec.void:
        voided = void(request, col, i)
        if voided is not None:
            return voided
    col.delete(i)
    return web.Response(status=204)


async def action(request: web.Request) -> web.Response:
    """``GET|POST /{resource}/{key}/{action}``: a special action (release, reissue, ...)."""
    state = request.app[STATE]
    spec = state.accounting_by_path.get(request.match_info["resource"])
    if spec is None or spec.singleton:
        return accounting_error(404, "RecordNotFound", "No such resource")
    dataset = _dataset(request, spec.name)
    return await perform_action(request, dataset, dataset[spec.name])


def business_exists(state: State, business: str) -> bool:
    """Return whether ``business`` is one of the seeded businesses."""
    return business in state.businesses
