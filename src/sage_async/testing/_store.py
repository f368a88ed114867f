"""
The sandbox's data: seeded collections plus an overlay of mutations, per tenant.

A :class:`Collection` is ``n`` seeded records (built on demand by a
:class:`~sage_async.testing._data.RecordFactory`) plus a small overlay holding every record that
was created, updated or deleted since start. Only the overlay holds dicts, so memory grows with
the number of mutations, never with ``n``. Every mutation bumps :attr:`Collection.version`, which
keys the caches of filtered index lists and rendered pages, and stamps the record's audit fields
(``dateUpdated``/``updated_at``...) from the sandbox clock.

Deletes follow the FACTS: Sales Management keeps deleted rows in lists with ``deleted: true`` and
``dateDeleted`` (sales FACTS "Soft delete"); Accounting removes them from lists and item GETs and
shows them only to ``deleted_since`` (accounting FACTS section 5).
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from sage_async._converter import _field_infos
from sage_async._resource_spec import ResourceSpec
from sage_async.testing import _words as w
from sage_async.testing._data import RecordFactory


__all__ = ["Collection", "Dataset"]

_SPECIAL: Final = {
    "supplier": "contacts",
    "customer": "contacts",
    "rep": "users",
    "owner": "users",
    "manager": "users",
}
INDEX_CACHE: Final = 16
SUMMARY: Final = ("id", "displayed_as", "$path")


def _plurals(word: str) -> list[str]:
    forms = [word + "s", word + "es"]
    if word.endswith("y"):
        forms.append(word[:-1] + "ies")
    return forms


class Collection:
    """
    One resource of one tenant: seeded records, overlay, deletes and a version counter.

    Args:
        factory: builds the seeded records.
        size: how many records are seeded.
        clock: returns the current time (audit timestamps of mutations).
    """

    def __init__(self, factory: RecordFactory, size: int, clock: Callable[[], datetime]) -> None:
        self.factory = factory
        self.spec: ResourceSpec = factory.spec
        self.seeded = size
        self.total = size
        self.version = 0
        self.overlay: dict[int, dict[str, Any]] = {}
        self.deleted: dict[int, float] = {}  # Accounting hard deletes: index -> POSIX time
        self._dels: list[int] = []
        self._clock = clock
        self._indexes: OrderedDict[Any, array[int]] = OrderedDict()
        infos = _field_infos(self.spec.model)
        self.kinds = {info.wire: info.kind for info in infos}
        self.wires = frozenset(self.kinds)
        self._full_summary = self.wires.issuperset(SUMMARY)
        self._fmt = w.iso_sales if factory.api == "sales" else w.iso_accounting
        stamps: dict[str, list[str]] = {"created": [], "updated": [], "deleted": []}
        for info in infos:
            if info.kind == "datetime":
                for word, wires in stamps.items():
                    if word in info.wire.lower():
                        wires.append(info.wire)
        self._stamps = stamps

    # --- reading ----------------------------------------------------------------------------

    def live_count(self) -> int:
        """Return the number of records a list shows (Accounting leaves out deleted ones)."""
        return self.total - len(self._dels)

    def get(self, i: int) -> dict[str, Any] | None:
        """Return record ``i`` (overlay first), or ``None`` past the end."""
        record = self.overlay.get(i)
        if record is not None:
            return record
        return self.factory.record(i) if 0 <= i < self.seeded else None

    def summary(self, i: int) -> dict[str, Any]:
        """Return the Accounting summary ``{id, displayed_as, $path}`` of record ``i``."""
        record = self.overlay.get(i)
        if record is not None:
            return {k: record[k] for k in SUMMARY if k in record}
        rid = self.factory.record_id(i)
        if self._full_summary:
            return {
                "id": rid,
                "displayed_as": self.factory.display(i),
                "$path": self.factory.path_of(rid),
            }
        found = {
            "id": rid,
            "displayed_as": self.factory.display(i),
            "$path": self.factory.path_of(rid),
        }
        return {k: found[k] for k in SUMMARY if k in self.wires}

    def index_of(self, record_id: str) -> int | None:
        """Return the index of an existing record id (deleted ones included), else ``None``."""
        i = self.factory.index_of(record_id)
        return i if i is not None and 0 <= i < self.total else None

    def live_index(self, position: int) -> int:
        """Return the index of the ``position``-th (0-based) record not hard-deleted."""
        if not self._dels:
            return position
        i = position
        while True:  # least fixed point of i = position + deleted-at-or-below(i)
            nxt = position + bisect.bisect_right(self._dels, i)
            if nxt == i:
                return i
            i = nxt

    def live_range(self, start: int, count: int) -> Iterator[int]:
        """Yield the indices of ``count`` live records starting at live position ``start``."""
        i = self.live_index(start)
        while count > 0 and i < self.total:
            if i not in self.deleted:
                yield i
                count -= 1
            i += 1

    def candidates(self, since: float | None) -> Iterator[int]:
        """
        Yield every index that can hold a record updated at or after ``since``.

        Seeded record ``i`` is updated at most 30 days after ``2015-01-01 + 30 s * i``
        (see ``_data``), so only indices from a bound onwards and the overlay can qualify.
        """
        start = (
            0 if since is None else min(self.seeded, self.factory.first_index_updated_since(since))
        )
        yield from sorted(i for i in self.overlay if i < start)
        yield from range(start, self.total)

    def cached_index(self, key: Any, build: Callable[[], array[int]]) -> array[int]:
        """Return the index list cached for ``(key, version)``, building it when missing."""
        full = (key, self.version)
        found = self._indexes.get(full)
        if found is None:
            found = build()
            self._indexes[full] = found
            while len(self._indexes) > INDEX_CACHE:
                self._indexes.popitem(last=False)
        else:
            self._indexes.move_to_end(full)
        return found

    # --- mutating ---------------------------------------------------------------------------

    def _stamp(self, record: dict[str, Any], *words: str) -> None:
        now = self._clock().timestamp()
        for word in words:
            for wire in self._stamps[word]:
                record[wire] = self._fmt(now)

    def create(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Append a record: seeded defaults for the fields not given, audit times = now."""
        i = self.total
        record = self.factory.record(i)
        record.update(fields)
        for key in ("deleted", "dateDeleted", "deleted_at"):
            if key in record:
                record[key] = False if key == "deleted" else None
        self._stamp(record, "created", "updated")
        self.overlay[i] = record
        self.total += 1
        self.version += 1
        return record

    def update(self, i: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a partial update to record ``i`` and stamp its update time."""
        record = dict(self.get(i) or {})
        record.update(fields)
        self._stamp(record, "updated")
        self.overlay[i] = record
        self.version += 1
        return record

    def delete(self, i: int) -> None:
        """Soft-delete (Sales) or hard-delete (Accounting) record ``i``."""
        record = dict(self.get(i) or {})
        if self.factory.api == "sales":
            record["deleted"] = True
            self._stamp(record, "deleted", "updated")
        else:
            self._stamp(record, "deleted")
            self.deleted[i] = self._clock().timestamp()
            bisect.insort(self._dels, i)
        self.overlay[i] = record
        self.version += 1


class Dataset:
    """
    Every resource of one tenant (the Sales account, or one Accounting business).

    Args:
        api: ``"sales"`` or ``"accounting"``.
        resources: the generated ``RESOURCES`` table.
        seed: the sandbox seed.
        tenant: the tenant label (part of the seed of every record).
        sizes: records per resource.
        clock: the sandbox clock.
    """

    def __init__(
        self,
        api: str,
        resources: Mapping[str, ResourceSpec],
        seed: int,
        tenant: str,
        sizes: Mapping[str, int],
        clock: Callable[[], datetime],
    ) -> None:
        self.api = api
        self.tenant = tenant
        self.resources = resources
        self._sizes = dict(sizes)
        self._targets: dict[tuple[str, str], str | None] = {}
        # Sales names are snake_case but paths camelCase (accountStatuses): match either.
        self._names = {spec.path.strip("/"): name for name, spec in resources.items()}
        self._names.update({name: name for name in resources})
        self._linked: dict[tuple[str, int], tuple[int | str, str, str]] = {}
        self.collections = {
            name: Collection(RecordFactory(api, spec, seed, tenant, self), self._sizes[name], clock)
            for name, spec in resources.items()
        }

    def __getitem__(self, resource: str) -> Collection:
        return self.collections[resource]

    def size(self, resource: str) -> int:
        """Return the seeded size of ``resource`` (0 when unknown)."""
        return self._sizes.get(resource, 0)

    def linked(self, resource: str, j: int) -> tuple[int | str, str, str]:
        """Return ``(id, display, path)`` of seeded record ``j`` of ``resource`` (cached)."""
        key = (resource, j)
        found = self._linked.get(key)
        if found is None:
            factory = self.collections[resource].factory
            rid = factory.record_id(j)
            found = (rid, factory.display(j), factory.path_of(rid))
            self._linked[key] = found
        return found

    def target_for(self, owner: str, wire: str) -> str | None:
        """Guess which resource a reference field points at (``statusId`` → ``accountStatuses``)."""
        key = (owner, wire)
        if key not in self._targets:
            self._targets[key] = self._guess(owner, wire)
        return self._targets[key]

    def _guess(self, owner: str, wire: str) -> str | None:
        base = re.sub(r"(_id|Id\d*)$", "", wire)
        words = [p.lower() for p in re.findall(r"[A-Za-z][a-z0-9]*", base.replace("_", " "))]
        if not words:
            return None
        forms: list[str] = []
        head = w.singular(self.resources[owner].path.strip("/"))
        camel_all = words[0] + "".join(p.title() for p in words[1:])
        forms += _plurals(head + camel_all[:1].upper() + camel_all[1:])
        for k in range(len(words)):
            tail = words[k:]
            forms += _plurals("_".join(tail))
            forms += _plurals(tail[0] + "".join(p.title() for p in tail[1:]))
        for form in forms:
            name = self._names.get(form)
            if name is not None and self._sizes.get(name):
                return name
        special = _SPECIAL.get(words[-1])
        return special if special in self.collections and self._sizes.get(special) else None


def now_utc() -> datetime:
    """Return the current UTC time (the default clock)."""
    return datetime.now(UTC)
