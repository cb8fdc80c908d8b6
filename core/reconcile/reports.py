"""Finance's reports, from the mirror, for a period (Asia/Shanghai calendar days):

- refunds against clawbacks: every refund of a coin top-up, the coins due back, what was taken,
  what is still outstanding and why, with the age and the user's session-key state;
- the three-way match of WeChat's statement, the mirror's orders and the coin ledger;
- a daily summary and gifts/deductions by operator.

Each section streams its rows from SQL (`rows()` gives a fresh cursor), so an export never holds
a month in memory; each figure has a drill-down to the rows behind it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from core.beijing import BEIJING, beijing_day_bounds
from core.mirror.db import Mirror
from core.vocabulary import CLAWBACK, own_half

SHANGHAI = BEIJING  # WeChat's day is Beijing's: core.beijing


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def since(self) -> int:
        return beijing_day_bounds(self.start)[0]

    @property
    def until(self) -> int:
        return beijing_day_bounds(self.end)[1]

    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text | fen | coins | time | int | date
    key_en: str = ""  # a different field for English (labels that exist in both languages)
    vocab: str = ""  # a code value: shown as its core.vocabulary word (exports, dashboard)

    def title(self, lang: str) -> str:
        return self.en if lang.startswith("en") else self.zh

    def key_for(self, lang: str) -> str:
        return self.key_en if self.key_en and lang.startswith("en") else self.key


@dataclass
class Section:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[dict[str, Any]]]

    def title(self, lang: str) -> str:
        return self.en if lang.startswith("en") else self.zh


C = Column
# the report's finer reasons, each shown as the guide's clawback state (core.vocabulary.CLAWBACK):
# one word per state on the Refunds page, the report, the exports and the CLI
CLAWBACK_STATE_OF_REASON = {
    "clawed_back": "recovered",
    "partly_recovered": "partly",
    "coins_spent": "spent",
    "needs_login": "needs_login",
    "in_progress": "due",
    "never_attempted": "due",
}
CLAWBACK_REASONS = {reason: CLAWBACK[state] for reason, state in CLAWBACK_STATE_OF_REASON.items()}
DISCREPANCY_CHECKS = {
    "missed_payment": (
        "微信已支付，本地缺失或未支付（漏推送）",
        "paid at WeChat, missing or unpaid here (missed push)",
    ),
    "payment_amount": ("支付金额不一致", "paid amounts differ"),
    "not_delivered": ("已支付超时未发货", "paid but not delivered in time"),
    "refund_missing_here": ("微信有退款，本地无记录", "refund at WeChat with no record here"),
    "refund_missing_at_wechat": (
        "本地有退款，微信账单中没有",
        "refund here, not in WeChat's statement",
    ),
    "refund_amount": ("退款金额不一致", "refund amounts differ"),
    "ledger_unattributed": (
        "赠送/扣减缺少原因或操作员",
        "gift or deduction without reason or operator",
    ),
    "operation_open": ("操作结果未知或未完成", "operation with an unknown or open outcome"),
    "fee_amount": ("平台服务费与微信账单不一致", "platform fee differs from WeChat's bill"),
}
# where a day's platform fee comes from: WeChat's bill on a day an imported bill covers (the
# bill is what WeChat charges), else our own order records (a vk-pay import carries no fees)
FEE_SOURCES = {
    "bill": ("微信账单", "WeChat bill"),
    "records": ("本地订单记录", "our order records"),
    "none": (
        "无费用数据（账单未覆盖，净收入未扣服务费）",
        "no fee data (no bill covers the day; net is before fees)",
    ),
}


# what each check asks of the operator on the order: refresh it from WeChat (query_order
# brings our record in line), mark it delivered, or look at the user (no order to open)
DISCREPANCY_FIXES = {
    "missed_payment": "refresh",
    "payment_amount": "refresh",
    "not_delivered": "deliver",
    "refund_missing_here": "refresh",
    "refund_missing_at_wechat": "refresh",
    "refund_amount": "refresh",
    "ledger_unattributed": "",
    "operation_open": "resolve",
    "fee_amount": "refresh",
}


def day_spans(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days joined: [27, 28, 29, 30] -> [(27, 30)]."""
    spans: list[tuple[date, date]] = []
    for day in sorted(days):
        if spans and day - spans[-1][1] == timedelta(days=1):
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def coins_due(granted: int, paid_fee: int, refund_fee: int) -> int:
    """Same rule as core.operations: the refunded share of the coins, rounded up."""
    if paid_fee <= 0:
        return 0
    return min(granted, math.ceil(granted * refund_fee / paid_fee))


