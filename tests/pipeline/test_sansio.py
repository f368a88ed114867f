"""Tests for the sans-I/O core: URLs, headers, redaction, body decoding and error mapping."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import orjson
import pytest

from sage_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    DatabaseConnectionError,
    DecodeError,
    InsecureURLError,
    InvalidParameterError,
    InvalidQueryError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    RateLimitError,
    ResourceNotFoundError,
    ServerError,
    ValidationError,
)
from sage_async._sansio import (
    Request,
    accounting_headers,
    build_request,
    check_base_url,
    decode_json,
    item_path,
    parse_retry_after,
    raise_for_response,
    redact,
    safe_path,
    sales_headers,
)


SECRET = "s3cr3t-T0KEN-abcdefghijklmnopqrstuvwxyz"
HTML_502 = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


# --- URLs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.forcemanager.com/api/v4/", "https://api.forcemanager.com/api/v4"),
        ("https://api.accounting.sage.com/v3.1", "https://api.accounting.sage.com/v3.1"),
        ("http://127.0.0.1:8080/api/v4", "http://127.0.0.1:8080/api/v4"),
        ("http://127.5.6.7/", "http://127.5.6.7"),
        ("http://[::1]:9000/v3.1", "http://[::1]:9000/v3.1"),
        ("http://localhost:1234", "http://localhost:1234"),
        ("http://LOCALHOST/x", "http://LOCALHOST/x"),
    ],
)
def test_check_base_url_accepts_https_and_loopback_http(url: str, expected: str) -> None:
    """https:// anywhere and http:// to 127.0.0.0/8, ::1 and localhost are accepted."""
    assert expected == check_base_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://api.forcemanager.com/api/v4",
        "http://10.0.0.1/",
        "http://128.0.0.1/",
        "http://localhost.evil.example/",
        "http://[::2]/",
        "ftp://127.0.0.1/",
        "api.forcemanager.com/api/v4",
        "https://",
    ],
)
def test_check_base_url_refuses_insecure(url: str) -> None:
    """Plain http:// to a non-loopback host, other schemes and host-less URLs are refused."""
    with pytest.raises(InsecureURLError):
        check_base_url(url)


def test_check_base_url_refuses_credentials_without_echoing_them() -> None:
    """A URL with user:password is refused and the message does not repeat the password."""
    with pytest.raises(InsecureURLError) as info:
        check_base_url(f"https://user:{SECRET}@api.example.com/?key={SECRET}")
    assert SECRET not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_item_path_quotes_the_key() -> None:
    """An id cannot add path segments or a query string."""
    assert "/stock_items/a%2F..%2Fb%3Fx%3D1" == item_path("stock_items", "a/../b?x=1")
    assert "/accounts/12" == item_path("/accounts/", 12)


def test_safe_path_drops_query_and_fragment() -> None:
    """Paths for messages never carry the query string."""
    assert "/accounts" == safe_path(f"https://h/accounts?where=x&subscription-key={SECRET}#f")
    assert "/accounts" == safe_path(f"/accounts?token={SECRET}")


# --- headers, requests, redaction ---------------------------------------------------------------


def test_redact_hides_every_secret_header_case_insensitively() -> None:
    """X-Session-Key, Authorization, Ocp-Apim-Subscription-Key and Cookie become ***."""
    headers = {
        "x-session-key": SECRET,
        "AUTHORIZATION": f"Bearer {SECRET}",
        "Ocp-Apim-Subscription-Key": SECRET,
        "Cookie": f"s={SECRET}",
        "Accept": "application/json",
    }
    redacted = redact(headers)
    assert SECRET not in repr(redacted)
    assert "application/json" == redacted["Accept"]
    assert {"***"} == {v for k, v in redacted.items() if k != "Accept"}
    assert SECRET == headers["x-session-key"]  # the input is not modified


def test_sales_and_accounting_headers() -> None:
    """Builders set the auth header, X-Business, the legacy key and both page-size headers."""
    sales = sales_headers(session_key=SECRET, page_size=500)
    assert SECRET == sales["X-Session-Key"]
    assert ("500", "500") == (sales["Count"], sales["X-FM-Entity-Count"])
    acc = accounting_headers(access_token=SECRET, business_id="biz-1", subscription_key="k")
    assert f"Bearer {SECRET}" == acc["Authorization"]
    assert "biz-1" == acc["X-Business"]
    assert "k" == acc["Ocp-Apim-Subscription-Key"]
    assert "application/json" == acc["Accept"]
    assert "X-Business" not in accounting_headers()


