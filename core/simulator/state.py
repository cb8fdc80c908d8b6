"""The simulated WeChat's business state and rules, in SQLite (in memory, or a file with --state).

Every public method either returns the answer's fields or raises SimError(errcode, errmsg), exactly
as the real API would answer. All methods run under one lock; the HTTP server is threaded.
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.beijing import beijing_day_of, beijing_now, yyyymmdd
from core.simulator.config import SimConfig

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    openid TEXT PRIMARY KEY, session_key TEXT NOT NULL, session_key_obtained REAL NOT NULL,
    old_session_keys TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS accounts (
    env INTEGER NOT NULL, openid TEXT NOT NULL, paid INTEGER NOT NULL DEFAULT 0,
    present INTEGER NOT NULL DEFAULT 0, sum_save INTEGER NOT NULL DEFAULT 0,
    sum_present INTEGER NOT NULL DEFAULT 0, sum_cost INTEGER NOT NULL DEFAULT 0,
    first_save INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (env, openid)
);
CREATE TABLE IF NOT EXISTS coin_ops (
    env INTEGER NOT NULL, order_id TEXT NOT NULL, kind TEXT NOT NULL, openid TEXT NOT NULL,
    amount INTEGER NOT NULL, used_present INTEGER NOT NULL DEFAULT 0, pay_order_id TEXT,
    cancelled INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL, PRIMARY KEY (env, order_id)
);
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY, wx_order_id TEXT UNIQUE NOT NULL, env INTEGER NOT NULL,
    openid TEXT NOT NULL, order_type INTEGER NOT NULL, kind TEXT NOT NULL, product_id TEXT,
    quantity INTEGER NOT NULL DEFAULT 0, order_fee INTEGER NOT NULL, paid_fee INTEGER NOT NULL,
    left_fee INTEGER NOT NULL, refund_fee INTEGER NOT NULL DEFAULT 0, status INTEGER NOT NULL,
    create_time INTEGER NOT NULL, update_time INTEGER NOT NULL, paid_time INTEGER NOT NULL DEFAULT 0,
    provide_time INTEGER NOT NULL DEFAULT 0, biz_meta TEXT NOT NULL DEFAULT '',
    channel_order_id TEXT NOT NULL DEFAULT '', wxpay_order_id TEXT NOT NULL DEFAULT '',
    token TEXT NOT NULL DEFAULT '', sett_state INTEGER NOT NULL DEFAULT 0,
    sett_time INTEGER NOT NULL DEFAULT 0, platform_fee_fen INTEGER NOT NULL DEFAULT 0,
    cps_fee_fen INTEGER NOT NULL DEFAULT 0, pay_order_id TEXT, refund_reason TEXT,
    req_from TEXT, refund_due REAL, refund_outcome INTEGER
);
CREATE INDEX IF NOT EXISTS orders_openid ON orders (openid);
CREATE INDEX IF NOT EXISTS orders_refund_due ON orders (refund_due) WHERE refund_due IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_paid_time ON orders (paid_time);
CREATE TABLE IF NOT EXISTS tasks (
    task_id TEXT PRIMARY KEY, kind TEXT NOT NULL, params TEXT NOT NULL, polls INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS withdrawals (
    withdraw_no TEXT PRIMARY KEY, wx_withdraw_no TEXT NOT NULL, amount_fen INTEGER NOT NULL,
    created REAL NOT NULL, due REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS goods (
    id TEXT PRIMARY KEY, name TEXT, price INTEGER, remark TEXT, item_url TEXT,
    uploaded INTEGER NOT NULL DEFAULT 0, published INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS complaints (
    complaint_id TEXT PRIMARY KEY, body TEXT NOT NULL, history TEXT NOT NULL DEFAULT '[]'
);
"""

# query_order statuses (reference §2.2.1)
CREATED, PAID, DELIVERING, DELIVERED, REFUNDED, CLOSED, REFUND_FAILED = 1, 2, 3, 4, 5, 6, 7
# what SQLite's INTEGER holds; past it SQLite silently turns the sum into a float
INT64_MAX = 2**63 - 1
COIN_OP_NAMES = {"pay": "currency_pay", "cancel": "cancel_currency_pay", "gift": "present_currency"}


class SimError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass
class Push:
    """An event the simulated WeChat wants to push: its plain fields, before encryption."""

    event: str
    fields: dict[str, Any]
    created: float


