"""Accounting resources: 1-based pages in a ``$items`` envelope, typed query parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict, Unpack, overload

from ._errors import InvalidParameterError
from ._page import Page
from ._pagination import PageStream, RecordStream, record_id
from ._resource import ACCOUNTING_MAX_PAGE_SIZE, M, Resource, W, check_page_size
from .filters import accounting_params


__all__ = ["AccountingListParams", "AccountingResource"]


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
        size = check_page_size(size, ACCOUNTING_MAX_PAGE_SIZE)
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
        if self.spec.list_shape == "array" and isinstance(data, list):
            data = {"$items": data, "$next": None}  # e.g. tax_determinations: one bare array
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