def test_request_repr_never_shows_secrets_and_is_frozen() -> None:
    """The repr redacts headers and secret params; the value cannot be changed."""
    request = build_request(
        "get",
        "https://api.example.com/v3.1",
        "/contacts",
        headers=accounting_headers(access_token=SECRET),
        params={"subscription-key": SECRET, "page": 2, "active": True, "search": None},
    )
    assert "GET" == request.method
    assert "https://api.example.com/v3.1/contacts" == request.url
    assert (("subscription-key", SECRET), ("page", "2"), ("active", "true")) == request.params
    assert SECRET not in repr(request)
    assert "/v3.1/contacts" == request.path
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.url = "https://evil"  # type: ignore[misc]
    with pytest.raises(TypeError):
        request.headers["X"] = "y"  # type: ignore[index]


def test_build_request_json_body_keeps_decimal_digits() -> None:
    """A JSON body is encoded with orjson, Decimal as an exact number, with Content-Type."""
    request = build_request(
        "POST", "https://h", "/stock_items", json={"stock_item": {"cost_price": Decimal("0.10")}}
    )
    assert b'{"stock_item":{"cost_price":0.10}}' == request.body
    assert "application/json" == request.headers["Content-Type"]
    assert "<34 bytes>" in repr(request)
    with pytest.raises(InvalidParameterError):
        build_request("POST", "https://h", "/x", json={"bad": object()})


def test_request_without_body() -> None:
    """A GET has no body and no Content-Type."""
    request = Request("GET", "https://h/x")
    assert request.body is None
    assert "Content-Type" not in build_request("GET", "https://h", "/x").headers


