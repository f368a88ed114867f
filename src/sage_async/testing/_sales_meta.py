"""
The Sales sandbox's sub-resources, meta endpoints and custom value lists.

- Sub-resources (``x-sage-resource.related`` in the spec: ``/users/{id}/roles``,
  ``/users/scores``, ``/calls/phone/{phoneNumber}``...): each (sub-resource, key) pair is a
  small seeded collection of the sub-resource's model, built like every other collection from
  the model's fields, so ``where``/``order``/paging behave as on ``GET /{resource}``. A key
  in place of ``{id}`` must name a record of the parent (else 910); 1 to 5 rows per key.
- ``GET /resources``: the index, one row per collection of the resource table (``end_point``,
  ``schema``, ``operations``). ``GET /{resource}/schema``: ``{"properties": {...}}`` derived
  from the read model (``type``, ``format``, ``readOnly`` when the write model lacks the field,
  ``table`` for lookups).
- Custom value lists: ``GET /list`` (seeded from the ``ValueList`` model, ``databaseName``
  ``Z_tblList<n>``), ``POST /list`` (``databaseName`` required), ``GET /list/{databaseName}``
  (rows with the Spanish columns of the FACTS: ``descripcion``, ``descripcion_<lang>``,
  ``borrado``, ``UserCreado``; the full real set is unverified) and
  ``GET /list/{databaseName}/schema``. Rows honour ``where``, ``order`` and paging.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from sage_async import _json
from sage_async._converter import _field_infos
from sage_async._errors import SageError
from sage_async._resource_spec import Related, ResourceSpec
from sage_async.filters import compile_predicate, parse, parse_order
from sage_async.testing import _words as w
from sage_async.testing._data import RecordFactory
from sage_async.testing._http import json_response, sales_code_error, sales_http_error
from sage_async.testing._state import STATE, State
from sage_async.testing._store import Collection, Dataset


__all__ = ["routes"]

UNKEYED_ROWS: Final = 12  # rows of a sub-resource without a key (/users/scores)
VALUE_LISTS: Final = 3  # seeded custom value lists
LIST_ROWS: Final = 8  # rows per custom value list
ROW_LANGS: Final = ("es", "en", "it", "de", "fr", "pt")
_JSON_TYPES: Final = {
    "int": "integer", "str": "string", "bool": "boolean", "float": "number",
    "decimal": "number", "datetime": "string", "date": "string", "list": "array",
    "model": "object", "any": "object",
}  # fmt: skip


def routes(base: str) -> list[web.RouteDef]:
    """The routes of this module, under the Sales ``base`` path (registered before the rest)."""
    from sage_async.models.sales import RESOURCES

    found = [
        web.get(f"{base}/resources", resource_index),
        web.get(f"{base}/list", value_lists),
        web.post(f"{base}/list", create_value_list),
        web.get(f"{base}/list/{{name}}/schema", value_list_schema),
        web.get(f"{base}/list/{{name}}", value_list_rows),
    ]
    for spec in RESOURCES.values():
        for entry in spec.related:
            path = f"{base}{spec.path}/{entry.path.replace('{id}', '{key}')}"
            path = path.replace("{phoneNumber}", "{key}")
            found.append(web.get(path, _related_handler(spec, entry)))
    # /{resource}/schema before /{resource}/{id}; collections with a slash in their path too.
    nested = [s.path.strip("/") for s in RESOURCES.values() if "/" in s.path.strip("/")]
    found += [web.get(f"{base}/{{resource:{p}}}/schema", resource_schema) for p in nested]
    found.append(web.get(f"{base}/{{resource}}/schema", resource_schema))
    return found


# --- sub-resources -----------------------------------------------------------------------------


class _Targets:
    """Resolve the references of a sub-resource's rows as its model's own collection would."""

    def __init__(self, data: Dataset, owner: str) -> None:
        self._data = data
        self._owner = owner

    def target_for(self, owner: str, wire: str) -> str | None:
        return self._data.target_for(self._owner, wire)

    def linked(self, resource: str, j: int) -> tuple[int | str, str, str]:
        return self._data.linked(resource, j)

    def size(self, resource: str) -> int:
        return self._data.size(resource)


def _related_collection(state: State, spec: ResourceSpec, entry: Related, key: str) -> Collection:
    """The seeded rows of sub-resource ``entry`` for ``key`` (built once, then kept)."""
    store: dict[tuple[str, str, str], Collection] = state.sales_meta
    found = store.get((spec.name, entry.name, key))
    if found is None:
        data = state.sales
        owner = next((s.name for s in data.resources.values() if s.model is entry.model), spec.name)
        path = f"{spec.path}/{entry.path}".replace("{id}", key).replace("{phoneNumber}", key)
        sub = ResourceSpec(
            name=f"{spec.name}.{entry.name}", path=path, model=entry.model, write_model=None,
            wrap_key=None, id_type="integer", operations=frozenset({"list"}),
        )  # fmt: skip
        size = UNKEYED_ROWS if not entry.keyed else 1 + w.stable_int(state.seed, path) % 5
        factory = RecordFactory("sales", sub, state.seed, f"sales:{path}", _Targets(data, owner))
        found = store[spec.name, entry.name, key] = Collection(factory, size, state.clock.now)
    return found


def _related_handler(spec: ResourceSpec, entry: Related) -> Any:
    async def handler(request: web.Request) -> web.Response:
        from sage_async.testing._sales import serve_list

        state = request.app[STATE]
        key = request.match_info.get("key", "")
        if "{id}" in entry.path and state.sales[spec.name].index_of(key) is None:
            return sales_code_error(910)
        col = _related_collection(state, spec, entry, key)
        return serve_list(request, col, ("sales", col.spec.name, key))

    handler.__doc__ = f"``GET {spec.path}/{entry.path}``: the rows of the sub-resource."
    return handler


# --- index and schemas -------------------------------------------------------------------------


async def resource_index(request: web.Request) -> web.Response:
    """``GET /resources``: every collection with its schema path and operations."""
    rows = []
    for spec in request.app[STATE].sales_resources.values():
        path = spec.path.strip("/")
        operations = {
            "create": spec.supports("create"),
            "read": spec.supports("list") or spec.supports("get"),
            "update": spec.supports("update"),
            "delete": spec.supports("delete"),
        }
        rows.append({"end_point": f"/v4/{path}", "schema": f"/v4/{path}/schema",
                     "operations": operations})  # fmt: skip
    return json_response(rows)


async def resource_schema(request: web.Request) -> web.Response:
    """``GET /{resource}/schema``: the field description derived from the models."""
    state = request.app[STATE]
    spec = state.sales_by_path.get(request.match_info["resource"])
    if spec is None:
        return sales_http_error(404, "No such resource")
    writable = {i.wire for i in _field_infos(spec.write_model)} if spec.write_model else set()
    properties: dict[str, Any] = {}
    for info in _field_infos(spec.model):
        prop: dict[str, Any] = {"type": _JSON_TYPES.get(info.kind, "string")}
        if info.kind in ("datetime", "date"):
            prop["format"] = "date-time" if info.kind == "datetime" else "date"
        if info.kind == "model" and {i.wire for i in _field_infos(info.target)} == {"id", "value"}:
            target = state.sales.target_for(spec.name, info.wire)
            prop = {"type": "integer", "table": state.sales.resources[target].path.strip("/")
                    if target else info.wire.removesuffix("Id")}  # fmt: skip
        prop["readOnly"] = info.wire not in writable
        properties[info.wire] = prop
    return json_response({"title": spec.model.__name__, "type": "object",
                          "properties": properties})  # fmt: skip


# --- custom value lists ------------------------------------------------------------------------


def _lists(state: State) -> Collection:
    store: dict[tuple[str, str, str], Collection] = state.sales_meta
    found = store.get(("list", "", ""))
    if found is None:
        from sage_async.models.sales import ValueList

        spec = ResourceSpec(name="list", path="/list", model=ValueList, write_model=None,
                            wrap_key=None, id_type="integer",
                            operations=frozenset({"list", "create"}))  # fmt: skip
        factory = RecordFactory("sales", spec, state.seed, "sales", state.sales)
        found = store["list", "", ""] = Collection(factory, VALUE_LISTS, state.clock.now)
    return found


def _list_rows(state: State) -> list[dict[str, Any]]:
    col = _lists(state)
    rows = []
    for i in range(col.total):
        row = dict(col.get(i) or {})
        if i < col.seeded:
            row["databaseName"] = f"Z_tblList{i + 1}"
        rows.append(row)
    return rows


async def value_lists(request: web.Request) -> web.Response:
    """``GET /list``: the custom value lists."""
    return json_response(_list_rows(request.app[STATE]))


async def create_value_list(request: web.Request) -> web.Response:
    """``POST /list``: create a custom value list (``databaseName`` required, unique)."""
    state = request.app[STATE]
    try:
        body = _json.loads(await request.read())
    except ValueError:
        return sales_http_error(400, "The body is not valid JSON")
    name = body.get("databaseName") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        return sales_http_error(400, "Missing required field(s): databaseName")
    if any(row.get("databaseName") == name for row in _list_rows(state)):
        return sales_http_error(400, f"The list {name} already exists")
    lists = _lists(state)
    lists.create({"databaseName": name, "description": body.get("description")})
    return json_response({"Message": "entity created", "id": lists.total})


def _rows_of(state: State, name: str) -> list[dict[str, Any]] | None:
    if not any(row.get("databaseName") == name for row in _list_rows(state)):
        return None
    rows = []
    for i in range(LIST_ROWS):
        rng = w.Rng(w.stable_int(state.seed, "list", name, i))
        label = f"{w.COMPANY_WORDS[int(rng.random() * len(w.COMPANY_WORDS))]} {i + 1}"
        row: dict[str, Any] = {"id": i + 1, "descripcion": label}
        row.update({f"descripcion_{lang}": f"{label} ({lang})" for lang in ROW_LANGS})
        row.update(borrado=rng.random() < 0.1, UserCreado=1 + int(rng.random() * 20))
        rows.append(row)
    return rows


async def value_list_rows(request: web.Request) -> web.Response:
    """``GET /list/{databaseName}``: one page of a list's rows (``where``/``order`` honoured)."""
    from sage_async.testing._sales import (
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
        _fields_of,
        _int_param,
        _sort_key,
    )

    state = request.app[STATE]
    rows = _rows_of(state, request.match_info["name"])
    if rows is None:
        return sales_code_error(910)
    query = request.query
    page = _int_param(query.get("page"), 0, 0)
    raw_size = request.headers.get("count") or request.headers.get("X-FM-Entity-Count")
    size = _int_param(raw_size, DEFAULT_PAGE_SIZE, 1)
    if page is None or size is None:
        return sales_http_error(400, "page and the page size must be non-negative integers")
    size = min(size, MAX_PAGE_SIZE)
    try:
        if query.get("where"):
            expr = parse(query["where"])
            unknown = sorted(_fields_of(expr) - set(rows[0]))
            if unknown:
                raise SageError(f"unknown field(s) {unknown}")
            predicate = compile_predicate(expr)
            rows = [row for row in rows if predicate(row)]
        if query.get("order"):
            sort = parse_order(query["order"])
            if rows and sort.field not in rows[0]:
                raise SageError(f"unknown order field {sort.field!r}")
            rows.sort(key=_sort_key("str", sort.field), reverse=sort.direction != "asc")
    except SageError as exc:
        return sales_code_error(901, f"The SQL is not generated correctly: {exc}")
    return json_response(rows[page * size : (page + 1) * size])


async def value_list_schema(request: web.Request) -> web.Response:
    """``GET /list/{databaseName}/schema``: the row columns of a custom value list."""
    rows = _rows_of(request.app[STATE], request.match_info["name"])
    if rows is None:
        return sales_code_error(910)
    kinds = {int: "integer", bool: "boolean", str: "string"}
    properties = {
        column: {"type": kinds[type(value)], "readOnly": column == "id"}
        for column, value in rows[0].items()
    }
    return json_response({"title": request.match_info["name"], "type": "object",
                          "properties": properties})  # fmt: skip
