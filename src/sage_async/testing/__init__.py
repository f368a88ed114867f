"""
A faithful in-process fake of both Sage APIs, for tests, demos and benchmarks.

:class:`Sandbox` runs an aiohttp server on loopback (an ephemeral port by default) that behaves
like Sage Sales Management v4 and Sage Accounting v3.1 (plus the legacy v3 gateway and the
OAuth endpoints) as ``shared/reference/*/FACTS.md`` describe them, over seeded, lazily generated
records that decode into the generated models with zero drift. Faults (latency, error 900,
5xx, 429 rate limits, connection resets, truncated or slow bodies, an HTML 502, token expiry)
are injected through :attr:`Sandbox.faults`; :attr:`Sandbox.log` records every request::

    from sage_async.testing import Sandbox

    async with Sandbox(seed=1, sales_records=1_000) as sb:
        sb.faults.error_900(every=3, times=2)
        ...  # point a client at sb.sales_url with sb.sales_credentials

Also available as a process (``python -m sage_async.testing --port 8080``) and as a pytest
fixture (``pytest_plugins = ["sage_async.testing.pytest_plugin"]`` gives ``sage_sandbox``).

Modules (all private except the ones re-exported here)::

    _sandbox.py      Sandbox: lifecycle, URLs, credentials, tokens, data helpers
    _server.py       the aiohttp app: middleware (auth, business, rate limits, faults, log)
    _sales.py        Sales Management routes
    _accounting.py   Accounting routes;  _acc_query.py  list parameters;  _oauth.py  OAuth
    _data.py         seeded record generation;  _values.py  field heuristics;  _words.py  words
    _store.py        collections with mutation overlays
    _faults.py       Fault, FaultInjector, RateLimit;  _log.py  RequestLog, LogEntry
    _tokens.py       Clock, credentials, TokenStore;  _http.py  error shapes, page cache
"""

from sage_async.testing._faults import Fault, FaultInjector, FaultKind, RateLimit
from sage_async.testing._log import LogEntry, RequestLog
from sage_async.testing._sandbox import Sandbox
from sage_async.testing._store import Collection, Dataset
from sage_async.testing._tokens import (
    AccountingCredentials,
    Clock,
    SalesCredentials,
    pkce_challenge,
)


__all__ = [
    "AccountingCredentials",
    "Clock",
    "Collection",
    "Dataset",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "LogEntry",
    "RateLimit",
    "RequestLog",
    "SalesCredentials",
    "Sandbox",
    "pkce_challenge",
]
