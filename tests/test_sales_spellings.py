"""
Sales fields seen under two spellings decode into one attribute, strictly, whichever arrives.

Real reads and the vendor connector Swagger disagree on some names (tests/fixtures/real/sales/
SOURCES.md); the spec lists the other spelling in `x-sage-aliases`. Writes use the write
schema's own spelling, the one the vendor's write model and examples send.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sage_async import Converter
from sage_async.models import sales
from sage_async.models.sales import RESOURCES


# (model, attribute, real-read spelling, other spelling seen, wire value)
SPELLINGS = [
    (sales.Contact, "use_company_address", "UseCompanyAddress", "useCompanyAddress", True),
    (sales.Opportunity, "type_id", "type_id", "typeId", None),
    (sales.SalesOrder, "sales_forcecast_date", "salesForcecastDate", "salesForecastDate", None),
    (sales.SalesOrderLine, "sales_order_id", "salesorderId", "salesOrderId", None),
    (sales.Country, "description_de", "descriptionde", "descriptionDE", "Portugal"),
    (sales.Rate, "comments", "Comments", "comments", "net 30"),
    (sales.Rate, "ext_id", "extID", "extId", "R-7"),
    (sales.CreatedResponse, "message", "Message", "message", "entity created"),
    (sales.MessageResponse, "message", "Message", "message", "entity updated"),
]


@pytest.mark.parametrize(
    ("model", "attribute", "real", "other", "value"),
    SPELLINGS,
    ids=[f"{m.__name__}.{real}" for m, _, real, _, _ in SPELLINGS],
)
def test_both_spellings_decode_strictly_into_one_attribute(
    model: type[Any], attribute: str, real: str, other: str, value: Any
) -> None:
    """Either spelling fills the same attribute with no drift and no extras."""
    for wire in (real, other):
        converter = Converter(strict=True)
        decoded = converter.structure({wire: value}, model)
        assert value == getattr(decoded, attribute), wire
        assert {} == decoded.extras, wire
        assert not converter.drift, wire


# (write model, attribute, value, the spelling writes send)
WRITES = [
    (sales.ContactWrite, "use_company_address", True, "useCompanyAddress"),
    (sales.OpportunityWrite, "type_id", 4, "type_id"),
    (sales.SalesOrderLineWrite, "sales_order_id", 58, "salesOrderId"),
    (sales.RateWrite, "comments", "net 30", "comments"),
    (sales.RateWrite, "ext_id", "R-7", "extID"),
]


@pytest.mark.parametrize(
    ("model", "attribute", "value", "wire"),
    WRITES,
    ids=[f"{m.__name__}.{wire}" for m, _, _, wire in WRITES],
)
def test_writes_send_the_write_models_spelling(
    model: type[Any], attribute: str, value: Any, wire: str
) -> None:
    """A write model encodes the field under the spelling the vendor's writes use."""
    assert {wire: value} == Converter().unstructure(model(**{attribute: value}))


def test_sales_order_writes_send_the_real_forecast_date_spelling() -> None:
    """Sales order writes send `salesForcecastDate`, the spelling real reads and writes use."""
    order = sales.SalesOrderWrite(sales_forcecast_date=datetime(2024, 3, 1, tzinfo=UTC))
    assert {"salesForcecastDate": "2024-03-01T00:00:00Z"} == Converter().unstructure(order)


def test_custom_fields_are_open_on_every_sales_schema() -> None:
    """A `Z_` key on any Sales read or write model stays in extras and is never drift."""
    for spec in RESOURCES.values():
        for model in (spec.model, spec.write_model):
            if model is None:
                continue
            # Lenient: write models may require fields this payload leaves out.
            converter = Converter()
            decoded = converter.structure({"Z_Region": "North"}, model)
            assert {"Z_Region": "North"} == decoded.extras, model.__name__
            assert {"Z_Region": "North"} == converter.unstructure(decoded), model.__name__
            assert 0 == converter.drift.count(kind="unknown_key"), model.__name__
