"""
The progress display of ``sage-async export``: one line per stream on stderr.

On a terminal the line is redrawn in place (at most ten times a second) with a bar and an ETA
where the API announced a total (Accounting ``$total``); elsewhere (a pipe, a CI log) a plain
line is printed every few seconds and when a stream completes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from sage_async.export import Progress


__all__ = ["ProgressDisplay", "describe"]

BAR = 20


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def describe(progress: Progress, *, bar: bool) -> str:
    """One line describing ``progress``: records, pages, pages/s, and a bar and ETA if known."""
    rate = progress.session_pages / progress.elapsed if progress.elapsed > 0 else 0.0
    parts = [progress.stream]
    total = progress.pages_total
    if total and bar:
        share = min(1.0, progress.pages / total)
        filled = int(share * BAR)
        parts.append(f"[{'#' * filled}{'.' * (BAR - filled)}] {share:4.0%}")
    records = f"{progress.records:,} records"
    if progress.records_total is not None:
        records = f"{progress.records:,}/{progress.records_total:,} records"
    parts += [records, f"{progress.pages:,} pages", f"{rate:,.1f} pages/s"]
    if progress.done:
        parts.append(f"done in {_duration(progress.elapsed)}")
    elif total and rate > 0:
        parts.append(f"ETA {_duration(max(0, total - progress.pages) / rate)}")
    return "  ".join(parts)


class ProgressDisplay:
    """
    A ``progress`` callback for :func:`sage_async.export.export` that draws on ``stream``.

    Args:
        stream: where to draw (stderr).
        tty: redraw in place; default: whether ``stream`` is a terminal.
        interval: seconds between two drawings of the same stream (default 0.1 on a terminal,
            5 elsewhere); a completed stream is always drawn.
        clock: monotonic clock (tests inject one).
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.interval = interval if interval is not None else (0.1 if self.tty else 5.0)
        self._clock = clock
        self._last: dict[str, float] = {}
        self._open = False  # a line is drawn without its newline (terminal)

    def __call__(self, progress: Progress) -> None:
        now = self._clock()
        last = self._last.get(progress.stream)
        if not progress.done and last is not None and now - last < self.interval:
            return
        if last is None and not progress.done and not self.tty:
            self._last[progress.stream] = now  # the first line comes after one interval
            return
        self._last[progress.stream] = now
        line = describe(progress, bar=self.tty)
        if self.tty:
            self.stream.write(f"\r\x1b[K{line}")
            self._open = not progress.done
            if progress.done:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End a line left open (an interrupted stream) so that messages start on their own."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
