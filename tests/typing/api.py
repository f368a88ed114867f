"""
Type-checked, never executed: every public signature used the way users use it.

``nox -s typecheck`` runs mypy --strict on this file; a change that breaks the public typing
breaks the build.
"""

from __future__ import annotations

import sage_async
from sage_async import UNSET, APIError, SageError, Unset


def errors(exc: SageError) -> str:
    if isinstance(exc, APIError):
        status: int = exc.status
        codes: tuple[str, ...] = exc.codes
        return f"{status} {codes} {exc.method} {exc.path}"
    return str(exc)


def sentinel(value: int | Unset) -> int:
    return 0 if value is UNSET else value


version: str = sage_async.__version__
