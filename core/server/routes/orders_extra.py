"""Orders looked up at WeChat: a WeChat order id turned into the merchant's order id (asked of
WeChat and recorded when the mirror never saw it), several orders refreshed at once, and the
bill's download URL. Each answers the solo desk's result (core.wire); the writes (recording an
order WeChat described) run through the desk acting as the calling operator."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from core.server.deps import API, FINANCE, RESOLVERS, Session, allow, answer, server

router = APIRouter(prefix=API, tags=["orders"])
REFRESH_MAX = 100  # order ids per refresh request (the desk sends longer lists in parts)
DAY = Annotated[str, Query(min_length=1, max_length=16)]  # YYYYMMDD (the desk checks it)


class FindBody(BaseModel):
    openid: str | None = Field(default=None, max_length=128)


class RefreshManyBody(BaseModel):
    order_ids: list[str] = Field(min_length=1, max_length=REFRESH_MAX)


@router.post("/wechat-orders/{wx_order_id}")
async def find_order(
    wx_order_id: str, body: FindBody, session: Session, request: Request
) -> dict[str, Any]:
    """`{"order_id"}` of a WeChat order id: the mirror's, else WeChat's (query_order, which
    needs the payer's `openid`), recorded in the mirror first."""
    op = session[0]
    allow(request, op, RESOLVERS, "wechat-orders")
    desk = server(request).desk_for(op)
    return {"order_id": await desk.find_order(wx_order_id, openid=body.openid or None)}


@router.post("/order-refreshes")
async def refresh_orders(body: RefreshManyBody, session: Session, request: Request) -> Any:
    """Asks WeChat about each order and records its answers: a RefreshReport (what was
    refreshed, and why each other one failed)."""
    op = session[0]
    allow(request, op, RESOLVERS, "refresh")
    return answer(await server(request).desk_for(op).refresh_orders(body.order_ids))


@router.get("/bills")
async def download_bill(begin: DAY, end: DAY, session: Session, request: Request) -> Any:
    """WeChat's download_bill for days YYYYMMDD..YYYYMMDD: a BillUrl. While WeChat is still
    writing the bill its refusal carries the errcode that says "ask again later"."""
    allow(request, session[0], FINANCE, "bills")
    return answer(await server(request).desk.download_bill(begin, end))
