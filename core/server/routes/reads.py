"""Reads: a user's card and timeline, balances, limits, orders (keyset pages), refunds and
clawbacks, pending, search, the audit log. Every answer is the solo desk's result as JSON
(core.wire), so the remote desk rebuilds the same type; the caller's own limits and policy come
from the desk acting as that operator."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, TextIO, cast

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from core.mirror import audit as audit_log
from core.mirror.db import Mirror
from core.mirror.queries import (
    SORTABLE,
    OrderFilter,
    OrderPager,
    OrderSort,
    count_orders,
    page_after,
)
from core.server.deps import (
    API,
    APPROVERS,
    READERS,
    ApiError,
    Session,
    allow,
    answer,
    intent_dict,
    server,
)
from core.server.state import Server

router = APIRouter(prefix=API, tags=["reads"])

PAGE_MAX = 500
PAGERS_KEPT = 32  # (filter, sort) lists whose keyset anchors the server keeps
NEAR_END = 2000  # rows from the end of a list read backwards, with no anchor
PAGER_REUSE = 60.0  # seconds a list's anchors are reused when its count has not changed
PREPARE_WAIT = 5.0  # seconds GET /order-anchors waits at most (well inside a desktop's timeout)


# ---- users ----------------------------------------------------------------------------------


@router.get("/users/{openid}")
async def user(openid: str, session: Session, request: Request, live: bool = True) -> Any:
    allow(request, session[0], READERS, "users")
    return answer(await server(request).desk.lookup_user(openid, live=live))


class SessionCheckBody(BaseModel):
    session_key: str | None = Field(default=None, max_length=64)

    def __repr__(self) -> str:  # the key stays out of reprs (and so out of logs)
        return "SessionCheckBody(…)"


@router.post("/users/{openid}/session-check")
async def session_check(
    openid: str, body: SessionCheckBody, session: Session, request: Request
) -> dict[str, Any]:
    """Whether the stored session key (or the one given in the body, never in the URL) is
    still valid; None when there is none."""
    allow(request, session[0], READERS, "session-check")
    fresh = await server(request).desk.check_session(openid, body.session_key or None)
    return {"fresh": fresh}


@router.get("/users/{openid}/balance")
async def balance(openid: str, session: Session, request: Request, live: bool = False) -> Any:
    """The last balance the mirror knows (`live`: WeChat's now, with the stored key)."""
    allow(request, session[0], READERS, "balance")
    desk = server(request).desk
    found = await desk.live_balance(openid) if live else desk.known_balance(openid)
    return {"balance": found}


@router.get("/users/{openid}/orders")
async def user_orders(openid: str, session: Session, request: Request) -> Any:
    allow(request, session[0], READERS, "orders")
    return answer(server(request).desk.user_orders(openid))


@router.get("/users/{openid}/deductions")
async def user_deductions(openid: str, session: Session, request: Request) -> Any:
    allow(request, session[0], READERS, "deductions")
    return answer(server(request).desk.user_deductions(openid))


@router.get("/users")
async def users_overview(session: Session, request: Request) -> Any:
    """What the Users page opens with: [users needing attention, recently active users]."""
    allow(request, session[0], READERS, "users")
    return answer(server(request).desk.users_overview())


class BalanceBody(BaseModel):
    session_key: str | None = Field(default=None, max_length=64)
    user_ip: str = Field(default="127.0.0.1", max_length=64)

    def __repr__(self) -> str:
        return "BalanceBody(…)"


@router.post("/users/{openid}/wechat-balance")
async def user_balance(openid: str, body: BalanceBody, session: Session, request: Request) -> Any:
    """WeChat's query_user_balance with the key given in the body, else the stored one."""
    allow(request, session[0], READERS, "balance")
    desk = server(request).desk
    return answer(await desk.user_balance(openid, body.session_key or None, user_ip=body.user_ip))


@router.get("/users/{openid}/wechat-order")
async def query_order(
    openid: str,
    session: Session,
    request: Request,
    order_id: str | None = None,
    wx_order_id: str | None = None,
) -> Any:
    """WeChat's query_order, as WeChat answers it (the mirror is not changed)."""
    allow(request, session[0], READERS, "orders")
    desk = server(request).desk
    return answer(await desk.query_order(openid=openid, order_id=order_id, wx_order_id=wx_order_id))


@router.get("/now")
async def now(session: Session, request: Request) -> dict[str, int]:
    """The server's clock (seconds): what deadlines and request keys are counted from."""
    allow(request, session[0], READERS, "now")
    return {"now": server(request).desk.now()}


# ---- the caller's limits --------------------------------------------------------------------


@router.get("/limits/{action}")
async def limit_left(action: str, session: Session, request: Request) -> Any:
    """(per-action limit, what is left of today's total) for the calling operator."""
    allow(request, session[0], READERS, "limits")
    return answer(server(request).desk_for(session[0]).limit_left(action))


@router.get("/policy/{action}")
async def policy_problem(action: str, amount: int, session: Session, request: Request) -> Any:
    """Why the calling operator's role or limits refuse `amount` ([zh, en]), or null."""
    allow(request, session[0], READERS, "policy")
    return answer(server(request).desk_for(session[0]).policy_problem(action, amount))


# ---- orders: keyset pages over a list the server keeps ---------------------------------------


@dataclass
class _List:
    pager: OrderPager
    opened: float
    anchors: asyncio.Task[dict[int, tuple[Any, ...]]] | None = None


class Pagers:
    """The order lists desktops page through, one per (filter, sort), least recently used
    dropped: a deep page reads by keyset from anchors the server found once for everyone. A
    filtered list's anchors are found in a worker thread on a connection of its own (one pass:
    seconds at a million orders) while the event loop goes on serving."""

    def __init__(self) -> None:
        self._lists: OrderedDict[tuple[OrderFilter, OrderSort], _List] = OrderedDict()

    def get(self, srv: Server, filt: OrderFilter, sort: OrderSort, *, fresh: bool) -> _List:
        key = (filt, sort)
        found = self._lists.get(key)
        now = time.monotonic()
        if found is not None and fresh:  # a desktop opened the list: is it still the same?
            unchanged = count_orders(srv.mirror, filt) == found.pager.total
            if not unchanged or now - found.opened > PAGER_REUSE:
                found = None
        if found is None:
            found = _List(OrderPager(srv.mirror, filt, sort), now)
            self._lists[key] = found
            self._start_anchors(found)
            while len(self._lists) > PAGERS_KEPT:
                self._lists.popitem(last=False)
        self._lists.move_to_end(key)
        return found

    def _start_anchors(self, entry: _List) -> None:
        pager = entry.pager
        if not pager.needs_anchors(pager.stride) or pager.total <= pager.stride:
            return
        reader = pager.mirror.reader()
        if reader is None:  # PostgreSQL or an in-memory store: found in place when needed
            return

        def work() -> dict[int, tuple[Any, ...]]:
            try:
                return pager.compute_anchors(reader)
            finally:
                reader.close()

        entry.anchors = asyncio.create_task(asyncio.to_thread(work))
        # a failed pass is read here (rows() then finds the anchors in place), never left for
        # the loop to report as an exception nobody retrieved
        entry.anchors.add_done_callback(lambda task: task.cancelled() or task.exception())

    @staticmethod
    def ready(entry: _List) -> bool:
        """Whether every row of the list reads at once: no anchor pass is left to wait for
        (the desktop shows a deep page's rows only then, and prepares them off its UI thread
        until then)."""
        pager = entry.pager
        if pager.total <= pager.stride or not pager.needs_anchors(pager.stride):
            return True
        task = entry.anchors
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return False
        pager.install_anchors(task.result())
        return True

    @classmethod
    async def prepare(cls, entry: _List, wait: float) -> bool:
        """Waits up to `wait` seconds for the list's anchors; True once they are in. With no
        pass running (PostgreSQL, an in-memory store) or a failed one, they are found in place,
        as a deep read would find them."""
        if cls.ready(entry):
            return True
        pager = entry.pager
        if entry.anchors is not None:
            try:
                anchors = await asyncio.wait_for(asyncio.shield(entry.anchors), wait)
            except TimeoutError:
                return False
            except Exception:
                pass
            else:
                pager.install_anchors(anchors)
                return True
        pager.install_anchors(pager.compute_anchors())
        return True

    @staticmethod
    async def rows(entry: _List, start: int, count: int) -> list[dict[str, Any]]:
        pager = entry.pager
        if pager.needs_anchors(start):
            near = near_end(pager, start, count)
            if near is not None:  # the end of the list needs no anchor: read backwards
                return near
        if entry.anchors is not None and pager.needs_anchors(start):
            with contextlib.suppress(Exception):  # failed: rows() finds them in place
                pager.install_anchors(await asyncio.shield(entry.anchors))
        return pager.rows(start, count)


def near_end(pager: OrderPager, start: int, count: int) -> list[dict[str, Any]] | None:
    """Rows `start`.. of a list when they lie within NEAR_END rows of its end, read backwards
    from the end (one short index walk), or None: a desktop that jumps to the end of a
    filtered list does not wait for the pass that finds every anchor."""
    total = pager.total
    tail = total - start  # rows from `start` to the end
    if start < 0 or count <= 0 or tail <= 0 or tail > NEAR_END:
        return None
    take = min(count, tail)
    rows = page_after(
        pager.mirror,
        pager.filt,
        pager.sort,
        limit=take,
        offset=tail - take,
        reverse=True,
        sort_first=pager.sort_first,
    )
    rows.reverse()
    return rows


def _pagers(request: Request) -> Pagers:
    state = request.app.state
    if not hasattr(state, "order_pagers"):
        state.order_pagers = Pagers()
    pagers: Pagers = state.order_pagers
    return pagers


def order_list(
    statuses: Annotated[list[int] | None, Query()] = None,
    status: int | None = None,
    kind: str | None = None,
    since: int | None = None,
    until: int | None = None,
    openid: str | None = None,
    env: int | None = None,
    sort: str = "create_time",
    descending: bool = True,
) -> tuple[OrderFilter, OrderSort]:
    """An order list named by its filter and sort (core.mirror.queries.OrderFilter and
    OrderSort, field by field)."""
    if sort not in SORTABLE:
        raise ApiError(
            422,
            "validation",
            f"不能按 {sort} 排序",
            f"cannot sort by {sort}: {', '.join(SORTABLE)}",
        )
    wanted = tuple(statuses or ()) + (() if status is None else (status,))
    filt = OrderFilter(statuses=wanted, kind=kind, since=since, until=until, openid=openid, env=env)
    return filt, OrderSort(sort, descending)


OrderList = Annotated[tuple[OrderFilter, OrderSort], Depends(order_list)]


@router.get("/orders")
async def orders(
    session: Session,
    request: Request,
    listed: OrderList,
    start: int = 0,
    count: int = 50,
    fresh: bool = False,
) -> dict[str, Any]:
    """A page of the order list under a filter and a sort: the list's total and `count` rows
    from row `start`. `fresh`: a desktop opens the list (its total is counted again).
    `anchors_ready`: every row reads at once; until then a row at least `stride` rows from the
    start and more than `near_end` rows from the end waits for the list's anchor pass, which a
    desktop waits for off its UI thread (GET /order-anchors)."""
    allow(request, session[0], READERS, "orders")
    if start < 0 or not 0 < count <= PAGE_MAX:
        raise ApiError(
            422,
            "validation",
            f"start ≥ 0，count 在 1–{PAGE_MAX}",
            f"start >= 0 and count in 1..{PAGE_MAX}",
        )
    pagers = _pagers(request)
    entry = pagers.get(server(request), *listed, fresh=fresh)
    rows = await pagers.rows(entry, start, count)
    return {
        "total": entry.pager.total,
        "start": start,
        "rows": rows,
        "anchors_ready": pagers.ready(entry),
        "near_end": NEAR_END,
    }


@router.get("/order-anchors")
async def order_anchors(
    session: Session, request: Request, listed: OrderList, wait: float = 0.0
) -> dict[str, Any]:
    """Whether the list's anchors are in, after waiting up to `wait` seconds (at most
    PREPARE_WAIT) for the pass that finds them: a desktop's worker thread asks again until
    they are, while its UI thread shows a busy bar."""
    allow(request, session[0], READERS, "orders")
    pagers = _pagers(request)
    entry = pagers.get(server(request), *listed, fresh=False)
    ready = await pagers.prepare(entry, min(max(wait, 0.0), PREPARE_WAIT))
    return {"ready": ready, "total": entry.pager.total}


@router.get("/orders/{order_id}")
async def order(order_id: str, session: Session, request: Request) -> Any:
    allow(request, session[0], READERS, "orders")
    detail = server(request).desk.order_detail(order_id)
    if detail is None:
        raise ApiError(404, "not_found", f"没有订单 {order_id}", f"no order {order_id}")
    return answer(detail)


@router.get("/orders/{order_id}/left-fee")
async def left_fee(order_id: str, session: Session, request: Request) -> Any:
    allow(request, session[0], READERS, "orders")
    return {"left_fee": server(request).desk.left_fee(order_id)}


# ---- refunds, clawbacks, pending, search ------------------------------------------------------


@router.get("/refunds")
async def refunds(
    session: Session, request: Request, only_open: bool = False, limit: int = 2000
) -> Any:
    allow(request, session[0], READERS, "refunds")
    return answer(
        server(request).desk.refunds(only_open=only_open, limit=max(1, min(limit, 20000)))
    )


@router.get("/refunds/{refund_order_id}/clawback")
async def clawback_status(
    refund_order_id: str, session: Session, request: Request, coins: int | None = None
) -> Any:
    allow(request, session[0], READERS, "clawbacks")
    return answer(server(request).desk.clawback_status(refund_order_id, coins=coins))


@router.get("/pending")
async def pending(session: Session, request: Request) -> list[dict[str, Any]]:
    allow(request, session[0], READERS, "pending")
    return [intent_dict(i) for i in server(request).desk.pending()]


@router.get("/intents/{intent_id}/children")
async def intent_children(intent_id: int, session: Session, request: Request) -> Any:
    """The operations a refund started (its coin clawbacks), oldest first."""
    allow(request, session[0], READERS, "pending")
    return [intent_dict(i) for i in server(request).desk.intent_children(intent_id)]


@router.get("/search")
async def search(term: str, session: Session, request: Request) -> Any:
    allow(request, session[0], READERS, "search")
    return answer(server(request).desk.search(term))


# ---- the audit log (finance and admin) --------------------------------------------------------


@router.get("/audit")
async def audit(
    session: Session,
    request: Request,
    action: str | None = None,
    openid: str | None = None,
    limit: int = 200,
) -> Any:
    allow(request, session[0], APPROVERS, "audit")
    rows = server(request).desk.audit_rows(
        openid=openid, action=action, limit=max(1, min(limit, 5000))
    )
    return answer(rows)


@router.get("/audit/verify")
async def verify_audit(session: Session, request: Request) -> Any:
    allow(request, session[0], APPROVERS, "audit")
    return answer(server(request).desk.verify_audit())


@router.get("/audit/check")
async def audit_check(session: Session, request: Request) -> Any:
    """The chain and the store's own state (what `xpaydesk-cli audit verify` reports)."""
    allow(request, session[0], APPROVERS, "audit")
    return answer(server(request).desk.audit_check())


EXPORT_CHUNK = 64 * 1024  # characters a streamed export sends at a time
EXPORT_AHEAD = 16  # chunks the reading thread may be ahead of the desktop


class _Gone(Exception):
    """The desktop went away: the export stops."""


class _Chunks:
    """What the export writes (in a worker thread) goes to the event loop in chunks, at most
    EXPORT_AHEAD ahead of what the desktop has taken; it stops when the desktop has gone."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.queue: asyncio.Queue[str | BaseException | None] = asyncio.Queue()
        self.room = threading.Semaphore(EXPORT_AHEAD)
        self.stop = threading.Event()
        self._loop = loop
        self._held: list[str] = []
        self._size = 0

    def write(self, text: str) -> int:
        self._held.append(text)
        self._size += len(text)
        if self._size >= EXPORT_CHUNK:
            self.flush()
        return len(text)

    def flush(self) -> None:
        chunk, self._held, self._size = "".join(self._held), [], 0
        if chunk:
            self.offer(chunk)

    def offer(self, item: str | BaseException | None) -> None:
        while not self.room.acquire(timeout=0.5):
            if self.stop.is_set():
                raise _Gone
        if self.stop.is_set():
            raise _Gone
        self._loop.call_soon_threadsafe(self.queue.put_nowait, item)


@router.get("/audit/export")
async def export_audit(
    session: Session,
    request: Request,
    fmt: str = "csv",
    lang: str = "zh_CN",
    openid: str | None = None,
) -> Response:
    """The audit log as the solo desk writes it (csv for people, json one row a line),
    streamed as it is read: the read runs in a worker thread on a connection of its own, so
    the server goes on answering (pushes included) however long the log. The desktop writes
    the file and counts the rows."""
    allow(request, session[0], APPROVERS, "audit")
    if fmt not in ("csv", "json") or lang not in ("zh_CN", "en"):
        raise ApiError(
            422,
            "validation",
            "格式为 csv 或 json，语言为 zh_CN 或 en",
            "fmt csv|json, lang zh_CN|en",
        )
    where = server(request).desk.profile.mirror_path
    out = _Chunks(asyncio.get_running_loop())

    def job() -> None:
        try:
            try:
                with Mirror(where) as mirror:
                    handle = cast(TextIO, out)  # the exports only write()
                    if fmt == "json":
                        audit_log.export_json(mirror, handle, openid=openid)
                    else:
                        audit_log.export_csv(mirror, handle, lang=lang, openid=openid)
                    out.flush()
            except _Gone:
                raise
            except Exception as exc:  # ends the stream unfinished: the desktop keeps no file
                out.offer(exc)
                return
            out.offer(None)
        except _Gone:
            return

    async def stream() -> AsyncIterator[bytes]:
        worker = asyncio.ensure_future(asyncio.to_thread(job))
        try:
            while True:
                item = await out.queue.get()
                out.room.release()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item.encode("utf-8")
        finally:
            out.stop.set()
            await worker

    media = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return StreamingResponse(stream(), media_type=f"{media}; charset=utf-8")
