"""Reads: a user's card and timeline, orders, search, what is pending, the audit log."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request

from core.mirror.queries import OrderFilter, OrderPager, OrderSort, order_detail
from core.server.deps import (
    API,
    APPROVERS,
    READERS,
    ApiError,
    Session,
    allow,
    intent_dict,
    server,
)

router = APIRouter(prefix=API, tags=["reads"])


@router.get("/users/{openid}")
async def user(openid: str, session: Session, request: Request, live: bool = True) -> Any:
    allow(request, session[0], READERS, "users")
    view = await server(request).desk.lookup_user(openid, live=live)
    return {
        "openid": view.openid,
        "balance": None if view.balance is None else dataclasses.asdict(view.balance),
        "balance_error": view.balance_error,
        "session": view.session,
        "timeline": [dataclasses.asdict(e) for e in view.timeline],
        "known": view.known,
    }


@router.get("/orders")
async def orders(
    session: Session,
    request: Request,
    openid: str | None = None,
    kind: str | None = None,
    status: int | None = None,
    start: int = 0,
    count: int = 50,
) -> dict[str, Any]:
    allow(request, session[0], READERS, "orders")
    if start < 0 or not 0 < count <= 500:
        raise ApiError(
            422, "validation", "start ≥ 0，count 在 1–500", "start >= 0 and count in 1..500"
        )
    filt = OrderFilter(statuses=() if status is None else (status,), kind=kind, openid=openid)
    pager = OrderPager(server(request).mirror, filt, OrderSort())
    return {"total": pager.total, "start": start, "rows": pager.rows(start, count)}


@router.get("/orders/{order_id}")
async def order(order_id: str, session: Session, request: Request) -> Any:
    allow(request, session[0], READERS, "orders")
    detail = order_detail(server(request).mirror, order_id)
    if detail is None:
        raise ApiError(404, "not_found", f"没有订单 {order_id}", f"no order {order_id}")
    return detail


@router.get("/pending")
async def pending(session: Session, request: Request) -> list[dict[str, Any]]:
    allow(request, session[0], READERS, "pending")
    return [intent_dict(i) for i in server(request).desk.pending()]


@router.get("/search")
async def search(term: str, session: Session, request: Request) -> list[dict[str, Any]]:
    allow(request, session[0], READERS, "search")
    return [dataclasses.asdict(hit) for hit in server(request).desk.search(term)]


@router.get("/audit")
async def audit(
    session: Session,
    request: Request,
    action: str | None = None,
    openid: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    allow(request, session[0], APPROVERS, "audit")
    return server(request).desk.audit_rows(
        openid=openid, action=action, limit=max(1, min(limit, 5000))
    )
