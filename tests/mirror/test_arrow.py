"""PageTables: pages of wire dicts to typed Arrow tables, including the API's odd encodings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sage_async.dlt._arrow import BATCH_ROWS, PageTables
from sage_async.dlt._columns import columns_for
from sage_async.models.accounting import RESOURCES as ACCOUNTING
from sage_async.models.sales import RESOURCES as SALES


COLUMNS = {
    "id": {"data_type": "bigint"},
    "name": {"data_type": "text"},
    "price": {"data_type": "decimal"},
    "at": {"data_type": "timestamp", "timezone": True},
    "day": {"data_type": "date"},
    "flag": {"data_type": "bool"},
    "statusId__id": {"data_type": "bigint"},
    "statusId__value": {"data_type": "text"},
    "links": {"data_type": "json"},
}


def test_odd_encodings_convert_to_the_declared_types() -> None:
    """
    Money as a number, a numeric string or with more than 9 decimals; date-times with Z, an
    offset, no offset or empty; 0/1 flags; a number in a text field; null lookups; lists as
    JSON text; undeclared keys kept with their own type.
    """
    rows = [
        {"id": 1, "name": "a", "price": "10.10", "at": "2016-02-29T16:22:34.4Z",
         "day": "2020-01-02", "flag": 1, "statusId": {"id": 3, "value": "Open"},
         "links": [1, 2], "Z_extra": 7},
        {"id": 2, "name": 5, "price": 2.5, "at": "2016-02-29T17:22:34+01:00", "day": "",
         "flag": 0, "statusId": None, "links": None, "Z_extra": 8},
        {"id": 3, "name": None, "price": "1.0000000001", "at": "2016-02-29T16:22:34",
         "day": None, "flag": None, "links": {"k": "v"}},
    ]  # fmt: skip
    table = PageTables(COLUMNS).table(rows).to_pylist()
    assert [Decimal("10.10"), Decimal("2.5"), Decimal("1.000000000")] == [r["price"] for r in table]
    assert [datetime(2016, 2, 29, 16, 22, 34, 400000, tzinfo=UTC),
            datetime(2016, 2, 29, 16, 22, 34, tzinfo=UTC),
            datetime(2016, 2, 29, 16, 22, 34, tzinfo=UTC)] == [r["at"] for r in table]  # fmt: skip
    assert [date(2020, 1, 2), None, None] == [r["day"] for r in table]
    assert [True, False, None] == [r["flag"] for r in table]
    assert ["a", "5", None] == [r["name"] for r in table]
    assert [3, None, None] == [r["statusId__id"] for r in table]
    assert ["Open", None, None] == [r["statusId__value"] for r in table]
    assert ["[1,2]", None, '{"k":"v"}'] == [r["links"] for r in table]
    assert [7, 8, None] == [r["Z_extra"] for r in table]


MONEY = st.decimals(min_value=-(10**12), max_value=10**12, places=9)


@given(st.lists(MONEY, min_size=1, max_size=20))
def test_decimals_keep_every_digit_whether_sent_as_strings_or_numbers(
    values: list[Decimal],
) -> None:
    """A decimal with up to 9 places loads exactly, from a string or from a JSON number."""
    tables = PageTables({"price": {"data_type": "decimal"}})
    as_text = tables.table([{"price": str(v)} for v in values]).column("price").to_pylist()
    assert values == as_text
    numbers = [float(v) for v in values]
    as_number = tables.table([{"price": n} for n in numbers]).column("price").to_pylist()
    assert [Decimal(repr(n)).quantize(Decimal("1e-9")) for n in numbers] == as_number


def test_batches_hold_many_pages_and_survive_undeclared_keys_changing_type() -> None:
    """Pages are batched into one table; a key whose type differs between pages keeps both."""
    tables = PageTables({"id": {"data_type": "bigint"}})
    page = [{"id": i} for i in range(300)]
    batches = []
    for _ in range(BATCH_ROWS // 300 + 1):
        batches += tables.add(page)
    assert 1 == len(batches)
    assert (BATCH_ROWS // 300 + 1) * 300 == batches[0].num_rows
    tables.add([{"id": 1, "Z_x": 1}])
    tables.add([{"id": 2, "Z_x": "text"}])
    mixed = tables.flush()
    assert [[1], ["text"]] == [t.column("Z_x").to_pylist() for t in mixed]
    assert [] == tables.flush()


def test_every_collection_of_both_apis_gets_a_table_from_an_empty_record() -> None:
    """The hints of every listable collection build a table (no kind without a conversion)."""
    for table in (SALES, ACCOUNTING):
        for spec in table.values():
            columns = columns_for(spec, cursor=None, hard_delete=None)
            assert 1 == PageTables(columns).table([{"id": 1}]).num_rows


def _per_column(columns: dict[str, dict[str, str]]) -> PageTables:
    """The reference: every column converted on its own (the struct pass switched off)."""
    tables = PageTables(columns)
    tables._wire.clear()
    return tables


FLAG = st.one_of(st.none(), st.booleans(), st.sampled_from([0, 1]))
TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "Müller"]), st.integers(-5, 5))
STAMP = st.one_of(
    st.none(),
    st.sampled_from(["2016-02-29T16:22:34.4Z", "2016-02-29T17:22:34+01:00", "2020-01-02T03:04:05",
                     "", "2021-06-30T23:59:59.999Z"]),
)  # fmt: skip
MONEY_WIRE = st.one_of(st.none(), st.sampled_from(["10.10", "0.000000001", "-3"]),
                       st.integers(-100, 100), st.sampled_from([2.5, -0.01, 1e6]))  # fmt: skip
LOOKUP = st.one_of(
    st.none(),
    st.fixed_dictionaries({"id": st.integers(0, 9), "value": st.sampled_from(["Open", ""])}),
)
ROW = st.fixed_dictionaries(
    {"id": st.integers(0, 10**6)},
    optional={"name": TEXT, "flag": FLAG, "at": STAMP, "price": MONEY_WIRE, "statusId": LOOKUP,
              "links": st.sampled_from([None, [], [1, 2], {"k": "v"}]),
              "day": st.one_of(st.none(), st.sampled_from(["2020-01-02", ""]))},
)  # fmt: skip


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.lists(ROW, min_size=1, max_size=5), min_size=1, max_size=3))
def test_one_call_pass_gives_the_tables_of_the_per_column_conversion(
    pages: list[list[dict[str, object]]],
) -> None:
    """
    Whatever mix of encodings pages send (0/1 flags, numbers in text fields, money as JSON
    numbers, date-times without an offset, null lookups), page after page, the one-call
    struct pass converts them to the very tables the per-column conversion makes.
    """
    fast, slow = PageTables(COLUMNS), _per_column(COLUMNS)
    for rows in pages:
        expected = slow.table(rows)
        actual = fast.table(rows)
        assert expected.schema == actual.schema
        assert expected.to_pylist() == actual.to_pylist()


def test_arrow_tables_carry_the_hints_dlt_keeps() -> None:
    """
    Each table's schema says what the column hints say (``id`` not nullable, timestamps with
    a time zone, ...), so dlt finds nothing to override batch after batch; only JSON columns
    travel as text, a type dlt cannot read from Arrow.
    """
    from dlt.common.libs.pyarrow import py_arrow_to_table_schema_columns

    for table in (SALES, ACCOUNTING):
        for spec in table.values():
            hints = columns_for(spec, cursor=None, hard_delete=None)
            arrow = PageTables(hints).table([{"id": 1}])
            for name, derived in py_arrow_to_table_schema_columns(arrow.schema).items():
                declared = hints[name]
                if declared["data_type"] == "json":
                    assert "text" == derived["data_type"]
                    continue
                for key, value in derived.items():
                    if declared.get(key) is not None:
                        assert declared[key] == value, (spec.name, name, key)
