"""
The whole API surface: every declared list parameter is accepted, wrong keywords are named with
a suggestion, the documented value forms are accepted, and ``client.collection(path)`` reaches
any path with the whole pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from sage_async import AccountingClient, InvalidParameterError, SalesClient, UsageError
from sage_async._request import Request
from sage_async._resource_spec import Param
from sage_async.testing import Sandbox


SAMPLES: dict[str, Any] = {
    "str": "x",
    "bool": True,
    "int": 1,
    "datetime": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    "date": dt.date(2020, 1, 1),
    "attributes": "all",
    "sort": "created_at",
}


def sample(param: Param) -> Any:
    if param.kind == "enum":
        return param.choices[0]
    return SAMPLES[param.kind]


def record_requests(client: Any) -> list[Request]:
    """Wrap the client's transport so that every request it sends is kept."""
    seen: list[Request] = []
    send = client._transport.send

    async def recording(request: Request, **kw: Any) -> Any:
        seen.append(request)
        return await send(request, **kw)

    client._transport.send = recording
    return seen


async def test_every_declared_accounting_list_parameter_is_accepted(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient]
) -> None:
    """For each resource, list() with each parameter its spec declares is sent, not refused."""
    async with accounting_client() as client:
        tried = 0
        for name, spec in client.resources.items():
            if not spec.supports("list") or spec.singleton:
                continue
            resource = client.resource(name)
            for param in spec.list_params:
                if param in ("page", "items_per_page"):
                    continue
                page = await resource.list(raw=True, **{param: sample(spec.params[param])})
                assert isinstance(page.items, list), (name, param)
                tried += 1
        assert tried > 50


async def test_every_sales_filter_is_accepted(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient]
) -> None:
    """Each Sales resource takes where, order, lang and extra_field_descriptions."""
    async with sales_client() as client:
        for name, spec in client.resources.items():
            if not spec.supports("list") or spec.singleton:
                continue
            page = await client.resource(name).list(
                raw=True, order="id", lang="es", extra_field_descriptions=True
            )
            assert isinstance(page.items, list), name


async def test_a_wrong_keyword_names_the_resource_and_suggests() -> None:
    """The error names the resource's method, not an internal function, with a close name."""
    async with AccountingClient(access_token="t", base_url="http://127.0.0.1:9/v3.1") as acc:
        with pytest.raises(InvalidParameterError, match=r"stock_items\.list\(\) got an unexpected "
                           r"keyword argument 'serch'; did you mean 'search'\?"):  # fmt: skip
            await acc.stock_items.list(serch="x")  # type: ignore[call-arg]
        with pytest.raises(InvalidParameterError, match=r"stock_items\.pages\(\)"):
            acc.stock_items.pages(activ=True)  # type: ignore[call-arg]
        with pytest.raises(InvalidParameterError, match=r"stock_items\.get\(\)"):
            await acc.stock_items.get("k", search="x")  # type: ignore[call-arg]
    sales = SalesClient(public_key="p", private_key="k", base_url="http://127.0.0.1:9/api/v4")
    async with sales:
        with pytest.raises(
            InvalidParameterError, match=r"accounts\.list\(\) .* 'wehre'; did you mean 'where'\?"
        ):
            await sales.accounts.list(wehre="id = 1")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("2025-01-31T12:00:00+02:00", "2025-01-31T10:00:00+00:00"),
        ("2025-01-31T12:00:00Z", "2025-01-31T12:00:00+00:00"),
        ("2025-01-31", "2025-01-31T00:00:00+00:00"),
        ("2025-01-31T+01:00", "2025-01-30T23:00:00+00:00"),
        (dt.date(2025, 1, 31), "2025-01-31T00:00:00+00:00"),
    ],
)
async def test_date_time_parameters_take_iso_text(
    sandbox: Sandbox, accounting_client: Callable[..., AccountingClient], given: Any, sent: str
) -> None:
    """ISO-8601 text is validated and normalised to the API's UTC form."""
    async with accounting_client() as client:
        seen = record_requests(client)
        await client.stock_items.list(updated_or_created_since=given, attributes="item_code,notes")
        query = dict(seen[-1].params)
        assert sent == query["updated_or_created_since"]
        assert "item_code,notes" == query["attributes"]


@pytest.mark.parametrize(
    "bad", ["yesterday", "2025-01-31T12:00:00", "2025-13-01", 5, ["2025-01-01"]]
)
async def test_bad_date_time_values_are_refused(bad: Any) -> None:
    """Text without an offset, nonsense or another type fails before any request."""
    async with AccountingClient(access_token="t", base_url="http://127.0.0.1:9/v3.1") as acc:
        with pytest.raises(InvalidParameterError, match="updated_or_created_since"):
            await acc.stock_items.list(updated_or_created_since=bad)


async def test_sales_get_takes_lang_and_the_extra_field_header(
    sandbox: Sandbox, sales_client: Callable[..., SalesClient]
) -> None:
    """get(lang=...) sends lang; extra_field_descriptions sends ExtraFieldDescription: 1."""
    async with sales_client() as client:
        seen = record_requests(client)
        account = await client.accounts.get(1, lang="fr", extra_field_descriptions=True)
        assert 1 == account.id
        assert ("lang", "fr") in seen[-1].params
        assert "1" == seen[-1].headers["ExtraFieldDescription"]
        await client.accounts.list(extra_field_descriptions=True)
        assert "1" == seen[-1].headers["ExtraFieldDescription"]
        assert "ExtraFieldDescription" not in dict(seen[-1].params)


async def test_collection_reaches_any_path_with_the_whole_pipeline(
    sandbox: Sandbox,
    sales_client: Callable[..., SalesClient],
    accounting_client: Callable[..., AccountingClient],
) -> None:
    """client.collection(path) lists, iterates (concurrently) and gets, in raw mode."""
    async with accounting_client() as acc:
        things = acc.collection("stock_items")
        page = await things.list(attributes="all", items_per_page=50)
        assert 50 == len(page.items)
        assert isinstance(page.items[0], dict)
        ids = [row["id"] async for row in things.iterate(attributes=["item_code"])]
        assert sorted(ids) == sorted(sandbox.ids("accounting", "stock_items"))
        one = await things.get(ids[0], attributes="all")
        assert ids[0] == one["id"]
    async with sales_client() as sales:
        accounts = sales.collection("/accounts/")
        rows = [row async for row in accounts.iterate(where="id <= 10")]
        assert list(range(1, 11)) == sorted(row["id"] for row in rows)
        assert 3 == (await accounts.get(3))["id"]


@pytest.mark.parametrize("path", ["", "/", "https://evil.example/x", "/things?x=1"])
def test_collection_refuses_what_is_not_a_path(path: str) -> None:
    """Only a path below the API root is accepted."""
    with pytest.raises(InvalidParameterError):
        AccountingClient(access_token="t").collection(path)


async def test_void_reason_only_where_the_api_voids() -> None:
    """delete(void_reason=...) on a resource that is deleted, not voided, is refused."""
    async with AccountingClient(access_token="t", base_url="http://127.0.0.1:9/v3.1") as acc:
        with pytest.raises(UsageError, match="not voided"):
            await acc.stock_items.delete("k", void_reason="typo")
        with pytest.raises(UsageError, match="no file"):
            await acc.stock_items.download("k")
        with pytest.raises(UsageError, match="no release action"):
            await acc.stock_items.release("k")
