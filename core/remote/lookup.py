"""Orders looked up at WeChat through the team server: find_order (a WeChat order id to the
merchant's order id), refresh_orders and download_bill, with core.desk.Desk's names, arguments
and result types. Each asks WeChat on the server, which may take longer than a read of the
server's own records: they wait as long as a money action does."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from core import wire
from core.mirror.refresh import RefreshReport
from core.models import BillUrl
from core.remote.base import RemoteBase
from core.remote.money import MONEY_TIMEOUT, StillRunning

REFRESH_PART = 20  # order ids per request: a part is answered well within the timeout


class Lookup(RemoteBase):
    lookup_timeout: httpx.Timeout = MONEY_TIMEOUT

    async def _ask(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """One call that waits on WeChat: a 401 renews the session once; a lost server is
        ServerUnreachable; an answer slower than the timeout is StillRunning (the server
        carries on and records what WeChat says)."""
        for attempt in (1, 2):
            request = self._ahttp.build_request(
                method,
                path,
                params=params,
                json=json,
                headers=self.auth.headers(),
                timeout=self.lookup_timeout,
            )
            try:
                response = await self._ahttp.send(request)
            except httpx.ReadTimeout:
                raise StillRunning from None
            except httpx.TransportError as exc:
                raise self._unreachable(exc) from None
            if response.status_code == 401 and attempt == 1 and self.auth.refresh():
                continue
            return self._answer(response).json()
        raise AssertionError("unreachable")  # pragma: no cover

    async def find_order(self, wx_order_id: str, *, openid: str | None = None) -> str:
        """The merchant order id of a WeChat order id: the server's mirror, else WeChat's
        (query_order, which needs `openid`), recorded on the server first."""
        answer = await self._ask(
            "POST", f"/wechat-orders/{quote(wx_order_id, safe='')}", json={"openid": openid}
        )
        return str(answer["order_id"])

    async def refresh_orders(self, order_ids: list[str]) -> RefreshReport:
        report = RefreshReport()
        for start in range(0, len(order_ids), REFRESH_PART):
            part = order_ids[start : start + REFRESH_PART]
            answer = await self._ask("POST", "/order-refreshes", json={"order_ids": part})
            done: RefreshReport = wire.load(RefreshReport, answer)
            report.refreshed += done.refreshed
            report.failed.update(done.failed)
        return report

    async def download_bill(self, begin: str, end: str) -> BillUrl:
        """Never an old answer while the server is away (a bill URL expires): asked each time."""
        bill: BillUrl = wire.load(
            BillUrl, await self._ask("GET", "/bills", params={"begin": begin, "end": end})
        )
        return bill
