"""Sales Management resources: 0-based pages, bare arrays, ``where``/``order`` filters."""

from __future__ import annotations

import builtins
import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack, overload

from ._errors import InvalidParameterError, ResourceNotFoundError
from ._lines import lines_of, sales_lines
from ._page import Page
from ._pagination import PageStream, RecordStream, record_id
from ._resource import SALES_MAX_PAGE_SIZE, M, Resource, W, check_page_size
from ._sales_meta import find_related, related_path
from .filters import Fields, Order, Where, sales_params
from .filters._sales import Language


if TYPE_CHECKING:
    from .models.sales import CreatedResponse, MessageResponse


__all__ = ["SalesListParams", "SalesResource"]


class SalesListParams(TypedDict, total=False):
    """
    The filters of a Sales Management list call (see :meth:`SalesResource.list`).

    ``extra_field_descriptions=True`` also returns the descriptions of custom (``Z_``) fields
    (the ``ExtraFieldDescription: 1`` header).
    """

    where: Where | str | None
    order: Order | str | None
    lang: Language | None
    extra_field_descriptions: bool


_FILTERS = ("where", "order", "lang", "extra_field_descriptions")


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
        params = self._params("list", page, filters)
        return await self.fetch_page(params, page_size=page_size, raw=raw)

    def _params(
        self,
        method: str,
        page: int | None,
        filters: SalesListParams,
        fields: Fields | None = None,
    ) -> dict[str, str]:
        unknown = [name for name in filters if name not in _FILTERS]
        if unknown:
            close = difflib.get_close_matches(unknown[0], _FILTERS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InvalidParameterError(
                f"{self.name}.{method}() got an unexpected keyword argument {unknown[0]!r}{hint}"
            )
        given = dict(filters)
        extra = given.pop("extra_field_descriptions", False)
        if fields is None and not self._open:
            fields = self.fields
        params = sales_params(page=page, fields=fields, **given)  # type: ignore[arg-type]
        if _extra(bool(extra) if extra is not None else False):
            params["ExtraFieldDescription"] = "1"  # moved to a header by fetch_page
        return params

    async def fetch_page(
        self, params: Mapping[str, str], *, page_size: int, raw: bool | Literal["bytes"]
    ) -> Page[M]:
        """
        Fetch the page described by already-rendered ``params`` (the paginator's entry);
        ``raw="bytes"``: each record as its JSON bytes (see :meth:`pages`).
        """
        size = check_page_size(page_size, SALES_MAX_PAGE_SIZE)
        headers = {"Count": str(size), "X-FM-Entity-Count": str(size)}
        if "ExtraFieldDescription" in params:
            params = {k: v for k, v in params.items() if k != "ExtraFieldDescription"}
            headers["ExtraFieldDescription"] = "1"
        data = await self._client.request(
            "GET", self.spec.path, params=params, headers=headers,
            where=params.get("where"), order=params.get("order"), expect="array",
            decode=sales_lines if raw == "bytes" else None,
        )  # fmt: skip
        items = data
        if raw == "bytes":
            items = lines_of(items)  # bytes already, unless the splitter declined the body
        elif not (raw or self._open):
            items = self._client.converter.structure_list(data, self.spec.model)
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
        raw: Literal["bytes"],
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **filters: Unpack[SalesListParams],
    ) -> PageStream[bytes]: ...
    @overload
    def pages(
        self,
        *,
        page_size: int = SALES_MAX_PAGE_SIZE,
        raw: bool | Literal["bytes"],
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
        raw: bool | Literal["bytes"] = False,
        ordered: bool = True,
        concurrency: int | None = None,
        max_pages: int | None = None,
        skip: Iterable[int] = (),
        **filters: Unpack[SalesListParams],
    ) -> PageStream[Any]:
        """
        Stream every page of the collection, fetched concurrently, in page order.

        Pages are sorted by ``id`` unless ``order`` is given, so a change to the collection
        during the run only shifts the records after it by a place: an insert makes one of them
        reappear on the next page (the record stream drops such repeats), a delete can make one
        slip past unseen. ``skip`` lists page numbers an interrupted run already completed.
        ``raw="bytes"`` gives each record as its JSON bytes as the API sent them (line breaks
        between tokens become spaces, so each is one line): for writers that store JSON, at a
        fraction of the cost of dicts. See :meth:`iterate` for the other arguments.
        """
        self._require("list")
        filters.setdefault("order", "id")
        base = self._params("pages", 0, filters)
        size = check_page_size(page_size, SALES_MAX_PAGE_SIZE)

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
        if not isinstance(raw, bool):  # pages(raw="bytes") has no record-level counterpart
            raise InvalidParameterError(
                f"iterate() takes raw=True or False, not {raw!r}; "
                "pages(raw='bytes') gives records as JSON bytes"
            )
        stream = self.pages(page_size=page_size, raw=raw, ordered=ordered,
                            concurrency=concurrency, max_pages=max_pages, **filters)  # fmt: skip
        return RecordStream(stream, key=record_id, max_items=max_items)

    @overload
    async def get(
        self,
        key: int | str,
        *,
        raw: Literal[False] = False,
        lang: Language | None = None,
        extra_field_descriptions: bool = False,
    ) -> M: ...
    @overload
    async def get(
        self,
        key: int | str,
        *,
        raw: Literal[True],
        lang: Language | None = None,
        extra_field_descriptions: bool = False,
    ) -> dict[str, Any]: ...
    async def get(
        self,
        key: int | str,
        *,
        raw: bool = False,
        lang: Language | None = None,
        extra_field_descriptions: bool = False,
    ) -> Any:
        """
        Fetch one record by id.

        Args:
            key: the record's id.
            raw: return the decoded JSON instead of a model.
            lang: the language of value-list descriptions (en, es, pt, it, fr, de, ru).
            extra_field_descriptions: also return the descriptions of custom (``Z_``) fields
                (the ``ExtraFieldDescription: 1`` header).

        Raises:
            ResourceNotFoundError: Sales 910 (no such record).
        """
        self._require("get")
        params = sales_params(lang=lang)
        data = await self._client.request(
            "GET", self._path(key), params=params or None,
            headers=_extra(extra_field_descriptions), expect="object",
        )  # fmt: skip
        return self._decode(data, self.spec.model, raw)

    async def related(
        self,
        name: str,
        key: int | str | None = None,
        *,
        raw: bool = False,
        **filters: Unpack[SalesListParams],
    ) -> builtins.list[Any]:
        """
        Fetch a sub-resource of the collection: ``users.related("roles", 7)`` is
        ``GET /users/7/roles``, ``users.related("scores")`` is ``GET /users/scores``.

        Names (``spec.related``): users ``roles``, ``hierarchy``, ``scores``; roles ``users``;
        calls ``by_phone`` (key: a phone number); documents ``folders``; accounts ``documents``.

        Args:
            name: the sub-resource.
            key: the parent record's id (or the phone number), for paths that take one.
            raw: return dicts instead of models.
            filters: ``where``, ``order`` and ``lang`` as for :meth:`list`, checked against
                the sub-resource's own model.

        Returns:
            Every row of the answer (a bare JSON array; the sources show no paging).

        Raises:
            UsageError: the collection has no sub-resource ``name`` (the message lists them).
            InvalidParameterError: a key missing, superfluous or malformed.
        """
        entry = find_related(self.spec, name)
        item = self._path(key) if key is not None and "{id}" in entry.path else ""
        path = related_path(self.spec, entry, key, item)
        params = self._params(f"related({name!r})", None, filters, Fields(entry.model))
        headers = _extra(params.pop("ExtraFieldDescription", None) is not None)
        data = await self._client.request(
            "GET", path, params=params or None, headers=headers,
            where=params.get("where"), order=params.get("order"), expect="array",
        )  # fmt: skip
        if raw or self._open:
            return list(data)
        return self._client.converter.structure_list(data, entry.model)

    async def schema(self) -> dict[str, Any]:
        """
        Fetch the API's field description of the collection (``GET /{resource}/schema``).

        Returns:
            The JSON-schema-like document as a dict (``properties`` with ``type``,
            ``readOnly``, ``maxLength``, ``table`` for lookups; the shape varies per resource).
        """
        data = await self._client.request("GET", f"{self.spec.path}/schema", expect="object")
        return dict(data)

    async def delete(self, key: int | str) -> None:
        """Delete one record (the API soft-deletes: lists show it with ``deleted: true``)."""
        self._require("delete")
        try:
            await self._client.request("DELETE", self._path(key))
        except ResourceNotFoundError as exc:
            if exc.attempt == 1:
                raise
            # An earlier attempt reached the server (its answer was lost) and deleted the
            # record: the retry meets 910, and the record is gone as asked.

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
        answer = await self._client.request(
            "POST", self.spec.path, json=self._body(data), expect="object"
        )
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
        answer = await self._client.request(
            "PUT", self._path(key), json=self._body(data), expect="object"
        )
        from .models.sales import MessageResponse

        return self._decode(answer, MessageResponse, raw)


def _extra(descriptions: bool) -> dict[str, str] | None:
    """The ``ExtraFieldDescription`` header (sales FACTS "Common headers"), when asked for."""
    if not isinstance(descriptions, bool):
        raise InvalidParameterError("extra_field_descriptions must be a bool")
    return {"ExtraFieldDescription": "1"} if descriptions else None
