"""
Resources: ``client.accounts``, ``client.stock_items``, ... with get, list, create, update, delete.

A resource knows its paths and models from the generated resource table (``ResourceSpec``) and
sends everything through its client's request pipeline. Results are generated models, or the
decoded JSON with ``raw=True``. Writes take a model (only the fields that were set are sent) or a
mapping with wire names (sent as given).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

import attrs

from ._errors import InvalidParameterError, UsageError
from ._request import Params, item_path
from ._resource_spec import Operation, ResourceSpec
from ._types import Model
from .filters import Fields, Order, Where, accounting_params, sales_params
from .filters._sales import Language


if TYPE_CHECKING:
    from ._converter import Converter


__all__ = ["AccountingResource", "Page", "Resource", "SalesResource"]

M = TypeVar("M")
W = TypeVar("W")
#: The largest Sales page size the project documents (the API documents none; Odoo uses 300).
SALES_MAX_PAGE_SIZE = 300
#: Accounting's documented maximum ``items_per_page``.
ACCOUNTING_MAX_PAGE_SIZE = 200


class _Client(Protocol):
    converter: Converter

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = ...,
        json: Any = ...,
        headers: Mapping[str, str] | None = ...,
        where: str | None = ...,
        order: str | None = ...,
    ) -> Any: ...


@attrs.frozen
class Page(Generic[M]):
    """
    One page of a list call.

    Attributes:
        items: the records (models, or dicts with ``raw=True``).
        number: the page number as the API counts it (Sales 0-based, Accounting 1-based).
        size: the page size asked for.
        total: Accounting ``$total`` (Sales sends no total: ``None``).
        next: Accounting ``$next`` (a path), ``None`` on the last page.
        last: whether no page follows (Sales: fewer items than ``size``).
    """

    items: list[M]
    number: int
    size: int
    total: int | None = None
    next: str | None = None
    last: bool = False

    def __len__(self) -> int:
        return len(self.items)


class Resource(Generic[M, W]):
    """
    The operations one API collection shares, whichever the API.

    ``M`` is the read model (what GET returns) and ``W`` the write model (what create and
    update accept besides a mapping).
    """

    def __init__(self, client: _Client, spec: ResourceSpec) -> None:
        self._client = client
        self.spec = spec
        self._fields: Fields | None = None

    @property
    def name(self) -> str:
        """The resource's attribute name (``accounts``, ``stock_items``)."""
        return self.spec.name

    @property
    def model(self) -> type[M]:
        """The read model class."""
        return self.spec.model

    @property
    def fields(self) -> Fields:
        """The fields of the read model, for checked filters: ``resource.fields.date_updated``."""
        if self._fields is None:
            self._fields = Fields(self.spec.model)
        return self._fields

    def _require(self, operation: Operation) -> None:
        if not self.spec.supports(operation):
            allowed = ", ".join(sorted(self.spec.operations))
            raise UsageError(f"{self.name} does not support {operation} (it has: {allowed})")

    def _path(self, key: str | int | None) -> str:
        if self.spec.singleton or key is None:
            return self.spec.path
        if type(key) not in (str, int) or key == "":  # runtime check of untyped callers
            raise InvalidParameterError(f"{self.name} id must be a str or int, not {key!r}")
        return item_path(self.spec.path, key)

    def _decode(self, data: Any, cls: type[Any] | None, raw: bool) -> Any:
        if raw or cls is None or not isinstance(data, Mapping):
            return data
        return self._client.converter.structure(data, cls)

    def _body(self, data: W | Mapping[str, Any]) -> Any:
        if isinstance(data, Model):
            body = self._client.converter.unstructure(data)
        elif isinstance(data, Mapping):
            body = dict(data)
        else:
            raise InvalidParameterError(
                f"{self.name}: send a model or a mapping of wire names, not {type(data).__name__}"
            )
        return {self.spec.wrap_key: body} if self.spec.wrap_key else body

    async def get(self, key: str | int | None = None, *, raw: bool = False) -> M:
        """
        Fetch one record by id (the key is percent-encoded into the path).

        Raises:
            ResourceNotFoundError: Sales 910 (no such record).
            NotFoundError: Accounting 404 / ``RecordNotFound``.
        """
        self._require("get")
        data = await self._client.request("GET", self._path(key))
        return self._decode(data, self.spec.model, raw)  # type: ignore[no-any-return]

    async def delete(self, key: str | int) -> None:
        """Delete one record (Sales soft-deletes; Accounting answers 204)."""
        self._require("delete")
        await self._client.request("DELETE", self._path(key))


