"""
Strict mode against plausible live mutations of the real-shape fixtures (issue 14's classes):
money strings, nulls in nested references, ``""`` in settings dates, numbers for strings.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sage_async import Converter, DriftError
from sage_async._json import dumps
from sage_async.models import accounting


sys.path.insert(0, str(Path(__file__).parents[1]))
from test_real_payloads import FIXTURES, load, model_of, records  # the fixtures' own readers


STRICT = Converter(strict=True)
LENIENT = Converter()
ACCOUNTING = [f for f in FIXTURES if f.parent.name == "accounting"]


def walk(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), item
            yield from walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


def put(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copied = copy.deepcopy(document)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied


def money_places() -> list[tuple[Path, tuple[Any, ...]]]:
    """Every place where an Accounting fixture carries money or a quantity as a string."""
    places = []
    for fixture in ACCOUNTING:
        record = records(fixture, load(fixture))[0]
        for path, value in walk(record):
            if isinstance(value, str) and value.count(".") == 1:
                digits = value.replace(".", "").removeprefix("-")
                if digits.isascii() and digits.isdigit():
                    places.append((fixture, path))
    return places


PLACES = money_places()


def decode_each(text: str) -> list[str]:
    """Decode the text at every money place; return the places that strict mode refused."""
    refused = []
    for fixture, path in PLACES:
        cls = model_of(fixture, load(fixture))
        try:
            STRICT.structure(put(records(fixture, load(fixture))[0], path, text), cls)
        except DriftError:
            refused.append(f"{fixture.name}:{'.'.join(map(str, path))}")
    return refused


def test_there_are_money_places_to_mutate() -> None:
    """The premise: the Accounting fixtures carry money as strings in many places."""
    assert len(PLACES) >= 50


@pytest.mark.parametrize("text", ["1e3", "-0.0", ".5", "10.", "-430035.84", "0.000001"])
def test_numeric_money_strings_are_accepted(text: str) -> None:
    """Numeric strings in any decimal notation decode without drift at every money place."""
    assert [] == decode_each(text)


@pytest.mark.parametrize("text", ["1,234.50", "NaN", "Infinity", "", "12 EUR", "0x10"])
def test_non_numeric_money_strings_are_drift(text: str) -> None:
    """Text that is not a number is refused in strict mode at every money place."""
    assert len(PLACES) == len(decode_each(text))


@pytest.mark.parametrize("text", ["1_000.0", "\u0661\u0660", " 10.0 "])
def test_python_only_decimal_spellings_are_drift(text: str) -> None:
    """
    Spellings only Python's ``Decimal()`` reads (underscores, non-ASCII digits, padding) are
    not the API's numeric encoding: strict mode refuses them like any non-numeric string.
    """
    assert len(PLACES) == len(decode_each(text))


@pytest.mark.parametrize("text", ["1e3", "-0.0", "123456789012345678.123456789"])
def test_money_strings_write_back_as_json_numbers_with_every_digit(text: str) -> None:
    """A decoded money string is written back as a JSON number of the same value."""
    item = STRICT.structure({"cost_price": text}, accounting.StockItem)
    written = json.loads(dumps(STRICT.unstructure(item)), parse_float=Decimal)
    assert Decimal(text) == written["cost_price"]


@pytest.mark.parametrize("fixture", ACCOUNTING, ids=lambda p: p.stem)
def test_null_in_every_nested_reference_is_accepted(fixture: Path) -> None:
    """``null`` in place of any nested reference object (an unset link) decodes in strict mode."""
    document = load(fixture)
    record, cls = records(fixture, document)[0], model_of(fixture, document)
    for path, value in walk(record):
        if isinstance(value, dict) and {"id", "displayed_as"} <= value.keys():
            STRICT.structure(put(record, path, None), cls)


@pytest.mark.parametrize(
    "model", [accounting.BusinessSettings, accounting.FinancialSettings], ids=lambda m: m.__name__
)
def test_empty_string_in_every_settings_date_reads_as_none(model: type[Any]) -> None:
    """``""`` in each nullable date field of a settings resource decodes to ``None``."""
    import attrs

    dated = [f for f in attrs.fields(model) if f.metadata.get("nullable")
             and ("date" in f.name or f.name.endswith("_at"))]  # fmt: skip
    assert dated
    for field in dated:
        decoded = STRICT.structure({field.metadata["wire"]: ""}, model)
        assert getattr(decoded, field.name) is None


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_a_number_where_a_string_is_expected_is_drift_and_lenient_never_raises(
    fixture: Path,
) -> None:
    """
    A JSON number in a top-level text field is refused in strict mode (``Z_`` custom fields,
    which are open, excepted) and decoded without raising in lenient mode.
    """
    document = load(fixture)
    record, cls = records(fixture, document)[0], model_of(fixture, document)
    for key, value in record.items():
        if not isinstance(value, str) or key.startswith("Z_") or key == "id":
            continue
        if value.replace(".", "", 1).removeprefix("-").isdigit():
            continue  # money as a string: a number is its other normal encoding
        mutated = {**record, key: 12345}
        with pytest.raises(DriftError):
            STRICT.structure(mutated, cls)
        LENIENT.structure(mutated, cls)


@pytest.mark.parametrize("fixture", ACCOUNTING, ids=lambda p: p.stem)
def test_unknown_keys_at_top_level_are_drift_in_strict_mode(fixture: Path) -> None:
    """A key no schema declares (here ``$key``) is reported as drift by strict mode."""
    document = load(fixture)
    record, cls = records(fixture, document)[0], model_of(fixture, document)
    with pytest.raises(DriftError, match=r"\$key"):
        STRICT.structure({**record, "$key": "abc"}, cls)
