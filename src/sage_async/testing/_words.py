"""
Word lists and small formatting helpers the sandbox builds realistic fake values from.

Everything here is constant data or a pure function, so that a seeded record is the same on
every run and in every process.
"""

from __future__ import annotations

import functools
import hashlib
import time
from typing import Final


__all__ = [
    "CITIES",
    "COMPANY_SUFFIXES",
    "COMPANY_WORDS",
    "COUNTRIES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "LOREM",
    "PRODUCT_ADJECTIVES",
    "PRODUCT_NOUNS",
    "REGIONS",
    "Rng",
    "STREETS",
    "iso_accounting",
    "iso_date",
    "iso_sales",
    "singular",
    "stable_int",
]

FIRST_NAMES: Final = (
    "Alice", "Bruno", "Carmen", "David", "Elena", "Farid", "Grace", "Hugo", "Irene", "Jonas",
    "Katrin", "Luis", "Maria", "Nadia", "Oscar", "Paula", "Quentin", "Rosa", "Samuel", "Teresa",
    "Ulrich", "Valeria", "William", "Ximena", "Yusuf", "Zoe", "Pablo", "Ingrid", "Marco", "Lucia",
)  # fmt: skip
LAST_NAMES: Final = (
    "Smith", "Garcia", "Muller", "Rossi", "Dubois", "Silva", "Jones", "Martinez", "Schmidt",
    "Bianchi", "Moreau", "Santos", "Brown", "Lopez", "Fischer", "Romano", "Laurent", "Costa",
    "Taylor", "Sanchez", "Weber", "Ricci", "Bernard", "Pereira", "Wilson", "Fernandez",
)  # fmt: skip
COMPANY_SUFFIXES: Final = ("Ltd", "S.L.", "GmbH", "S.A.", "Group", "& Co", "Partners", "plc")
COMPANY_WORDS: Final = (
    "Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Vandelay", "Hooli",
    "Tyrell", "Cyberdyne", "Soylent", "Aperture", "Monarch", "Oceanic", "Pied Piper", "Wonka",
)  # fmt: skip
CITIES: Final = (
    "London", "Madrid", "Barcelona", "Berlin", "Paris", "Lisbon", "Rome", "Milan", "Dublin",
    "Manchester", "Valencia", "Munich", "Lyon", "Porto", "Seville", "Hamburg", "Toronto",
)  # fmt: skip
REGIONS: Final = ("Greater London", "Catalonia", "Bavaria", "Ile-de-France", "Lazio", "Leinster")
COUNTRIES: Final = (
    "United Kingdom", "Spain", "Germany", "France", "Portugal", "Italy", "Ireland",
    "United States", "Canada",
)  # fmt: skip
STREETS: Final = (
    "High Street", "Calle Mayor", "Hauptstrasse", "Rue de la Paix", "Via Roma", "Station Road",
    "Gran Via", "Church Lane", "Avenida da Liberdade", "Market Square",
)  # fmt: skip
PRODUCT_ADJECTIVES: Final = (
    "Premium", "Compact", "Deluxe", "Eco", "Heavy-duty", "Classic", "Smart", "Portable",
    "Wireless", "Stainless",
)  # fmt: skip
PRODUCT_NOUNS: Final = (
    "Widget", "Bracket", "Lamp", "Chair", "Desk", "Cable", "Sensor", "Valve", "Printer",
    "Kettle", "Backpack", "Sunglasses", "Drill", "Monitor",
)  # fmt: skip
LOREM: Final = (
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do",
    "eiusmod", "tempor", "incididunt", "labore", "dolore", "magna", "aliqua", "veniam",
)  # fmt: skip


def stable_int(*parts: object) -> int:
    """
    Hash ``parts`` into a 64-bit integer that is the same in every process.

    Python's ``hash()`` of a str is salted per process, so seeds are derived with BLAKE2b.

    Args:
        parts: values whose ``str`` forms are hashed, in order.

    Returns:
        A non-negative integer below 2**64.
    """
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@functools.lru_cache(maxsize=16384)
def _day(day: int) -> str:
    t = time.gmtime(day * 86400)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"


def _clock(ts: float) -> tuple[str, int]:
    seconds = int(ts)
    day, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{_day(day)}T{hours:02d}:{minutes:02d}:{secs:02d}", int((ts - seconds) * 1000)


@functools.lru_cache(maxsize=4096)
def iso_sales(ts: float) -> str:
    """
    Format a POSIX time the way Sales Management does: UTC, ``Z``, 0 to 3 fractional digits.

    ``2016-02-29T16:22:34.4Z`` (sales FACTS, "Dates").
    """
    text, millis = _clock(ts)
    if not millis:
        return text + "Z"
    return f"{text}.{millis:03d}".rstrip("0") + "Z"


@functools.lru_cache(maxsize=4096)
def iso_accounting(ts: float) -> str:
    """Format a POSIX time the way Accounting does: UTC with ``Z``, whole seconds."""
    return _clock(ts)[0] + "Z"


def iso_date(ts: float) -> str:
    """Format the UTC date of a POSIX time as ``YYYY-MM-DD``."""
    return _day(int(ts) // 86400)


def singular(name: str) -> str:
    """``opportunities`` → ``opportunity``, ``statuses`` → ``status``, ``items`` → ``item``."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "uses", "xes", "ches")):
        return name[:-2]
    return name[:-1] if name.endswith("s") else name


_MASK: Final = (1 << 64) - 1


class Rng:
    """
    A small seeded generator (SplitMix64 seeding, 64-bit LCG with an xorshift output).

    :class:`random.Random` costs a few microseconds to seed, once per record; this costs
    nothing, and its ``random()`` is as fast. Not for anything but fake data.

    Args:
        seed: any integer (only its low 64 bits count).
    """

    __slots__ = ("_state",)

    def __init__(self, seed: int = 0) -> None:
        self._state = 0
        self.seed(seed)

    def seed(self, seed: int) -> None:
        """Restart the sequence from ``seed``."""
        z = (seed + 0x9E3779B97F4A7C15) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        self._state = z ^ (z >> 31)

    def random(self) -> float:
        """Return the next float in ``[0, 1)``."""
        state = (self._state * 6364136223846793005 + 1442695040888963407) & _MASK
        self._state = state
        return ((state ^ (state >> 29)) >> 11) * 1.1102230246251565e-16

    def getrandbits(self, k: int) -> int:
        """Return a non-negative integer of ``k`` random bits."""
        out = 0
        for _ in range((k + 31) // 32):
            out = (out << 32) | int(self.random() * 4294967296.0)
        return out >> (-k % 32)
