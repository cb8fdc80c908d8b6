"""Demo data: users, a few months of orders, refunds, gifts and deductions, deterministic under a
seed, including the awkward cases support meets every day. `iter_orders` streams, so it scales to
1,000,000 orders for the benchmarks without holding them in memory."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.beijing import beijing_day_bounds, beijing_today
from core.simulator.state import CREATED, DELIVERED, PAID, REFUNDED, SimState, complaint_order_info

ITEMS = [("vip_month_01", 1800), ("vip_week_01", 600), ("ep_pack_10", 990), ("ep_pack_50", 3990)]
COIN_PACKS = [600, 1200, 3000, 6800, 12800, 32800]  # coins; 100 coins = ¥1, so fen == coins
ORDER_COLUMNS = (
    "order_id",
    "wx_order_id",
    "env",
    "openid",
    "order_type",
    "kind",
    "product_id",
    "quantity",
    "order_fee",
    "paid_fee",
    "left_fee",
    "refund_fee",
    "status",
    "create_time",
    "update_time",
    "paid_time",
    "provide_time",
    "biz_meta",
    "channel_order_id",
    "wxpay_order_id",
    "token",
    "sett_state",
    "sett_time",
    "platform_fee_fen",
    "cps_fee_fen",
    "pay_order_id",
    "refund_reason",
    "req_from",
)


def demo_openid(rng: random.Random) -> str:
    """Shaped like a real openid: 'o' + 27 url-safe base64 characters."""
    return "o" + base64.urlsafe_b64encode(rng.randbytes(21)).decode()[:27]


def _order_row(
    rng: random.Random, n: int, *, openid: str, env: int, at: int, settle_after: int, now: int
) -> dict[str, Any]:
    is_coin = rng.random() < 0.7
    if is_coin:
        coins = rng.choice(COIN_PACKS)
        kind, product_id, quantity, fee = "coin", "coin", coins, coins
    else:
        product_id, fee = rng.choice(ITEMS)
        kind, quantity = "item", 1
    paid = at + rng.randrange(3, 60)
    settled = paid + settle_after <= now
    return {
        "order_id": f"ORD{at}{n:07d}",
        "wx_order_id": f"VPO{at}{n:07d}{rng.randrange(100):02d}",
        "env": env,
        "openid": openid,
        "order_type": 0,
        "kind": kind,
        "product_id": product_id,
        "quantity": quantity,
        "order_fee": fee,
        "paid_fee": fee,
        "left_fee": fee,
        "refund_fee": 0,
        "status": DELIVERED,
        "create_time": at,
        "update_time": paid + 10,
        "paid_time": paid,
        "provide_time": paid + rng.randrange(5, 13),
        "biz_meta": json.dumps({"attach": f"ch{rng.randrange(40)}"}),
        "channel_order_id": f"{n:010d}{rng.randrange(10**8):08d}",
        "wxpay_order_id": f"4200{at}{n:014d}",
        "token": f"E-{at}{n:07d}",
        "sett_state": 2 if settled else 3,
        "sett_time": paid + settle_after if settled else 0,
        "platform_fee_fen": fee // 10 if settled else 0,
        "cps_fee_fen": 0,
        "pay_order_id": None,
        "refund_reason": None,
        "req_from": None,
    }


def _refund_row(rng: random.Random, order: dict[str, Any], fee: int, *, now: int) -> dict[str, Any]:
    # within 20 days of payment, and never in the future (clamping would pile them on "now")
    room = max(min(20 * 86400, now - order["paid_time"] - 10), 601)
    at = min(order["paid_time"] + rng.randrange(600, room), now - 5)
    return {
        **{c: None for c in ORDER_COLUMNS},
        "order_id": f"RFD{order['order_id'][3:]}",
        "wx_order_id": f"VPR{order['wx_order_id'][3:]}",
        "env": order["env"],
        "openid": order["openid"],
        "order_type": 1,
        "kind": order["kind"],
        "product_id": order["product_id"],
        "quantity": 0,
        "order_fee": fee,
        "paid_fee": 0,
        "left_fee": 0,
        "refund_fee": fee,
        "status": REFUNDED,
        "create_time": at,
        "update_time": at + 5,
        "paid_time": at + 5,
        "provide_time": 0,
        "biz_meta": "客服退款",
        "channel_order_id": "",
        "wxpay_order_id": "",
        "token": "",
        "sett_state": 0,
        "sett_time": 0,
        "platform_fee_fen": 0,
        "cps_fee_fen": 0,
        "pay_order_id": order["order_id"],
        "refund_reason": rng.choice("0123"),
        "req_from": "1",
    }


def iter_orders(
    *,
    seed: int,
    count: int,
    openids: list[str],
    start: int,
    end: int,
    env: int = 1,
    refund_rate: float = 0.03,
    settle_after: int = 3 * 86400,
) -> Iterator[dict[str, Any]]:
    """Paid orders spread evenly over [start, end), each followed by its refund when it has one.
    Refunded cash orders carry their reduced left_fee and status."""
    rng = random.Random(seed)
    step = max((end - start) // max(count, 1), 1)
    for n in range(count):
        at = start + n * step + rng.randrange(step)
        order = _order_row(
            rng, n, openid=rng.choice(openids), env=env, at=at, settle_after=settle_after, now=end
        )
        refund = None
        if rng.random() < refund_rate:
            fee = order["paid_fee"] if rng.random() < 0.7 else max(order["paid_fee"] // 2, 1)
            refund = _refund_row(rng, order, fee, now=end)
            order["left_fee"] -= fee
            order["status"] = REFUNDED if order["left_fee"] == 0 else order["status"]
        yield order
        if refund is not None:
            yield refund


@dataclass
class DemoSummary:
    users: list[str]
    orders: int = 0
    refunds: int = 0
    cases: dict[str, str] = field(default_factory=dict)  # awkward case -> the id that shows it
    session_keys: dict[str, str] = field(default_factory=dict)


def populate(
    state: SimState,
    *,
    seed: int = 2026,
    users: int = 300,
    orders: int = 20_000,
    days: int = 90,
    env: int = 1,
) -> DemoSummary:
    """Fill a simulator with a believable history. Coins bought, gifted and spent all balance."""
    rng = random.Random(seed)
    now = int(state.now())
    start = now - days * 86400
    openids = [demo_openid(rng) for _ in range(users)]
    summary = DemoSummary(users=openids)
    lifetime = state.config.session_key_lifetime
    user_rows = []
    for i, openid in enumerate(openids):
        key = base64.b64encode(rng.randbytes(16)).decode()
        # a fifth of the users have not opened the mini program lately: their key is stale
        obtained = now - (lifetime + 86400 if i % 5 == 4 else rng.randrange(60, lifetime // 2))
        user_rows.append((openid, key, obtained))
        summary.session_keys[openid] = key
    coins: dict[str, int] = dict.fromkeys(openids, 0)
    refunded_coin_orders: list[dict[str, Any]] = []
    rows = []
    for row in iter_orders(seed=seed, count=orders, openids=openids, start=start, end=now, env=env):
        rows.append(tuple(row[c] for c in ORDER_COLUMNS))
        if row["order_type"] == 0:
            summary.orders += 1
            if row["kind"] == "coin":
                coins[row["openid"]] += row["quantity"]
        else:
            summary.refunds += 1
            if row["kind"] == "coin":
                refunded_coin_orders.append(row)
    with state.transaction() as db:
        db.executemany("INSERT OR REPLACE INTO users VALUES (?, ?, ?, '[]')", user_rows)
        db.executemany(
            f"INSERT OR REPLACE INTO orders ({', '.join(ORDER_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(ORDER_COLUMNS))})",
            rows,
        )
        ops = []
        for n, openid in enumerate(openids):
            gifted = rng.choice([0, 0, 0, 100, 200, 500])
            spent = int((coins[openid] + gifted) * rng.uniform(0.2, 0.9))
            at = now - rng.randrange(86400, days * 86400)
            if gifted:
                ops.append((env, f"GIFT{n:08d}", "gift", openid, gifted, 0, None, 0, at))
            if spent:
                ops.append(
                    (
                        env,
                        f"SPEND{n:08d}",
                        "pay",
                        openid,
                        spent,
                        min(gifted, spent),
                        None,
                        0,
                        at + 3600,
                    )
                )
            db.execute(
                "INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    env,
                    openid,
                    coins[openid] - max(spent - gifted, 0),
                    max(gifted - spent, 0),
                    coins[openid],
                    gifted,
                    spent,
                    0 if coins[openid] else 1,
                ),
            )
        db.executemany("INSERT OR REPLACE INTO coin_ops VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", ops)
    _awkward_cases(state, summary, rng, env=env, now=now, refunded=refunded_coin_orders)
    _past_discrepancies(state, summary, rng, env=env, now=now)
    _complaints(state, summary, random.Random(seed + 14), now=now)
    return summary


def _awkward_cases(
    state: SimState,
    summary: DemoSummary,
    rng: random.Random,
    *,
    env: int,
    now: int,
    refunded: list[dict[str, Any]],
) -> None:
    users = summary.users
    # 1. an item bought and paid, but the delivery push failed: stuck in "paid, not delivered"
    stuck = state.create_order(
        openid=users[0],
        env=env,
        kind="item",
        order_fee=1800,
        quantity=1,
        product_id="vip_month_01",
        order_id="DEMOSTUCK0001",
        created=now - 3600,
    )
    state.pay_order(stuck["order_id"], paid_at=now - 3590, push=False)
    summary.cases["paid_not_delivered"] = stuck["order_id"]
    # 2. a refunded coin top-up whose coins were never clawed back
    if refunded:
        summary.cases["refund_not_clawed_back"] = refunded[0]["pay_order_id"]
    # 3. a user whose session key expired (every fifth user; the first of them)
    summary.cases["stale_session_key"] = users[4] if len(users) > 4 else users[0]
    # 4. a partial refund of a fresh coin top-up, still refundable in part
    partial = state.create_order(
        openid=users[1],
        env=env,
        kind="coin",
        order_fee=3000,
        quantity=3000,
        product_id="coin",
        order_id="DEMOPARTIAL01",
        created=now - 7200,
    )
    state.pay_order(partial["order_id"], paid_at=now - 7190, push=False)
    state.refund_order(
        env,
        {
            "openid": users[1],
            "order_id": partial["order_id"],
            "refund_order_id": "DEMOPARTREF01",
            "left_fee": 3000,
            "refund_fee": 1000,
            "biz_meta": "部分退款",
            "refund_reason": "4",
            "req_from": "1",
        },
    )
    summary.cases["partial_refund"] = partial["order_id"]
    # 5. an order created but never paid
    unpaid = state.create_order(
        openid=users[2],
        env=env,
        kind="coin",
        order_fee=600,
        quantity=600,
        product_id="coin",
        order_id="DEMOUNPAID001",
        created=now - 600,
    )
    assert unpaid["status"] == CREATED
    summary.cases["unpaid"] = unpaid["order_id"]
    assert state.order_row(stuck["order_id"])["status"] == PAID  # type: ignore[index]


# (hours since the complaint, state, problem type, what the user wrote, a follow-up from the user)
DEMO_COMPLAINTS = (
    (2, "PENDING", "REFUND", "充值了代币但是余额没有变化，请退款", ""),
    (20, "PENDING", "SERVICE_NOT_WORK", "买了月卡，会员权益一直没有生效", ""),
    (30, "PENDING", "OTHERS", "同一笔订单被扣了两次钱？", ""),
    (40, "PROCESSING", "REFUND", "误买了 6800 代币，想退掉", "还没收到退款，什么时候处理？"),
    (120, "PROCESSED", "OTHERS", "代币什么时候到账", ""),
)


def _complaints(state: SimState, summary: DemoSummary, rng: random.Random, *, now: int) -> None:
    """Complaints of different ages: one just in, one due within hours, one overdue, one answered
    whose user wrote again, one closed; each about a real paid order, with the user's evidence."""
    tz = ZoneInfo("Asia/Shanghai")
    users = summary.users[10:] or summary.users  # a small demo has fewer users
    picks = [summary.cases.get("paid_not_delivered", "")]  # the undelivered month card
    for openid in users:
        if len(picks) == len(DEMO_COMPLAINTS):
            break
        row = state.db.execute(
            "SELECT order_id FROM orders WHERE openid = ? AND order_type = 0 AND status = ? "
            "AND kind = 'coin' ORDER BY paid_time DESC LIMIT 1",
            (openid, DELIVERED),
        ).fetchone()
        if row is not None:
            picks.append(row["order_id"])
    if len(picks) > 1:
        picks = [picks[1], picks[0], *picks[2:]]  # the month card is the second complaint
    rows = []
    for n, ((hours, cstate, problem, text, follow_up), order_id) in enumerate(
        zip(DEMO_COMPLAINTS, picks, strict=False)
    ):
        order = state.order_row(order_id)
        if order is None:
            continue
        complaint_id = f"2000{rng.randrange(10**14):014d}"
        at = now - hours * 3600

        def stamp(seconds: int) -> str:
            return datetime.fromtimestamp(seconds, tz).isoformat(timespec="seconds")

        evidence = [
            {
                "media_type": "USER_COMPLAINT_IMAGE",
                "media_url": [
                    "https://api.mch.weixin.qq.com/v3/merchant-service/images/"
                    f"demo{complaint_id[-8:]}{k}"
                    for k in range(1 + n % 2)
                ],
            }
        ]
        body = {
            "complaint_id": complaint_id,
            "complaint_time": stamp(at),
            "complaint_detail": text,
            "complaint_state": cstate,
            "payer_phone": "",
            "payer_openid": order["openid"],
            "complaint_order_info": complaint_order_info(order),
            "complaint_full_refunded": False,
            "incoming_user_response": bool(follow_up),
            "user_complaint_times": 2 if follow_up else 1,
            "complaint_media_list": evidence,
            "problem_description": text,
            "problem_type": problem,
            "apply_refund_amount": order["paid_fee"] if problem == "REFUND" else 0,
            "user_tag_list": ["HIGH_RISK"] if n == 2 else ["TRUSTED"] if n == 0 else [],
            "service_order_info": [],
        }
        history = [
            {
                "log_id": f"{complaint_id}-1",
                "operator": "user",
                "operate_time": stamp(at),
                "operate_type": "USER_CREATE_COMPLAINT",
                "operate_details": text,
                "complaint_media_list": evidence,
            }
        ]
        if cstate != "PENDING":
            history.append(
                {
                    "log_id": f"{complaint_id}-2",
                    "operator": "merchant",
                    "operate_time": stamp(at + 5 * 3600),
                    "operate_type": "MERCHANT_RESPONSE",
                    "operate_details": "您好，已收到您的反馈，正在核实订单，会尽快处理。",
                    "complaint_media_list": [],
                }
            )
        if follow_up:
            history.append(
                {
                    "log_id": f"{complaint_id}-3",
                    "operator": "user",
                    "operate_time": stamp(at + 30 * 3600),
                    "operate_type": "USER_RESPONSE",
                    "operate_details": follow_up,
                    "complaint_media_list": [],
                }
            )
        if cstate == "PROCESSED":
            history.append(
                {
                    "log_id": f"{complaint_id}-{len(history) + 1}",
                    "operator": "merchant",
                    "operate_time": stamp(at + 8 * 3600),
                    "operate_type": "MERCHANT_CONFIRM_COMPLETE",
                    "operate_details": "",
                    "complaint_media_list": [],
                }
            )
        rows.append(
            (
                complaint_id,
                json.dumps(body, ensure_ascii=False),
                json.dumps(history, ensure_ascii=False),
            )
        )
        summary.cases[f"complaint_{hours}h"] = complaint_id
    with state.transaction() as db:
        db.executemany("INSERT OR REPLACE INTO complaints VALUES (?, ?, ?)", rows)


