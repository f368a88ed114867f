"""
Mirror a tenant into a database with dlt (``pip install "sage-async[dlt]"``).

::

    import dlt
    from sage_async import SalesClient
    from sage_async.dlt import sales_source

    source = sales_source(lambda: SalesClient(public_key=..., private_key=...),
                          ["accounts", "contacts"])
    pipeline = dlt.pipeline("sage_sales", destination="duckdb", dataset_name="sales")
    pipeline.run(source)

Each resource pages through the library's clients (concurrent, rate-governed, exact paging)
and hands dlt whole pages; dlt merges them on ``id``, keeps the incremental windows in its
resource state and loads into any of its destinations. Importing :mod:`sage_async` does not
import dlt; importing this package does.

Modules (all private)::

    _sales.py       sales_source: lookups flattened, soft deletes removed (or kept as a flag)
    _accounting.py  accounting_source: deleted_since -> delete marks (dlt's hard_delete hint)
    _columns.py     column hints from the models;  _window.py  the incremental window
    _resources.py   which collections exist;  _stats.py  per-table counters for summaries
    _shared.py      one client per run;  _sync.py  sync(): run a pipeline, count what changed
"""

from sage_async.dlt._accounting import accounting_source
from sage_async.dlt._columns import DELETED, TENANT
from sage_async.dlt._resources import listable
from sage_async.dlt._sales import sales_source
from sage_async.dlt._stats import SyncStats, TableStats
from sage_async.dlt._sync import TableChange, sync


__all__ = [
    "DELETED",
    "TENANT",
    "SyncStats",
    "TableChange",
    "TableStats",
    "accounting_source",
    "listable",
    "sales_source",
    "sync",
]
