"""
Resources: ``client.accounts``, ``client.stock_items``, ... with get, list, create, update, delete.

A resource knows its paths and models from the generated resource table (``ResourceSpec``) and
sends everything through its client's request pipeline. Results are generated models, or the
decoded JSON with ``raw=True``. Writes take a model (only the fields that were set are sent) or a
mapping with wire names (sent as given).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Literal,
    Protocol,
    TypedDict,
    TypeVar,
    Unpack,
    overload,
)

from ._errors import InvalidParameterError, UsageError
from ._page import Page
from ._pagination import LatencyWindow, PageStream, RecordStream, record_id
from ._request import Params, item_path
from ._resource_spec import Operation, ResourceSpec
from ._types import Model
from .filters import Fields, Order, Where, accounting_params, sales_params
from .filters._sales import Language


if TYPE_CHECKING:
    from ._converter import Converter
    from ._throttle import RateGovernor
    from .models.sales import CreatedResponse, MessageResponse


__all__ = [
    "AccountingListParams",
    "AccountingResource",
    "Page",
    "Resource",
    "SalesListParams",
    "SalesResource",
]

M = TypeVar("M")
W = TypeVar("W")
#: The largest Sales page size the project documents (the API documents none; Odoo uses 300).
SALES_MAX_PAGE_SIZE = 300
#: Accounting's documented maximum ``items_per_page``.
ACCOUNTING_MAX_PAGE_SIZE = 200


class _Client(Protocol):
    converter: Converter
    max_concurrency: int

    @property
    def governor(self) -> RateGovernor: ...

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

    def _stream(
        self,
        fetch: Callable[[int], Awaitable[Page[M]]],
        *,
        first: int,
        size: int,
        known_end: bool,
        ordered: bool,
        concurrency: int | None,
        max_pages: int | None,
        skip: Iterable[int] = (),
    ) -> PageStream[M]:
        governor = self._client.governor
        cap = concurrency if concurrency is not None else self._client.max_concurrency
        if type(cap) is not int or cap < 1:
            raise InvalidParameterError(f"concurrency must be a positive int, not {cap!r}")
        window = LatencyWindow(
            governor.rate / governor.per, cap, lambda: governor.concurrency.limit
        )

        async def timed(number: int) -> Page[M]:
            started = time.monotonic()
            page = await fetch(number)
            window.observe(time.monotonic() - started)
            return page

        return PageStream(timed, first=first, page_size=size, window=window, name=self.name,
                          ordered=ordered, max_pages=max_pages, known_end=known_end,
                          skip=frozenset(skip))  # fmt: skip

    @overload
    async def get(self, key: str | int | None = None, *, raw: Literal[False] = False) -> M: ...
    @overload
    async def get(self, key: str | int | None = None, *, raw: Literal[True]) -> dict[str, Any]: ...
    async def get(self, key: str | int | None = None, *, raw: bool = False) -> Any:
        """
        Fetch one record by id (the key is percent-encoded into the path).

        Raises:
            ResourceNotFoundError: Sales 910 (no such record).
            NotFoundError: Accounting 404 / ``RecordNotFound``.
        """
        self._require("get")
        data = await self._client.request("GET", self._path(key))
        return self._decode(data, self.spec.model, raw)

    async def delete(self, key: str | int) -> None:
        """Delete one record (Sales soft-deletes; Accounting answers 204)."""
        self._require("delete")
        await self._client.request("DELETE", self._path(key))


class SalesListParams(TypedDict, total=False):
    """The filters of a Sales Management list call (see :meth:`SalesResource.list`)."""

    where: Where | str | None
    order: Order | str | None
    lang: Language | None


class AccountingListParams(TypedDict, total=False):
    """
    The query parameters of an Accounting list call; which ones a resource accepts is listed in
    ``resource.spec.list_params`` (others raise before any request).

    ``updated_or_created_since`` is inclusive of its timestamp; ``deleted_since`` is not (it
    lists records deleted after it). Without ``attributes`` the API returns summaries (``id``,
    ``displayed_as``, ``$path``); ``attributes="all"`` returns every field.
    """

    search: str | None
    updated_or_created_since: dt.datetime | dt.date | None
    deleted_since: dt.datetime | dt.date | None
    from_date: dt.date | None
    to_date: dt.date | None
    active: bool | None
    out_of_stock: bool | None
    below_reorder_level: bool | None
    show_legacy_id: bool | None
    attributes: Sequence[str] | Literal["all"] | None
    sort: tuple[str, Literal["asc", "desc"]] | str | None
    contact_id: str | None


class SalesResource(Resource[M, W]):
    """A Sales Management collection: 0-based pages, ``where``/``order`` filters."""

    @overload
    async def list(
        self,
        *,
        page: int = 0,
        page_size: int = 50,
        raw: Literal[False] = False,
        **filters: Unpack[SalesListParams],
    ) -> Page[M]: ...
    @overload
    async def list(
        self,
        *,
        page: int = 0,
        page_size: int = 50,
        raw: Literal[True],
        **filters: Unpack[SalesListParams],
    ) -> Page[dict[str, Any]]: ...
    async def list(
        self,
        *,
        page: int = 0,
        page_size: int = 50,
        raw: bool = False,
        **filters: Unpack[SalesListParams],
    ) -> Page[Any]:
        """
        Fetch one page (0-based; the default page size is the API's 50).

        Args:
            page: the page number, from 0.
            page_size: records per page, 1 to 300; sent as both ``count`` and
                ``X-FM-Entity-Count`` (which one the API honours is unverified).
            raw: return dicts instead of models.
            filters: ``where`` (a filter built with ``resource.fields``/``F``, or raw text that
                the parser checks first, so a malformed filter never costs a request),
                ``order`` (the field to sort by; the API sorts descending by it) and ``lang``.

        Raises:
            InvalidFilterError: malformed raw ``where``/``order``.
            UnknownFieldError: a filter names a field the resource does not have.
            InvalidQueryError: the API refused the filter (901).
        """
        self._require("list")
        params = self._params(page, filters)
        return await self.fetch_page(params, page_size=page_size, raw=raw)

    def _params(self, page: int, filters: SalesListParams) -> dict[str, str]:
        return sales_params(page=page, fields=self.fields, **filters)

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

    @overload
    def pages(
        self,
        *,
        page_size: int = SALES_MAX_PAGE_SIZE,
        raw: Literal[False] = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **filters: Unpack[SalesListParams],
    ) -> PageStream[M]: ...
    @overload
    def pages(
        self,
        *,
        page_size: int = SALES_MAX_PAGE_SIZE,
        raw: Literal[True],
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **filters: Unpack[SalesListParams],
    ) -> PageStream[dict[str, Any]]: ...
    @overload
    def pages(
        self,
        *,
        page_size: int = SALES_MAX_PAGE_SIZE,
        raw: bool,
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **filters: Unpack[SalesListParams],
    ) -> PageStream[Any]: ...
    def pages(
        self,
        *,
        page_size: int = SALES_MAX_PAGE_SIZE,
        raw: bool = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **filters: Unpack[SalesListParams],
    ) -> PageStream[Any]:
        """
        Stream every page of the collection, fetched concurrently, in page order.

        Pages are sorted by ``id`` unless ``order`` is given, so they stay stable while the
        collection changes. ``skip`` lists page numbers an interrupted run already completed.
        See :meth:`iterate` for the other arguments.
        """
        self._require("list")
        filters.setdefault("order", "id")
        base = self._params(0, filters)
        size = _page_size(page_size, SALES_MAX_PAGE_SIZE)

        async def fetch(number: int) -> Page[M]:
            return await self.fetch_page({**base, "page": str(number)}, page_size=size, raw=raw)

        return self._stream(fetch, first=0, size=size, known_end=False, ordered=ordered,
                            concurrency=concurrency, max_pages=max_pages, skip=skip)  # fmt: skip

    @overload
    def iterate(
        self,
        *,
        page_size: int = SALES_MAX_PAGE_SIZE,
        raw: Literal[False] = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_items: int | None = None,
        **filters: Unpack[SalesListParams],
    ) -> RecordStream[M]: ...
    @overload
    def iterate(
        self,
        *,
        page_size: int = SALES_MAX_PAGE_SIZE,
        raw: Literal[True],
        ordered: bool = True,
        concurrency: int | None = None,
        max_items: int | None = None,
        **filters: Unpack[SalesListParams],
    ) -> RecordStream[dict[str, Any]]: ...
    def iterate(
        self,
        *,
        page_size: int = SALES_MAX_PAGE_SIZE,
        raw: bool = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_items: int | None = None,
        **filters: Unpack[SalesListParams],
    ) -> RecordStream[Any]:
        """
        Stream every record of the collection (or of a filtered list), pages fetched concurrently.

        Args:
            page_size: records per page (default 300, the largest the project documents).
            raw: yield dicts straight from the JSON decoder instead of models.
            ordered: yield in page order (default) or page by page as pages complete.
            concurrency: the most pages in flight (default: sized from the rate and latency,
                at most the client's ``max_concurrency``).
            max_items: stop after this many records.
            filters: ``where``, ``order`` (default ``id``) and ``lang``, sent with every page.

        Returns:
            An async iterator; ``stats`` tells pages, duplicates dropped and cancellations.
            Breaking out of ``async for`` or ``await stream.aclose()`` cancels every page in flight.
        """
        max_pages = None if max_items is None else max(1, -(-max_items // page_size))
        stream = self.pages(page_size=page_size, raw=raw, ordered=ordered,
                            concurrency=concurrency, max_pages=max_pages, **filters)  # fmt: skip
        return RecordStream(stream, key=record_id, max_items=max_items)

    @overload
    async def create(
        self, data: W | Mapping[str, Any], *, raw: Literal[False] = False
    ) -> CreatedResponse: ...
    @overload
    async def create(
        self, data: W | Mapping[str, Any], *, raw: Literal[True]
    ) -> dict[str, Any]: ...
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

    @overload
    async def update(
        self, key: int | str, data: W | Mapping[str, Any], *, raw: Literal[False] = False
    ) -> MessageResponse: ...
    @overload
    async def update(
        self, key: int | str, data: W | Mapping[str, Any], *, raw: Literal[True]
    ) -> dict[str, Any]: ...
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

    @overload
    async def list(
        self,
        *,
        page: int = 1,
        items_per_page: int = 20,
        raw: Literal[False] = False,
        **params: Unpack[AccountingListParams],
    ) -> Page[M]: ...
    @overload
    async def list(
        self,
        *,
        page: int = 1,
        items_per_page: int = 20,
        raw: Literal[True],
        **params: Unpack[AccountingListParams],
    ) -> Page[dict[str, Any]]: ...
    async def list(
        self,
        *,
        page: int = 1,
        items_per_page: int = 20,
        raw: bool = False,
        **params: Unpack[AccountingListParams],
    ) -> Page[Any]:
        """
        Fetch one page (1-based; the API's default page size is 20, the maximum 200).

        Args:
            page: the page number, from 1.
            items_per_page: records per page, 1 to 200.
            raw: return dicts instead of models.
            params: the query parameters (see :class:`AccountingListParams`).

        Raises:
            InvalidParameterError: a parameter of the wrong type or value, or one this
                resource does not accept (checked before any request).
        """
        self._require("list")
        return await self.fetch_page(self._params(page, items_per_page, params), raw=raw)

    def _params(self, page: int, size: int, params: AccountingListParams) -> dict[str, str]:
        size = _page_size(size, ACCOUNTING_MAX_PAGE_SIZE)
        rendered = accounting_params(page=page, items_per_page=size, **params)
        unknown = sorted(set(rendered) - set(self.spec.list_params))
        if unknown and self.spec.list_params:
            raise InvalidParameterError(
                f"{self.name} does not accept {', '.join(unknown)} "
                f"(it accepts: {', '.join(self.spec.list_params)})"
            )
        if not self.spec.list_params:  # e.g. /businesses: no paging parameters at all
            rendered = {k: v for k, v in rendered.items() if k not in ("page", "items_per_page")}
        return rendered

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

    @overload
    def pages(
        self,
        *,
        items_per_page: int = ACCOUNTING_MAX_PAGE_SIZE,
        raw: Literal[False] = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **params: Unpack[AccountingListParams],
    ) -> PageStream[M]: ...
    @overload
    def pages(
        self,
        *,
        items_per_page: int = ACCOUNTING_MAX_PAGE_SIZE,
        raw: Literal[True],
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **params: Unpack[AccountingListParams],
    ) -> PageStream[dict[str, Any]]: ...
    @overload
    def pages(
        self,
        *,
        items_per_page: int = ACCOUNTING_MAX_PAGE_SIZE,
        raw: bool,
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **params: Unpack[AccountingListParams],
    ) -> PageStream[Any]: ...
    def pages(
        self,
        *,
        items_per_page: int = ACCOUNTING_MAX_PAGE_SIZE,
        raw: bool = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **params: Unpack[AccountingListParams],
    ) -> PageStream[Any]:
        """
        Stream every page: page 1 first (it tells ``$total``), then the rest concurrently.

        ``skip`` lists page numbers an interrupted run already completed. See :meth:`iterate`
        for the other arguments.
        """
        self._require("list")
        base = self._params(1, items_per_page, params)

        async def fetch(number: int) -> Page[M]:
            return await self.fetch_page({**base, "page": str(number)}, raw=raw)

        return self._stream(fetch, first=1, size=items_per_page, known_end=True, ordered=ordered,
                            concurrency=concurrency, max_pages=max_pages, skip=skip)  # fmt: skip

    @overload
    def iterate(
        self,
        *,
        items_per_page: int = ACCOUNTING_MAX_PAGE_SIZE,
        raw: Literal[False] = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_items: int | None = None,
        **params: Unpack[AccountingListParams],
    ) -> RecordStream[M]: ...
    @overload
    def iterate(
        self,
        *,
        items_per_page: int = ACCOUNTING_MAX_PAGE_SIZE,
        raw: Literal[True],
        ordered: bool = True,
        concurrency: int | None = None,
        max_items: int | None = None,
        **params: Unpack[AccountingListParams],
    ) -> RecordStream[dict[str, Any]]: ...
    def iterate(
        self,
        *,
        items_per_page: int = ACCOUNTING_MAX_PAGE_SIZE,
        raw: bool = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_items: int | None = None,
        **params: Unpack[AccountingListParams],
    ) -> RecordStream[Any]:
        """
        Stream every record of the collection, pages fetched concurrently after page 1.

        Args:
            items_per_page: records per page (default 200, the API's maximum).
            raw: yield dicts straight from the JSON decoder instead of models.
            ordered: yield in page order (default) or page by page as pages complete.
            concurrency: the most pages in flight (default: sized from the rate and latency).
            max_items: stop after this many records.
            params: the query parameters, sent with every page (:class:`AccountingListParams`).

        Returns:
            An async iterator; ``stats`` reports ``$total`` drift, duplicates and repeats.
        """
        max_pages = None if max_items is None else max(1, -(-max_items // items_per_page))
        stream = self.pages(items_per_page=items_per_page, raw=raw, ordered=ordered,
                            concurrency=concurrency, max_pages=max_pages, **params)  # fmt: skip
        return RecordStream(stream, key=record_id, max_items=max_items)

    @overload
    async def create(self, data: W | Mapping[str, Any], *, raw: Literal[False] = False) -> M: ...
    @overload
    async def create(
        self, data: W | Mapping[str, Any], *, raw: Literal[True]
    ) -> dict[str, Any]: ...
    async def create(self, data: W | Mapping[str, Any], *, raw: bool = False) -> Any:
        """Create a record (wrapped in its singular key, e.g. ``{"stock_item": ...}``)."""
        self._require("create")
        answer = await self._client.request("POST", self.spec.path, json=self._body(data))
        return self._decode(answer, self.spec.model, raw)

    @overload
    async def update(
        self, key: str | None, data: W | Mapping[str, Any], *, raw: Literal[False] = False
    ) -> M: ...
    @overload
    async def update(
        self, key: str | None, data: W | Mapping[str, Any], *, raw: Literal[True]
    ) -> dict[str, Any]: ...
    async def update(
        self, key: str | None, data: W | Mapping[str, Any], *, raw: bool = False
    ) -> Any:
        """Partially update a record (``key=None`` for singletons such as ``user``)."""
        self._require("update")
        answer = await self._client.request("PUT", self._path(key), json=self._body(data))
        return self._decode(answer, self.spec.model, raw)


def _page_size(value: int, maximum: int) -> int:
    if type(value) is not int or not 1 <= value <= maximum:  # bool is refused too
        raise InvalidParameterError(f"page size must be an int from 1 to {maximum}, not {value!r}")
    return value
