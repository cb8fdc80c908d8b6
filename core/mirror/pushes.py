"""Decoded pushes in the mirror: stored (accepted or rejected, with the raw text) so they show in
the user's timeline, and applied where they tell us something new (a refund finished, a payment
we had not seen)."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from core.callbacks import CallbackError, DecodeResult, PushEvent
from core.mirror.db import Mirror
from core.mirror.records import upsert_orders, upsert_refunds

#: WeChat retries a push within minutes: a pasted push older than this may be a replay (an old
#: demo run's, another merchant's test). Saved only when the operator confirms, and its order
#: stays "pasted" (unverified) until query_order confirms it. XPAYDESK_PUSH_REPLAY_SECONDS
#: changes it.
REPLAY_WINDOW_SECONDS = 600

#: the order sources a push alone created: what WeChat's "no such order" marks as not found
PUSH_SOURCES = ("push", "pasted")


#: why no money action is offered on an order only a push vouches for (zh, en)
UNPROVEN: dict[str, tuple[str, str]] = {
    "pasted": (
        "这张订单只来自一条较早的粘贴推送，微信尚未确认：请先“从微信刷新”",
        "this order comes only from an older pasted push WeChat has not confirmed: "
        "refresh it from WeChat first",
    ),
    "not_found": (
        "微信查无此单：这张订单只来自推送，微信说它不存在，不能退款或发货",
        "not found at WeChat: this order comes only from a push and WeChat says it does not "
        "exist, so it cannot be refunded or delivered",
    ),
}


#: the push inspector's words where they depend on the desk's kind or a push's age (zh, en)
SAVE_WORDS: dict[str, tuple[str, str]] = {
    "save_team": ("保存到团队存储", "Save to the team's store"),
    "saved_team": ("推送已保存到团队存储", "Push saved to the team's store"),
    "already_team": ("这条推送已在团队存储中", "This push was already in the team's store"),
    "old_button": ("仍要保存（{minutes} 分钟前的推送）", "Save anyway ({minutes} min old)"),
    "old_warning": (
        "微信会在几分钟内重试推送；这条推送已是 {minutes} 分钟前的，可能是重放（例如上次演示"
        "留下的推送）。再按一次才保存；保存后订单标为“未经微信确认”，直到从微信刷新确认。",
        "WeChat retries a push within minutes; this one is {minutes} min old and may be a "
        "replay (a previous demo run's, say). Press again to save it anyway; its order is then "
        "marked unverified until a refresh from WeChat confirms it.",
    ),
}


def replay_window() -> int:
    value = os.environ.get("XPAYDESK_PUSH_REPLAY_SECONDS", "")
    return int(value) if value.isdigit() else REPLAY_WINDOW_SECONDS


def push_age(event: PushEvent | None, now: int) -> int:
    """Seconds since WeChat made the push (0 when it does not say)."""
    if event is None or event.create_time is None:
        return 0
    return max(0, now - int(event.create_time.timestamp()))


def dedupe_key(query: str, body: str) -> str:
    return hashlib.sha256(f"{query}\n{body}".encode("utf-8", "surrogatepass")).hexdigest()


def save_push(
    mirror: Mirror,
    *,
    query: str,
    body: str,
    result: DecodeResult | None = None,
    error: CallbackError | None = None,
    source: str = "push",
) -> bool:
    """True when the push was new. A rejected push is kept too: support asks about those.
    `source` is what an order the push creates says it came from ("pasted": unverified)."""
    event = result.event if result is not None else None
    links = event.links if event is not None else {}
    row = {
        "dedupe_key": dedupe_key(query, body),
        "event": event.event if event else "",
        "openid": links.get("openid", ""),
        "order_id": links.get("order_id", ""),
        "wx_order_id": links.get("wx_order_id", ""),
        "refund_order_id": links.get("refund_order_id", ""),
        "verdict": "accept" if result is not None else "reject",
        "mode": result.mode if result else "",
        "format": (result.format or "") if result else "",
        "create_time": int(event.create_time.timestamp()) if event and event.create_time else 0,
        "received_at": mirror.now(),
        "raw_query": query,
        "raw_body": body,
        "message": (result.message or "")
        if result
        else json.dumps(
            {"error": error.kind if error else "", "detail": str(error) if error else ""},
            ensure_ascii=False,
        ),
    }
    with mirror.transaction() as conn:
        cursor = conn.execute(
            # ON CONFLICT, not SQLite's INSERT OR IGNORE: PostgreSQL (a team's store) has only this
            f"INSERT INTO pushes ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) "
            "ON CONFLICT (dedupe_key) DO NOTHING",
            tuple(row.values()),
        )
        added = cursor.rowcount == 1
        if added and event is not None:
            apply_event(mirror, event, source=source)
    return added


def apply_event(mirror: Mirror, event: PushEvent, *, source: str = "push") -> None:
    """What a verified push changes in the mirror; never moves an order backwards."""
    if event.event == "xpay_refund_notify" and event.mch_refund_id:
        _apply_refund(mirror, event)
    elif event.event in ("xpay_coin_pay_notify", "xpay_goods_deliver_notify"):
        _apply_payment(mirror, event, source)
    elif event.event == "xpay_complaint_notify":
        from core.complaints import record_push

        record_push(mirror, event.fields)


def _created(mirror: Mirror, event: PushEvent) -> int:
    return int(event.create_time.timestamp()) if event.create_time else mirror.now()


def _apply_refund(mirror: Mirror, event: PushEvent) -> None:
    existing = mirror.one(
        "SELECT started_at, operator, source FROM refunds WHERE refund_order_id = ?",
        event.mch_refund_id,
    )
    finished = event.fields.get("RefundSuccTimestamp")
    started = event.fields.get("RefundStartTimestamp")
    created = _created(mirror, event)
    upsert_refunds(
        mirror,
        [
            {
                "refund_order_id": event.mch_refund_id,
                "order_id": event.out_trade_no,
                "openid": event.openid,
                "refund_fee": event.refund_fee or 0,
                "refund_wx_order_id": event.wx_refund_id,
                "status": "refunded" if event.succeeded else "failed",
                "started_at": existing["started_at"]
                if existing
                else (started if isinstance(started, int) else created),
                "finished_at": finished if isinstance(finished, int) and finished else created,
                "operator": existing["operator"] if existing else "",
                "source": existing["source"] if existing else "push",
            }
        ],
    )


def _apply_payment(mirror: Mirror, event: PushEvent, source: str = "push") -> None:
    """A payment we had not seen becomes an order row; a known order is left to query_order."""
    if not (event.out_trade_no and event.openid):
        return
    if mirror.one("SELECT 1 FROM orders WHERE order_id = ?", event.out_trade_no) is not None:
        return
    purchase, pay = event.purchase, event.wechat_pay
    fee = (purchase.actual_price or 0) if purchase else 0
    paid = int(pay.paid_time.timestamp()) if pay and pay.paid_time else _created(mirror, event)
    coin = event.event == "xpay_coin_pay_notify"
    upsert_orders(
        mirror,
        [
            {
                "order_id": event.out_trade_no,
                "openid": event.openid,
                "kind": "coin" if coin else "item",
                "product_id": (purchase.product_id or ("coin" if coin else "")) if purchase else "",
                "quantity": (purchase.quantity or 0) if purchase else 0,
                "order_fee": fee,
                "paid_fee": fee,
                "left_fee": fee,
                # WeChat credits coins itself; an item waits for the merchant's delivery
                "status": 4 if coin else 2,
                "env": event.env or 0,
                "create_time": paid,
                "paid_time": paid,
                "wxpay_order_id": pay.transaction_id if pay else "",
                "channel_order_id": pay.mch_order_no if pay else "",
                "source": source,
                "refreshed_at": mirror.now(),
                "raw": json.dumps(event.fields, ensure_ascii=False, sort_keys=True),
            }
        ],
    )


def push_rows(mirror: Mirror, openid: str) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in mirror.all(
            "SELECT * FROM pushes WHERE openid = ? ORDER BY create_time DESC", openid
        )
    ]
