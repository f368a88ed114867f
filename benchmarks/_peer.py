"""
Generate the peer client with ``openapi-python-client`` from the project's own specs.

The packages ``sage_peer_sales`` and ``sage_peer_accounting`` are generated into a temporary
directory at bench time (never committed) from ``openapi/sales-management-v4.yaml`` and
``openapi/accounting-v3.1.yaml``, unchanged: the generator handles both specs as they are. If a
future spec change trips the generator, the failure is reported in RESULTS.md and the peer rows
are left out (no silent trimming).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import attrs


ROOT = Path(__file__).resolve().parent.parent
SPECS = {
    "sage_peer_sales": ROOT / "openapi" / "sales-management-v4.yaml",
    "sage_peer_accounting": ROOT / "openapi" / "accounting-v3.1.yaml",
}


@attrs.frozen
class PeerBuild:
    """Where the peer was generated, or why it was not."""

    directory: str | None
    version: str | None
    seconds: float = 0.0
    problem: str | None = None
    warnings: tuple[str, ...] = ()


def generator() -> list[str] | None:
    """The command of ``openapi-python-client`` in this environment, if installed."""
    beside = Path(sys.executable).parent / "openapi-python-client"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("openapi-python-client")
    return [found] if found else None


def generate(target: Path) -> PeerBuild:
    command = generator()
    if command is None:
        return PeerBuild(None, None, problem="openapi-python-client is not installed")
    version = metadata.version("openapi-python-client")
    started = time.perf_counter()
    warnings: list[str] = []
    for package, spec in SPECS.items():
        arguments = ["generate", "--path", str(spec), "--output-path", str(target / package)]
        done = subprocess.run(
            [*command, *arguments, "--meta", "none", "--overwrite"],
            capture_output=True,
            text=True,
            check=False,
            cwd=target,
        )
        output = (done.stdout + done.stderr).strip()
        if done.returncode != 0 or not (target / package / "__init__.py").exists():
            return PeerBuild(None, version, problem=f"{spec.name}: {output[-2000:]}")
        warnings += [f"{spec.name}: {line}" for line in output.splitlines() if "Warning" in line]
    return PeerBuild(str(target), version, time.perf_counter() - started, None, tuple(warnings))
