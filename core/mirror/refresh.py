"""Live refresh from WeChat: one order or many through query_order, a user's balance through
query_user_balance. Reads only; nothing here moves money."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.client import XPayClient
from core.errors import ValidationError, XPayDeskError, XPayError
from core.mirror.db import Mirror
from core.mirror.pushes import PUSH_SOURCES
from core.mirror.records import (
    order_from_query,
    refund_status_from_order,
    save_balance,
    upsert_orders,
    upsert_refunds,
)
from core.models import Balance
from core.secret import Secret

NO_SUCH_ORDER = 268490002  # query_order: WeChat has no such order


@dataclass
class RefreshReport:
    refreshed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


async def refresh_order(
    client: XPayClient, mirror: Mirror, order_id: str, openid: str | None = None
) -> None:
    """A cash order, or a refund order by its refund_order_id."""
    refund = mirror.one("SELECT * FROM refunds WHERE refund_order_id = ?", order_id)
    known = mirror.one("SELECT openid FROM orders WHERE order_id = ?", order_id)
    who = openid or (refund["openid"] if refund else None) or (known["openid"] if known else None)
    if not who:
        raise XPayDeskError(
            f"镜像中没有 {order_id}，请提供 openid",
            f"{order_id} is not in the mirror; give its openid",
        )
    try:
        order = await client.query_order(who, order_id=order_id)
    except XPayError as exc:
        if exc.errcode == NO_SUCH_ORDER and refund is None:
            mark_not_found(mirror, order_id)
        raise
    if refund is not None or order.order_type in (1, 8):
        upsert_refunds(
            mirror,
            [
                {
                    "refund_order_id": order_id,
                    "order_id": refund["order_id"] if refund else "",
                    "openid": who,
                    "refund_fee": order.refund_fee,
                    "status": refund_status_from_order(order.status),
                    "finished_at": order.paid_time if order.status in (5, 7, 8) else 0,
                }
            ],
        )
        return
    with mirror.transaction():
        upsert_orders(mirror, [order_from_query(order, openid=who, now=mirror.now())])


def mark_not_found(mirror: Mirror, order_id: str) -> bool:
    """An order known only from a push (or a pasted one) that WeChat says does not exist:
    marked so ("微信查无此单 / Not found at WeChat"), and no money action is offered on it. An
    order WeChat once confirmed is left as it is."""
    with mirror.transaction() as conn:
        cur = conn.execute(
            "UPDATE orders SET source = 'not_found', refreshed_at = ? WHERE order_id = ? "
            f"AND source IN ({', '.join('?' * len(PUSH_SOURCES))})",
            (mirror.now(), order_id, *PUSH_SOURCES),
        )
    return bool(cur.rowcount)


async def order_by_wx_id(
    client: XPayClient, mirror: Mirror, wx_order_id: str, *, openid: str | None = None
) -> str:
    """The merchant order id of a WeChat order id. The mirror first; an order it never saw is
    asked of WeChat (query_order accepts wx_order_id, but needs the payer's openid) and recorded
    in the mirror, so the action that follows finds it like any other order."""
    row = mirror.one("SELECT order_id FROM orders WHERE wx_order_id = ?", wx_order_id)
    if row is not None:
        return str(row["order_id"])
    refund = mirror.one(
        "SELECT refund_order_id FROM refunds WHERE refund_wx_order_id = ?", wx_order_id
    )
    if refund is not None:
        raise ValidationError(
            "--wx-order-id",
            f"{wx_order_id} 是退款单 {refund['refund_order_id']} 的微信单号，不是支付订单",
            f"{wx_order_id} is the WeChat id of refund {refund['refund_order_id']}, not of an order",
        )
    if not openid:
        raise ValidationError(
            "--openid",
            f"镜像中没有微信订单号 {wx_order_id}；向微信查询（query_order）需要付款用户的 openid",
            f"WeChat order id {wx_order_id} is not in the mirror; asking WeChat (query_order) "
            "needs the payer's openid",
        )
    order = await client.query_order(openid, wx_order_id=wx_order_id)
    if order.order_type in (1, 8) or not order.order_id:  # a refund order, or nothing usable
        raise ValidationError(
            "--wx-order-id",
            f"{wx_order_id} 不是支付订单（order_type {order.order_type}）",
            f"{wx_order_id} is not a payment order (order_type {order.order_type})",
        )
    with mirror.transaction():
        upsert_orders(mirror, [order_from_query(order, openid=openid, now=mirror.now())])
    return order.order_id


async def refresh_orders(
    client: XPayClient, mirror: Mirror, order_ids: Iterable[str]
) -> RefreshReport:
    report = RefreshReport()
    for order_id in order_ids:
        try:
            await refresh_order(client, mirror, order_id)
            report.refreshed.append(order_id)
        except XPayDeskError as exc:
            report.failed[order_id] = exc.message("en")
    return report


async def refresh_balance(
    client: XPayClient, mirror: Mirror, openid: str, *, session_key: Secret | str
) -> Balance:
    balance = await client.query_user_balance(openid, session_key=session_key)
    save_balance(mirror, openid, int(client.env), balance)
    return balance
