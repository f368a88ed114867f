"""
Field-name heuristics: one value generator per scalar field of a generated model.

A generator is ``gen(rng, ctx) -> value``; it reads the record's shared facts (names, code,
timestamps: :class:`~sage_async.testing._data.Ctx`) and draws the rest from ``rng``. Chosen once
per field when a model is compiled, so the per-record cost is one call per field.

Formats (so that ``Converter(strict=True)`` reads them without drift): ``str`` fields get
strings, ``int`` ints, ``float`` and money (``Decimal``) fields JSON numbers (floats rounded to
their decimals, written by orjson in their shortest form), ``bool`` booleans, date-times the
API's ISO form and dates ``YYYY-MM-DD``. Fields the spec types loosely (``any``) get an int.
Accounting money and quantities are JSON strings (``"10.0"``, ``"-430035.84"``) as the live API
sends them, except one field value in ten, which stays a JSON number (the API sends both).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from sage_async.testing import _words as w


if TYPE_CHECKING:
    from sage_async.testing._data import Ctx

__all__ = ["value_generator"]

Gen = Callable[[w.Rng, "Ctx"], Any]
DAY: Final = 86400.0
NULL_SHARE: Final = 0.05


def _norm(wire: str) -> str:
    """``dateUpdated`` and ``date_updated`` both become ``date_updated``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", wire).lower().lstrip("$")


def _has(name: str, *parts: str) -> bool:
    return any(part in name for part in parts)


def _choice(options: tuple[str, ...]) -> Gen:
    return lambda rng, ctx: options[int(rng.random() * len(options))]


def value_generator(api: str, wire: str, kind: str, nullable: bool) -> Gen:
    """
    Return the generator of one scalar field.

    Args:
        api: ``"sales"`` or ``"accounting"`` (date-time format).
        wire: the field's wire name (drives the heuristics).
        kind: the converter's kind of the declared type (``str``, ``int``, ``decimal``...).
        nullable: the field may be ``null``; generic fields then are ``null`` now and then.

    Returns:
        ``gen(rng, ctx) -> value``.
    """
    name = _norm(wire)
    fmt = w.iso_sales if api == "sales" else w.iso_accounting
    special: Gen | None = None
    if kind == "datetime":
        special = _datetime(name, fmt, nullable)
    elif kind == "bool" and name in ("deleted", "is_deleted"):
        special = lambda rng, ctx: ctx.deleted is not None  # noqa: E731
    if special is not None:
        return special
    gen, generic = _scalar(name, kind)
    if api == "accounting" and kind == "decimal":
        gen = _as_money_text(gen, len(name))
    if nullable and generic:
        return lambda rng, ctx: None if rng.random() < NULL_SHARE else gen(rng, ctx)
    return gen


def _as_money_text(gen: Gen, salt: int) -> Gen:
    """
    Write a number the way Accounting does: a JSON string of its shortest form (``"30.0"``).

    One value in ten (by record index and field, so that no extra draw shifts the random
    stream) stays a JSON number, the API's other encoding.
    """

    def text(rng: w.Rng, ctx: Ctx) -> Any:
        value = gen(rng, ctx)
        if value is None or (ctx.i + salt) % 10 == 0:
            return value
        return repr(float(value))

    return text


def _datetime(name: str, fmt: Callable[[float], str], nullable: bool) -> Gen:
    if _has(name, "created"):
        return lambda rng, ctx: fmt(ctx.created)
    if _has(name, "updated", "modified"):
        return lambda rng, ctx: fmt(ctx.updated)
    if _has(name, "deleted"):
        if nullable:
            return lambda rng, ctx: None if ctx.deleted is None else fmt(ctx.deleted)
        return lambda rng, ctx: fmt(ctx.updated if ctx.deleted is None else ctx.deleted)
    return lambda rng, ctx: fmt(ctx.created + rng.random() * 365 * DAY)


def _scalar(name: str, kind: str) -> tuple[Gen, bool]:
    """Return ``(generator, generic)``; generic generators may yield ``null`` if allowed."""
    if kind == "str":
        return _string(name)
    if kind == "int" or kind == "any":
        return _integer(name)
    if kind in ("float", "decimal"):
        return _number(name)
    if kind == "bool":
        if _has(name, "active", "enabled", "visible"):
            return (lambda rng, ctx: rng.random() < 0.9), False
        if _has(name, "read_only", "readonly", "system"):
            return (lambda rng, ctx: False), False
        return (lambda rng, ctx: rng.random() < 0.5), True
    if kind == "date":
        offset = 30 * DAY if _has(name, "due", "expiry", "end") else 0.0
        return (lambda rng, ctx: w.iso_date(ctx.created + offset + rng.random() * 20 * DAY)), False
    return (lambda rng, ctx: None), True


