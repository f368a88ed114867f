"""sage-async: an asyncio client for the Sage Sales Management v4 and Accounting v3.1 APIs."""

from __future__ import annotations

from typing import Any

from ._errors import *  # noqa: F403
from ._errors import __all__ as _errors_all
from ._types import UNSET, Model, Unset
from .filters import F, Where


__all__ = [*_errors_all, "UNSET", "F", "Model", "Unset", "Where"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("sage-async")
    raise AttributeError(f"module 'sage_async' has no attribute {name!r}")
