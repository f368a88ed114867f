"""What the runner asks of one client process (:class:`Job`) and what it reports back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import attrs


Api = Literal["sales", "accounting"]
#: The collections every variant exports, and their page sizes (the largest each API accepts).
RESOURCE: dict[str, str] = {"sales": "accounts", "accounting": "stock_items"}
PAGE_SIZE: dict[str, int] = {"sales": 300, "accounting": 200}


@attrs.frozen
class Job:
    """
    One measured run.

    Attributes:
        variant: ``naive``, ``ceiling``, ``peer``, ``model``, ``raw``, ``export``, ``decode``, or
            ``warm`` (untimed: fills the sandbox's page cache).
        api: which API (``sales``: accounts; ``accounting``: stock_items with every attribute).
        base_url: the API base URL of the sandbox.
        token: an Accounting access token (Sales variants log in themselves, inside the timer).
        business: the Accounting business to read (``X-Business``), or the lead one.
        concurrency: pages in flight (1 for sequential variants).
        limited: the sandbox enforces the real rate limits: sage-async runs with the plan's rate
            (13/s Sales, 200/min Accounting) and its default concurrency sizing.
        peer_dir: where the generated peer packages are (``sage_peer_sales``, ...).
        work_dir: scratch directory (export output).
        decode_rounds: rounds of the decode micro-benchmark.
        decode_pages: pages per round of the decode micro-benchmark.
        records: how many records the collection holds (the ``warm`` job's page count).
        warm_pages: for the ``warm`` job, fetch at most this many pages per request shape.
    """

    variant: str
    api: Api = "sales"
    base_url: str = ""
    token: str | None = None
    business: str | None = None
    concurrency: int = 1
    limited: bool = False
    peer_dir: str | None = None
    work_dir: str | None = None
    decode_rounds: int = 7
    decode_pages: int = 100
    records: int = 0
    warm_pages: int | None = None

    def to_json(self) -> str:
        return json.dumps(attrs.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Job:
        return cls(**json.loads(text))


@attrs.define
class Outcome:
    """
    What a variant returns: records seen, 429 answers seen, and anything else to report.

    ``count_after`` (for the CLI export) counts the records once the timer has stopped.
    """

    records: int = 0
    status_429: int = 0
    extra: dict[str, Any] = attrs.field(factory=dict)
    count_after: Callable[[], int] | None = None


class HttpStatusError(RuntimeError):
    """A benchmark client got an answer it cannot page on."""

    def __init__(self, status: int, url: str) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status
