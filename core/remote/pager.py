"""The orders table's pager over the team server: the same interface as
core.mirror.queries.OrderPager as the dashboard uses it (total, rows, needs_anchors and
install_anchors), each page one keyset read on the server, which keeps the list's anchors for
every desktop that pages it. Until the server says a filtered list's anchors are in, a deep page
`needs_anchors`: the dashboard then calls `prepare_anchors` in a worker thread (the server finds
them and says so) instead of waiting in `rows` on its UI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.mirror.queries import OrderFilter, OrderSort
from core.remote.errors import ServerUnreachable

if TYPE_CHECKING:
    from core.remote.base import RemoteBase

PAGE = 200  # the dashboard's page: the opening read brings the first one with the total
PREPARE_WAIT = 5.0  # seconds one GET /order-anchors waits on the server (the read timeout is 10)
PREPARE_ROUNDS = 24  # asked at most this many times (two minutes) before the worker gives up


def order_params(filt: OrderFilter, sort: OrderSort) -> dict[str, Any]:
    """An OrderFilter and OrderSort as the server's query parameters, field by field."""
    return {
        "statuses": list(filt.statuses) or None,
        "kind": filt.kind,
        "since": filt.since,
        "until": filt.until,
        "openid": filt.openid,
        "env": filt.env,
        "sort": sort.column,
        "descending": sort.descending,
    }


class RemotePager:
    """Random access to a filtered, sorted order list that lives on the server. The total is
    the list's when it was opened (as OrderPager's): `invalidate()` opens it again."""

    mirror = None  # no local store: there are no anchors for the desktop to compute
    stride = 250

    def __init__(self, desk: RemoteBase, filt: OrderFilter, sort: OrderSort) -> None:
        self.filt = filt
        self.sort = sort
        self._desk = desk
        self._params = order_params(filt, sort)
        self._total: int | None = None
        self._first: list[dict[str, Any]] = []
        self._ready = False  # the server said every row of the list reads at once
        self._near_end = 0  # rows from the end the server reads backwards, with no anchor

    def __repr__(self) -> str:
        return f"RemotePager({self.filt!r}, {self.sort!r})"

    def invalidate(self) -> None:
        self._total = None
        self._first = []
        self._ready = False

    def _read(self, start: int, count: int, *, fresh: bool = False) -> dict[str, Any] | None:
        """One page, or None while the server is away (the banner says so; the table keeps
        the pages it holds). Not through RemoteBase.get: that keeps every answer for offline
        use, and a scroll through a million orders would keep them all."""
        params = {**self._params, "start": start, "count": count, "fresh": fresh or None}
        try:
            answer: dict[str, Any] = self._desk.request("GET", "/orders", params=params).json()
        except ServerUnreachable:
            return None
        self._ready = bool(answer.get("anchors_ready", True))  # a server that does not say waits
        self._near_end = int(answer.get("near_end", 0))
        return answer

    def _open(self) -> int:
        answer = self._read(0, PAGE, fresh=True)
        if answer is None:
            return 0  # not kept: the list is opened again when the server is back
        self._first = list(answer["rows"])
        total = int(answer["total"])
        self._total = total
        return total

    @property
    def total(self) -> int:
        return self._open() if self._total is None else self._total

    def needs_anchors(self, start: int) -> bool:
        """Whether reading row `start` would wait for the server's anchor pass (seconds at a
        million orders): a filtered list's deep rows until the server says its anchors are in.
        The first rows and the end of the list read at once."""
        total = self.total  # opening the list brings the server's word
        return not self._ready and self.stride <= start < total - self._near_end

    def prepare_anchors(self) -> bool:
        """In a worker thread, never the UI's: asks the server for the list's anchors and waits
        until they are in, PREPARE_WAIT seconds a request (the sync client is thread-safe).
        True once they are; ServerUnreachable when the server goes away meanwhile."""
        params = {**self._params, "wait": PREPARE_WAIT}
        for _ in range(PREPARE_ROUNDS):
            answer = self._desk.request("GET", "/order-anchors", params=params).json()
            if answer["ready"]:
                return True
        return False

    def install_anchors(self, ready: bool) -> None:
        """`prepare_anchors`'s answer, on the UI thread: deep rows now read at once."""
        if ready:
            self._ready = True

    def rows(self, start: int, count: int = PAGE) -> list[dict[str, Any]]:
        if start < 0 or count <= 0 or start >= self.total:
            return []
        if start + count <= len(self._first):  # the opening read brought these
            return self._first[start : start + count]
        out: list[dict[str, Any]] = []
        while count > 0:  # the server sends at most 500 rows a read
            step = min(count, 500)
            answer = self._read(start, step)
            if answer is None:
                break
            got = list(answer["rows"])
            out += got
            if len(got) < step:
                break
            start, count = start + step, count - step
        return out