def _past_discrepancies(
    state: SimState, summary: DemoSummary, rng: random.Random, *, env: int, now: int
) -> None:
    """The previous month (Beijing's) gets one of each kind of discrepancy the three-way match
    finds, so a trainee sees them in a closed period. WeChat's side is made here; the merchant's
    side (the vk-pay export of `core.demo`) departs from it for the ids kept in `summary.cases`:

    - missed_push: paid at WeChat, the push never arrived: the merchant's record says unpaid;
    - amount_differs: the merchant recorded 1 yuan more than WeChat took;
    - refund_only_here: the merchant marked a refund that never reached WeChat;
    - refund_only_at_wechat: a refund made at WeChat the merchant has no record of;
    - past_not_delivered: an item paid last month, its delivery push failed, never delivered.
    """
    first = beijing_today(now).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    since = beijing_day_bounds(previous + timedelta(days=1))[0]
    until = beijing_day_bounds(first - timedelta(days=3))[0]  # refunds stay in the month
    paid = [
        dict(r)
        for r in state.db.execute(
            "SELECT * FROM orders WHERE order_type = 0 AND status = ? AND left_fee = paid_fee "
            "AND paid_time >= ? AND paid_time < ? ORDER BY paid_time, order_id",
            (DELIVERED, since, until),
        )
    ]
    if len(paid) < 4:
        return  # a demo too small to have a past month
    missed, differs, here, at_wechat = (paid[n * len(paid) // 4] for n in range(4))
    summary.cases["missed_push"] = missed["order_id"]
    summary.cases["amount_differs"] = differs["order_id"]
    summary.cases["refund_only_here"] = f"RFDHERE{here['order_id'][3:]}"
    summary.cases["refund_only_here_order"] = here["order_id"]
    refund = _refund_row(rng, at_wechat, at_wechat["paid_fee"], now=now)
    refund["order_id"] = f"RFDWX{at_wechat['order_id'][3:]}"
    refund["create_time"] = at_wechat["paid_time"] + 7200
    refund["update_time"] = refund["paid_time"] = at_wechat["paid_time"] + 7205
    with state.transaction() as db:
        db.execute(
            f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) VALUES "
            f"({', '.join('?' * len(ORDER_COLUMNS))})",
            tuple(refund[c] for c in ORDER_COLUMNS),
        )
        db.execute(
            "UPDATE orders SET left_fee = 0, status = ? WHERE order_id = ?",
            (REFUNDED, at_wechat["order_id"]),
        )
    summary.cases["refund_only_at_wechat"] = refund["order_id"]
    # an item paid in the middle of last month whose delivery push failed
    at = since + (until - since) // 2
    stuck = state.create_order(
        openid=summary.users[3 % len(summary.users)],
        env=env,
        kind="item",
        order_fee=990,
        quantity=1,
        product_id="ep_pack_10",
        order_id="DEMOPASTSTUCK1",
        created=at,
    )
    state.pay_order(stuck["order_id"], paid_at=at + 12, push=False)
    summary.cases["past_not_delivered"] = stuck["order_id"]
