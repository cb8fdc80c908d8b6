"""Reads over the team server: users, orders (keyset pages), refunds, pending, search, audit.
Each method has core.desk.Desk's name, arguments and result type: the server answers the solo
desk's result as JSON and core.wire rebuilds it."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import httpx

from core import wire
from core.desk import AuditCheck, UserView
from core.mirror.audit import ChainReport
from core.mirror.queries import OrderFilter, OrderSort, SearchHit
from core.models import Balance, Order
from core.operations import Intent
from core.operations.engine import ClawbackStatus
from core.remote.base import RemoteBase
from core.remote.errors import RemoteError
from core.remote.pager import RemotePager


def _path(part: str) -> str:
    """An id as one path segment (ids are [A-Za-z0-9_-]; anything else is escaped)."""
    return quote(part, safe="")


class Reads(RemoteBase):
    # ---- users -------------------------------------------------------------------------------

    async def lookup_user(self, openid: str, *, live: bool = True) -> UserView:
        view: UserView = wire.load(UserView, await self.aget(f"/users/{_path(openid)}", live=live))
        return view

    async def check_session(self, openid: str, session_key: str | None = None) -> bool | None:
        """The key, when given, goes in the body (never in a URL, so never in a log line)."""
        response = await self.arequest(
            "POST",
            f"/users/{_path(openid)}/session-check",
            json={"session_key": session_key or None},
        )
        fresh: bool | None = wire.load(bool | None, response.json()["fresh"])
        return fresh

    async def user_balance(
        self, openid: str, session_key: str | None = None, *, user_ip: str = "127.0.0.1"
    ) -> Balance:
        """WeChat's query_user_balance on the server, with `session_key` (sent in the body) or
        the key the server stores."""
        response = await self.arequest(
            "POST",
            f"/users/{_path(openid)}/wechat-balance",
            json={"session_key": session_key or None, "user_ip": user_ip},
        )
        found: Balance = wire.load(Balance, response.json())
        return found

    async def query_order(
        self, *, openid: str, order_id: str | None = None, wx_order_id: str | None = None
    ) -> Order:
        answer = await self.aget(
            f"/users/{_path(openid)}/wechat-order", order_id=order_id, wx_order_id=wx_order_id
        )
        found: Order = wire.load(Order, answer)
        return found

    def now(self) -> int:
        """The server's clock: what deadlines and request keys are counted from."""
        return int(self.request("GET", "/now").json()["now"])  # never a stale answer

    @property
    def store_where(self) -> str:
        """Where the desk's records are kept, for messages: the team server."""
        return self.server

    def known_balance(self, openid: str) -> int | None:
        found: int | None = wire.load(
            int | None, self.get(f"/users/{_path(openid)}/balance")["balance"]
        )
        return found

    async def live_balance(self, openid: str) -> int | None:
        answer = await self.aget(f"/users/{_path(openid)}/balance", live=True)
        found: int | None = wire.load(int | None, answer["balance"])
        return found

    def user_orders(self, openid: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.get(f"/users/{_path(openid)}/orders")
        return rows

    def user_deductions(self, openid: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.get(f"/users/{_path(openid)}/deductions")
        return rows

    def users_overview(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        attention, recent = self.get("/users")
        return list(attention), list(recent)

    # ---- the calling operator's limits (the server's policy for them) --------------------------

    def limit_left(self, action: str) -> tuple[int | None, int | None]:
        found: tuple[int | None, int | None] = wire.load(
            tuple[int | None, int | None], self.get(f"/limits/{_path(action)}")
        )
        return found

    def policy_problem(self, action: str, amount: int) -> tuple[str, str] | None:
        found: tuple[str, str] | None = wire.load(
            tuple[str, str] | None, self.get(f"/policy/{_path(action)}", amount=amount)
        )
        return found

    # ---- orders ------------------------------------------------------------------------------

    def order_pager(self, filt: OrderFilter, sort: OrderSort) -> RemotePager:
        return RemotePager(self, filt, sort)

    def order_detail(self, order_id: str) -> dict[str, Any] | None:
        try:
            detail: dict[str, Any] = self.get(f"/orders/{_path(order_id)}")
        except RemoteError as exc:
            if exc.status == 404:
                return None
            raise
        return detail

    def left_fee(self, order_id: str) -> int | None:
        found: int | None = wire.load(
            int | None, self.get(f"/orders/{_path(order_id)}/left-fee")["left_fee"]
        )
        return found

    # ---- refunds, clawbacks, pending, search --------------------------------------------------

    def refunds(self, *, only_open: bool = False, limit: int = 2000) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.get("/refunds", only_open=only_open, limit=limit)
        return rows

    def clawback_status(self, refund_order_id: str, *, coins: int | None = None) -> ClawbackStatus:
        status: ClawbackStatus = wire.load(
            ClawbackStatus,
            self.get(f"/refunds/{_path(refund_order_id)}/clawback", coins=coins),
        )
        return status

    def pending(self) -> list[Intent]:
        found: list[Intent] = wire.load(list[Intent], self.get("/pending"))
        return found

    def intent_children(self, intent_id: int) -> list[Intent]:
        found: list[Intent] = wire.load(
            list[Intent], self.get(f"/intents/{int(intent_id)}/children")
        )
        return found

    def search(self, term: str) -> list[SearchHit]:
        found: list[SearchHit] = wire.load(list[SearchHit], self.get("/search", term=term))
        return found

    # ---- the audit log (finance and admin) ----------------------------------------------------

    def audit_rows(
        self, *, openid: str | None = None, action: str | None = None, limit: int = 5000
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.get("/audit", openid=openid, action=action, limit=limit)
        return rows

    def verify_audit(self) -> ChainReport:
        report: ChainReport = wire.load(ChainReport, self.get("/audit/verify"))
        return report

    def audit_check(self) -> AuditCheck:
        check: AuditCheck = wire.load(AuditCheck, self.get("/audit/check"))
        return check

    def _audit_export(
        self, fmt: str, lang: str, openid: str | None, write: Callable[[str], object]
    ) -> int:
        """Streams the server's export into `write` and counts its rows as they pass (json:
        one a line; csv: records, quoted line breaks included, less the header)."""
        params = {"fmt": fmt, "lang": lang, "openid": openid}
        args = ("GET", "/audit/export", params, None, None, None)
        try:
            response = self._http.send(self._build(self._http, *args), stream=True)
            if response.status_code == 401 and self.auth.refresh():
                response.close()
                response = self._http.send(self._build(self._http, *args), stream=True)
            try:
                if response.status_code >= 400:
                    response.read()
                    self._answer(response)
                self._connected(True)
                lines = _lines(response.iter_text(), write)
                if fmt == "json":
                    return sum(1 for line in lines if line.strip())
                return max(sum(1 for _ in csv.reader(lines)) - 1, 0)
            finally:
                response.close()
        except httpx.TransportError as exc:  # the stream broke: what came is not the log
            raise self._unreachable(exc) from None

    def write_audit(
        self,
        handle: TextIO,
        *,
        fmt: str = "csv",
        lang: str = "zh_CN",
        openid: str | None = None,
    ) -> int:
        """The server's audit log into an open text stream, as the solo desk writes it."""
        return self._audit_export(fmt, lang, openid, handle.write)

    def export_audit(
        self,
        path: Path,
        *,
        fmt: str = "csv",
        lang: str = "zh_CN",
        openid: str | None = None,
    ) -> int:
        """The server streams the log; the file is written here as the solo desk writes it,
        through a temporary file beside it: a refusal or a broken stream leaves no file."""
        encoding = "utf-8" if fmt == "json" else "utf-8-sig"
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("w", encoding=encoding, newline="") as out:
                count = self._audit_export(fmt, lang, openid, out.write)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        return count


def _lines(chunks: Iterator[str], write: Callable[[str], object]) -> Iterator[str]:
    """The text as it comes, written through, cut into lines (each with its line break)."""
    held = ""
    for chunk in chunks:
        write(chunk)
        held += chunk
        *whole, held = held.split("\n")
        for line in whole:
            yield line + "\n"
    if held:
        yield held
