"""The public surface: every exported name resolves, models load lazily, a version exists."""

from __future__ import annotations

import subprocess
import sys

import sage_async


def test_every_exported_name_resolves() -> None:
    """Each name in __all__ is an attribute (the lazy ones included), and there are no dupes."""
    assert len(set(sage_async.__all__)) == len(sage_async.__all__)
    missing = [name for name in sage_async.__all__ if not hasattr(sage_async, name)]
    assert [] == missing


def test_clients_and_models_load_on_first_use() -> None:
    """Importing sage_async loads neither API's models; using one client loads only its own."""
    code = (
        "import sys, sage_async\n"
        "before = {m for m in sys.modules if m.startswith('sage_async.models.')}\n"
        "sage_async.SalesClient\n"
        "after = {m for m in sys.modules if m.startswith('sage_async.models.')}\n"
        "print(sorted(before), sorted(after))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    before, after = out.strip().split("] [")
    assert "models" not in before
    assert "sage_async.models.sales" in after
    assert "sage_async.models.accounting" not in after


def test_version_is_a_string() -> None:
    """__version__ comes from the installed metadata (or a placeholder for a bare source tree)."""
    assert isinstance(sage_async.__version__, str)
    assert sage_async.__version__
