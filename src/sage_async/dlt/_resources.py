"""Which collections a source offers: every listable, non-singleton entry of ``RESOURCES``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sage_async._errors import UnknownFieldError


__all__ = ["check_names", "listable", "use_arrow"]


def listable(api: str) -> list[str]:
    """The collections of ``api`` (``"sales"`` or ``"accounting"``) a source has, sorted."""
    if api == "sales":
        from sage_async.models.sales import RESOURCES
    else:
        from sage_async.models.accounting import RESOURCES
    return sorted(n for n, s in RESOURCES.items() if s.supports("list") and not s.singleton)


def check_names(api: str, names: Iterable[str] | None) -> list[str]:
    """
    The selected names (all when ``None``), in order, without repeats.

    Raises:
        UnknownFieldError: a name ``api`` does not list (close names are suggested).
    """
    known = listable(api)
    if names is None:
        return known
    chosen = list(dict.fromkeys(names))
    for name in chosen:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise UnknownFieldError(f"unknown {api} resource {name!r}{hint}")
    return chosen


def use_arrow(arrow: bool | None) -> bool:
    """Whether pages go to dlt as Arrow tables: as asked, or when pyarrow is installed."""
    if arrow is not None:
        return arrow
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True
