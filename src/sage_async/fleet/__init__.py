"""
Export a fleet of tenants on a Dask cluster: one task per tenant, exact and resumable.

::

    from sage_async.fleet import export_fleet

    manifest = export_fleet("fleet.toml", "/shared/export", scheduler="tcp://10.0.0.5:8786")
    manifest.raise_for_status()

Each tenant's whole export runs in one worker thread, in its own event loop, with a fresh
governor registry, into ``<out>/<label>/``; Dask re-runs a task that failed or whose worker died
and it resumes from the tenant's checkpoint. ``fleet-manifest.json`` reports every tenant. Needs
the ``fleet`` extra (``pip install "sage-async[fleet]"``); Dask is imported only when a fleet runs.
See ``docs/fleet.md``.

Modules (all private)::

    _spec.py     the fleet file: Fleet, TenantSpec, load_fleet (TOML), checks
    _task.py     run_tenant: one tenant's export, the Dask task (runs on a worker)
    _report.py   TenantReport, FleetManifest
    _run.py      export_fleet: cluster, submission, progress, the fleet manifest
"""

from sage_async.fleet._report import FleetManifest, TenantReport
from sage_async.fleet._run import export_fleet
from sage_async.fleet._spec import Fleet, TenantSpec, load_fleet, parse_fleet
from sage_async.fleet._task import TenantIncomplete, run_tenant


__all__ = [
    "Fleet",
    "FleetManifest",
    "TenantIncomplete",
    "TenantReport",
    "TenantSpec",
    "export_fleet",
    "load_fleet",
    "parse_fleet",
    "run_tenant",
]
