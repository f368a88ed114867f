"""
Run the benchmarks and write ``benchmarks/RESULTS.md``: ``python -m benchmarks [options]``.

``nox -s bench`` runs this with the defaults (5 rounds, 100,000 records per API; about 40
minutes on a quiet 2-core machine). ``--quick`` is a smoke run: 1 round, 10,000 records.
``--full`` adds the 1,000,000-record memory scenario.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import shlex
import sys
import tempfile
from pathlib import Path

import attrs

import sage_async
from benchmarks._peer import generate
from benchmarks._report import Context, write
from benchmarks._runner import Runner
from benchmarks._scenarios import Settings, scenarios
from benchmarks.variants.export import available as export_available


HERE = Path(__file__).resolve().parent
NAMES = ("cpu", "lat50", "lat300", "rate", "million", "decode")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="1 round, 10,000 records (smoke run)")
    p.add_argument("--full", action="store_true", help="add the 1,000,000-record RSS scenario")
    p.add_argument("--rounds", type=int, help="interleaved rounds (default 5)")
    p.add_argument("--records", type=int, help="records per API at 0 ms (default 100,000)")
    p.add_argument("--latency-records", type=int, help="records under latency (default 20,000)")
    p.add_argument("--rate-records", type=int, help="Sales records under rate limits")
    p.add_argument("--rate-accounting-records", type=int, help="same, Accounting (20,000)")
    p.add_argument("--million", type=int, help="records of the --full scenario (1,000,000)")
    p.add_argument(
        "--only", action="append", choices=NAMES, help="run only these scenarios (repeatable)"
    )
    p.add_argument("--page-cache-mb", type=int, help="sandbox page cache (default 1536)")
    p.add_argument("--seed", type=int, default=0, help="sandbox data and shuffle seed")
    p.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="results file")
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    base = Settings.quick() if args.quick else Settings()
    changes = {
        "rounds": args.rounds,
        "records": args.records,
        "latency_records": args.latency_records,
        "rate_sales_records": args.rate_records,
        "rate_accounting_records": args.rate_accounting_records,
        "million": args.million,
        "page_cache_mb": args.page_cache_mb,
    }
    settings = attrs.evolve(base, **{k: v for k, v in changes.items() if v is not None})
    return attrs.evolve(
        settings,
        full=args.full or bool(args.only and "million" in args.only),
        only=tuple(args.only or ()),
        seed=args.seed,
    )


def log(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    settings = settings_from(args)
    started, load_before = dt.datetime.now(dt.UTC), loadavg()
    export = export_available()
    chosen = scenarios(settings, export=export)
    # Clients load the package from bytecode, as an installed package does: compiling the
    # generated models from source in every fresh process would add to each one's peak RSS.
    compileall.compile_dir(Path(sage_async.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory(prefix="sage-bench-peer-") as peer_tmp:
        peer = generate(Path(peer_tmp))
        peer_note = (
            f"openapi-python-client {peer.version} generated `sage_peer_sales` and "
            f"`sage_peer_accounting` from `openapi/*.yaml` unchanged into a temporary directory "
            f"in {peer.seconds:.1f} s"
            + (f" (warnings: {'; '.join(peer.warnings)})" if peer.warnings else "")
            if peer.problem is None
            else f"not measured: {peer.problem}"
        )
        log(f"peer: {peer_note}")
        runner = Runner(peer_dir=peer.directory, log=log, seed=settings.seed)
        runner.idle()
        for scenario in chosen:
            runner.scenario(scenario)
        if not settings.only or "decode" in settings.only:
            runner.decode(settings.decode_rounds, settings.decode_pages)
    context = Context(
        settings=settings,
        scenarios=tuple(chosen),
        command="python -m benchmarks " + shlex.join(argv if argv is not None else sys.argv[1:]),
        started=started,
        finished=dt.datetime.now(dt.UTC),
        load_before=load_before,
        load_after=loadavg(),
        peer_note=peer_note,
        export_note=(
            "measured in-process through `sage_async.cli.main` (`export <api> <resource> --out DIR "
            "--format jsonl --quiet --base-url ... --rate ... --concurrency 16`, credentials in "
            "the environment); records counted from the JSONL after the timer"
            if export
            else "not measured: `python -m sage_async export` does not exist in this checkout"
        ),
        server_note=(
            "Its rendered-page cache is sized to hold every page of the 0 ms and latency "
            "scenarios (`--page-cache-mb`), which are warmed up before round 1, so the server "
            "serves cached bytes as in PERF-BASELINE; the 1,000,000-record scenario runs "
            "uncached. The package's bytecode is compiled before the first run."
        ),
    )
    write(args.out, context, runner.runs)
    raw = args.out.with_suffix(".json")
    raw.write_text(json.dumps([attrs.asdict(run) for run in runner.runs], indent=1))
    log(f"wrote {args.out} and {raw}")


if __name__ == "__main__":
    main()
