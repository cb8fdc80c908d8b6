"""The orders table's pager over the team server: the same interface as
core.mirror.queries.OrderPager as the dashboard uses it (total, rows, needs_anchors), each page
one keyset read on the server, which keeps the list's anchors for every desktop that pages it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.mirror.queries import OrderFilter, OrderSort
from core.remote.errors import ServerUnreachable

if TYPE_CHECKING:
    from core.remote.base import RemoteBase

PAGE = 200  # the dashboard's page: the opening read brings the first one with the total


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

    def __repr__(self) -> str:
        return f"RemotePager({self.filt!r}, {self.sort!r})"

    def invalidate(self) -> None:
        self._total = None
        self._first = []

    def _read(self, start: int, count: int, *, fresh: bool = False) -> dict[str, Any] | None:
        """One page, or None while the server is away (the banner says so; the table keeps
        the pages it holds). Not through RemoteBase.get: that keeps every answer for offline
        use, and a scroll through a million orders would keep them all."""
        params = {**self._params, "start": start, "count": count, "fresh": fresh or None}
        try:
            answer: dict[str, Any] = self._desk.request("GET", "/orders", params=params).json()
        except ServerUnreachable:
            return None
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
        return False  # the server finds them, once, for every desktop

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
