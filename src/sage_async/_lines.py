"""
Records as JSON bytes: a list page split into each record's own bytes, without building dicts.

Strictly private; behind ``pages(raw="bytes")``. A bulk writer that stores JSON needs no Python
objects: parsing a page into dicts and serialising each dict again costs more than the whole
request. msgspec splits the page instead: it validates the body and hands back each element of
the records array as a slice of it (``msgspec.Raw``), at about a quarter of the cost of an
orjson parse. Line breaks (only ever whitespace between tokens in valid JSON: inside strings
they are escaped) become spaces, so every record fits on one line of a JSON Lines file.

A decoder returns ``None`` for a body it cannot split (not JSON, or another shape): the caller
then takes the ordinary path, which raises the precise error (and retries a cut body) or
decodes the odd page into dicts (:func:`lines_of` turns those into bytes).
"""

from __future__ import annotations

from typing import Any

import msgspec

from sage_async import _json


__all__ = ["accounting_lines", "lines_of", "sales_lines"]

_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])


class _Envelope(msgspec.Struct, gc=False, rename={
    "items": "$items", "total": "$total", "next": "$next", "page": "$page",
    "items_per_page": "$itemsPerPage", "items_per_page_snake": "$items_per_page",
}):  # fmt: skip
    items: list[msgspec.Raw]
    total: int | None = None
    next: str | None = None
    page: int | None = None
    items_per_page: int | None = None
    items_per_page_snake: int | None = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)


def _one_line(body: bytes, raws: list[msgspec.Raw]) -> list[bytes]:
    if b"\n" in body or b"\r" in body:
        return [bytes(r).replace(b"\r", b" ").replace(b"\n", b" ") for r in raws]
    return [bytes(r) for r in raws]


def sales_lines(body: bytes) -> list[bytes] | None:
    """Split a Sales list body (a JSON array) into its records' bytes."""
    try:
        return _one_line(body, _RAW_LIST.decode(body))
    except msgspec.DecodeError:
        return None


def accounting_lines(body: bytes, *, bare: bool) -> dict[str, Any] | None:
    """
    Split an Accounting list body into ``{"$items": [bytes, ...], "$total": ..., ...}``: the
    envelope's counters as they came (absent ones left out), or a bare array (``bare``) as
    ``$items`` alone.
    """
    try:
        if bare:
            return {"$items": _one_line(body, _RAW_LIST.decode(body)), "$next": None}
        page = _ENVELOPE.decode(body)
    except msgspec.DecodeError:
        return None
    counters = {
        "$total": page.total, "$page": page.page, "$itemsPerPage": page.items_per_page,
        "$items_per_page": page.items_per_page_snake,
    }  # fmt: skip
    data = {key: value for key, value in counters.items() if value is not None}
    return {"$items": _one_line(body, page.items), "$next": page.next, **data}


def lines_of(records: list[Any]) -> list[bytes]:
    """
    A page's records as bytes: as they are when the splitter gave bytes, else the records the
    ordinary path decoded, serialised (money stays exact).
    """
    if not records or isinstance(records[0], bytes):
        return records
    return [_json.dumps(record) for record in records]
