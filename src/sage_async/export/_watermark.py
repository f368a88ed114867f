"""
Tie-safe incremental-sync watermarks (PEERS §4.6).

Strictly private; :class:`Watermark` and :class:`WatermarkStore` are re-exported from
:mod:`sage_async.export`.

A watermark belongs to one ``(api, tenant, resource, stream)`` and holds a timestamp ``value``
plus the ``(id, cursor, digest)`` entries already exported with a cursor at or after
``value - margin``; the digest is a BLAKE2b hash of the record's canonical JSON (keys sorted).
The rule, for a stream whose cursor is the record's last-change time (Sales ``dateUpdated`` or
``dateDeleted``, Accounting ``updated_at``/``created_at``, or ``deleted_at`` for deletes):

1. The next run asks for everything changed since ``window = value - margin`` (the overlap
   window; ``margin`` also absorbs clock skew between this machine and the API). Inclusive
   parameters (Accounting ``updated_or_created_since``, Sales ``>=``) are sent as ``window``;
   the exclusive ``deleted_since`` is sent one second earlier, so nothing at ``window`` is lost.
2. A record is written unless its cursor is before ``window`` (asked for by rounding only) or
   its ``(id, cursor, digest)`` entry is in the stored set (exported by the previous run). A
   record changed again is written again: that is a new version, not a duplicate. Usually the
   new version has a new cursor; the digest catches a second change within one timestamp unit
   (Accounting stamps ``updated_at`` in whole seconds), which keeps the cursor.
3. When the stream completes, ``value`` becomes ``min(highest cursor seen, run start -
   margin)`` but never less than the previous value, and the pairs seen at or after the new
   ``value - margin`` are stored with it. Capping by the run start keeps records changed while
   the run was reading other pages inside the next window. A run that saw no record keeps the
   previous watermark.

Version 1 files stored ``(id, cursor)`` pairs without a digest: they are still read, and such
an entry matches any content (what version 1 did), until the next run replaces it.

So records sharing the boundary timestamp are never lost (the window reaches back past them)
and never duplicated (their entries are stored); the set stays small because it holds only
the records of the last ``margin`` before the watermark.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import attrs
import orjson

from sage_async._errors import UsageError
from sage_async.export._fs import read_json, write_json_atomic


__all__ = [
    "DEFAULT_MARGIN",
    "Tracker",
    "Watermark",
    "WatermarkStore",
    "cursor_text",
    "digest",
    "parse_instant",
    "watermark_key",
]

DEFAULT_MARGIN: Final = timedelta(seconds=60)
VERSION: Final = 2
Pair = tuple[str, str]
Entry = tuple[str, str, str]  # (id, cursor, digest); digest "" = unknown (a version-1 file)


def digest(record: Mapping[str, Any]) -> str:
    """A short fingerprint of a record's content: BLAKE2b of its JSON with sorted keys."""
    # default=str: only stability matters here (a Decimal hashes by its exact text).
    text = orjson.dumps(record, default=str, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(text, digest_size=12).hexdigest()


def parse_instant(value: Any) -> datetime | None:
    """Parse an API timestamp (``...Z``, an offset, 0-6 fractional digits) to aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    zone = parsed.tzinfo
    if zone is None:
        return parsed.replace(tzinfo=UTC)  # the APIs send UTC; a bare time is read as UTC
    return parsed if zone is UTC else parsed.astimezone(UTC)


def cursor_text(value: datetime) -> str:
    """The canonical text of a cursor, so that one instant always gives one pair."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def watermark_key(api: str, tenant: str, resource: str, kind: str) -> str:
    """The key of one stream's watermark: ``sales/sales:3f2a.../accounts/upserts``."""
    return f"{api}/{tenant}/{resource}/{kind}"


@attrs.frozen
class Watermark:
    """
    Where the last complete run of one stream got to.

    Attributes:
        value: the watermark instant (aware, UTC).
        seen: ``(id, cursor, digest)`` entries already exported with a cursor at or after
            ``value - margin`` (digest ``""``: read from a version-1 file, matches any).
    """

    value: datetime
    seen: frozenset[Entry] = frozenset()

    def window(self, margin: timedelta) -> datetime:
        """The start of the next run's overlap window."""
        return self.value - margin

    def to_json(self) -> dict[str, Any]:
        """The JSON form: ``{"value": iso, "seen": [[id, cursor, digest], ...]}`` (sorted)."""
        return {"value": cursor_text(self.value), "seen": sorted(list(e) for e in self.seen)}

    @classmethod
    def from_json(cls, data: Any) -> Watermark:
        """Read the JSON form back."""
        value = parse_instant(data.get("value")) if isinstance(data, Mapping) else None
        if value is None:
            raise UsageError(f"a stored watermark is damaged: {data!r}")
        seen: Iterable[Any] = data.get("seen", ())
        try:
            entries = frozenset(_entry(item) for item in seen)
        except (TypeError, ValueError):
            raise UsageError(f"a stored watermark is damaged: {data!r}") from None
        return cls(value=value, seen=entries)


def _entry(item: Any) -> Entry:
    """An ``[id, cursor, digest]`` entry, or a version-1 ``[id, cursor]`` pair."""
    ident, cursor, *rest = item
    if len(rest) > 1:
        raise ValueError(item)
    return (str(ident), str(cursor), str(rest[0]) if rest else "")


@attrs.define
class WatermarkStore:
    """The watermarks of every stream, in one JSON file written atomically."""

    path: Path

    def load(self) -> dict[str, Watermark]:
        """Return every stored watermark by key."""
        data = read_json(self.path)
        if data is None:
            return {}
        marks = data.get("watermarks") if isinstance(data, Mapping) else None
        if not isinstance(marks, Mapping):
            raise UsageError(f"{self.path} is not a watermark file; delete it")
        if data.get("version", 1) not in (1, VERSION):
            raise UsageError(
                f"{self.path} was written by a newer sage-async (watermark version "
                f"{data.get('version')!r}); upgrade, or delete it to export everything again"
            )
        return {str(k): Watermark.from_json(v) for k, v in marks.items()}

    def get(self, key: str) -> Watermark | None:
        """Return the watermark stored under ``key``, if any."""
        return self.load().get(key)

    def put(self, marks: Mapping[str, Watermark]) -> None:
        """Store ``marks`` (others are kept), atomically."""
        merged = self.load()
        merged.update(marks)
        document = {
            "version": VERSION,
            "watermarks": {k: merged[k].to_json() for k in sorted(merged)},
        }
        write_json_atomic(self.path, document)


class Tracker:
    """
    Follows one stream's cursors during a run: drops what the previous run exported and
    computes the next watermark. See the module docstring for the rule.

    Args:
        fields: the wire names whose latest parseable value is the record's cursor.
        margin: the overlap window and clock-skew margin.
        started: when the run started (this machine's clock, UTC).
        previous: the stored watermark the run starts from (incremental runs only).
        window: records with a cursor before this are not written (``None``: all are).
    """

    def __init__(
        self,
        *,
        fields: tuple[str, ...],
        margin: timedelta,
        started: datetime,
        previous: Watermark | None = None,
        window: datetime | None = None,
    ) -> None:
        self.fields = fields
        self.margin = margin
        self.cap = started - margin
        self.previous = previous
        self.window = window
        self.high: datetime | None = None
        self._threshold_at: datetime | None = None  # _threshold(), cached until high changes
        self._seen: dict[Entry, datetime] = {}
        self._prune_at = 1024
        self._exported: dict[Pair, set[str]] = {}
        for ident, text, fingerprint in previous.seen if previous else ():
            self._exported.setdefault((ident, text), set()).add(fingerprint)

    def cursor(self, record: Mapping[str, Any]) -> datetime | None:
        """Return the record's cursor: the latest of its cursor fields."""
        latest = None
        for name in self.fields:
            value = parse_instant(record.get(name))
            if value is not None and (latest is None or value > latest):
                latest = value
        return latest

    def admit(self, record: Mapping[str, Any]) -> bool:
        """
        Observe a record and return whether to write it.

        A record without an id or a cursor is always written (and not tracked).
        """
        cursor = self.cursor(record)
        ident = record.get("id")
        if cursor is None or ident is None:
            return True
        return self._admit(record, ident, cursor)

    def admit_all(self, records: Iterable[Mapping[str, Any]]) -> list[Any]:
        """
        Observe records in order and return those to write: :meth:`admit` for each, with the
        common case (a record far from the boundary, no earlier run to compare with) handled
        without a call per record.
        """
        kept: list[Any] = []
        if self._exported:
            return [record for record in records if self.admit(record)]
        fields, window, fromisoformat = self.fields, self.window, datetime.fromisoformat
        for record in records:
            cursor = None  # self.cursor(record), inline: a call per record costs as much
            for name in fields:
                value = record.get(name)
                if value is None:
                    continue
                if value.__class__ is str:  # parse_instant(value), inline
                    try:
                        value = fromisoformat(value)
                    except ValueError:
                        continue
                    zone = value.tzinfo
                    if zone is None:
                        value = value.replace(tzinfo=UTC)
                    elif zone is not UTC:
                        value = value.astimezone(UTC)
                else:
                    value = parse_instant(value)
                if value is not None and (cursor is None or value > cursor):
                    cursor = value
            ident = record.get("id")
            if cursor is None or ident is None:
                kept.append(record)
                continue
            high, threshold = self.high, self._threshold_at
            if high is not None and cursor <= high and threshold is not None and cursor < threshold:
                if window is None or cursor >= window:  # what _admit answers here
                    kept.append(record)
            elif self._admit(record, ident, cursor):
                kept.append(record)
        return kept

    def _admit(self, record: Mapping[str, Any], ident: Any, cursor: datetime) -> bool:
        before = self.window is not None and cursor < self.window
        if self.high is None or cursor > self.high:
            self.high = cursor
            self._threshold_at = None
        threshold = self._threshold_at
        if threshold is None:
            threshold = self._threshold_at = self._threshold()
        keep = cursor >= threshold
        if not keep and not self._exported:
            return not before  # far from the boundary, nothing exported before: no text needed
        ident_text, text = str(ident), cursor_text(cursor)
        fingerprints = self._exported.get((ident_text, text))
        # The digest costs a serialisation: only records at the boundary need one.
        fingerprint = digest(record) if keep or fingerprints else ""
        exported = fingerprints is not None and ("" in fingerprints or fingerprint in fingerprints)
        if keep:
            self._seen[(ident_text, text, fingerprint)] = cursor
            if len(self._seen) >= self._prune_at:
                self._prune()
        return not (before or exported)

    def _threshold(self) -> datetime:
        value = self.value()
        return datetime.min.replace(tzinfo=UTC) if value is None else value - self.margin

    def _prune(self) -> None:
        threshold = self._threshold()
        self._seen = {p: c for p, c in self._seen.items() if c >= threshold}
        self._prune_at = max(1024, 2 * len(self._seen))

    def value(self) -> datetime | None:
        """The watermark the run has reached so far (``None`` with nothing seen, no previous)."""
        if self.high is None:
            return self.previous.value if self.previous else None
        value = min(self.high, self.cap)
        if self.previous is not None:
            value = max(value, self.previous.value)
        return value

    def result(self) -> Watermark | None:
        """The watermark to store when the stream completes."""
        value = self.value()
        if value is None:
            return None
        if self.high is None and self.previous is not None:
            return self.previous
        threshold = value - self.margin
        return Watermark(value, frozenset(e for e, c in self._seen.items() if c >= threshold))

    # --- checkpointing ----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The accumulator's state, saved in the checkpoint with each durable flush."""
        threshold = self._threshold()
        return {
            "high": None if self.high is None else cursor_text(self.high),
            "seen": sorted(list(e) for e, t in self._seen.items() if t >= threshold),
        }

    def restore(self, data: Mapping[str, Any] | None) -> None:
        """Continue from a state saved by :meth:`to_json` (a resumed run)."""
        if not data:
            return
        self.high = parse_instant(data.get("high"))
        self._threshold_at = None
        for item in data.get("seen", ()):
            entry = _entry(item)
            cursor = parse_instant(entry[1])
            if cursor is not None:
                self._seen[entry] = cursor