@dataclass
class Reconciliation:
    mirror: Mirror
    period: Period
    coin_rate: int = 100
    delivery_delay: int = 3600  # seconds after payment before "not delivered" is flagged
    now: int = 0
    totals: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.now = self.now or self.mirror.now()
        self.totals = self._totals()

    # ---- refunds against clawbacks --------------------------------------------------------

    CLAWBACK_SQL = """
        SELECT r.refund_order_id, r.order_id, r.openid, r.refund_fee, r.finished_at,
               o.kind, o.quantity, o.paid_fee, o.order_fee,
               COALESCE((SELECT SUM(l.amount) FROM ledger l WHERE l.refund_order_id =
                   r.refund_order_id AND l.kind = 'clawback' AND l.status = 'done'), 0) AS clawed,
               (SELECT i.state FROM intents i WHERE i.action = 'clawback' AND i.target =
                   r.refund_order_id ORDER BY i.id DESC LIMIT 1) AS clawback_state,
               s.check_result AS key_state, s.obtained_at AS key_obtained
        FROM refunds r
        LEFT JOIN orders o ON o.order_id = r.order_id
        LEFT JOIN session_keys s ON s.openid = r.openid
        WHERE r.status = 'refunded' AND r.finished_at >= ? AND r.finished_at < ?
          AND COALESCE(o.kind, 'coin') = 'coin'
        ORDER BY r.finished_at, r.refund_order_id
    """

    def clawback_rows(self) -> Iterator[dict[str, Any]]:
        for r in self.mirror.conn.execute(
            self.CLAWBACK_SQL, (self.period.since, self.period.until)
        ):
            paid = r["paid_fee"] or r["order_fee"] or r["refund_fee"]
            granted = r["quantity"] or paid * self.coin_rate // 100
            due = coins_due(granted, paid, r["refund_fee"])
            clawed = int(r["clawed"])
            outstanding = max(due - clawed, 0)
            reason = self._clawback_reason(due, clawed, r["clawback_state"])
            zh, en = CLAWBACK_REASONS[reason]
            yield {
                "refund_order_id": r["refund_order_id"],
                "order_id": r["order_id"],
                "openid": r["openid"],
                "refund_fee": r["refund_fee"],
                "refunded_at": r["finished_at"],
                "coins_granted": granted,
                "coins_due": due,
                "clawed_back": clawed,
                "outstanding": outstanding,
                "reason": reason,
                "reason_zh": zh,
                "reason_en": en,
                "age_days": max((self.now - r["finished_at"]) // 86400, 0),
                "session_key": r["key_state"] or "unknown",
            }

    @staticmethod
    def _clawback_reason(due: int, clawed: int, state: str | None) -> str:
        if clawed >= due:
            return "clawed_back"
        if state == "needs_login":
            return "needs_login"
        if state == "done":
            return "partly_recovered" if clawed else "coins_spent"
        if state in ("waiting_refund", "prepared", "sending", "unknown"):
            return "in_progress"
        return "never_attempted"

    # ---- three-way match -------------------------------------------------------------------

    def discrepancy_rows(self) -> Iterator[dict[str, Any]]:
        """Each row: the check, the id it is about, both amounts, and `order_id` (the order to
        open, "" when the row is about a ledger entry or an operation) with its `fix`."""
        p = (self.period.since, self.period.until)
        conn = self.mirror.conn
        queries: list[tuple[str, str, tuple[Any, ...]]] = [
            (
                "missed_payment",
                "SELECT s.id, s.openid, s.amount AS wechat_amount, o.paid_fee AS mirror_amount, s.at, "
                "CASE WHEN o.order_id IS NULL THEN 'missing' ELSE 'status ' || o.status END AS detail, "
                "s.id FROM statement_lines s LEFT JOIN orders o ON o.order_id = s.id "
                "WHERE s.line_type = 'payment' AND s.at >= ? AND s.at < ? "
                "AND (o.order_id IS NULL OR o.status < 2 OR o.status = 6)",
                p,
            ),
            (
                "payment_amount",
                "SELECT s.id, s.openid, s.amount, o.paid_fee, s.at, '', s.id FROM statement_lines s "
                "JOIN orders o ON o.order_id = s.id WHERE s.line_type = 'payment' AND s.at >= ? "
                "AND s.at < ? AND o.status >= 2 AND o.status != 6 AND s.amount != o.paid_fee",
                p,
            ),
            (
                "not_delivered",
                "SELECT order_id, openid, NULL, paid_fee, paid_time, 'status ' || status, order_id "
                "FROM orders WHERE status IN (2, 3) AND paid_time >= ? AND paid_time < ? "
                "AND paid_time < ?",
                (*p, self.now - self.delivery_delay),
            ),
            (
                "refund_missing_here",
                "SELECT s.id, s.openid, s.amount, NULL, s.at, 'order ' || s.order_id, s.order_id "
                "FROM statement_lines s LEFT JOIN refunds r ON r.refund_order_id = s.id WHERE "
                "s.line_type = 'refund' AND s.at >= ? AND s.at < ? AND r.refund_order_id IS NULL",
                p,
            ),
            (
                "refund_amount",
                "SELECT s.id, s.openid, s.amount, r.refund_fee, s.at, '', r.order_id "
                "FROM statement_lines s JOIN refunds r ON r.refund_order_id = s.id "
                "WHERE s.line_type = 'refund' AND s.at >= ? AND s.at < ? AND s.amount != r.refund_fee",
                p,
            ),
            (
                "ledger_unattributed",
                "SELECT order_id, openid, NULL, amount, created_at, kind, '' FROM ledger WHERE kind "
                "IN ('gift', 'deduct') AND created_at >= ? AND created_at < ? AND "
                "(trim(reason) = '' OR trim(operator) = '')",
                p,
            ),
            (
                "operation_open",
                "SELECT wechat_id, openid, NULL, amount, created_at, action || ' ' || state, '' "
                "FROM intents WHERE state IN ('prepared', 'sending', 'unknown') AND created_at >= ? "
                "AND created_at < ?",
                p,
            ),
            # our record has the platform fee (settled) and WeChat's bill charges another one
            (
                "fee_amount",
                "SELECT s.id, s.openid, s.fee, o.platform_fee_fen, s.at, '', s.id "
                "FROM statement_lines s JOIN orders o ON o.order_id = s.id "
                "WHERE s.line_type = 'payment' AND s.at >= ? AND s.at < ? AND o.sett_state = 2 "
                "AND s.fee != o.platform_fee_fen",
                p,
            ),
            # a refund is missing at WeChat only on a day an imported bill covers: a refund after
            # the last bill is simply not in a statement yet (`uncovered_days` names those days)
            (
                "refund_missing_at_wechat",
                "SELECT r.refund_order_id, r.openid, NULL, r.refund_fee, r.finished_at, "
                "'order ' || r.order_id, r.order_id FROM refunds r LEFT JOIN statement_lines s ON "
                "s.line_type = 'refund' AND s.id = r.refund_order_id WHERE r.status = 'refunded' "
                "AND r.finished_at >= ? AND r.finished_at < ? AND s.id IS NULL AND "
                f"{self.mirror.dialect.beijing_day('r.finished_at')} IN "
                "(SELECT day FROM statement_days WHERE day BETWEEN ? AND ?)",
                (*p, self.period.start.isoformat(), self.period.end.isoformat()),
            ),
        ]
        for check, sql, params in queries:
            zh, en = DISCREPANCY_CHECKS[check]
            for row in conn.execute(sql, params):
                # a gift's, deduction's or clawback's amount is coins: a column of its own
                coins = check == "ledger_unattributed" or (
                    check == "operation_open" and not str(row[5] or "").startswith("refund ")
                )
                yield {
                    "check": check,
                    "check_zh": zh,
                    "check_en": en,
                    "id": row[0],
                    "openid": row[1] or "",
                    "wechat_amount": row[2],
                    "mirror_amount": None if coins else row[3],
                    "mirror_coins": row[3] if coins else None,
                    "at": row[4],
                    "detail": row[5] or "",
                    "order_id": row[6] or "",
                    "fix": DISCREPANCY_FIXES[check],
                }

    # ---- which days WeChat's imported bills cover ---------------------------------------------

    def uncovered_days(self) -> list[date]:
        """The days of the period no imported bill covers yet (today, the days after the last
        bill, a day whose bill was never imported): our refunds of those days are not compared
        with WeChat's statement."""
        covered = {
            r[0]
            for r in self.mirror.conn.execute(
                "SELECT day FROM statement_days WHERE day BETWEEN ? AND ?",
                (self.period.start.isoformat(), self.period.end.isoformat()),
            )
        }
        days = (self.period.end - self.period.start).days + 1
        every = (self.period.start + timedelta(days=n) for n in range(days))
        return [d for d in every if d.isoformat() not in covered]

    def coverage_note(self, lang: str = "zh_CN", days: list[date] | None = None) -> str:
        """One line for people: empty when bills cover the whole period."""
        days = self.uncovered_days() if days is None else days
        if not days:
            return ""
        spans = ", ".join(
            a.isoformat() if a == b else f"{a.isoformat()} – {b.isoformat()}"
            for a, b in day_spans(days)
        )
        if lang.startswith("en"):
            return (
                f"WeChat's bill does not cover {spans} yet (not covered: {len(days)} "
                f"{'day' if len(days) == 1 else 'days'}): "
                "refunds of those days are not compared with WeChat's statement."
            )
        return f"微信账单尚未覆盖 {spans}（共 {len(days)} 天），这些日期的退款未与微信账单核对。"

    def not_covered_rows(self) -> Iterator[dict[str, Any]]:
        for day in self.uncovered_days():
            yield {
                "day": day.isoformat(),
                "note_zh": "未导入覆盖该日的微信账单，该日退款未核对",
                "note_en": "no imported WeChat bill covers this day: its refunds were not compared",
            }

    # ---- daily summary and operators ---------------------------------------------------------

    def daily_rows(self) -> Iterator[dict[str, Any]]:
        """One aggregate per day over that day's slice of the time indexes: a GROUP BY over the
        month sorts every row of it in a temporary b-tree (~1 s at 345,600 orders and as many
        ledger rows); a day's slice needs no sort."""
        conn = self.mirror.conn
        day = self.period.start
        while day <= self.period.end:
            bounds = Period(day, day)
            p = (bounds.since, bounds.until)
            orders = conn.execute(
                "SELECT COUNT(*), SUM(paid_fee), "
                "SUM(CASE WHEN sett_state = 2 THEN platform_fee_fen ELSE 0 END), "
                "SUM(CASE WHEN sett_state = 2 THEN cps_fee_fen ELSE 0 END), "
                "SUM(CASE WHEN kind = 'coin' THEN quantity ELSE 0 END) FROM orders "
                "WHERE paid_time >= ? AND paid_time < ? AND paid_fee > 0",
                p,
            ).fetchone()
            refunds = conn.execute(
                "SELECT COUNT(*), SUM(refund_fee) FROM refunds WHERE status = 'refunded' "
                "AND finished_at >= ? AND finished_at < ?",
                p,
            ).fetchone()
            ledger = conn.execute(
                "SELECT SUM(CASE WHEN kind = 'gift' THEN amount ELSE 0 END), "
                "SUM(CASE WHEN kind = 'deduct' THEN amount ELSE 0 END), "
                "SUM(CASE WHEN kind = 'clawback' THEN amount ELSE 0 END), "
                "COUNT(CASE WHEN kind IN ('gift', 'deduct', 'clawback') THEN 1 END) FROM ledger "
                "WHERE status = 'done' AND created_at >= ? AND created_at < ?",
                p,
            ).fetchone()
            bill = conn.execute(
                "SELECT EXISTS(SELECT 1 FROM statement_days WHERE day = ?), "
                "(SELECT SUM(fee) FROM statement_lines WHERE line_type = 'payment' "
                "AND at >= ? AND at < ?)",
                (bounds.start.isoformat(), *p),
            ).fetchone()
            day += timedelta(days=1)
            if not (orders[0] or refunds[0] or ledger[3]):
                continue  # a day with nothing is not a row (as before: only days seen)
            ours = orders[2] or 0
            if bill[0]:  # the bill is what WeChat charged that day
                fee, source = bill[1] or 0, "bill"
            else:
                fee, source = ours, ("records" if ours or not orders[1] else "none")
            zh, en = FEE_SOURCES[source]
            row = {
                "day": bounds.start.isoformat(),
                "orders": orders[0],
                "gross_paid": orders[1] or 0,
                "refunds": refunds[0],
                "refunded": refunds[1] or 0,
                "platform_fee": fee,
                "fee_source": source,
                "fee_source_zh": zh,
                "fee_source_en": en,
                "cps_fee": orders[3] or 0,
                "net": 0,
                "coins_sold": orders[4] or 0,
                "coins_gifted": ledger[0] or 0,
                "coins_deducted": ledger[1] or 0,
                "coins_clawed_back": ledger[2] or 0,
            }
            row["net"] = row["gross_paid"] - row["refunded"] - row["platform_fee"] - row["cps_fee"]
            yield row

    def operator_rows(self) -> Iterator[dict[str, Any]]:
        """Per operator and action: coin actions with their coins, refunds with their amount
        (fen, a column of its own: one unit per column)."""
        rows = [
            {"operator": r[0] or "—", "kind": r[1], "count": r[2], "coins": r[3] or 0}
            for r in self.mirror.conn.execute(
                "SELECT operator, kind, COUNT(*), SUM(amount) FROM ledger WHERE status = 'done' "
                "AND kind IN ('gift', 'deduct', 'cancel', 'clawback') AND created_at >= ? AND "
                "created_at < ? GROUP BY operator, kind",
                (self.period.since, self.period.until),
            )
        ]
        rows += [
            {"operator": r[0] or "—", "kind": "refund", "count": r[1], "refunded": r[2] or 0}
            for r in self.mirror.conn.execute(
                "SELECT operator, COUNT(*), SUM(refund_fee) FROM refunds WHERE "
                "status = 'refunded' AND finished_at >= ? AND finished_at < ? GROUP BY operator",
                (self.period.since, self.period.until),
            )
        ]
        yield from sorted(rows, key=lambda r: (r["operator"], r["kind"]))

    def approvers(self) -> dict[str, str]:
        """Each action an approver let run (team mode): the id sent to WeChat (a refund order id,
        a gift's or deduction's order id) -> who approved it, from the audit log's approve rows
        (none on a solo desk)."""
        found: dict[str, str] = {}
        for r in self.mirror.conn.execute(
            "SELECT operator, params FROM audit WHERE action = 'approve' ORDER BY id"
        ):
            try:
                params = json.loads(r[1] or "{}")
            except ValueError:
                continue
            if isinstance(params, dict) and params.get("wechat_id"):
                found[str(params["wechat_id"])] = str(r[0])
        return found

    # ---- drill-down rows (the export's detail sheets, the dashboard's links) -----------------

    def order_rows(self, day: str | None = None) -> Iterator[dict[str, Any]]:
        """An order's coins and items in columns of their own; its platform fee only where the
        order's settlement says it (sett_state 2): the bill's fee is per day, not per order, and
        an unknown fee is left empty rather than said as ¥0.00."""
        since, until = self._day_bounds(day)
        for r in self.mirror.conn.execute(
            "SELECT order_id, wx_order_id, openid, kind, product_id, quantity, paid_fee, "
            "left_fee, status, paid_time, platform_fee_fen, sett_state FROM orders WHERE "
            "paid_time >= ? AND paid_time < ? AND paid_fee > 0 ORDER BY paid_time",
            (since, until),
        ):
            row = dict(r)
            row["coins"] = row["quantity"] if row["kind"] == "coin" else None
            row["items"] = None if row["kind"] == "coin" else row["quantity"]
            if row["sett_state"] != 2:
                row["platform_fee_fen"] = None
            yield row

    def refund_rows(self, day: str | None = None) -> Iterator[dict[str, Any]]:
        """Who asked for each refund (its operator) and, where it waited for approval, who
        approved it."""
        since, until = self._day_bounds(day)
        approvers = self.approvers()
        for r in self.mirror.conn.execute(
            "SELECT refund_order_id, order_id, openid, refund_fee, status, started_at, "
            "finished_at, operator FROM refunds WHERE finished_at >= ? AND finished_at < ? "
            "ORDER BY finished_at",
            (since, until),
        ):
            row = dict(r)
            row["approver"] = approvers.get(row["refund_order_id"], "")
            yield row

    def ledger_rows(
        self, day: str | None = None, *, kind: str | None = None, operator: str | None = None
    ) -> Iterator[dict[str, Any]]:
        since, until = self._day_bounds(day)
        approvers = self.approvers()
        for r in self.mirror.conn.execute(
            # a pending row says what its operation waits for (等待用户登录 for a clawback that
            # needs the user's session key), as the clawbacks sheet and the Refunds page do
            # a clawback's time is when it was taken (its intent's last change, the mirror's
            # clock, as its refund's finished_at), not when it was prepared with its refund
            "SELECT order_id, kind, openid, amount, balance_after, refund_order_id, operator, "
            "reason, CASE WHEN kind = 'clawback' AND status = 'done' THEN COALESCE((SELECT "
            "i.updated_at FROM intents i WHERE i.wechat_id = ledger.order_id ORDER BY i.id DESC "
            "LIMIT 1), created_at) ELSE created_at END AS at, CASE WHEN status = 'pending' THEN COALESCE((SELECT i.state "
            "FROM intents i WHERE i.wechat_id = ledger.order_id ORDER BY i.id DESC LIMIT 1), "
            "status) ELSE status END AS status FROM ledger WHERE created_at >= ? AND created_at < ? "
            "AND (CAST(? AS TEXT) IS NULL OR kind = ?) AND (CAST(? AS TEXT) IS NULL OR operator = ?) ORDER BY created_at",
            (since, until, kind, kind, operator, operator),
        ):
            row = dict(r)
            row["created_at"] = row.pop("at")
            # a reason the desk wrote in both languages ("…的代币回收 / clawback for …"): each
            # file says its own half
            row["reason_zh"] = own_half(row["reason"] or "", "zh_CN")
            row["reason_en"] = own_half(row["reason"] or "", "en")
            row["approver"] = approvers.get(row["order_id"], "")
            yield row

    def _day_bounds(self, day: str | None) -> tuple[int, int]:
        if day is None:
            return self.period.since, self.period.until
        one = Period(date.fromisoformat(day), date.fromisoformat(day))
        return one.since, one.until

    # ---- totals ------------------------------------------------------------------------------

    def _totals(self) -> dict[str, int]:
        p = (self.period.since, self.period.until)
        one = self.mirror.one
        paid = one(
            "SELECT COUNT(*), COALESCE(SUM(paid_fee), 0) FROM orders WHERE paid_time >= ? "
            "AND paid_time < ? AND paid_fee > 0",
            *p,
        )
        refunded = one(
            "SELECT COUNT(*), COALESCE(SUM(refund_fee), 0) FROM refunds WHERE "
            "status = 'refunded' AND finished_at >= ? AND finished_at < ?",
            *p,
        )
        statement = one("SELECT COUNT(*) FROM statement_lines WHERE at >= ? AND at < ?", *p)
        assert paid is not None and refunded is not None and statement is not None
        return {
            "orders": paid[0],
            "gross_paid": paid[1],
            "refunds": refunded[0],
            "refunded": refunded[1],
            "statement_lines": statement[0],
        }

    def summary(
        self,
        clawbacks: list[dict[str, Any]] | None = None,
        discrepancies: list[dict[str, Any]] | None = None,
        daily: list[dict[str, Any]] | None = None,
    ) -> dict[str, int]:
        """The cards: totals plus what is open. Pass rows already read to avoid reading twice."""
        clawbacks = list(self.clawback_rows()) if clawbacks is None else clawbacks
        found = (
            sum(1 for _ in self.discrepancy_rows()) if discrepancies is None else len(discrepancies)
        )
        open_rows = [r for r in clawbacks if r["outstanding"]]
        daily = list(self.daily_rows()) if daily is None else daily
        return {
            **self.totals,
            "platform_fee": sum(r["platform_fee"] for r in daily),
            "cps_fee": sum(r["cps_fee"] for r in daily),
            "net": sum(r["net"] for r in daily),
            "fee_days_from_bill": sum(r["fee_source"] == "bill" for r in daily),
            "fee_days_without_data": sum(r["fee_source"] == "none" for r in daily),
            "days_not_covered": len(self.uncovered_days()),
            "clawbacks_open": len(open_rows),
            "coins_outstanding": sum(r["outstanding"] for r in open_rows),
            "needs_login": sum(r["reason"] == "needs_login" for r in open_rows),
            "discrepancies": found,
            "open_items": len(open_rows) + found,
        }

    OVERVIEW = ("clawbacks", "discrepancies", "daily", "operators")

    def overview(self) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
        """What the dashboard shows: the summary and the report tables, each read once (the
        detail sections are for drill-down and exports)."""
        tables = {s.name: list(s.rows()) for s in self.sections() if s.name in self.OVERVIEW}
        return (
            self.summary(tables["clawbacks"], tables["discrepancies"], tables["daily"]),
            tables,
        )

    def sections(self) -> list[Section]:
        return [
            Section(
                "clawbacks",
                "退款与回收",
                "Refunds and clawbacks",
                (
                    C("refund_order_id", "退款单号", "refund order id"),
                    C("order_id", "商户订单号", "merchant order id"),
                    C("openid", "openid", "openid"),
                    C("refund_fee", "退款金额", "refund", "fen"),
                    C("refunded_at", "退款时间", "refunded at", "time"),
                    C("coins_granted", "订单代币", "coins granted", "coins"),
                    C("coins_due", "应回收代币", "coins due back", "coins"),
                    C("clawed_back", "已回收代币", "clawed back", "coins"),
                    C("outstanding", "未回收代币", "outstanding", "coins"),
                    C("reason_zh", "状态", "state", key_en="reason_en"),
                    C("age_days", "已过天数", "age (days)", "int"),
                    C("session_key", "会话密钥", "session key", vocab="session_key"),
                ),
                self.clawback_rows,
            ),
            Section(
                "discrepancies",
                "对账差异",
                "Discrepancies",
                (
                    C("check_zh", "差异类型", "check", key_en="check_en"),
                    C("id", "单号", "id"),
                    C("openid", "openid", "openid"),
                    C("wechat_amount", "微信金额", "WeChat amount", "fen"),
                    C("mirror_amount", "本地金额", "our amount", "fen"),
                    C("mirror_coins", "本地代币", "our coins", "coins"),
                    C("at", "时间", "time", "time"),
                    C("detail", "说明", "detail", vocab="detail"),
                    C("order_id", "相关订单", "order"),
                ),
                self.discrepancy_rows,
            ),
            Section(
                "daily",
                "每日汇总",
                "Daily summary",
                (
                    C("day", "日期", "day", "date"),
                    C("orders", "订单数", "orders", "int"),
                    C("gross_paid", "实收", "gross paid", "fen"),
                    C("refunds", "退款笔数", "refunds", "int"),
                    C("refunded", "退款金额", "refunded", "fen"),
                    C("platform_fee", "平台服务费", "platform fee", "fen"),
                    C("fee_source_zh", "服务费来源", "fee source", key_en="fee_source_en"),
                    C("cps_fee", "CPS 费用", "CPS fee", "fen"),
                    C("net", "净收入", "net", "fen"),
                    C("coins_sold", "售出代币", "coins sold", "coins"),
                    C("coins_gifted", "赠送代币", "coins gifted", "coins"),
                    C("coins_deducted", "扣减代币", "coins deducted", "coins"),
                    C("coins_clawed_back", "回收代币", "coins clawed back", "coins"),
                ),
                self.daily_rows,
            ),
            Section(
                "operators",
                "操作员",
                "Operators",
                (
                    C("operator", "操作员", "operator"),
                    C("kind", "类型", "kind", vocab="action"),
                    C("count", "笔数", "count", "int"),
                    C("coins", "代币", "coins", "coins"),
                    C("refunded", "退款金额", "refunded", "fen"),
                ),
                self.operator_rows,
            ),
            Section(
                "not_covered",
                "账单未覆盖的日期",
                "Days no bill covers",
                (
                    C("day", "日期", "day", "date"),
                    C("note_zh", "说明", "note", key_en="note_en"),
                ),
                self.not_covered_rows,
            ),
            Section(
                "orders",
                "明细-订单",
                "Detail: orders",
                (
                    C("order_id", "商户订单号", "merchant order id"),
                    C("wx_order_id", "微信订单号", "WeChat order id"),
                    C("openid", "openid", "openid"),
                    C("kind", "类型", "kind", vocab="order_kind"),
                    C("product_id", "商品", "product", vocab="product"),
                    C("coins", "代币", "coins", "coins"),
                    C("items", "道具数量", "items", "int"),
                    C("paid_fee", "实付", "paid", "fen"),
                    C("left_fee", "可退", "refundable", "fen"),
                    C("status", "状态", "status", vocab="order_status"),
                    C("paid_time", "支付时间", "paid at", "time"),
                    C("platform_fee_fen", "已结算平台服务费", "settled platform fee", "fen"),
                ),
                self.order_rows,
            ),
            Section(
                "refunds",
                "明细-退款",
                "Detail: refunds",
                (
                    C("refund_order_id", "退款单号", "refund order id"),
                    C("order_id", "商户订单号", "merchant order id"),
                    C("openid", "openid", "openid"),
                    C("refund_fee", "退款金额", "refund", "fen"),
                    C("status", "状态", "status", vocab="refund_status"),
                    C("finished_at", "完成时间", "finished at", "time"),
                    C("operator", "申请人", "requested by"),
                    C("approver", "批准人", "approved by"),
                ),
                self.refund_rows,
            ),
            Section(
                "ledger",
                "明细-代币",
                "Detail: coin ledger",
                (
                    C("order_id", "单号", "order id"),
                    C("kind", "类型", "kind", vocab="action"),
                    C("openid", "openid", "openid"),
                    C("amount", "代币", "coins", "coins"),
                    C("balance_after", "操作后余额", "balance after", "coins"),
                    C("refund_order_id", "关联退款", "refund"),
                    C("operator", "操作员", "operator"),
                    C("approver", "批准人", "approved by"),
                    C("reason_zh", "原因", "reason", key_en="reason_en"),
                    C("created_at", "时间", "time", "time"),
                    C("status", "状态", "status", vocab="state"),
                ),
                self.ledger_rows,
            ),
        ]
