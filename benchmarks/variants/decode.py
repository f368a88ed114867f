"""The decode micro-benchmark (``benchmarks/decode.py``) as a runner job, in a fresh process."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

from benchmarks import decode
from benchmarks._job import Job, Outcome


def prepare(job: Job) -> Callable[[], Outcome]:
    def run() -> Outcome:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            figures = decode.main(job.decode_rounds, job.decode_pages)
        records = job.decode_rounds * job.decode_pages * 200 * 3
        return Outcome(records=records, extra={**figures, "printed": printed.getvalue()})

    return run