# --- Retry-After --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("Wed, 01 Jan 2025 12:00:30 GMT", 30.0),
        ("Wednesday, 01-Jan-25 12:01:00 GMT", 60.0),  # RFC 850, obsolete but allowed
        ("Wed, 01 Jan 2025 11:00:00 GMT", 0.0),  # in the past
        ("Wed, 01 Jan 2025 12:00:10 -0000", 10.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-3", None),
        ("inf", None),
        ("nan", None),
        ("Thu, 99 Foo 2025 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    """Seconds and HTTP-dates are parsed; garbage, negatives and non-finite values give None."""
    assert expected == parse_retry_after(value, NOW)


def test_parse_retry_after_defaults_to_wall_clock() -> None:
    """Without ``now`` an HTTP-date is measured from the current UTC time."""
    soon = datetime.now(UTC) + timedelta(seconds=100)
    value = soon.strftime("%a, %d %b %Y %H:%M:%S GMT")
    result = parse_retry_after(value)
    assert result is not None
    assert 90 < result <= 100


# --- decode_json --------------------------------------------------------------------------------


def test_decode_json_valid_and_empty() -> None:
    """Valid JSON decodes; an empty body (204) is None."""
    assert [{"id": 1}] == decode_json(b'[{"id":1}]', status=200, method="GET", path="/a")
    assert decode_json(b"", status=204, method="DELETE", path="/a/1") is None
    assert decode_json(b"  \n", status=200, method="GET", path="/a") is None


def test_decode_json_html_names_the_title() -> None:
    """An HTML page raises DecodeError naming the page title, method, path and status."""
    with pytest.raises(DecodeError) as info:
        decode_json(HTML_502, status=200, method="GET", path="/accounts?where=x")
    message = str(info.value)
    assert "502 Bad Gateway" in message
    assert "GET /accounts" in message
    assert "where" not in message
    assert 200 == info.value.status


def test_decode_json_truncated_never_quotes_the_body() -> None:
    """A cut JSON body (say, a login response) raises without showing any of its content."""
    body = orjson.dumps({"token": SECRET, "user": "x"})[:-5]
    with pytest.raises(DecodeError) as info:
        decode_json(body, status=200, method="POST", path="/login")
    assert SECRET not in str(info.value)
    assert "bytes of JSON" in str(info.value)
    assert isinstance(info.value.__cause__, orjson.JSONDecodeError)


def test_decode_json_text_excerpt_is_scrubbed() -> None:
    """A plain-text body gives a short excerpt with token-like runs masked."""
    with pytest.raises(DecodeError) as info:
        decode_json(f"Upstream said {SECRET}".encode(), status=200, method="GET", path="/x")
    assert "Upstream said" in str(info.value)
    assert SECRET not in str(info.value)


# --- raise_for_response -------------------------------------------------------------------------


def _body(data: Any) -> bytes:
    return orjson.dumps(data)


SQL_901 = {
    "code": 901,
    "error": "Internal data Error",
    "message": "The SQL is not generated correctly",
}
RECORD_INVALID = [
    {
        "$severity": "error",
        "$dataCode": "RecordInvalid",
        "$message": "is required",
        "$source": "item_code",
    },
    {
        "$severity": "error",
        "$dataCode": "RecordInvalid",
        "$message": "is too long",
        "$source": "notes",
    },
]


@pytest.mark.parametrize(
    ("api", "status", "body", "cls", "codes"),
    [
        # Sales Management: the code decides, under any key casing, int or str, or nested.
        ("sales", 400, _body(SQL_901), InvalidQueryError, ("901",)),
        ("sales", 400, _body({"Code": "910"}), ResourceNotFoundError, ("910",)),
        ("sales", 500, _body({"error": {"code": 900}}), DatabaseConnectionError, ("900",)),
        ("sales", 400, _body({"errorCode": 910, "Message": "x"}), ResourceNotFoundError, ("910",)),
        ("sales", 400, _body({"error_code": "901"}), InvalidQueryError, ("901",)),
        ("sales", 503, _body({"ErrorCode": 900}), DatabaseConnectionError, ("900",)),
        (
            "sales",
            200,
            _body({"code": 900, "message": "Connection Error"}),
            DatabaseConnectionError,
            ("900",),
        ),
        (
            "sales",
            500,
            _body([{"code": 910, "message": "Resource not exist"}]),
            ResourceNotFoundError,
            ("910",),
        ),
        ("sales", 400, _body({"Message": "Bad Request"}), BadRequestError, ()),
        (
            "sales",
            400,
            _body({"statusCode": 400, "message": "Bad Request", "error": "Bad Request"}),
            BadRequestError,
            (),
        ),
        ("sales", 401, _body({"message": "Unauthorized"}), AuthenticationError, ()),
        ("sales", 408, b"", BadRequestError, ()),
        ("sales", 502, HTML_502, ServerError, ()),
        # Accounting: $dataCode arrays and statuses.
        ("accounting", 422, _body(RECORD_INVALID), ValidationError, ("RecordInvalid",)),
        ("accounting", 400, _body(RECORD_INVALID[:1]), ValidationError, ("RecordInvalid",)),
        (
            "accounting",
            404,
            _body([{"$dataCode": "RecordNotFound", "$message": "gone"}]),
            NotFoundError,
            ("RecordNotFound",),
        ),
        (
            "accounting",
            400,
            _body([{"$dataCode": "RecordNotFound", "$message": "gone"}]),
            NotFoundError,
            ("RecordNotFound",),
        ),
        (
            "accounting",
            401,
            _body(
                [{"$dataCode": "AuthorizationFailure", "$message": "No active subscription. (MSE)"}]
            ),
            AuthenticationError,
            ("AuthorizationFailure",),
        ),
        (
            "accounting",
            403,
            _body([{"$dataCode": "Forbidden", "$message": "role"}]),
            PermissionDeniedError,
            ("Forbidden",),
        ),
        ("accounting", 404, b"", NotFoundError, ()),
        (
            "accounting",
            409,
            _body([{"$dataCode": "Conflict", "$message": "x"}]),
            BadRequestError,
            ("Conflict",),
        ),
        (
            "accounting",
            500,
            _body([{"$dataCode": "RecordInvalid", "$message": "x"}]),
            ServerError,
            ("RecordInvalid",),
        ),
        ("accounting", 502, HTML_502, ServerError, ()),
        ("accounting", 503, b"", ServerError, ()),
        ("accounting", 504, b'{"$items": [', ServerError, ()),
        (
            "accounting",
            400,
            _body({"error": "invalid_grant", "error_description": "expired"}),
            OAuthError,
            ("invalid_grant",),
        ),
        ("accounting", 302, b"", APIError, ()),
        # A Sales code means nothing to Accounting.
        ("accounting", 400, _body({"code": 910}), BadRequestError, ("910",)),
    ],
)
def test_error_mapping_table(
    api: Any, status: int, body: bytes, cls: type[APIError], codes: tuple[str, ...]
) -> None:
    """Each realistic error body maps to exactly the expected class and codes."""
    with pytest.raises(APIError) as info:
        raise_for_response(api, status, {}, body, method="get", path="/things/1?where=a")
    error = info.value
    assert cls is type(error)
    assert codes == error.codes
    assert status == error.status
    assert "GET" == error.method
    assert "/things/1" == error.path
    assert "GET /things/1" in str(error)
    assert "where" not in str(error)


def test_901_carries_where_and_order() -> None:
    """InvalidQueryError keeps the where/order sent and shows them in the message."""
    with pytest.raises(InvalidQueryError) as info:
        raise_for_response(
            "sales",
            400,
            {},
            _body(SQL_901),
            method="GET",
            path="/accounts",
            where="id >",
            order="id",
        )
    assert ("id >", "id") == (info.value.where, info.value.order)
    assert "The SQL is not generated correctly" in str(info.value)
    assert "where='id >'" in str(info.value)


def test_validation_error_lists_every_source() -> None:
    """Every $source/$message of an Accounting array is kept as an ErrorDetail."""
    with pytest.raises(ValidationError) as info:
        raise_for_response("accounting", 422, {}, _body(RECORD_INVALID), method="POST", path="/s")
    assert ["item_code", "notes"] == [d.source for d in info.value.details]
    assert ["error", "error"] == [d.severity for d in info.value.details]
    assert "item_code: is required" in str(info.value)
    assert "notes: is too long" in str(info.value)


def test_rate_limit_error_reads_retry_after_seconds_and_date() -> None:
    """429 gives RateLimitError with retry_after from seconds or an HTTP-date."""
    with pytest.raises(RateLimitError) as info:
        raise_for_response("accounting", 429, {"retry-after": "7"}, b"", method="GET", path="/c")
    assert 7.0 == info.value.retry_after
    date = {"Retry-After": "Wed, 01 Jan 2025 12:00:03 GMT"}
    with pytest.raises(RateLimitError) as info:
        raise_for_response("sales", 429, date, b"", method="GET", path="/c", now=NOW)
    assert 3.0 == info.value.retry_after
    with pytest.raises(RateLimitError) as info:
        raise_for_response("sales", 429, {}, _body({"code": 900}), method="GET", path="/c")
    assert info.value.retry_after is None


def test_success_returns_decoded_json() -> None:
    """2xx returns the data; 204 returns None; a Sales record with a 'code' field is data."""
    record = {"id": 5, "code": 900, "message": "a product whose code is 900"}
    assert record == raise_for_response("sales", 200, {}, _body(record), method="GET", path="/p/5")
    assert raise_for_response("accounting", 204, {}, b"", method="DELETE", path="/x/1") is None
    assert [] == raise_for_response("sales", 200, {}, b"[]", method="GET", path="/accounts")


@pytest.mark.parametrize("body", [HTML_502, b'{"$items": [{"id": "1"', b"OK"])
def test_undecodable_success_raises_decode_error(body: bytes) -> None:
    """A 2xx body that is HTML, truncated JSON or text raises DecodeError."""
    with pytest.raises(DecodeError):
        raise_for_response("accounting", 200, {}, body, method="GET", path="/contacts")


def test_html_server_error_names_the_page() -> None:
    """An HTML 502 from a proxy becomes ServerError whose message names the page."""
    with pytest.raises(ServerError) as info:
        raise_for_response("sales", 502, {}, HTML_502, method="GET", path="/accounts")
    assert "502 Bad Gateway" in info.value.message
    assert "Bad Gateway" in str(info.value)


def test_error_never_carries_request_secrets() -> None:
    """Response headers are stored redacted; the message has no query string or cookie."""
    headers = {"Set-Cookie": f"sid={SECRET}", "X-Business": "b1"}
    with pytest.raises(ServerError) as info:
        raise_for_response(
            "accounting", 500, headers, b"", method="GET", path=f"/c?subscription-key={SECRET}"
        )
    error = info.value
    assert SECRET not in str(error)
    assert SECRET not in repr(error.headers)
    assert "b1" == error.headers["X-Business"]
    clone = pickle.loads(pickle.dumps(error))
    assert str(error) == str(clone)


def test_long_messages_are_truncated() -> None:
    """An API message is cut to a bounded length with whitespace collapsed."""
    body = _body({"message": "x  " * 1000})
    with pytest.raises(BadRequestError) as info:
        raise_for_response("sales", 400, {}, body, method="GET", path="/a")
    assert len(info.value.message) <= 300
    assert "  " not in info.value.message


def test_unknown_api_is_refused() -> None:
    """An api other than sales/accounting is a usage error."""
    with pytest.raises(InvalidParameterError):
        raise_for_response("crm", 200, {}, b"{}", method="GET", path="/")  # type: ignore[arg-type]


def test_odd_shapes_are_read_leniently() -> None:
    """Boolean or null codes are ignored, write acks are data, unknown statuses still map."""
    ack = {"Message": "entity updated"}
    assert ack == raise_for_response("sales", 200, {}, _body(ack), method="PUT", path="/a/1")
    with pytest.raises(BadRequestError) as info:
        raise_for_response("sales", 400, {}, _body({"code": True, "x": 1}), method="GET", path="/a")
    assert () == info.value.codes
    assert "Bad Request" == info.value.message
    page = b"<html><body>down</body></html>"
    with pytest.raises(ServerError) as server:
        raise_for_response("sales", 599, {}, page, method="GET", path="/")
    assert "HTTP 599: HTML/XML page" == server.value.message
    with pytest.raises(BadRequestError) as empty_code:
        raise_for_response("sales", 400, {}, _body({"code": " "}), method="GET", path="/a")
    assert () == empty_code.value.codes