def _string(name: str) -> tuple[Gen, bool]:
    if _has(name, "email"):
        return (lambda rng, ctx: f"{ctx.first}.{ctx.last}{ctx.i}@example.com".lower()), False
    if _has(name, "phone", "mobile", "fax", "telephone"):
        return (lambda rng, ctx: f"+44 20 7946 {int(rng.random() * 10000):04d}"), False
    if _has(name, "website", "url", "href"):
        return (lambda rng, ctx: f"https://www.{ctx.last.lower()}{ctx.i}.example"), False
    if name in ("first_name", "firstname", "given_name"):
        return (lambda rng, ctx: ctx.first), False
    if name in ("last_name", "lastname", "lastt_name", "surname", "family_name"):
        return (lambda rng, ctx: ctx.last), False
    if name in ("name", "display_name", "contact_name", "company_name", "value"):
        return (lambda rng, ctx: ctx.name), False
    if name.startswith("description") and name != "description":  # value-list translations
        return (lambda rng, ctx: ctx.name), False
    if _has(name, "postcode", "postal", "zip"):
        return (lambda rng, ctx: f"{int(rng.random() * 90000) + 10000}"), False
    if _has(name, "city", "town"):
        return _choice(w.CITIES), False
    if _has(name, "region", "county", "province", "state"):
        return _choice(w.REGIONS), False
    if _has(name, "country"):
        return _choice(w.COUNTRIES), False
    if _has(name, "address", "street", "line"):
        return (lambda rng, ctx: f"{int(rng.random() * 200) + 1} {w.STREETS[ctx.i % 10]}"), False
    if _has(name, "currency"):
        return _choice(("GBP", "EUR", "USD")), False
    if _has(name, "code", "reference", "number", "ref") and not _has(name, "vat", "tax"):
        return (lambda rng, ctx: ctx.code), False
    if _has(name, "vat", "tax_number", "nif"):
        return (lambda rng, ctx: f"GB{int(rng.random() * 1e9):09d}"), False
    if _has(name, "barcode", "ean", "iban"):
        return (lambda rng, ctx: f"{int(rng.random() * 1e13):013d}"), False
    if _has(name, "guid", "uuid", "token", "secret"):
        return (lambda rng, ctx: f"{rng.getrandbits(128):032x}"), False
    if name in ("ext_id", "external_id"):
        return (lambda rng, ctx: f"EXT-{ctx.i:07d}"), False
    if name == "action":
        return _choice(("insert", "update", "delete")), False
    if name == "entity":
        return _choice(("account", "contact", "opportunity", "activity", "salesorder")), False
    if _has(name, "locale", "lang"):
        return _choice(("en-GB", "es-ES", "de-DE", "fr-FR")), False
    if name == "description" or _has(name, "note", "comment", "memo", "detail", "text", "subject"):
        return _sentence, False
    return _pair, True


def _phrases(count: int, low: int, high: int, sentence: bool) -> tuple[str, ...]:
    """Precompute ``count`` phrases (a table lookup per field beats joining words per record)."""
    rng = random.Random(count * 31 + low)
    out = []
    for _ in range(count):
        words = [w.LOREM[int(rng.random() * len(w.LOREM))] for _ in range(rng.randint(low, high))]
        text = " ".join(words)
        out.append(text.capitalize() + "." if sentence else text)
    return tuple(out)


_PAIRS: Final = _phrases(512, 2, 2, sentence=False)
_SENTENCES: Final = _phrases(512, 3, 9, sentence=True)


def _pair(rng: w.Rng, ctx: Ctx) -> str:
    return _PAIRS[int(rng.random() * 512)]


def _sentence(rng: w.Rng, ctx: Ctx) -> str:
    return _SENTENCES[int(rng.random() * 512)]


def _integer(name: str) -> tuple[Gen, bool]:
    if _has(name, "permission_level"):
        return (lambda rng, ctx: 1 + int(rng.random() * 5)), False
    if name == "version":
        return (lambda rng, ctx: 4), False
    if name.endswith("id") or _has(name, "_id_", "user_"):
        return (lambda rng, ctx: 1 + int(rng.random() * 20)), True
    if _has(name, "probability", "percent"):
        return (lambda rng, ctx: int(rng.random() * 101)), True
    if _has(name, "order", "position", "accuracy", "level"):
        return (lambda rng, ctx: int(rng.random() * 10)), True
    return (lambda rng, ctx: int(rng.random() * 1000)), True


def _number(name: str) -> tuple[Gen, bool]:
    if _has(name, "latitude"):
        return (lambda rng, ctx: round(36 + rng.random() * 18, 6)), False
    if _has(name, "longitude"):
        return (lambda rng, ctx: round(-9 + rng.random() * 20, 6)), False
    if _has(name, "quantity_in_stock"):
        return (
            lambda rng, ctx: 0.0 if rng.random() < 0.1 else float(int(rng.random() * 500))
        ), False
    if _has(name, "quantity", "reorder", "units", "hours"):
        return (lambda rng, ctx: float(int(rng.random() * 100))), False
    if _has(name, "exchange_rate"):
        return (lambda rng, ctx: round(0.5 + rng.random(), 4)), False
    if _has(name, "percentage", "probability", "tax_rate", "discount"):
        return (lambda rng, ctx: float(int(rng.random() * 5) * 5)), False
    if _has(name, "weight"):
        return (lambda rng, ctx: round(rng.random() * 20, 3)), False
    return (lambda rng, ctx: round(rng.random() * 5000, 2)), True
