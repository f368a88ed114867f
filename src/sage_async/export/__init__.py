"""
Bulk export: whole collections, or what changed since the last run, to files, exactly once.

::

    from sage_async import SalesClient
    from sage_async.export import export

    async with SalesClient(public_key=..., private_key=...) as client:
        manifest = await export(client, ["accounts", "contacts"], out_dir="export",
                                since="auto", resume=True)
        manifest.raise_for_status()

What a run leaves in ``out_dir``:

- ``<resource>.jsonl`` (or ``.csv``/``.parquet``) per resource, in place only once the resource
  completed; until then records are staged in ``<resource>.jsonl.part``.
- ``<resource>.deleted.<ext>``: Accounting incremental runs, the records deleted since the
  watermark (``deleted_since``). Sales soft-deleted rows stay in the main file
  (``deleted: true``, ``dateDeleted``).
- ``manifest.json``: the :class:`Manifest`.
- ``checkpoint.json`` while a run is incomplete, and ``watermarks.json`` (both beside the
  ``checkpoint`` path when one is given).
- ``.sage-async.lock``: the lock that keeps a second run out of the directory while one runs
  (released by the operating system when the process ends; the file stays).

Files and rules:

- **Checkpoint** (``_checkpoint``): per stream, the completed pages as a contiguous prefix plus
  the finished pages beyond it, the ``.part`` size after the last durable flush (flush + fsync,
  every ``flush_pages`` pages or ``flush_seconds`` seconds), and the query, written atomically
  (temporary file + ``os.replace``). ``resume=True`` truncates the ``.part`` file to that size
  and skips the completed pages.
- **Watermarks** (``_watermark``): per ``(api, tenant, resource, stream)``, advanced only when
  the resource completes; tie-safe through an overlap window and the ``(id, cursor, digest)``
  entries exported at the boundary (a second change within one timestamp unit differs in
  content, so it is written again).
- **Live collections** (``_repair``): a full Accounting export whose ``$total`` changed during
  the run (records deleted or added shift offset pages) ends with an id-only pass (no
  ``attributes``) and fetches the records the pages skipped, so the file is still exact;
  the manifest counts them as ``recovered``.
- **CSV header** (``_formats``): the model's fields in order (nested models dotted, two levels),
  then every other key found in the data, sorted by name.

Modules (all private)::

    _run.py         export(): argument checks, planning, checkpoint loading
    _runner.py      Runner: the run loop
    _progress.py    Progress: what the progress callback receives
    _neighbours.py  in-run deduplication over neighbouring pages
    _plan.py        streams per resource, argument checks
    _checkpoint.py  PageSet, StreamState, Checkpoint, CheckpointStore
    _watermark.py   Watermark, WatermarkStore, Tracker
    _part.py        PartFile: the durable JSON Lines staging file
    _repair.py      the id-only pass of full Accounting exports of a changing collection
    _formats.py     jsonl / csv / parquet finalizers and flattening
    _manifest.py    Manifest, ResourceReport, StreamReport
    _fs.py          atomic JSON files, directory checks
    _lock.py        one run at a time per output directory (filelock)
"""

from sage_async.export._checkpoint import Checkpoint, CheckpointStore, PageSet, StreamState
from sage_async.export._formats import FORMATS, Format
from sage_async.export._manifest import Manifest, ResourceReport, StreamReport
from sage_async.export._progress import Progress, ProgressCallback
from sage_async.export._run import export
from sage_async.export._watermark import DEFAULT_MARGIN, Tracker, Watermark, WatermarkStore


__all__ = [
    "DEFAULT_MARGIN",
    "FORMATS",
    "Checkpoint",
    "CheckpointStore",
    "Format",
    "Manifest",
    "PageSet",
    "Progress",
    "ProgressCallback",
    "ResourceReport",
    "StreamReport",
    "StreamState",
    "Tracker",
    "Watermark",
    "WatermarkStore",
    "export",
]
