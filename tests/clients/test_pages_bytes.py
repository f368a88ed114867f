"""``pages(raw="bytes")``: every record as the JSON bytes the API sent, one line each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sage_async import AccountingClient, InvalidParameterError, SalesClient
from sage_async import _lines as lines_module
from sage_async._lines import accounting_lines, sales_lines


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)
records = st.lists(st.dictionaries(st.text(), json_values, max_size=4), max_size=6)


@given(items=records, indent=st.booleans())
def test_a_sales_page_splits_into_its_records_one_line_each(
    items: list[dict[str, Any]], indent: bool
) -> None:
    """
    Any JSON array of objects, compact or indented over many lines, splits into one bytes
    value per record that decodes to that record and holds no line break.
    """
    body = orjson.dumps(items, option=orjson.OPT_INDENT_2 if indent else 0)
    lines = sales_lines(body)
    assert lines is not None
    assert items == [orjson.loads(line) for line in lines]
    assert not any(b"\n" in line or b"\r" in line for line in lines)


@given(items=records, total=st.integers(0, 10**6))
def test_an_accounting_envelope_keeps_its_counters(items: list[dict[str, Any]], total: int) -> None:
    """The ``$items`` envelope gives the records' bytes and the counters as they came."""
    body = orjson.dumps(
        {"$total": total, "$page": 2, "$next": "/x?page=3", "$itemsPerPage": 5, "$items": items}
    )
    data = accounting_lines(body, bare=False)
    assert data is not None
    assert items == [orjson.loads(line) for line in data.pop("$items")]
    assert {"$total": total, "$page": 2, "$next": "/x?page=3", "$itemsPerPage": 5} == data


@pytest.mark.parametrize(
    "body",
    [b"", b"<html>bad gateway</html>", b'{"code": 900, "message": "busy"}', b"[{}, ", b"nul"],
)
def test_a_body_the_splitter_cannot_split_goes_the_ordinary_way(body: bytes) -> None:
    """Not JSON, cut, or another shape: ``None``, so the ordinary path raises the right error."""
    assert sales_lines(body) is None
    assert accounting_lines(body, bare=False) is None


async def test_sales_pages_as_bytes_hold_the_same_records_as_dicts(
    sales_client: Callable[..., SalesClient],
) -> None:
    """Every Sales page as bytes decodes to the records ``raw=True`` gives, in the same pages."""
    async with sales_client() as client:
        dicts = [p.items async for p in client.accounts.pages(raw=True, page_size=50)]
        lines = [p.items async for p in client.accounts.pages(raw="bytes", page_size=50)]
    assert 6 == len(lines)
    assert all(type(line) is bytes for page in lines for line in page)
    assert dicts == [[orjson.loads(line) for line in page] for page in lines]


async def test_accounting_pages_as_bytes_hold_the_same_records_as_dicts(
    accounting_client: Callable[..., AccountingClient],
) -> None:
    """Every Accounting page as bytes decodes to the records of ``raw=True``, totals too."""
    async with accounting_client() as client:
        dicts = [p async for p in client.contacts.pages(raw=True, items_per_page=100)]
        lines = [p async for p in client.contacts.pages(raw="bytes", items_per_page=100)]
    assert [p.items for p in dicts] == [[orjson.loads(x) for x in p.items] for p in lines]
    assert [(p.number, p.total, p.last) for p in dicts] == [
        (p.number, p.total, p.last) for p in lines
    ]


async def test_a_page_the_splitter_refuses_still_arrives_as_bytes(
    sales_client: Callable[..., SalesClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the splitter declines a body, the ordinary decode's records come back as bytes."""
    monkeypatch.setattr("sage_async._sales_resource.sales_lines", lambda body: None)
    async with sales_client() as client:
        page = await client.accounts.list(raw="bytes", page_size=20)  # type: ignore[call-overload]
        expected = await client.accounts.list(raw=True, page_size=20)
    assert expected.items == [orjson.loads(line) for line in page.items]
    assert all(type(line) is bytes for line in page.items)
    assert lines_module.lines_of([{"money": 1}]) == [b'{"money":1}']


async def test_iterate_refuses_bytes(sales_client: Callable[..., SalesClient]) -> None:
    """``iterate()`` yields records: ``raw="bytes"`` is refused with a pointer to ``pages``."""
    async with sales_client() as client:
        with pytest.raises(InvalidParameterError, match=r"pages\(raw='bytes'\)"):
            client.accounts.iterate(raw="bytes")  # type: ignore[call-overload]
