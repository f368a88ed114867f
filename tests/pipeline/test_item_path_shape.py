"""Item paths that stay one segment on the wire, and the shape check of successful bodies."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import unquote

import pytest
import yarl
from hypothesis import given
from hypothesis import strategies as st

from sage_async import DecodeError, InvalidParameterError, RetryPolicy
from sage_async._sansio import check_shape, item_path, raise_for_response


def _usable(key: str) -> bool:
    return key not in ("", ".", "..") and all(unicodedata.category(c) != "Cc" for c in key)


@given(st.text(min_size=1, max_size=40).filter(_usable))
def test_any_usable_key_is_exactly_one_segment_on_the_wire(key: str) -> None:
    """
    Whatever the key holds (``/``, ``;``, ``%``, ``..``, non-ASCII), the URL the transport
    sends has exactly one segment after the collection, and it decodes back to the key.
    """
    url = yarl.URL("https://api.example.com/v3.1" + item_path("/stock_items", key), encoded=True)
    assert ("/", "v3.1", "stock_items") == url.raw_parts[:3]
    assert 4 == len(url.raw_parts)
    assert key == unquote(url.raw_parts[3])


@pytest.mark.parametrize("key", ["", ".", "..", "a\nb", "\x00", "\x9f"])
def test_item_path_refuses_keys_that_name_no_item(key: str) -> None:
    """Empty, dot-segment and control-character keys raise InvalidParameterError."""
    with pytest.raises(InvalidParameterError):
        item_path("/stock_items", key)


@pytest.mark.parametrize(
    ("expect", "data"),
    [("array", [1]), ("array", []), ("object", {"id": 1}), ("items", {"$items": []})],
)
def test_check_shape_accepts_the_expected_shape(expect: Any, data: Any) -> None:
    """A body of the expected shape is returned unchanged."""
    assert data == check_shape(data, expect, status=200, method="GET", path="/x")


@pytest.mark.parametrize(
    ("expect", "data"),
    [
        ("array", None),
        ("array", {"$items": []}),
        ("object", None),
        ("object", [1]),
        ("items", None),
        ("items", [1]),
        ("items", {"$items": None}),
    ],
)
def test_check_shape_refuses_another_shape_with_a_retryable_decode_error(
    expect: Any, data: Any
) -> None:
    """An empty body or another shape is a DecodeError the default policy retries."""
    with pytest.raises(DecodeError) as info:
        check_shape(data, expect, status=200, method="GET", path="/x")
    assert RetryPolicy().is_retryable(info.value)


def test_empty_200_is_a_decode_error_when_a_body_is_expected() -> None:
    """A 200 with an empty body on a list request is a (retryable) DecodeError, not None."""
    with pytest.raises(DecodeError, match="empty body"):
        raise_for_response("sales", 200, {}, b"", method="GET", path="/accounts", expect="array")
    assert raise_for_response("sales", 200, {}, b"", method="DELETE", path="/accounts/1") is None
