"""Fault injection per endpoint, deterministic under a seed.

Kinds: latency (answer late), timeout (never answer; not applied), reset (connection reset; not
applied), http_5xx, errcode_-1 (system error), rate_limit (268490015), token_expired (42001), and
lost_response (applied at WeChat, then the connection is reset: the caller cannot know).
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = (
    "latency",
    "timeout",
    "reset",
    "http_5xx",
    "errcode_-1",
    "rate_limit",
    "token_expired",
    "lost_response",
)


@dataclass
class Fault:
    kind: str
    count: int | None = None  # how many matching requests it hits; None = until cleared
    probability: float = 1.0
    delay: float = 0.0  # latency, or how long a timeout holds the connection
    status: int = 500  # for http_5xx

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if not 0 <= self.probability <= 1:
            raise ValueError("probability must be within 0..1")


class FaultPlan:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()
        self.hits: dict[str, int] = {}

    def add(self, endpoint: str, kind: str, **options: Any) -> Fault:
        """`endpoint` is an API name such as present_currency, or "*" for every API."""
        fault = Fault(kind, **options)
        with self._lock:
            self._faults.setdefault(endpoint, []).append(fault)
        return fault

    def clear(self, endpoint: str | None = None) -> None:
        with self._lock:
            if endpoint is None:
                self._faults.clear()
            else:
                self._faults.pop(endpoint, None)

    def pick(self, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in self._faults.get(endpoint, []) + self._faults.get("*", []):
                if fault.count is not None and fault.count <= 0:
                    continue
                if self._rng.random() >= fault.probability:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                self.hits[fault.kind] = self.hits.get(fault.kind, 0) + 1
                return fault
            return None

    def describe(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {k: [asdict(f) for f in v] for k, v in self._faults.items()}
