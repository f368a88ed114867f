"""
The progress display of ``sage-async`` on stderr, drawn with ``rich.progress``.

On a terminal: one live row per stream, fitted to the terminal's width. An Accounting stream
(its ``$total`` is known after the first page) shows a bar, pages of the total, records/s and
an ETA; a Sales stream (no total) shows records, pages and records/s. A conversion to CSV or
Parquet shows as its own phase. Elsewhere (a pipe, a CI log) a plain line per stream every few
seconds and when it completes, never wider than the width given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as RichProgress,
)

from sage_async.export import Progress


__all__ = ["ProgressDisplay", "describe"]


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _rate(progress: Progress) -> float:
    """Records per second of this session (pages are the same size but the last)."""
    if progress.elapsed <= 0 or not progress.pages:
        return 0.0
    per_page = progress.records / progress.pages
    return progress.session_pages * per_page / progress.elapsed


def describe(progress: Progress, *, width: int = 80) -> str:
    """
    One plain line describing ``progress`` (for logs): the stream, its phase, records (of the
    total when known), pages, records/s, and the ETA or the time it took; cut to ``width``.
    """
    parts = [
        progress.stream if progress.phase == "fetch" else f"{progress.stream} {progress.phase}"
    ]
    records = f"{progress.records:,} records"
    if progress.records_total is not None:
        records = f"{progress.records:,}/{progress.records_total:,} records"
    parts += [records, f"{progress.pages:,} pages", f"{_rate(progress):,.0f} rec/s"]
    if progress.done:
        parts.append(f"done in {_duration(progress.elapsed)}")
    elif progress.pages_total and progress.session_pages and progress.elapsed > 0:
        pace = progress.session_pages / progress.elapsed
        parts.append(f"ETA {_duration(max(0, progress.pages_total - progress.pages) / pace)}")
    line = "  ".join(parts)
    return line if len(line) <= width else line[: max(1, width - 1)] + "…"


class ProgressDisplay:
    """
    A ``progress`` callback for :func:`sage_async.export.export` drawing on ``stream``.

    Args:
        stream: where to draw (stderr).
        tty: draw live rows; default: whether ``stream`` is a terminal.
        width: the width to fit (default: the terminal's, or 80 for logs).
        interval: seconds between two plain lines of one stream (logs only; default 5).
        clock: monotonic clock (tests inject one).
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool | None = None,
        width: int | None = None,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}
        self._tasks: dict[str, TaskID] = {}
        self._rich: RichProgress | None = None
        self.console = Console(
            file=stream, width=width, force_terminal=self.tty, stderr=True, highlight=False
        )
        self.width = self.console.width if width is None and self.tty else (width or 80)

    def __call__(self, progress: Progress) -> None:
        if self.tty:
            self._draw(progress)
        else:
            self._log(progress)

    # --- a terminal: rich live rows ------------------------------------------------------------

    def _draw(self, progress: Progress) -> None:
        if self._rich is None:
            self._rich = RichProgress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(bar_width=None),
                MofNCompleteColumn(),
                TextColumn("{task.fields[records]}"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
                expand=False,
            )
            self._rich.start()
        key = f"{progress.stream}:{progress.phase}"
        label = (
            progress.stream
            if progress.phase == "fetch"
            else f"{progress.stream} ({progress.phase})"
        )
        records = f"{progress.records:,} rec"
        rate = f"{_rate(progress):,.0f}/s"
        task = self._tasks.get(key)
        if task is None:
            task = self._rich.add_task(label, total=None, records=records, rate=rate)
            self._tasks[key] = task
        # Sales announces no total: the bar pulses and the count is pages; Accounting fills it.
        self._rich.update(
            task, completed=progress.pages, total=progress.pages_total, records=records, rate=rate
        )
        if progress.done:
            self._rich.update(task, total=progress.pages, completed=progress.pages)
            self._rich.stop_task(task)

    # --- logs: plain lines -----------------------------------------------------------------------

    def _log(self, progress: Progress) -> None:
        now = self._clock()
        key = f"{progress.stream}:{progress.phase}"
        last = self._last.get(key)
        if not progress.done and (last is None or now - last < self.interval):
            if last is None:
                self._last[key] = now  # the first line comes after one interval
            return
        self._last[key] = now
        self.stream.write(describe(progress, width=self.width) + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Stop the live display, leaving its last state on screen."""
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
