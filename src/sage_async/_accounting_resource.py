"""Accounting resources: 1-based pages in a ``$items`` envelope, typed query parameters."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict, Unpack, overload

from ._errors import InvalidParameterError, UsageError
from ._lines import accounting_lines, lines_of
from ._page import Page
from ._pagination import PageStream, RecordStream, record_id
from ._request import item_path
from ._resource import ACCOUNTING_MAX_PAGE_SIZE, M, Resource, W, check_page_size
from ._sansio import Shape
from .filters._accounting import render_open_params, render_params


__all__ = ["AccountingListParams", "AccountingResource"]


class AccountingListParams(TypedDict, total=False):
    """
    The common query parameters of Accounting list and get calls; each resource accepts exactly
    the ones its spec declares (``resource.spec.list_params``/``get_params``), others raise
    :class:`~sage_async.InvalidParameterError` before any request, naming the resource and the
    close names. The client's typed resource attributes know each resource's own parameters.

    ``updated_or_created_since`` is inclusive of its timestamp; ``deleted_since`` is not (it
    lists records deleted after it). Both take an aware datetime, a date, or ISO-8601 text
    (``"2025-01-31T12:00:00+00:00"``, ``"2025-01-31"``). Without ``attributes`` the API returns
    summaries (``id``, ``displayed_as``, ``$path``); ``attributes="all"`` returns every field;
    a list or a comma string names some.
    """

    search: str | None
    updated_or_created_since: dt.datetime | dt.date | str | None
    deleted_since: dt.datetime | dt.date | str | None
    from_date: dt.date | str | None
    to_date: dt.date | str | None
    active: bool | None
    out_of_stock: bool | None
    below_reorder_level: bool | None
    show_legacy_id: bool | None
    attributes: Sequence[str] | str | None
    nested_attributes: Sequence[str] | str | None
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
        return await self.fetch_page(self._params("list", page, items_per_page, params), raw=raw)

    def _params(
        self, method: str, page: int, size: int, params: Mapping[str, Any]
    ) -> dict[str, str]:
        size = check_page_size(size, ACCOUNTING_MAX_PAGE_SIZE)
        place = f"{self.name}.{method}()"
        if self._open:  # client.collection(path): parameters the spec cannot know
            return render_open_params({**params, "page": page, "items_per_page": size}, place)
        paging = {"page": page, "items_per_page": size}
        given = {k: v for k, v in paging.items() if k in self.spec.list_params} | dict(params)
        return render_params(given, self.spec.list_params, self.spec.params, place=place)

    async def fetch_page(
        self, params: Mapping[str, str], *, raw: bool | Literal["bytes"]
    ) -> Page[M]:
        """
        Fetch the page described by already-rendered ``params`` (the paginator's entry);
        ``raw="bytes"``: each record as its JSON bytes (see :meth:`pages`).
        """
        # The shape is checked inside the retried attempt: an empty or cut 200 is retried.
        shape: Shape = "array" if self.spec.list_shape == "array" else "items"
        split = None
        if raw == "bytes":
            bare = shape == "array"
            split = functools.partial(accounting_lines, bare=bare)
        data = await self._client.request(
            "GET", self.spec.path, params=params, expect=shape, decode=split
        )
        if shape == "array" and not isinstance(data, dict):
            data = {"$items": data, "$next": None}  # e.g. tax_determinations: a bare array
        items = data["$items"]
        if raw == "bytes":
            items = lines_of(items)  # bytes already, unless the splitter declined the body
        elif not (raw or self._open):
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
        raw: Literal["bytes"],
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **params: Unpack[AccountingListParams],
    ) -> PageStream[bytes]: ...
    @overload
    def pages(
        self,
        *,
        items_per_page: int = ACCOUNTING_MAX_PAGE_SIZE,
        raw: bool | Literal["bytes"],
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
        raw: bool | Literal["bytes"] = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **params: Unpack[AccountingListParams],
    ) -> PageStream[Any]:
        """
        Stream every page: page 1 first (it tells ``$total``), then the rest concurrently.

        ``skip`` lists page numbers an interrupted run already completed. ``raw="bytes"`` gives
        each record as its JSON bytes as the API sent them (line breaks between tokens become
        spaces, so each is one line): for writers that store JSON, at a fraction of the cost of
        dicts. See :meth:`iterate` for the other arguments.
        """
        self._require("list")
        base = self._params("pages", 1, items_per_page, params)

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
        if not isinstance(raw, bool):  # pages(raw="bytes") has no record-level counterpart
            raise InvalidParameterError(
                f"iterate() takes raw=True or False, not {raw!r}; "
                "pages(raw='bytes') gives records as JSON bytes"
            )
        stream = self.pages(items_per_page=items_per_page, raw=raw, ordered=ordered,
                            concurrency=concurrency, max_pages=max_pages, **params)  # fmt: skip
        return RecordStream(stream, key=record_id, max_items=max_items)

    @overload
    async def get(
        self,
        key: str | None = None,
        *,
        raw: Literal[False] = False,
        **params: Unpack[AccountingListParams],
    ) -> M: ...
    @overload
    async def get(
        self, key: str | None = None, *, raw: Literal[True], **params: Unpack[AccountingListParams]
    ) -> dict[str, Any]: ...
    async def get(
        self, key: str | None = None, *, raw: bool = False, **params: Unpack[AccountingListParams]
    ) -> Any:
        """
        Fetch one record by key (``get()`` for singletons such as ``financial_settings``).

        Args:
            key: the record's id (percent-encoded into the path).
            raw: return the decoded JSON instead of a model.
            params: the get parameters the resource declares (``attributes``,
                ``nested_attributes``, ``show_payments_allocations``, ...).

        Raises:
            NotFoundError: 404 / ``RecordNotFound``.
            InvalidParameterError: a parameter the resource does not accept, or a bad value.
        """
        self._require("get")
        place = f"{self.name}.get()"
        if self._open:
            rendered = render_open_params(params, place)
        else:
            rendered = render_params(params, self.spec.get_params, self.spec.params, place=place)
        data = await self._client.request(
            "GET", self._path(key), params=rendered or None, expect="object"
        )
        return self._decode(data, self.spec.model, raw)

    @overload
    async def create(self, data: W | Mapping[str, Any], *, raw: Literal[False] = False) -> M: ...
    @overload
    async def create(
        self, data: W | Mapping[str, Any], *, raw: Literal[True]
    ) -> dict[str, Any]: ...
    async def create(self, data: W | Mapping[str, Any], *, raw: bool = False) -> Any:
        """Create a record (wrapped in its singular key, e.g. ``{"stock_item": ...}``)."""
        self._require("create")
        answer = await self._client.request(
            "POST", self.spec.path, json=self._body(data), expect="object"
        )
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
        """
        Partially update a record: only the fields set on ``data`` are sent.

        For singletons (``user``, ``financial_settings``, ...) pass ``None`` as the key.
        """
        self._require("update")
        answer = await self._client.request(
            "PUT", self._path(key), json=self._body(data), expect="object"
        )
        return self._decode(answer, self.spec.model, raw)

    async def delete(
        self, key: str | int, *, void_reason: str | None = None, raw: bool = False
    ) -> Any:
        """
        Delete a record; on voidable artefacts (``spec.void``: sales invoices, credit notes and
        corrective invoices) void it instead and return the voided record.

        Args:
            key: the record's id.
            void_reason: why the artefact is voided (required by the API unless it is a draft).
            raw: return the voided record as decoded JSON instead of a model.

        Returns:
            ``None``, or the voided record for voidable resources.

        Raises:
            UsageError: ``void_reason`` given for a resource that cannot be voided.
        """
        self._require("delete")
        if void_reason is not None and not (self.spec.void or self._open):
            raise UsageError(f"{self.name} records are deleted, not voided: drop void_reason")
        params = None
        if void_reason is not None:
            params = render_open_params({"void_reason": void_reason}, f"{self.name}.delete()")
        answer = await self._client.request("DELETE", self._path(key), params=params)
        if answer is None or not isinstance(answer, Mapping):
            return None
        return self._decode(answer, self.spec.model, raw)

    # --- special actions ----------------------------------------------------------------------

    async def release(self, key: str, *, raw: bool = False) -> Any:
        """Release a draft artefact (sales/purchase invoices, credit notes): ``POST /release``."""
        return await self._action("release", key, raw=raw)

    async def reissue(self, key: str, *, raw: bool = False) -> Any:
        """Reissue a journal (``POST /journals/{key}/reissue``); returns the new journal."""
        return await self._action("reissue", key, raw=raw)

    async def bank_feed(self, key: str, *, raw: bool = False) -> Any:
        """The bank feed of a bank account (``GET /bank_accounts/{key}/bank_feed``)."""
        return await self._action("bank_feed", key, raw=raw)

    async def _action(self, name: str, key: str, *, raw: bool) -> Any:
        action = self.spec.action(name)
        if action is None or action.returns is None:
            raise UsageError(f"{self.name} has no {name} action")
        path = item_path(self._path(key), name)
        answer = await self._client.request(action.method, path)
        return self._decode(answer, action.returns, raw)

    async def download(self, key: str) -> bytes:
        """
        Download a record's file (attachments: ``GET /attachments/{key}/file``) as bytes.

        Raises:
            UsageError: the resource has no file.
        """
        path = self._file_path(key)
        body: bytes = await self._client.request(
            "GET", path, headers={"Accept": "application/octet-stream"}, binary=True
        )
        return body

    async def download_stream(self, key: str, *, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        """
        Stream a record's file in chunks, for files too large to hold in memory::

            async for chunk in client.attachments.download_stream(key):
                out.write(chunk)

        The request is authenticated and rate-governed like any other; it is not retried once
        bytes have been delivered (call again to restart).
        """
        path = self._file_path(key)
        async for chunk in self._client.stream(
            "GET", path, headers={"Accept": "application/octet-stream"}, chunk_size=chunk_size
        ):
            yield chunk

    def _file_path(self, key: str) -> str:
        action = self.spec.action("file")
        if action is None and not self._open:
            raise UsageError(f"{self.name} records have no file to download")
        return item_path(self._path(key), "file")
