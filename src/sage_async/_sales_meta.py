"""
Sales Management sub-resources, meta endpoints and custom value lists.

- Sub-resources (``GET /users/{id}/roles``, ``GET /users/scores``, ``GET /calls/phone/{n}``...)
  are declared on their parent collection in the spec (``x-sage-resource.related``) and reached
  with :meth:`SalesResource.related <sage_async.SalesResource.related>`; this module builds their
  paths.
- ``GET /resources`` (the API's own index) and ``GET /{resource}/schema`` (a JSON-schema-like
  field description whose shape varies per resource, so it stays a dict).
- Custom value lists (sales FACTS "Custom value lists"): ``GET /list``, ``POST /list``,
  ``GET /list/{databaseName}`` (rows with Spanish column names, kept as dicts) and
  ``GET /list/{databaseName}/schema``, as :class:`ValueLists` (``client.value_lists``).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from ._errors import InvalidParameterError, UsageError
from ._request import item_path
from ._resource import SALES_MAX_PAGE_SIZE, check_page_size
from ._resource_spec import Related, ResourceSpec
from ._types import Model
from .filters import Order, Where, sales_params
from .filters._sales import Language


if TYPE_CHECKING:
    from ._client import BaseClient
    from .models.sales import CreatedResponse, ValueList, ValueListWrite


__all__ = ["ValueLists", "find_related", "related_path"]


def find_related(spec: ResourceSpec, name: str) -> Related:
    """
    Return the sub-resource ``name`` of a collection.

    Raises:
        UsageError: the collection has no sub-resource of that name (the message lists the
            names it has).
    """
    found = spec.sub_resource(name)
    if found is None:
        names = ", ".join(repr(r.name) for r in spec.related) or "none"
        raise UsageError(f"{spec.name} has no related list {name!r} (it has: {names})")
    return found


def related_path(spec: ResourceSpec, entry: Related, key: int | str | None, item: str) -> str:
    """
    Return the path of a sub-resource: the key fills the ``{placeholder}`` segment.

    Args:
        spec: the parent collection.
        entry: the sub-resource.
        key: the key (``None`` for a path without a placeholder).
        item: the parent's checked item path for ``key`` when the placeholder is the record id
            (``/users/7``), else unused.

    Raises:
        InvalidParameterError: a key for a path that takes none, or none for one that does.
    """
    if not entry.keyed:
        if key is not None:
            raise InvalidParameterError(f"{spec.name}.related({entry.name!r}) takes no key")
        return f"{spec.path}/{entry.path}"
    head, _, tail = entry.path.partition("}")
    prefix, _, placeholder = head.partition("{")
    if key is None:
        raise InvalidParameterError(
            f"{spec.name}.related({entry.name!r}) needs a key (the {placeholder})"
        )
    if placeholder == "id":
        return item + tail  # the parent's own record id, checked like get()
    if type(key) not in (str, int):
        raise InvalidParameterError(
            f"{spec.name}.related({entry.name!r}) key must be a str or int, not "
            f"{type(key).__name__}"
        )
    return item_path(f"{spec.path}/{prefix.strip('/')}", key) + tail


class ValueLists:
    """
    The tenant's custom value lists (``client.value_lists``): ``GET/POST /list`` and friends.

    Rows of a list use Spanish column names (``descripcion``, ``descripcion_en``..., ``borrado``,
    ``UserCreado``...) whose full set is not documented: they are returned as dicts.
    """

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    @overload
    async def list(self, *, raw: Literal[False] = False) -> builtins.list[ValueList]: ...
    @overload
    async def list(self, *, raw: Literal[True]) -> builtins.list[dict[str, Any]]: ...
    async def list(self, *, raw: bool = False) -> builtins.list[Any]:
        """
        Return the custom value lists (``GET /list``).

        Args:
            raw: return dicts instead of :class:`~sage_async.models.sales.ValueList` models.
        """
        data = await self._client.request("GET", "/list", expect="array")
        if raw:
            return list(data)
        from .models.sales import ValueList

        return self._client.converter.structure_list(data, ValueList)

    async def rows(
        self,
        database_name: str,
        *,
        page: int = 0,
        page_size: int = 50,
        where: Where | str | None = None,
        order: Order | str | None = None,
        lang: Language | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """
        Return one page of the rows of a custom value list (``GET /list/{databaseName}``).

        Args:
            database_name: the list's table name (``Z_tblSources``), from :meth:`list`.
            page: the page number, from 0.
            page_size: rows per page, 1 to 300 (sent as ``count`` and ``X-FM-Entity-Count``).
            where: a filter on the row columns (raw text is parsed first; the column set is
                not known, so names are not checked).
            order: the column to sort by.
            lang: the language of descriptions.

        Raises:
            InvalidParameterError: an empty name, a bad page or page size.
            InvalidFilterError: malformed raw ``where``/``order``.
        """
        size = check_page_size(page_size, SALES_MAX_PAGE_SIZE)
        params = sales_params(page=page, where=where, order=order, lang=lang)
        data = await self._client.request(
            "GET", _list_path(database_name), params=params,
            headers={"Count": str(size), "X-FM-Entity-Count": str(size)},
            where=params.get("where"), order=params.get("order"), expect="array",
        )  # fmt: skip
        return list(data)

    async def schema(self, database_name: str) -> dict[str, Any]:
        """Return the field description of a custom value list (``GET /list/{name}/schema``)."""
        data = await self._client.request(
            "GET", _list_path(database_name) + "/schema", expect="object"
        )
        return dict(data)

    @overload
    async def create(
        self, data: ValueListWrite | Mapping[str, Any], *, raw: Literal[False] = False
    ) -> CreatedResponse: ...
    @overload
    async def create(
        self, data: ValueListWrite | Mapping[str, Any], *, raw: Literal[True]
    ) -> dict[str, Any]: ...
    async def create(self, data: ValueListWrite | Mapping[str, Any], *, raw: bool = False) -> Any:
        """
        Create a custom value list (``POST /list``).

        Args:
            data: a :class:`~sage_async.models.sales.ValueListWrite` or a mapping of wire names
                (``databaseName`` is required).
            raw: return the decoded JSON instead of a model.
        """
        if isinstance(data, Model):
            body = self._client.converter.unstructure(data)
        elif isinstance(data, Mapping):
            body = dict(data)
        else:
            raise InvalidParameterError(
                f"value_lists.create() takes a model or a mapping, not {type(data).__name__}"
            )
        answer = await self._client.request("POST", "/list", json=body, expect="object")
        if raw:
            return answer
        from .models.sales import CreatedResponse

        return self._client.converter.structure(answer, CreatedResponse)


def _list_path(database_name: str) -> str:
    if not isinstance(database_name, str):
        raise InvalidParameterError(
            f"a value list is named by a str, not {type(database_name).__name__}"
        )
    return item_path("/list", database_name)
