"""
Filters, sorting and list parameters: an injection-safe builder and a parser for ``where``.

Sales Management lists take SQL-like ``where`` text and an ``order`` field; Accounting lists
take typed query parameters. Build filters with :data:`F` (or a resource's checked
``fields``), combine them with ``&``, ``|`` and ``~``, and send ``str(expr)``::

    from sage_async.filters import F, parse

    since = F.date_updated > datetime(2025, 1, 1, tzinfo=UTC)
    expr = since | (F.date_created > datetime(2025, 1, 1, tzinfo=UTC))
    str(expr)  # "(dateUpdated > '2025-01-01T00:00:00Z' OR dateCreated > '2025-01-01T00:00:00Z')"
    parse(str(expr)) == expr  # True

Modules (all private)::

    _values.py      field names, literal rendering and escaping
    _ast.py         Where and its nodes, Literal, and_/or_
    _builder.py     F, Field, escape_like
    _parser.py      parse
    _evaluate.py    compile_predicate (what the sandbox runs)
    _order.py       Order, order_by, parse_order
    _fields.py      Fields, fields_for (checked against generated models)
    _sales.py       sales_params
    _accounting.py  accounting_params
"""

from sage_async.filters._accounting import accounting_params
from sage_async.filters._ast import And, Comparison, Literal, Not, NullCheck, Or, Where, and_, or_
from sage_async.filters._builder import F, Field, escape_like
from sage_async.filters._evaluate import compile_predicate
from sage_async.filters._fields import Fields, fields_for
from sage_async.filters._order import Order, order_by, parse_order
from sage_async.filters._parser import parse
from sage_async.filters._sales import sales_params


__all__ = [
    "And",
    "Comparison",
    "F",
    "Field",
    "Fields",
    "Literal",
    "Not",
    "NullCheck",
    "Or",
    "Order",
    "Where",
    "accounting_params",
    "and_",
    "compile_predicate",
    "escape_like",
    "fields_for",
    "or_",
    "order_by",
    "parse",
    "parse_order",
    "sales_params",
]