def complaint_order_info(order: dict[str, Any]) -> list[dict[str, Any]]:
    """A complaint's `complaint_order_info`: the simulated order (an order_row) by its WeChat Pay,
    channel, mini-program and WeChat ids, with the amount paid."""
    return [
        {
            "transaction_id": order["wxpay_order_id"],
            "out_trade_no": order["channel_order_id"],
            "amount": order["paid_fee"],
            "wxa_out_trade_no": order["order_id"],
            "wx_order_id": order["wx_order_id"],
        }
    ]


class SimState:
    def __init__(
        self,
        config: SimConfig,
        *,
        path: Path | None = None,
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._base_clock = clock
        self.offset = 0.0  # the admin API can move time forward (session keys, refunds)
        self.rng = random.Random(seed)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(
            str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL" if path else "PRAGMA journal_mode=MEMORY")
        self.db.executescript(SCHEMA)
        self.tokens: dict[str, float] = {}  # access_token -> expiry
        self.current_token: str | None = None
        self.pending_pushes: list[Push] = []

    # ---- infrastructure --------------------------------------------------------------------

    def now(self) -> float:
        return self._base_clock() + self.offset

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction; nested calls join the outer one."""
        with self._lock:
            if self.db.in_transaction:
                yield self.db
                return
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def _row(self, sql: str, *params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(sql, params).fetchone()
        return row

    def _new_id(self, prefix: str) -> str:
        stamp = beijing_now(self.now()).strftime("%y%m%d%H%M%S")  # WeChat's clock, anywhere
        return f"{prefix}{stamp}{self.rng.randrange(10**9):09d}"

    # ---- tokens (§4.2) ---------------------------------------------------------------------

    def stable_token(self, appid: str, secret: str, force_refresh: bool) -> dict[str, Any]:
        with self._lock:
            if appid != self.config.appid:
                raise SimError(40013, "invalid appid")
            if not secrets.compare_digest(secret, self.config.secret):
                raise SimError(40125, "invalid appsecret")
            now = self.now()
            token = self.current_token
            # the same token while valid; renewed when fewer than ~5 minutes remain
            if force_refresh or token is None or self.tokens.get(token, 0) - now < 300:
                if force_refresh and token:
                    self.tokens.pop(token, None)
                token = "SIMTOKEN_" + secrets.token_urlsafe(24)
                self.tokens[token] = now + self.config.token_lifetime
                self.current_token = token
            return {"access_token": token, "expires_in": int(self.tokens[token] - now)}

    def check_token(self, token: str | None) -> None:
        with self._lock:
            if not token:
                raise SimError(41001, "access_token missing")
            expiry = self.tokens.get(token)
            if expiry is None:
                raise SimError(40001, "invalid credential, access_token is invalid or not latest")
            if expiry <= self.now():
                raise SimError(42001, "access_token expired")

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens = {t: self.now() - 1 for t in self.tokens}
            self.current_token = None

    # ---- users and session keys (§4.4) -----------------------------------------------------

    def add_user(
        self, openid: str, *, session_key: str | None = None, obtained: float | None = None
    ) -> str:
        key = session_key or self._session_key()
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO users VALUES (?, ?, ?, '[]')",
                (openid, key, self.now() if obtained is None else obtained),
            )
        return key

    def _session_key(self) -> str:
        import base64

        return base64.b64encode(self.rng.randbytes(16)).decode()

    def relogin(self, openid: str) -> str:
        """The user opens the mini program again: a new key, and the old one dies."""
        with self.transaction() as db:
            row = self._row("SELECT * FROM users WHERE openid = ?", openid)
            if row is None:
                raise SimError(268490001, "openid错误")
            old = [*json.loads(row["old_session_keys"])[-9:], row["session_key"]]
            key = self._session_key()
            db.execute(
                "UPDATE users SET session_key = ?, session_key_obtained = ?, "
                "old_session_keys = ? WHERE openid = ?",
                (key, self.now(), json.dumps(old), openid),
            )
        return key

    def session_key_state(self, openid: str) -> tuple[str | None, bool, list[str]]:
        """(current key, whether it is still alive, keys it replaced)."""
        row = self._row("SELECT * FROM users WHERE openid = ?", openid)
        if row is None:
            return None, False, []
        alive = self.now() - row["session_key_obtained"] < self.config.session_key_lifetime
        return row["session_key"], alive, json.loads(row["old_session_keys"])

    # ---- coin accounts (§2.1) --------------------------------------------------------------

    def _account(self, env: int, openid: str) -> sqlite3.Row:
        if self._row("SELECT 1 FROM users WHERE openid = ?", openid) is None:
            raise SimError(268490001, "openid错误")
        row = self._row("SELECT * FROM accounts WHERE env = ? AND openid = ?", env, openid)
        if row is None:
            self.db.execute("INSERT INTO accounts (env, openid) VALUES (?, ?)", (env, openid))
            row = self._row("SELECT * FROM accounts WHERE env = ? AND openid = ?", env, openid)
        assert row is not None
        return row

    @staticmethod
    def _balance(acc: sqlite3.Row) -> dict[str, Any]:
        return {
            "balance": acc["paid"] + acc["present"],
            "present_balance": acc["present"],
            "sum_save": acc["sum_save"],
            "sum_present": acc["sum_present"],
            "sum_balance": acc["sum_save"] + acc["sum_present"],
            "sum_cost": acc["sum_cost"],
            "first_save_flag": bool(acc["first_save"]),
        }

    def _id_in_use(self, env: int, order_id: str, *, field: str = "order_id") -> SimError | None:
        """An id names one operation: a coin operation of this env, a cash order or a refund."""
        op = self._row("SELECT kind FROM coin_ops WHERE env = ? AND order_id = ?", env, order_id)
        order = self._row("SELECT order_type FROM orders WHERE order_id = ?", order_id)
        if op is None and order is None:
            return None
        if op is not None:
            used_by = COIN_OP_NAMES[op["kind"]]
        else:
            assert order is not None
            used_by = "refund_order" if order["order_type"] == 1 else "cash order"
        return SimError(
            268490002,
            f"请求参数字段错误：{field} 已被其他操作使用 ({field} already used by {used_by})",
        )

    def _refuse_used_id(self, env: int, order_id: str, kind: str, openid: str, amount: int) -> None:
        """A coin operation's order_id must be new. 268490004 says "the earlier identical
        operation succeeded": only for that same operation (kind, user, amount); any other use
        of the id is 268490002."""
        previous = self._row("SELECT * FROM coin_ops WHERE env = ? AND order_id = ?", env, order_id)
        if previous is not None and (
            previous["kind"],
            previous["openid"],
            previous["amount"],
        ) == (kind, openid, amount):
            raise SimError(268490004, "重复操作")
        in_use = self._id_in_use(env, order_id)
        if in_use is not None:
            raise in_use

    @staticmethod
    def _check_headroom(acc: sqlite3.Row, coins: int) -> None:
        """Balances stay integers: an addition that would pass int64 is refused, not stored."""
        if max(acc["paid"] + acc["present"], acc["sum_save"] + acc["sum_present"]) > (
            INT64_MAX - coins
        ):
            raise SimError(
                268490002,
                "请求参数字段错误：amount 将使余额超出上限 (amount would overflow the balance)",
            )

    def query_user_balance(self, env: int, openid: str) -> dict[str, Any]:
        with self.transaction():
            return self._balance(self._account(env, openid))

    def currency_pay(self, env: int, openid: str, amount: int, order_id: str) -> dict[str, Any]:
        with self.transaction() as db:
            acc = self._account(env, openid)
            self._refuse_used_id(env, order_id, "pay", openid, amount)
            if amount > acc["paid"] + acc["present"]:
                raise SimError(268490006, "代币的退款/支付操作金额不足")
            # gifted coins are spent first (an assumption: WeChat does not say)
            from_present = min(acc["present"], amount)
            db.execute(
                "UPDATE accounts SET present = present - ?, paid = paid - ?, "
                "sum_cost = sum_cost + ? WHERE env = ? AND openid = ?",
                (from_present, amount - from_present, amount, env, openid),
            )
            db.execute(
                "INSERT INTO coin_ops VALUES (?, ?, 'pay', ?, ?, ?, NULL, 0, ?)",
                (env, order_id, openid, amount, from_present, self.now()),
            )
            acc = self._account(env, openid)
            return {
                "order_id": order_id,
                "balance": acc["paid"] + acc["present"],
                "used_present_amount": from_present,
            }

    def cancel_currency_pay(
        self, env: int, openid: str, pay_order_id: str, order_id: str, amount: int
    ) -> dict[str, Any]:
        with self.transaction() as db:
            self._account(env, openid)
            pay = self._row(
                "SELECT * FROM coin_ops WHERE env = ? AND order_id = ? AND kind = 'pay'",
                env,
                pay_order_id,
            )
            if pay is None or pay["openid"] != openid:
                raise SimError(268490002, "数据不存在")
            if pay["cancelled"]:
                raise SimError(268490005, "订单已经通过cancel_currency_pay接口退款，不支持再退款")
            in_use = self._id_in_use(env, order_id)
            if in_use is not None:
                raise in_use
            if amount > pay["amount"]:
                raise SimError(268490006, "代币的退款/支付操作金额不足")
            self._check_headroom(self._account(env, openid), amount)
            to_present = min(pay["used_present"], amount)
            db.execute(
                "UPDATE accounts SET present = present + ?, paid = paid + ?, "
                "sum_cost = sum_cost - ? WHERE env = ? AND openid = ?",
                (to_present, amount - to_present, amount, env, openid),
            )
            db.execute(
                "UPDATE coin_ops SET cancelled = 1 WHERE env = ? AND order_id = ?",
                (env, pay_order_id),
            )
            db.execute(
                "INSERT INTO coin_ops VALUES (?, ?, 'cancel', ?, ?, ?, ?, 0, ?)",
                (env, order_id, openid, amount, to_present, pay_order_id, self.now()),
            )
            return {"order_id": order_id}

    def present_currency(self, env: int, openid: str, amount: int, order_id: str) -> dict[str, Any]:
        with self.transaction() as db:
            acc = self._account(env, openid)
            self._refuse_used_id(env, order_id, "gift", openid, amount)
            self._check_headroom(acc, amount)
            db.execute(
                "UPDATE accounts SET present = present + ?, sum_present = sum_present + ? "
                "WHERE env = ? AND openid = ?",
                (amount, amount, env, openid),
            )
            db.execute(
                "INSERT INTO coin_ops VALUES (?, ?, 'gift', ?, ?, 0, NULL, 0, ?)",
                (env, order_id, openid, amount, self.now()),
            )
            acc = self._account(env, openid)
            return {
                "balance": acc["paid"] + acc["present"],
                "order_id": order_id,
                "present_balance": acc["sum_present"],
            }

    # ---- cash orders (§2.2) ----------------------------------------------------------------

    def create_order(
        self,
        *,
        openid: str,
        env: int,
        kind: str,
        order_fee: int,
        quantity: int,
        product_id: str = "",
        order_id: str | None = None,
        attach: str = "",
        created: float | None = None,
    ) -> dict[str, Any]:
        """What wx.requestVirtualPayment does on the phone: an order awaiting payment."""
        at = int(self.now() if created is None else created)
        order_id = order_id or self._new_id("ORD")
        with self.transaction() as db:
            self._account(env, openid)
            wx_order_id = self._new_id("VPO")
            db.execute(
                "INSERT INTO orders (order_id, wx_order_id, env, openid, order_type, kind, "
                "product_id, quantity, order_fee, paid_fee, left_fee, status, create_time, "
                "update_time, biz_meta, token) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)",
                (
                    order_id,
                    wx_order_id,
                    env,
                    openid,
                    kind,
                    product_id,
                    quantity,
                    order_fee,
                    CREATED,
                    at,
                    at,
                    json.dumps({"attach": attach}, ensure_ascii=False),
                    f"E-{self.rng.randrange(10**18):018d}",
                ),
            )
        return self._order_view(order_id)

    def pay_order(
        self, order_id: str, *, paid_at: float | None = None, push: bool = True
    ) -> dict[str, Any]:
        """The user pays: status 2, coins credited for a top-up, and the push WeChat sends."""
        at = int(self.now() if paid_at is None else paid_at)
        with self.transaction() as db:
            order = self._row("SELECT * FROM orders WHERE order_id = ?", order_id)
            if order is None or order["status"] != CREATED:
                raise SimError(268490002, "订单状态不允许支付")
            channel = f"{yyyymmdd(beijing_day_of(at))}{self.rng.randrange(10**10):010d}"
            wxpay = f"4200{self.rng.randrange(10**24):024d}"
            db.execute(
                "UPDATE orders SET status = ?, paid_fee = order_fee, left_fee = order_fee, "
                "paid_time = ?, update_time = ?, channel_order_id = ?, wxpay_order_id = ? "
                "WHERE order_id = ?",
                (PAID, at, at, channel, wxpay, order_id),
            )
            if order["kind"] == "coin":
                db.execute(
                    "UPDATE accounts SET paid = paid + ?, sum_save = sum_save + ?, "
                    "first_save = 0 WHERE env = ? AND openid = ?",
                    (order["quantity"], order["quantity"], order["env"], order["openid"]),
                )
                # coin top-ups are delivered by WeChat itself
                db.execute(
                    "UPDATE orders SET status = ?, provide_time = ? WHERE order_id = ?",
                    (DELIVERED, at, order_id),
                )
            view = self._order_view(order_id)
        if push:
            self._queue_paid_push(view, order["kind"], order["product_id"], order["quantity"])
        return view

    def _queue_paid_push(
        self, view: dict[str, Any], kind: str, product_id: str, quantity: int
    ) -> None:
        info = {
            "Quantity": quantity,
            "OrigPrice": view["order_fee"],
            "ActualPrice": view["paid_fee"],
            "Attach": json.loads(view["biz_meta"] or "{}").get("attach", ""),
        }
        fields: dict[str, Any] = {
            "OpenId": view["openid"],
            "OutTradeNo": view["order_id"],
            "Env": view["env"],
            "WeChatPayInfo": {
                "MchOrderNo": view["channel_order_id"],
                "TransactionId": view["wxpay_order_id"],
                "PaidTime": view["paid_time"],
            },
        }
        if kind == "coin":
            fields["CoinInfo"] = info
            event = "xpay_coin_pay_notify"
        else:
            fields["GoodsInfo"] = {"ProductId": product_id, **info}
            event = "xpay_goods_deliver_notify"
        self.pending_pushes.append(Push(event, fields, self.now()))

    def _order_view(self, order_id: str) -> dict[str, Any]:
        row = self._row("SELECT * FROM orders WHERE order_id = ?", order_id)
        if row is None:
            raise SimError(268490002, "数据不存在")
        view = dict(row)
        view["env_type"] = 2 if row["env"] == 1 else 1  # query_order's own encoding
        return view

    def _find_order(
        self, env: int, openid: str, order_id: str | None, wx_order_id: str | None
    ) -> sqlite3.Row:
        if order_id is not None:
            row = self._row("SELECT * FROM orders WHERE order_id = ?", order_id)
        else:
            row = self._row("SELECT * FROM orders WHERE wx_order_id = ?", wx_order_id)
        if row is None or row["env"] != env or (openid and row["openid"] != openid):
            raise SimError(268490002, "数据不存在")
        return row

    PUBLIC_ORDER_FIELDS = (
        "order_id",
        "create_time",
        "update_time",
        "status",
        "order_fee",
        "paid_fee",
        "order_type",
        "refund_fee",
        "paid_time",
        "provide_time",
        "biz_meta",
        "env_type",
        "token",
        "left_fee",
        "wx_order_id",
        "channel_order_id",
        "wxpay_order_id",
        "sett_time",
        "sett_state",
    )

    def query_order(
        self, env: int, openid: str, order_id: str | None, wx_order_id: str | None
    ) -> dict[str, Any]:
        self.tick()
        with self._lock:
            row = self._find_order(env, openid, order_id, wx_order_id)
            view = self._order_view(row["order_id"])
            order = {k: view[k] for k in self.PUBLIC_ORDER_FIELDS}
            order.update(biz_type=0, coupon_fee=0, ext={})
            if view["sett_state"] == 2:
                order.update(
                    platform_fee_fen=view["platform_fee_fen"], cps_fee_fen=view["cps_fee_fen"]
                )
            return {"order": order}

    def refund_order(self, env: int, p: dict[str, Any]) -> dict[str, Any]:
        with self.transaction() as db:
            order = self._find_order(env, p["openid"], p.get("order_id"), p.get("wx_order_id"))
            existing = self._row("SELECT * FROM orders WHERE order_id = ?", p["refund_order_id"])
            if existing is not None:
                same = (
                    existing["order_type"] == 1
                    and existing["pay_order_id"] == order["order_id"]
                    and existing["refund_fee"] == p["refund_fee"]
                )
                if not same:
                    raise SimError(
                        268490002,
                        "请求参数字段错误：refund_order_id 已被其他操作使用 "
                        "(refund_order_id already used by another order or refund)",
                    )
                if existing["refund_due"] is not None:
                    raise SimError(268490014, "退款操作进行中，稍后可以使用相同参数重试")
                return self._refund_answer(existing, order)
            in_use = self._id_in_use(env, p["refund_order_id"], field="refund_order_id")
            if in_use is not None:
                raise in_use
            if order["order_type"] != 0 or order["status"] not in (PAID, DELIVERING, DELIVERED):
                raise SimError(268490002, "订单状态不允许退款")
            if p["left_fee"] != order["left_fee"]:
                raise SimError(
                    268490016, "退款的left_fee字段与实际不符，请通过query_order接口查询确认"
                )
            if not 0 < p["refund_fee"] <= order["left_fee"]:
                raise SimError(268490002, "refund_fee超出可退金额")
            now = self.now()
            wx_refund = self._new_id("VPR")
            db.execute(
                "INSERT INTO orders (order_id, wx_order_id, env, openid, order_type, kind, "
                "product_id, quantity, order_fee, paid_fee, left_fee, refund_fee, status, "
                "create_time, update_time, biz_meta, pay_order_id, refund_reason, req_from, "
                "refund_due) VALUES (?, ?, ?, ?, 1, ?, ?, 0, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    p["refund_order_id"],
                    wx_refund,
                    env,
                    order["openid"],
                    order["kind"],
                    order["product_id"],
                    p["refund_fee"],
                    p["refund_fee"],
                    CREATED,
                    int(now),
                    int(now),
                    p["biz_meta"],
                    order["order_id"],
                    p["refund_reason"],
                    p["req_from"],
                    now + self.config.refund_delay,
                ),
            )
            # the refundable amount is reserved at once; a failed refund gives it back
            db.execute(
                "UPDATE orders SET left_fee = left_fee - ?, update_time = ? WHERE order_id = ?",
                (p["refund_fee"], int(now), order["order_id"]),
            )
            refund = self._row("SELECT * FROM orders WHERE order_id = ?", p["refund_order_id"])
            assert refund is not None
            return self._refund_answer(refund, order)

    @staticmethod
    def _refund_answer(refund: sqlite3.Row, order: sqlite3.Row) -> dict[str, Any]:
        return {
            "refund_order_id": refund["order_id"],
            "refund_wx_order_id": refund["wx_order_id"],
            "pay_order_id": order["order_id"],
            "pay_wx_order_id": order["wx_order_id"],
        }

    def tick(self) -> int:
        """Finish refunds and withdrawals whose time has come; returns how many refunds ended."""
        now = self.now()
        with self.transaction() as db:
            due = db.execute(
                "SELECT * FROM orders WHERE refund_due IS NOT NULL AND refund_due <= ?", (now,)
            ).fetchall()
            for refund in due:
                failed = self.rng.random() < self.config.refund_fail_rate
                status = REFUND_FAILED if failed else REFUNDED
                db.execute(
                    "UPDATE orders SET status = ?, refund_due = NULL, refund_outcome = ?, "
                    "paid_time = ?, update_time = ? WHERE order_id = ?",
                    (status, status, int(now), int(now), refund["order_id"]),
                )
                paid = self._row("SELECT * FROM orders WHERE order_id = ?", refund["pay_order_id"])
                assert paid is not None
                if failed:
                    db.execute(
                        "UPDATE orders SET left_fee = left_fee + ? WHERE order_id = ?",
                        (refund["refund_fee"], paid["order_id"]),
                    )
                elif paid["left_fee"] == 0:
                    db.execute(
                        "UPDATE orders SET status = ?, update_time = ? WHERE order_id = ?",
                        (REFUNDED, int(now), paid["order_id"]),
                    )
                self.pending_pushes.append(
                    Push(
                        "xpay_refund_notify",
                        {
                            "OpenId": refund["openid"],
                            "WxRefundId": refund["wx_order_id"],
                            "MchRefundId": refund["order_id"],
                            "WxOrderId": paid["wx_order_id"],
                            "MchOrderId": paid["order_id"],
                            "RefundFee": refund["refund_fee"],
                            "RetCode": 1 if failed else 0,
                            "RetMsg": "退款失败" if failed else "",
                            "RefundStartTimestamp": refund["create_time"],
                            "RefundSuccTimestamp": 0 if failed else int(now),
                            "WxpayRefundTransactionId": ""
                            if failed
                            else f"5030{self.rng.randrange(10**24):024d}",
                            "RetryTimes": 0,
                        },
                        now,
                    )
                )
            self._settle(db, now)
        return len(due)

    def _settle(self, db: sqlite3.Connection, now: float) -> None:
        cutoff = int(now - self.config.settle_after)
        db.execute(
            "UPDATE orders SET sett_state = 2, sett_time = paid_time + ?, "
            "platform_fee_fen = (paid_fee * ?) / 1000 WHERE order_type = 0 AND sett_state != 2 "
            "AND paid_time > 0 AND paid_time <= ?",
            (self.config.settle_after, self.config.platform_fee_rate_permille, cutoff),
        )

    def notify_provide_goods(self, env: int, order_id: str | None, wx_order_id: str | None) -> None:
        with self.transaction() as db:
            order = self._find_order(env, "", order_id, wx_order_id)
            if order["order_type"] != 0:
                raise SimError(268490002, "只能通知现金单")
            if order["status"] in (PAID, DELIVERING):
                now = int(self.now())
                db.execute(
                    "UPDATE orders SET status = ?, provide_time = ?, update_time = ? "
                    "WHERE order_id = ?",
                    (DELIVERED, now, now, order["order_id"]),
                )
            elif order["status"] != DELIVERED:
                raise SimError(268490002, "订单状态不允许发货")

    # ---- bills, exports, funds, goods, complaints -------------------------------------------

    def poll_task(self, key: str, kind: str, params: dict[str, Any]) -> tuple[int, str]:
        """(polls so far, task id); the first call creates the task."""
        with self.transaction() as db:
            row = self._row("SELECT * FROM tasks WHERE task_id = ?", key)
            if row is None:
                db.execute("INSERT INTO tasks VALUES (?, ?, ?, 0)", (key, kind, json.dumps(params)))
                return 0, key
            db.execute("UPDATE tasks SET polls = polls + 1 WHERE task_id = ?", (key,))
            return row["polls"] + 1, key

    def task(self, task_id: str) -> sqlite3.Row | None:
        return self._row("SELECT * FROM tasks WHERE task_id = ?", task_id)

    def orders_between(
        self, begin: int, end: int, *, order_type: int | None = None
    ) -> Iterable[sqlite3.Row]:
        rows: list[sqlite3.Row] = self.db.execute(
            "SELECT * FROM orders WHERE paid_time >= ? AND paid_time < ? "
            "AND (? IS NULL OR order_type = ?) ORDER BY paid_time",
            (begin, end, order_type, order_type),
        ).fetchall()
        return rows

    def biz_balance_fen(self) -> int:
        with self._lock:
            self.tick()
            settled = self.db.execute(
                "SELECT COALESCE(SUM(paid_fee - platform_fee_fen - cps_fee_fen), 0) FROM orders "
                "WHERE env = 0 AND order_type = 0 AND sett_state = 2"
            ).fetchone()[0]
            refunded = self.db.execute(
                "SELECT COALESCE(SUM(refund_fee), 0) FROM orders WHERE env = 0 AND order_type = 1 "
                "AND status = ?",
                (REFUNDED,),
            ).fetchone()[0]
            withdrawn = self.db.execute(
                "SELECT COALESCE(SUM(amount_fen), 0) FROM withdrawals"
            ).fetchone()[0]
            return int(settled - refunded - withdrawn)

    def create_withdraw(self, withdraw_no: str, amount_fen: int | None) -> dict[str, Any]:
        with self.transaction() as db:
            existing = self._row("SELECT * FROM withdrawals WHERE withdraw_no = ?", withdraw_no)
            if existing is not None:
                return {"withdraw_no": withdraw_no, "wx_withdraw_no": existing["wx_withdraw_no"]}
            available = self.biz_balance_fen()
            amount = available if amount_fen is None else amount_fen
            if amount <= 0 or amount > available:
                raise SimError(268490002, "提现金额超出可提现余额")
            wx_no = self._new_id("WD")
            now = self.now()
            db.execute(
                "INSERT INTO withdrawals VALUES (?, ?, ?, ?, ?)",
                (withdraw_no, wx_no, amount, now, now + self.config.withdraw_delay),
            )
            return {"withdraw_no": withdraw_no, "wx_withdraw_no": wx_no}

    def query_withdraw(self, withdraw_no: str) -> dict[str, Any]:
        row = self._row("SELECT * FROM withdrawals WHERE withdraw_no = ?", withdraw_no)
        if row is None:
            raise SimError(268490002, "数据不存在")
        done = self.now() >= row["due"]
        return {
            "withdraw_no": withdraw_no,
            "status": 2 if done else 1,
            "withdraw_amount": f"{row['amount_fen'] // 100}.{row['amount_fen'] % 100:02d}",
            "wx_withdraw_no": row["wx_withdraw_no"],
            "withdraw_success_timestamp": str(int(row["due"])) if done else "",
            "create_time": str(int(row["created"])),
            "fail_reason": "",
        }

    def upload_goods(self, item: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO goods VALUES (?, ?, ?, ?, ?, 1, "
                "COALESCE((SELECT published FROM goods WHERE id = ?), 0))",
                (
                    item["id"],
                    item["name"],
                    item["price"],
                    item["remark"],
                    item["item_url"],
                    item["id"],
                ),
            )

    def goods(self) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = self.db.execute("SELECT * FROM goods ORDER BY id").fetchall()
        return rows

    def publish_goods(self, item_id: str) -> None:
        with self.transaction() as db:
            if self._row("SELECT 1 FROM goods WHERE id = ?", item_id) is None:
                raise SimError(268490002, "道具不存在")
            db.execute("UPDATE goods SET published = 1 WHERE id = ?", (item_id,))

    def add_complaint(self, complaint: dict[str, Any]) -> None:
        history = [
            {
                "log_id": f"{complaint['complaint_id']}-1",
                "operator": "user",
                "operate_time": complaint["complaint_time"],
                "operate_type": "USER_CREATE_COMPLAINT",
                "operate_details": complaint["complaint_detail"],
                "complaint_media_list": [],
            }
        ]
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO complaints VALUES (?, ?, ?)",
                (
                    complaint["complaint_id"],
                    json.dumps(complaint, ensure_ascii=False),
                    json.dumps(history, ensure_ascii=False),
                ),
            )

    def complaints(self) -> list[dict[str, Any]]:
        return [
            json.loads(r["body"])
            for r in self.db.execute("SELECT body FROM complaints ORDER BY complaint_id").fetchall()
        ]

    def complaint(self, complaint_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        row = self._row("SELECT * FROM complaints WHERE complaint_id = ?", complaint_id)
        if row is None:
            raise SimError(268490002, "数据不存在")
        return json.loads(row["body"]), json.loads(row["history"])

    def update_complaint(
        self, complaint_id: str, *, state: str | None = None, entry: dict[str, Any] | None = None
    ) -> None:
        body, history = self.complaint(complaint_id)
        if state:
            body["complaint_state"] = state
        if entry:
            entry = {
                "log_id": f"{complaint_id}-{len(history) + 1}",
                "operate_time": beijing_now(self.now()).isoformat(timespec="seconds"),
                **entry,
            }
            history.append(entry)
        with self.transaction() as db:
            db.execute(
                "UPDATE complaints SET body = ?, history = ? WHERE complaint_id = ?",
                (
                    json.dumps(body, ensure_ascii=False),
                    json.dumps(history, ensure_ascii=False),
                    complaint_id,
                ),
            )

    def take_pushes(self) -> list[Push]:
        with self._lock:
            pushes, self.pending_pushes = self.pending_pushes, []
            return pushes

    # ---- what tests and the soak compare against -------------------------------------------

    def account(self, env: int, openid: str) -> dict[str, Any]:
        with self.transaction():
            return self._balance(self._account(env, openid))

    def coin_op(self, env: int, order_id: str) -> dict[str, Any] | None:
        row = self._row("SELECT * FROM coin_ops WHERE env = ? AND order_id = ?", env, order_id)
        return None if row is None else dict(row)

    def order_row(self, order_id: str) -> dict[str, Any] | None:
        row = self._row("SELECT * FROM orders WHERE order_id = ?", order_id)
        return None if row is None else dict(row)

    def close(self) -> None:
        with self._lock:
            self.db.close()