class SalesResource(Resource[M, W]):
    """A Sales Management collection: 0-based pages, ``where``/``order`` filters."""

    async def list(
        self,
        *,
        page: int = 0,
        page_size: int = 50,
        where: Where | str | None = None,
        order: Order | str | None = None,
        lang: Language | None = None,
        raw: bool = False,
    ) -> Page[M]:
        """
        Fetch one page (0-based; the default page size is the API's 50).

        Args:
            page: the page number, from 0.
            page_size: records per page, 1 to 300; sent as both ``count`` and
                ``X-FM-Entity-Count`` (which one the API honours is unverified).
            where: a filter built with ``resource.fields``/``F``, or raw text (checked by the
                parser first, so a malformed filter never costs a request).
            order: the field to sort by (the API sorts descending by it).
            lang: language of value-list descriptions.
            raw: return dicts instead of models.

        Raises:
            InvalidFilterError: malformed raw ``where``/``order``.
            UnknownFieldError: a filter names a field the resource does not have.
            InvalidQueryError: the API refused the filter (901).
        """
        self._require("list")
        params = sales_params(page=page, where=where, order=order, lang=lang, fields=self.fields)
        return await self.fetch_page(params, page_size=page_size, raw=raw)

    async def fetch_page(self, params: Mapping[str, str], *, page_size: int, raw: bool) -> Page[M]:
        """Fetch the page described by already-rendered ``params`` (the paginator's entry)."""
        size = _page_size(page_size, SALES_MAX_PAGE_SIZE)
        headers = {"Count": str(size), "X-FM-Entity-Count": str(size)}
        data = await self._client.request(
            "GET", self.spec.path, params=params, headers=headers,
            where=params.get("where"), order=params.get("order"),
        )  # fmt: skip
        if not isinstance(data, list):
            raise InvalidParameterError(f"{self.name}: expected a JSON array, got {type(data)}")
        items = data if raw else self._client.converter.structure_list(data, self.spec.model)
        number = int(params.get("page", 0))
        return Page(items=items, number=number, size=size, last=len(items) < size)

    async def create(self, data: W | Mapping[str, Any], *, raw: bool = False) -> Any:
        """
        Create a record; returns the API's answer ``{"Message": "entity created", "id": N}``.

        Args:
            data: the write model, or a mapping of wire names (lookups as plain integer ids).
            raw: return the decoded JSON instead of a model.
        """
        self._require("create")
        answer = await self._client.request("POST", self.spec.path, json=self._body(data))
        from .models.sales import CreatedResponse

        return self._decode(answer, CreatedResponse, raw)

    async def update(
        self, key: int | str, data: W | Mapping[str, Any], *, raw: bool = False
    ) -> Any:
        """Partially update a record: only the fields set on ``data`` are sent."""
        self._require("update")
        answer = await self._client.request("PUT", self._path(key), json=self._body(data))
        from .models.sales import MessageResponse

        return self._decode(answer, MessageResponse, raw)


class AccountingResource(Resource[M, W]):
    """An Accounting collection: 1-based pages in a ``$items`` envelope, typed query parameters."""

    async def list(
        self,
        *,
        page: int = 1,
        items_per_page: int = 20,
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
        raw: bool = False,
    ) -> Page[M]:
        """
        Fetch one page (1-based; the API's default page size is 20, the maximum 200).

        ``updated_or_created_since`` is inclusive of its timestamp; ``deleted_since`` is not.
        Without ``attributes`` the API returns summaries (``id``, ``displayed_as``, ``$path``).

        Raises:
            InvalidParameterError: a parameter of the wrong type or value, or one this
                resource does not accept (checked before any request).
        """
        self._require("list")
        params = accounting_params(
            page=page, items_per_page=_page_size(items_per_page, ACCOUNTING_MAX_PAGE_SIZE),
            search=search, updated_or_created_since=updated_or_created_since,
            deleted_since=deleted_since, from_date=from_date, to_date=to_date, active=active,
            out_of_stock=out_of_stock, below_reorder_level=below_reorder_level,
            show_legacy_id=show_legacy_id, attributes=attributes, sort=sort, contact_id=contact_id,
        )  # fmt: skip
        self.check_params(params)
        return await self.fetch_page(params, raw=raw)

    def check_params(self, params: Mapping[str, str]) -> None:
        """Refuse query parameters the resource's list operation does not declare."""
        unknown = sorted(set(params) - set(self.spec.list_params))
        if unknown and self.spec.list_params:
            raise InvalidParameterError(
                f"{self.name} does not accept {', '.join(unknown)} "
                f"(it accepts: {', '.join(self.spec.list_params)})"
            )

    async def fetch_page(self, params: Mapping[str, str], *, raw: bool) -> Page[M]:
        """Fetch the page described by already-rendered ``params`` (the paginator's entry)."""
        data = await self._client.request("GET", self.spec.path, params=params)
        if not isinstance(data, Mapping) or not isinstance(data.get("$items"), list):
            raise InvalidParameterError(f"{self.name}: expected an $items envelope")
        items = data["$items"]
        if not raw:
            items = self._client.converter.structure_list(items, self.spec.model)
        size = data.get("$itemsPerPage", data.get("$items_per_page", len(items)))
        return Page(
            items=items,
            number=int(data.get("$page", params.get("page", 1))),
            size=int(size),
            total=data.get("$total"),
            next=data.get("$next"),
            last=data.get("$next") is None,
        )

    async def create(self, data: W | Mapping[str, Any], *, raw: bool = False) -> M:
        """Create a record (wrapped in its singular key, e.g. ``{"stock_item": ...}``)."""
        self._require("create")
        answer = await self._client.request("POST", self.spec.path, json=self._body(data))
        return self._decode(answer, self.spec.model, raw)  # type: ignore[no-any-return]

    async def update(self, key: str | None, data: W | Mapping[str, Any], *, raw: bool = False) -> M:
        """Partially update a record (``key=None`` for singletons such as ``user``)."""
        self._require("update")
        answer = await self._client.request("PUT", self._path(key), json=self._body(data))
        return self._decode(answer, self.spec.model, raw)  # type: ignore[no-any-return]


def _page_size(value: int, maximum: int) -> int:
    if type(value) is not int or not 1 <= value <= maximum:  # bool is refused too
        raise InvalidParameterError(f"page size must be an int from 1 to {maximum}, not {value!r}")
    return value
