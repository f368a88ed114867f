"""
The CLI export to JSON Lines: ``sage-async export <api> <resource> --out DIR --format jsonl``.

Run in-process through ``sage_async.cli.main(argv)`` (so imports stay outside the timer, as for
every other variant). The CLI is issue 7's; its connection flags are read from its own
``export --help`` (base URL, credentials, business, rate, concurrency), so this adapter needs no
change when the CLI lands. A flag it cannot find is reported as the variant's error.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks._job import RESOURCE, Job, Outcome
from benchmarks._sandbox import SALES_PRIVATE_KEY, SALES_PUBLIC_KEY


FORMATS = {"export": "jsonl", "export_csv": "csv", "export_parquet": "parquet"}
SUFFIX = {"jsonl": "*.jsonl", "csv": "*.csv", "parquet": "*.parquet"}


def timed_conversion(spent: list[float]) -> None:
    """
    Time the conversion from the JSON Lines staging file (``_formats.finalize``, run in a
    worker thread for CSV and Parquet) into ``spent``: the conversion time is reported beside
    the whole export's (a measurement hook of the benchmark, not a library feature).
    """
    runner = importlib.import_module("sage_async.export._runner")
    finalize = runner.finalize

    def timed(*args: object, **kwargs: object) -> object:
        begun = time.perf_counter()
        try:
            return finalize(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - begun)

    runner.finalize = timed


def available() -> bool:
    """Whether the export CLI exists (``python -m sage_async export`` works)."""
    try:
        return importlib.util.find_spec("sage_async.__main__") is not None and bool(
            importlib.util.find_spec("sage_async.cli")
        )
    except ImportError:
        return False


def cli_main() -> Callable[[Sequence[str]], object]:
    module = importlib.import_module("sage_async.cli")
    main: Callable[[Sequence[str]], object] = module.main
    return main


def call(main: Callable[[Sequence[str]], object], argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code: object = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    return (code if isinstance(code, int) else (0 if code is None else 1)), out.getvalue()


def pick(help_text: str, *candidates: str) -> str | None:
    for flag in candidates:
        if re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text):
            return flag
    return None


def arguments(job: Job, help_text: str, out: Path) -> tuple[list[str], dict[str, str]]:
    """
    The export command line for ``job`` and the environment variables it needs.

    Each setting goes as a flag when ``--help`` lists one, else as the environment variable of
    that name when ``--help`` lists it (credentials are read from the environment).
    """
    fmt = FORMATS[job.variant]
    argv = ["export", job.api, RESOURCE[job.api], "--out", str(out), "--format", fmt]
    if pick(help_text, "--quiet"):
        argv.append("--quiet")
    rate = {"sales": "13", "accounting": f"{200 / 60:.4f}"}[job.api] if job.limited else "1e6"
    wanted: list[tuple[tuple[str, ...], str | None, bool]] = [
        (("--base-url", "--url", "--api-url"), job.base_url, True),
        (("--concurrency",), None if job.limited else str(job.concurrency), True),
        (("--rate",), rate, True),
    ]
    if job.api == "sales":
        wanted += [
            (("--public-key", "SAGE_SALES_PUBLIC_KEY"), SALES_PUBLIC_KEY, True),
            (("--private-key", "SAGE_SALES_PRIVATE_KEY"), SALES_PRIVATE_KEY, True),
        ]
    else:
        wanted += [
            (("--access-token", "SAGE_ACCOUNTING_ACCESS_TOKEN"), job.token, True),
            (("--business", "SAGE_ACCOUNTING_BUSINESS_ID"), job.business, False),
        ]
    env: dict[str, str] = {}
    missing = []
    for names, value, required in wanted:
        if value is None:
            continue
        name = pick(help_text, *names)
        if name is None:
            if required:
                missing.append(names[0])
        elif name.startswith("--"):
            argv += [name, value]
        else:
            env[name] = value
    if missing:
        raise RuntimeError(f"export --help lists no {', '.join(missing)} (see variants/export.py)")
    return argv, env


def records_in(path: Path, fmt: str) -> int:
    """Records in one output file (lines of JSONL; CSV rows; Parquet rows)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if fmt == "csv":
        import csv

        with path.open(newline="", encoding="utf-8") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1  # the header
    lines = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
    return lines


def prepare(job: Job) -> Callable[[], Outcome]:
    if not available():
        raise RuntimeError("the export CLI (python -m sage_async export) does not exist yet")
    main = cli_main()
    code, help_text = call(main, ["export", "--help"])
    if code != 0:
        raise RuntimeError(f"export --help exited {code}: {help_text[-500:]}")
    out = Path(job.work_dir or ".") / f"export-{job.api}"
    argv, env = arguments(job, help_text, out)
    os.environ.update(env)
    fmt = FORMATS[job.variant]
    spent: list[float] = []
    timed_conversion(spent)

    def run() -> Outcome:
        code, output = call(main, argv)
        if code != 0:
            raise RuntimeError(f"export exited {code}: {output[-1000:]}")
        outcome = Outcome()
        outcome.extra["convert_s"] = sum(spent)

        def count() -> int:  # after the timer: records written, and the manifest's counters
            lines = 0
            for path in out.rglob(SUFFIX[fmt]):
                lines += records_in(path, fmt)
            manifest = json.loads((out / "manifest.json").read_text())
            for entry in manifest.get("resources", []):
                outcome.status_429 += int(entry.get("throttled", 0))
                outcome.extra["retries"] = outcome.extra.get("retries", 0) + entry.get("retries", 0)
                outcome.extra["manifest_records"] = entry.get("records")
            return lines

        outcome.count_after = count
        return outcome

    return run
