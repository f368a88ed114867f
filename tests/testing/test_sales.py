"""Sales Management v4 behaviour of the sandbox, driven with plain aiohttp requests."""

from __future__ import annotations

import aiohttp

from sage_async.testing import Sandbox

from .conftest import get_json, sales_login


async def test_login_returns_token_and_wrong_keys_get_401(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """POST /login answers {token} for the right keys and 401 for wrong ones."""
    headers = await sales_login(http, sb)
    assert headers["X-Session-Key"]
    body = {"username": sb.sales_credentials.public_key, "password": "wrong"}
    async with http.post(f"{sb.sales_url}/login", json=body) as resp:
        assert resp.status == 401
        assert (await resp.json())["statusCode"] == 401


async def test_session_key_is_required(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """Every route but /login needs X-Session-Key; an unknown one is refused too."""
    status, body, _ = await get_json(http, f"{sb.sales_url}/accounts")
    assert status == 401
    assert body["message"]
    status, _, _ = await get_json(http, f"{sb.sales_url}/accounts", headers={"X-Session-Key": "x"})
    assert status == 401


async def test_session_expires_after_configured_ttl(http: aiohttp.ClientSession) -> None:
    """A session token stops working once the configured lifetime has passed; re-login works."""
    async with Sandbox(session_ttl=60) as sb:
        headers = await sales_login(http, sb)
        assert (await get_json(http, f"{sb.sales_url}/accounts", headers=headers))[0] == 200
        sb.clock.advance(61)
        assert (await get_json(http, f"{sb.sales_url}/accounts", headers=headers))[0] == 401
        headers = await sales_login(http, sb)
        assert (await get_json(http, f"{sb.sales_url}/accounts", headers=headers))[0] == 200


async def test_list_pages_are_bare_arrays_zero_based_and_end_empty(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """Pages are JSON arrays, page 0 first, default size 50, an empty array past the end."""
    headers = await sales_login(http, sb)
    url = f"{sb.sales_url}/accounts"
    pages = []
    for page in range(4):
        status, body, _ = await get_json(http, url, headers=headers, params={"page": str(page)})
        assert status == 200
        assert isinstance(body, list)
        pages.append(body)
    assert [len(p) for p in pages] == [50, 50, 20, 0]
    ids = [r["id"] for p in pages for r in p]
    assert ids == list(range(1, 121))


async def test_page_size_header_both_names_and_clamp(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """`count` and `X-FM-Entity-Count` (any case) set the size; above 300 is clamped to 300."""
    headers = await sales_login(http, sb)
    url = f"{sb.sales_url}/accounts"
    _, body, _ = await get_json(http, url, headers={**headers, "count": "7"})
    assert len(body) == 7
    _, body, _ = await get_json(http, url, headers={**headers, "x-fm-entity-count": "9"})
    assert len(body) == 9
    async with Sandbox(sales_records={"accounts": 400}) as big:
        big_headers = await sales_login(http, big)
        _, body, _ = await get_json(
            http, f"{big.sales_url}/accounts", headers={**big_headers, "Count": "1000"}
        )
        assert len(body) == 300
    status, _, _ = await get_json(http, url, headers={**headers, "count": "zero"})
    assert status == 400


async def test_soft_deleted_rows_are_listed(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """Deleted rows stay in lists with deleted=true and dateDeleted set."""
    headers = await sales_login(http, sb)
    async with http.delete(f"{sb.sales_url}/accounts/5", headers=headers) as resp:
        assert resp.status == 200
        assert await resp.json() == {"Message": "entity deleted"}
    _, body, _ = await get_json(http, f"{sb.sales_url}/accounts", headers=headers)
    row = next(r for r in body if r["id"] == 5)
    assert row["deleted"] is True
    assert row["dateDeleted"] is not None
    factory = sb.sales_data["accounts"].factory
    seeded = [factory.record(i) for i in range(500)]
    deleted = [r for r in seeded if r["deleted"]]
    assert deleted  # about 2% of seeded rows are soft-deleted
    assert all(r["dateDeleted"] for r in deleted)
    assert all(r["dateDeleted"] is None for r in seeded if not r["deleted"])


async def test_lookups_are_id_value_objects(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """Lookups read as {id, value}; a sales rep lookup names a seeded user."""
    headers = await sales_login(http, sb)
    _, body, _ = await get_json(http, f"{sb.sales_url}/accounts/1", headers=headers)
    rep = body["salesRepId1"]
    assert set(rep) == {"id", "value"}
    _, user, _ = await get_json(http, f"{sb.sales_url}/users/{rep['id']}", headers=headers)
    assert rep["value"] == user["name"]


async def test_where_filters_with_the_project_parser(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """`where` selects matching rows (SQL-like semantics) across pages."""
    headers = await sales_login(http, sb)
    url = f"{sb.sales_url}/accounts"
    params = {"where": "id > 100 AND id <= 110"}
    _, body, _ = await get_json(http, url, headers=headers, params=params)
    assert [r["id"] for r in body] == list(range(101, 111))
    name = sb.record("sales", "accounts", 3)["name"]  # type: ignore[index]
    params = {"where": f"name = '{name}'"}
    _, body, _ = await get_json(http, url, headers=headers, params=params)
    assert 3 in [r["id"] for r in body]
    assert all(r["name"].lower() == name.lower() for r in body)


async def test_malformed_where_and_unknown_field_answer_901(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """A malformed filter, an unknown field or a bad order is error 901 with HTTP 400."""
    headers = await sales_login(http, sb)
    url = f"{sb.sales_url}/accounts"
    for params in ({"where": "name ="}, {"where": "nope = 1"}, {"order": "name sideways"}):
        status, body, _ = await get_json(http, url, headers=headers, params=params)
        assert status == 400
        assert body["code"] == 901
        assert body["error"] == "Internal data Error"


async def test_order_is_descending_by_default_and_accepts_asc(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """`order=field` sorts descending (vendor wording); `field ASC` ascending."""
    headers = {**(await sales_login(http, sb)), "count": "300"}
    url = f"{sb.sales_url}/accounts"
    _, desc, _ = await get_json(http, url, headers=headers, params={"order": "dateCreated"})
    assert [r["id"] for r in desc] == list(range(120, 0, -1))
    _, asc, _ = await get_json(http, url, headers=headers, params={"order": "name ASC"})
    names = [r["name"].casefold() for r in asc]
    assert names == sorted(names)
    status, _, _ = await get_json(http, url, headers=headers, params={"lang": "es"})
    assert status == 200


async def test_missing_id_is_910_with_http_400(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """GET, PUT and DELETE of an unknown id answer code 910 with HTTP 400."""
    headers = await sales_login(http, sb)
    url = f"{sb.sales_url}/accounts/9999"
    for method in ("GET", "PUT", "DELETE"):
        async with http.request(method, url, headers=headers, json={"name": "x"}) as resp:
            assert resp.status == 400
            body = await resp.json()
            assert body == {
                "code": 910,
                "error": "Resource not exist",
                "message": "The resource does not exist",
            }


async def test_create_update_delete_round_trip(sb: Sandbox, http: aiohttp.ClientSession) -> None:
    """POST creates (id returned), PUT updates partially, lookups written as ints read back."""
    headers = await sales_login(http, sb)
    url = f"{sb.sales_url}/accounts"
    body = {"name": "New Co", "branchId": 1, "salesRepId1": 2}
    async with http.post(url, headers=headers, json=body) as resp:
        assert resp.status == 200
        created = await resp.json()
    assert created == {"Message": "entity created", "id": 121}
    async with http.put(f"{url}/121", headers=headers, json={"city": "Bilbao"}) as resp:
        assert await resp.json() == {"Message": "entity updated"}
    _, record, _ = await get_json(http, f"{url}/121", headers=headers)
    assert record["name"] == "New Co"
    assert record["city"] == "Bilbao"
    assert record["salesRepId1"]["id"] == 2
    assert isinstance(record["salesRepId1"]["value"], str)
    assert record["deleted"] is False
    contact = {"firstName": "A", "lastName": "B", "accountId": 1, "branchId": 1, "salesRepId": 1}
    async with http.post(f"{sb.sales_url}/contacts", headers=headers, json=contact) as resp:
        new_id = (await resp.json())["id"]
    _, read, _ = await get_json(http, f"{sb.sales_url}/contacts/{new_id}", headers=headers)
    assert "branchId" not in read  # write-only fields are not read back
    async with http.post(url, headers=headers, json={"city": "x"}) as resp:
        assert resp.status == 400
        assert "name" in (await resp.json())["message"]


async def test_order_by_id_fast_path_matches_the_general_sort(
    sb: Sandbox, http: aiohttp.ClientSession
) -> None:
    """order=id (desc, and ASC) pages equal what the general sort gives with a where clause."""
    headers = {**await sales_login(http, sb), "count": "7"}
    url = f"{sb.sales_url}/accounts"
    sb.create("sales", "accounts", {"name": "Newest"})
    for order in ("id", "id ASC"):
        fast, general = [], []
        for page in range(3):
            _, rows, _ = await get_json(
                http, url, headers=headers, params={"page": page, "order": order}
            )
            fast += [r["id"] for r in rows]
            params = {"page": page, "order": order, "where": "id > 0"}
            _, rows, _ = await get_json(http, url, headers=headers, params=params)
            general += [r["id"] for r in rows]
        assert general == fast
        assert sorted(fast, reverse=order == "id") == fast
