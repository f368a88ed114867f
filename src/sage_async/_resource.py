"""
Resources: ``client.accounts``, ``client.stock_items``, ... with get, list, create, update, delete.

A resource knows its paths and models from the generated resource table (``ResourceSpec``) and
sends everything through its client's request pipeline. Results are generated models, or the
decoded JSON with ``raw=True``. Writes take a model (only the fields that were set are sent) or a
mapping with wire names (sent as given).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Protocol,
    TypeVar,
)

from ._errors import InvalidParameterError, UsageError
from ._page import Page
from ._pagination import LatencyWindow, PageStream
from ._request import Params, item_path
from ._resource_spec import Operation, ResourceSpec
from ._types import Model
from .filters import Fields


if TYPE_CHECKING:
    from ._converter import Converter
    from ._sansio import Shape
    from ._throttle import RateGovernor


__all__ = ["ACCOUNTING_MAX_PAGE_SIZE", "SALES_MAX_PAGE_SIZE", "Resource", "check_page_size"]

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
        binary: bool = ...,
        expect: Shape | None = ...,
        decode: Callable[[bytes], Any] | None = ...,
    ) -> Any: ...

    def stream(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = ...,
        headers: Mapping[str, str] | None = ...,
        chunk_size: int = ...,
    ) -> AsyncIterator[bytes]: ...


class Resource(Generic[M, W]):
    """
    The operations one API collection shares, whichever the API.

    ``M`` is the read model (what GET returns) and ``W`` the write model (what create and
    update accept besides a mapping).
    """

    def __init__(self, client: _Client, spec: ResourceSpec, *, open: bool = False) -> None:
        self._client = client
        self.spec = spec
        self._fields: Fields | None = None
        #: A collection the specs do not model (``client.collection(path)``): raw records,
        #: parameters passed through unchecked.
        self._open = open

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
        """
        Return the path of one record: ``/collection/<key>`` with the key as one segment.

        Raises:
            InvalidParameterError: no key for a collection (the call would address the whole
                collection: ``delete(None)`` must never become ``DELETE /accounts``); a key of
                another type, empty, ``.``/``..``, or with a control character; a Sales id
                that is not a non-negative integer or a string of digits; any key for a
                singleton resource.
        """
        if self.spec.singleton:
            if key is not None:  # a key would be silently ignored: say so instead
                raise InvalidParameterError(f"{self.name} is a single record: pass no key")
            return self.spec.path
        if key is None:
            raise InvalidParameterError(f"{self.name} needs the record's id, not None")
        if type(key) not in (str, int):  # runtime check of untyped callers (bool refused too)
            raise InvalidParameterError(
                f"{self.name} id must be a str or int, not {type(key).__name__}"
            )
        if self.spec.id_type == "integer" and not _is_integer_id(key):
            raise InvalidParameterError(
                f"{self.name} ids are integers (or strings of digits), not {key!r}"
            )
        return item_path(self.spec.path, key)

    def _decode(self, data: Any, cls: type[Any] | None, raw: bool) -> Any:
        if raw or self._open or cls is None or not isinstance(data, Mapping):
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
        # An explicit concurrency starts at once; the default starts small and opens up as
        # soon as the tenant's latency is known.
        adaptive = governor.concurrency
        window = LatencyWindow(
            governor.rate / governor.per,
            cap,
            lambda: adaptive.limit,
            lambda: governor.latency,
            initial=cap if concurrency is not None else 2,
        )
        return PageStream(fetch, first=first, page_size=size, window=window, name=self.name,
                          ordered=ordered, max_pages=max_pages, known_end=known_end,
                          skip=frozenset(skip))  # fmt: skip


def _is_integer_id(key: str | int) -> bool:
    if isinstance(key, int):
        return key >= 0
    return key.isascii() and key.isdigit()


def check_page_size(value: int, maximum: int) -> int:
    if type(value) is not int or not 1 <= value <= maximum:  # bool is refused too
        raise InvalidParameterError(f"page size must be an int from 1 to {maximum}, not {value!r}")
    return value
