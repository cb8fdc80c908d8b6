"""The one path money moves through:

    validate → policy → intent (with its WeChat id, committed) → lock → WeChat → outcome →
    audit → mirror

A retry always reuses the intent's id. A timeout leaves the intent "unknown" and `resolve()` settles
it safely: gifts, deductions, cancellations and deliveries by repeating the same request (WeChat
answers 268490004 for what it already applied), refunds by asking query_order first.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core import validation as v
from core.client import XPayClient
from core.errors import (
    Handling,
    NetworkError,
    OutcomeUnknownError,
    ValidationError,
    XPayDeskError,
    XPayError,
)
from core.mirror import audit as audit_log
from core.mirror.db import Mirror
from core.mirror.records import order_from_query, upsert_orders, upsert_refunds
from core.money import format_coins
from core.operations.crash import crashpoint
from core.operations.journal import Busy, Intent, Journal, Locks, wechat_id
from core.operations.policy import Policy
from core.operations.session_keys import SessionKey, SessionKeyProvider
from core.secret import Secret
from core.store.errors import DATABASE_ERRORS

REFUND_POLL_BACKOFF = (2, 4, 8, 16, 30, 60, 120, 300)  # seconds between query_order polls
RETRY_LATER = 30  # seconds before resending a request WeChat refused as busy (-1, 268490014/15)
REPEAT_WINDOW = 60  # seconds in which the same gift or deduction, or a second refund of one
# order, needs a confirmation
# open states in which the request provably never reached WeChat (never sent, or WeChat answered
# that it did not apply it): only these can be abandoned
ABANDONABLE = ("prepared", "needs_login", "waiting_refund")
# kept in an intent's outcome once an attempt may have been applied (its answer was lost, or a
# crash left it "sending"): a later "busy" answer to a retry says nothing about that attempt
MAYBE_APPLIED = "maybe_applied"


NO_KEY = "没有可用的会话密钥 / no session key for this user"
STALE_KEY = "会话密钥已失效，等待用户登录 / session key stale: waiting for the user to log in"


class RepeatSuspected(XPayDeskError):
    kind = "repeat"
    exit_code = 2


class AuditUnwritable(XPayDeskError):
    """The audit log cannot take a row: no money moves until it can."""

    kind = "audit"
    exit_code = 2

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"审计日志无法写入（{detail}），没有向微信发送任何请求；请修复或恢复镜像数据库后再试",
            f"the audit log cannot be written ({detail}); nothing was sent to WeChat. Repair or "
            "restore the mirror database, then try again",
        )


class NotAbandonable(XPayDeskError):
    kind = "not_abandonable"
    exit_code = 2


class NoClawback(XPayDeskError):
    """A refund with no coins to take back now (an item, all back already, not refunded yet)."""

    kind = "no_clawback"
    exit_code = 2


@dataclass(frozen=True)
class ClawbackStatus:
    """The coins a refund owes back: due (the refunded share of what the order granted, rounded
    up), taken so far, outstanding, and the open clawback that is taking them, if any."""

    refund_order_id: str
    order_id: str
    openid: str
    refund_fee: int
    refund_status: str  # the mirror's: started | refunding | refunded | failed
    kind: str  # coin | item | "" (the order is not in the mirror)
    due: int
    granted: int
    coins_basis: str  # order | operator | coin_rate | ""
    taken: int
    open_intent: Intent | None
    last_state: str = ""  # the latest clawback intent's state, "" when there is none

    @classmethod
    def build(
        cls,
        refund: Mapping[str, Any],
        order: Mapping[str, Any] | None,
        clawbacks: list[Intent],
        *,
        coin_rate: int,
        coins: int | None = None,
    ) -> ClawbackStatus:
        """From the mirror's refund and order rows and the refund's clawback intents (oldest
        first); `coins`: what the order granted, when the operator knows better."""
        taken = sum(int(c.outcome.get("take", 0)) for c in clawbacks if c.state == "done")
        open_intent = next((c for c in reversed(clawbacks) if c.is_open), None)
        kind = str(order["kind"]) if order is not None else ""
        first = clawbacks[0] if clawbacks else None
        if first is not None and coins is None:
            due = int(first.params.get("refund_due", first.params.get("due", first.amount)))
            granted = int(first.params.get("granted", 0))
            basis = str(first.params.get("coins_basis", ""))
        elif order is None or kind == "item":
            due, granted, basis = 0, 0, ""
        else:
            paid_fee = int(order["paid_fee"] or 0)
            if coins is not None:
                granted, basis = coins, "operator"
            elif order["quantity"]:
                granted, basis = int(order["quantity"]), "order"
            else:
                granted, basis = paid_fee * coin_rate // 100, "coin_rate"
            due = coins_to_claw_back(granted, paid_fee, int(refund["refund_fee"]))
        return cls(
            refund_order_id=str(refund["refund_order_id"]),
            order_id=str(refund["order_id"]),
            openid=str(refund["openid"] or (order["openid"] if order is not None else "")),
            refund_fee=int(refund["refund_fee"]),
            refund_status=str(refund["status"]),
            kind=kind,
            due=due,
            granted=granted,
            coins_basis=basis,
            taken=taken,
            open_intent=open_intent,
            last_state=clawbacks[-1].state if clawbacks else "",
        )

    @property
    def outstanding(self) -> int:
        return max(self.due - self.taken, 0)

    @property
    def word(self) -> str:
        """The guide's clawback states: not_needed, due, needs_login, partly, recovered,
        spent."""
        if self.kind == "item" or self.refund_status == "failed":
            return "not_needed"
        if self.open_intent is not None:
            return "needs_login" if self.open_intent.state == "needs_login" else "due"
        if self.refund_status != "refunded":
            return "not_needed"  # in flight, and no clawback asked for (yet)
        if self.kind and self.due <= 0:
            return "not_needed"
        if self.last_state == "done" or self.taken:
            if self.outstanding <= 0:
                return "recovered"
            return "partly" if self.taken else "spent"
        return "due"

    def why_not(self) -> tuple[str, str] | None:
        """Why no clawback can be started now (zh, en), or None."""
        if self.kind == "item":
            return "道具订单没有代币可回收", "an item order has no coins to take back"
        if self.refund_status == "failed":
            return "退款失败，无需回收", "the refund failed: nothing to take back"
        if self.refund_status != "refunded":
            return (
                "退款尚未完成；完成后自动回收",
                "the refund has not gone through yet; the clawback runs when it has",
            )
        if self.open_intent is not None and self.open_intent.state not in (
            "needs_login",
            "prepared",
        ):
            return "回收正在进行中", "a clawback of this refund is already running"
        if not self.kind and not self.granted:
            return (
                "镜像中没有这笔订单，无法计算应回收的代币；请先刷新订单",
                "the order is not in the mirror, so the coins due are unknown; refresh the order "
                "first",
            )
        if self.open_intent is None and self.outstanding <= 0:
            return "代币已全部收回", "the coins are all back"
        return None


@dataclass(frozen=True)
class OpResult:
    intent_id: int
    action: str
    wechat_id: str
    state: str
    message: str
    outcome: dict[str, Any]
    errcode: int | None = None  # WeChat's, when it refused: the dialog explains it

    @classmethod
    def of(cls, intent: Intent) -> OpResult:
        return cls(
            intent.id,
            intent.action,
            intent.wechat_id,
            intent.state,
            intent.message,
            intent.outcome,
            intent.errcode,
        )

    @property
    def ok(self) -> bool:
        return self.state in ("done", "refunding", "waiting_refund")


def coins_to_claw_back(quantity: int, paid_fee: int, refund_fee: int) -> int:
    """The refunded share of the coins the order granted, rounded up: a partial refund never
    leaves the user a fraction of a coin they did not pay for."""
    if paid_fee <= 0:
        return 0
    return min(quantity, math.ceil(quantity * refund_fee / paid_fee))


class Operations:
    def __init__(
        self,
        client: XPayClient,
        mirror: Mirror,
        *,
        appid: str,
        profile: str,
        operator: str,
        policy: Policy,
        session_keys: SessionKeyProvider,
        locks: Locks | None = None,
        coin_rate: int = 100,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.mirror = mirror
        self.appid = appid
        self.operator = operator
        self.policy = policy
        self.session_keys = session_keys
        self.coin_rate = coin_rate
        self.journal = Journal(mirror)
        self.locks = locks or Locks(mirror)
        self.audit = audit_log.AuditLog(
            mirror, operator=operator, profile=profile, env=int(client.env)
        )
        self._sleep = sleep

    # ---- public actions ---------------------------------------------------------------------

    async def gift(
        self,
        openid: str,
        amount: int,
        *,
        reason: str,
        request_key: str,
        order_id: str | None = None,
        batch_id: str | None = None,
        allow_repeat: bool = False,
    ) -> OpResult:
        if not allow_repeat and batch_id is None:
            self._refuse_repeat("gift", openid, amount, request_key)
        intent = self._prepare(
            "gift",
            request_key,
            openid=openid,
            target=openid,
            amount=amount,
            params={},
            reason=reason,
            wechat_id_for=order_id,
            batch_id=batch_id,
        )
        return await self._attempt(intent)

    async def deduct(
        self,
        openid: str,
        amount: int,
        *,
        reason: str,
        request_key: str,
        session_key: Secret | None = None,
        order_id: str | None = None,
        remark: str = "",
        batch_id: str | None = None,
        allow_repeat: bool = False,
    ) -> OpResult:
        self._check_pasted(session_key)
        if not allow_repeat and batch_id is None:
            self._refuse_repeat("deduct", openid, amount, request_key)
        intent = self._prepare(
            "deduct",
            request_key,
            openid=openid,
            target=openid,
            amount=amount,
            params={"remark": remark or reason[:64]},
            reason=reason,
            wechat_id_for=order_id,
            batch_id=batch_id,
        )
        return await self._attempt(intent, pasted_key=session_key)

    async def cancel_deduction(
        self,
        openid: str,
        *,
        pay_order_id: str,
        amount: int,
        reason: str,
        request_key: str,
        session_key: Secret | None = None,
        order_id: str | None = None,
    ) -> OpResult:
        self._check_pasted(session_key)
        took = self.mirror.one(
            "SELECT amount FROM ledger WHERE order_id = ? AND kind IN ('deduct', 'clawback') "
            "AND status = 'done'",
            pay_order_id,
        )
        if took is not None and amount > int(took["amount"]):
            raise ValidationError(
                "amount",
                f"撤销的代币不能多于该扣减扣走的 {format_coins(int(took['amount']), 'zh_CN')}",
                f"a cancellation cannot return more than the "
                f"{format_coins(int(took['amount']), 'en')} the deduction took",
            )
        existing = self.mirror.one(
            "SELECT wechat_id, operator FROM intents WHERE action = 'cancel_deduction' AND "
            "target = ? AND request_key != ? AND state != 'failed'",
            pay_order_id,
            request_key,
        )
        if existing is not None:
            raise Busy(
                f"扣减 {pay_order_id} 已由 {existing['operator']} 撤销（{existing['wechat_id']}）",
                f"deduction {pay_order_id} is already cancelled by {existing['operator']} "
                f"({existing['wechat_id']})",
            )
        intent = self._prepare(
            "cancel_deduction",
            request_key,
            openid=openid,
            target=pay_order_id,
            amount=amount,
            params={"pay_order_id": pay_order_id},
            reason=reason,
            wechat_id_for=order_id,
        )
        return await self._attempt(intent, pasted_key=session_key)

    async def deliver(self, order_id: str, *, reason: str, request_key: str) -> OpResult:
        row = self.mirror.one("SELECT openid FROM orders WHERE order_id = ?", order_id)
        intent = self._prepare(
            "deliver",
            request_key,
            openid=row["openid"] if row else "",
            target=order_id,
            amount=0,
            params={},
            reason=reason,
        )
        return await self._attempt(intent)

    async def refund(
        self,
        order_id: str,
        *,
        refund_fee: int,
        left_fee: int,
        reason: str,
        request_key: str,
        refund_reason: str = "0",
        req_from: str = "1",
        openid: str | None = None,
        clawback: bool = False,
        refund_order_id: str | None = None,
        coins: int | None = None,
        biz_meta: str | None = None,
        allow_repeat: bool = False,
    ) -> OpResult:
        """Starts a refund (and, for a coin top-up with `clawback`, a tracked coin clawback that
        runs once the refund has gone through).

        `left_fee` is the refundable amount the operator saw when confirming; it is what WeChat
        receives, so WeChat refuses the refund (268490016) if another refund changed it since.
        `biz_meta` is sent as given; None sends the first 200 characters of `reason`."""
        v.order_id("order_id", order_id)
        if refund_order_id is not None:
            v.order_id("refund_order_id", refund_order_id)
        v.refund_fee(refund_fee, left_fee)  # positive, and within what the operator saw
        row = self.mirror.one("SELECT * FROM orders WHERE order_id = ?", order_id)
        who = openid or (row["openid"] if row else None)
        if not who:
            raise ValidationError(
                "order_id",
                "镜像中没有这个订单，请提供 openid",
                "the order is not in the mirror; give its openid",
            )
        with self.locks.hold(f"order:{order_id}", operator=self.operator):
            # the refundable amount is read under the order's lock: read before it, a second
            # operator waiting for the lock would send a refund on a left_fee already spent
            order = await self.client.query_order(who, order_id=order_id)  # fresh left_fee
            upsert_orders(self.mirror, [order_from_query(order, openid=who, now=self.mirror.now())])
            if left_fee != order.left_fee:
                raise ValidationError(
                    "left_fee",
                    f"可退金额已变为 {order.left_fee} 分（你看到的是 {left_fee} 分），请确认后重试",
                    f"the refundable amount is now {order.left_fee} fen (you saw {left_fee}); "
                    "confirm and try again",
                )
            if refund_fee > order.left_fee:
                raise ValidationError(
                    "refund_fee",
                    f"超过可退金额 {order.left_fee} 分",
                    f"exceeds the refundable {order.left_fee} fen",
                )
            if not allow_repeat:  # asked only of a refund that would otherwise go ahead
                self._refuse_repeat_refund(order_id, request_key)
            intent = self._prepare(
                "refund",
                request_key,
                openid=who,
                target=order_id,
                amount=refund_fee,
                params={
                    "refund_reason": str(refund_reason),
                    "req_from": str(req_from),
                    "left_fee": left_fee,  # what the operator confirmed
                    "biz_meta": reason[:200] if biz_meta is None else biz_meta,
                    "clawback": clawback,
                },
                reason=reason,
                wechat_id_for=refund_order_id,
            )
            if clawback and intent.attempts == 0 and not self.journal.children(intent.id):
                self._prepare_clawback(intent, coins)
            return await self._attempt(intent, lock_held=True)

    @staticmethod
    def _check_pasted(session_key: Secret | None) -> None:
        """A key the operator pasted is checked for its form before any intent: a wrong paste is
        the operator's to fix, not the user's (never a wait for the user's login)."""
        if session_key:
            v.session_key(session_key.reveal())

    async def _check_pasted_fresh(self, openid: str, session_key: Secret | None) -> None:
        """A clawback waits for the user's login when the stored key is stale; a pasted key
        that is not the user's current one is refused instead, before its intent."""
        self._check_pasted(session_key)
        if session_key and not await self.client.check_session(openid, session_key=session_key):
            raise ValidationError(
                "session_key",
                "粘贴的会话密钥不是该用户当前的密钥（用户再次打开小程序后旧密钥即失效）；"
                "请粘贴最新的，或留空以使用已保存的密钥。没有向微信发送任何扣减",
                "the pasted session key is not this user's current one (a key stops working "
                "once the user opens the mini program again); paste the latest, or leave it "
                "empty to use the stored key. Nothing was taken",
            )

    def _other_cancels(self, intent: Intent) -> list[str]:
        rows = self.mirror.all(
            "SELECT wechat_id FROM intents WHERE action = 'cancel_deduction' "
            "AND target = ? AND id != ? AND state != 'failed'",
            intent.target,
            intent.id,
        )
        return [r["wechat_id"] for r in rows]

    def _refuse_repeat(self, action: str, openid: str, amount: int, request_key: str) -> None:
        """Two windows or two operators giving the same user the same amount within a minute is
        almost always one intention done twice; doing it anyway needs allow_repeat."""
        row = self.mirror.one(
            "SELECT operator, wechat_id FROM intents WHERE action = ? AND openid = ? AND "
            "amount = ? AND request_key != ? AND state != 'failed' AND created_at >= ?",
            action,
            openid,
            amount,
            request_key,
            self.mirror.now() - REPEAT_WINDOW,
        )
        if row is not None:
            raise RepeatSuspected(
                f"{row['operator']} 刚对该用户做过同样的操作（{row['wechat_id']}）；确认要再做一次吗？",
                f"{row['operator']} just did the same to this user ({row['wechat_id']}); "
                "confirm to do it again",
            )

    def _refuse_repeat_refund(self, order_id: str, request_key: str) -> None:
        """A second refund of one order within a minute is most often two operators answering
        one complaint; doing it anyway needs allow_repeat, as a repeated gift does."""
        row = self.mirror.one(
            "SELECT operator, wechat_id FROM intents WHERE action = 'refund' AND target = ? AND "
            "request_key != ? AND state != 'failed' AND created_at >= ?",
            order_id,
            request_key,
            self.mirror.now() - REPEAT_WINDOW,
        )
        if row is not None:
            raise RepeatSuspected(
                f"{row['operator']} 刚为该订单发起过退款（{row['wechat_id']}）；确认要再退一次吗？"
                "（命令行加 --again）",
                f"{row['operator']} just refunded this order ({row['wechat_id']}); confirm to "
                "refund it again (--again on the command line)",
            )

    def _prepare_clawback(self, refund: Intent, coins: int | None) -> Intent | None:
        """The coins the order granted come from the mirror when an import or push told us, else
        from the profile's coin rate; which one is recorded with the intent."""
        row = self.mirror.one(
            "SELECT kind, quantity, paid_fee FROM orders WHERE order_id = ?", refund.target
        )
        if row is not None and row["kind"] == "item":
            return None  # items have no coins to take back
        paid_fee = row["paid_fee"] if row is not None and row["paid_fee"] else 0
        if coins is not None:
            granted, basis = coins, "operator"
        elif row is not None and row["quantity"]:
            granted, basis = row["quantity"], "order"
        else:
            granted, basis = paid_fee * self.coin_rate // 100, "coin_rate"
        due = coins_to_claw_back(granted, paid_fee, refund.amount)
        if due <= 0:
            return None
        return self._prepare(
            "clawback",
            f"clawback:{refund.request_key}",
            openid=refund.openid,
            target=refund.wechat_id,
            amount=due,
            params={
                "order_id": refund.target,
                "due": due,
                "granted": granted,
                "coins_basis": basis,
            },
            reason=f"退款 {refund.wechat_id} 的代币回收 / clawback for refund {refund.wechat_id}",
            parent=refund,
            state="waiting_refund",
        )

    async def abandon(self, intent_id: int, *, note: str) -> OpResult:
        """Closes an intent that provably never reached WeChat (never sent, or refused as not
        applied), with the operator's note in the audit log. It then no longer counts against
        today's limits and `resolve` never sends it. One that may have reached WeChat is refused:
        `resolve` settles it safely."""
        if not note.strip():
            raise ValidationError("note", "放弃操作必须填写原因", "a note is required to abandon")
        intent = self._require(intent_id)
        key = (
            f"order:{intent.target}"
            if intent.action in ("refund", "deliver")
            else f"user:{intent.openid}"
        )
        with self.locks.hold(key, operator=self.operator):
            intent = self._require(intent_id)  # re-read under the lock
            if not intent.is_open:
                raise NotAbandonable(
                    f"操作 #{intent.id} 已结束（{intent.state}），无需放弃",
                    f"operation #{intent.id} is already closed ({intent.state}); nothing to abandon",
                )
            if (
                intent.state not in ABANDONABLE
                or intent.outcome.get(MAYBE_APPLIED)
                or not await self._unknown_to_wechat(intent)
            ):
                raise NotAbandonable(
                    f"操作 #{intent.id}（{intent.state}）可能已到达微信，不能放弃；请运行 "
                    "`xpaydesk-cli resolve` 或在待处理列表中点“立即处理”，它会安全地确认结果",
                    f"operation #{intent.id} ({intent.state}) may have reached WeChat, so it "
                    "cannot be abandoned; run `xpaydesk-cli resolve` (or “Resolve now” in the "
                    "pending list), which settles it safely",
                )
            closed = self._close_never_sent(intent, note=note.strip())
            for child in self.journal.children(intent.id):
                if child.state == "waiting_refund":  # its refund will never happen
                    self._close_never_sent(child, note=note.strip())
            return closed

    async def _unknown_to_wechat(self, intent: Intent) -> bool:
        """A refund that is "prepared" was refused as not applied; WeChat is asked once more
        whether it knows the refund id (268490002: it does not)."""
        if intent.action != "refund" or intent.attempts == 0:
            return True
        try:
            await self.client.query_order(intent.openid, order_id=intent.wechat_id)
        except XPayError as exc:
            return exc.errcode == 268490002
        return False

    def _close_never_sent(self, intent: Intent, *, note: str) -> OpResult:
        at = self.mirror.now()
        return self._settle(
            intent,
            "failed",
            outcome={
                **intent.outcome,
                "never_sent": True,
                "abandoned": {"note": note, "by": self.operator, "at": at},
            },
            message=f"已放弃（从未发送到微信）：{note} / abandoned by {self.operator}, never sent "
            f"to WeChat: {note}",
            audit_result="abandoned",
            audit_extra={"note": note},
        )

    async def retry_clawback(
        self, intent_id: int, *, session_key: Secret | None = None
    ) -> OpResult:
        intent = self._require(intent_id)
        if intent.action != "clawback" or intent.state not in ("needs_login", "prepared"):
            raise XPayDeskError(
                "只能重试等待用户登录的回收",
                "only clawbacks waiting for the user's login can be retried",
            )
        await self._check_pasted_fresh(intent.openid, session_key)
        return await self._attempt(intent, pasted_key=session_key)

    # ---- coin clawbacks for any refund ----------------------------------------------------------

    def clawback_status(self, refund_order_id: str, *, coins: int | None = None) -> ClawbackStatus:
        """What a refund owes back in coins, whoever made the refund (this desk, another desk,
        WeChat's own console: an imported refund): from the clawbacks already recorded, else from
        the order (`coins`: what the order granted, when the operator knows better)."""
        refund = self.mirror.one("SELECT * FROM refunds WHERE refund_order_id = ?", refund_order_id)
        if refund is None:
            raise ValidationError(
                "refund_order_id",
                f"镜像中没有退款 {refund_order_id}；请先导入或刷新它的订单",
                f"no refund {refund_order_id} in the mirror; import it or refresh its order first",
            )
        order = self.mirror.one(
            "SELECT openid, kind, quantity, paid_fee FROM orders WHERE order_id = ?",
            refund["order_id"],
        )
        clawbacks = self.journal.clawbacks(refund_order_id).get(refund_order_id, [])
        return ClawbackStatus.build(
            dict(refund),
            dict(order) if order is not None else None,
            clawbacks,
            coin_rate=self.coin_rate,
            coins=coins,
        )

    async def start_clawback(
        self,
        refund_order_id: str,
        *,
        reason: str,
        request_key: str | None = None,
        session_key: Secret | None = None,
        coins: int | None = None,
    ) -> OpResult:
        """Takes back the coins a finished refund still owes (what the user has of them; the rest
        stays outstanding), for any refund with coins due, imported ones included. An open
        clawback of the refund (waiting for the user's login, WeChat busy) is tried again
        instead of a second one. Same path as every money action: checks, intent, WeChat,
        audit and mirror."""
        v.order_id("refund_order_id", refund_order_id)
        status = self.clawback_status(refund_order_id, coins=coins)
        why = status.why_not()
        if why is not None:
            raise NoClawback(*why)
        self.policy.check("clawback", 0, spent_today=0, reason=reason)  # role and reason
        await self._check_pasted_fresh(status.openid, session_key)
        if status.open_intent is not None:
            return await self._attempt(status.open_intent, pasted_key=session_key)
        count = self.mirror.one(
            "SELECT COUNT(*) FROM intents WHERE action = 'clawback' AND target = ?",
            refund_order_id,
        )
        intent = self._prepare(
            "clawback",
            request_key or f"clawback:{refund_order_id}:{int(count[0]) + 1 if count else 1}",
            openid=status.openid,
            target=refund_order_id,
            amount=status.outstanding,
            params={
                "order_id": status.order_id,
                "due": status.outstanding,
                "refund_due": status.due,
                "granted": status.granted,
                "coins_basis": status.coins_basis,
                "started_by": self.operator,
            },
            reason=reason.strip(),
        )
        return await self._attempt(intent, pasted_key=session_key)

    # ---- following refunds in flight ---------------------------------------------------------

    def refund_push_arrived(self, refund_order_id: str) -> bool:
        """A refund push names this refund: ask WeChat about it now, not at the next step of
        the backoff. True when it is one we follow."""
        row = self.mirror.one(
            "SELECT id FROM intents WHERE action = 'refund' AND wechat_id = ? AND "
            "state IN ('refunding', 'unknown')",
            refund_order_id,
        )
        if row is None:
            return False
        with self.mirror.transaction() as conn:
            conn.execute("UPDATE intents SET next_try_at = 0 WHERE id = ?", (row["id"],))
        return True

    async def follow(self) -> tuple[list[OpResult], float | None]:
        """One round of following what is in flight, for the desk's tracker: each refund WeChat
        accepted (or whose answer was lost) is asked with query_order when its next poll is due
        (REFUND_POLL_BACKOFF), the clawback of a refund that went through runs at once, a
        clawback WeChat refused as busy is tried again when due. Returns what changed and the
        time (the mirror's clock) of the next poll due, or None when nothing is in flight.
        Clawbacks waiting for the user's login wait for the operator (a new session key)."""
        results: list[OpResult] = []
        next_due: float | None = None
        now = self.mirror.now()
        for intent in self.journal.open_intents():
            followed = (intent.action == "refund" and intent.state in ("refunding", "unknown")) or (
                intent.action == "clawback" and intent.state in ("waiting_refund", "prepared")
            )
            if not followed:
                continue
            if intent.next_try_at > now:
                next_due = min(next_due or intent.next_try_at, intent.next_try_at)
                continue
            # its rows name who started it (the server's own profile names no team operator)
            acting = audit_log.ACTING_FOR.set(intent.operator or audit_log.REFUND_FOLLOWER)
            try:
                result = await self._resolve_one(intent)
            except Busy:
                continue  # another window or process follows it right now
            except XPayDeskError as exc:  # WeChat unreachable: the next step of the backoff
                self.journal.update(
                    intent.id, message=exc.message_en, next_try_at=now + RETRY_LATER
                )
                result = OpResult.of(self._require(intent.id))
            finally:
                audit_log.ACTING_FOR.reset(acting)
            after = self._require(intent.id)
            if after.state != intent.state or after.attempts != intent.attempts:
                results.append(result)
            if after.is_open and after.next_try_at > now:
                next_due = min(next_due or after.next_try_at, after.next_try_at)
        return results, next_due

    # ---- the path -----------------------------------------------------------------------------

    def _prepare(
        self,
        action: str,
        request_key: str,
        *,
        openid: str,
        target: str,
        amount: int,
        params: dict[str, Any],
        reason: str,
        wechat_id_for: str | None = None,
        batch_id: str | None = None,
        parent: Intent | None = None,
        state: str = "prepared",
    ) -> Intent:
        if action != "clawback":  # a clawback follows its refund's authorisation
            self.policy.check(
                action,
                amount if action in ("gift", "deduct", "refund") else 0,
                spent_today=self.journal.spent_today(self.operator, action),
                reason=reason,
            )
        wid = wechat_id_for or wechat_id(action, self.appid, request_key)
        self._preflight(action, wid, openid=openid, target=target, amount=amount, params=params)
        try:
            # the intent and its audit row commit together or not at all: an intent whose audit
            # row cannot be written is never stored, so nothing can send it later
            with self.mirror.transaction():
                intent, created = self.journal.create(
                    action,
                    request_key,
                    appid=self.appid,
                    openid=openid,
                    target=target,
                    amount=amount,
                    params=params,
                    operator=self.operator,
                    reason=reason,
                    batch_id=batch_id,
                    parent_id=parent.id if parent else None,
                    state=state,
                    wechat_id_override=wid,
                )
                if created:
                    self._append_audit(
                        action,
                        {
                            "wechat_id": intent.wechat_id,
                            "target": target,
                            "amount": amount,
                            "reason": reason,
                            **params,
                        },
                        result="intent",
                        openid=openid,
                    )
                    if action in ("gift", "deduct", "cancel_deduction", "clawback"):
                        self._ledger(intent, "pending")
        except DATABASE_ERRORS as exc:
            raise XPayDeskError(
                f"镜像数据库无法记录该操作（{exc}），没有向微信发送任何请求",
                f"the mirror database cannot record this action ({exc}); nothing was sent to "
                "WeChat",
            ) from None
        crashpoint("after_intent")
        return intent

    def _append_audit(self, action: str, params: dict[str, Any], **kwargs: Any) -> None:
        try:
            self.audit.append(action, params, **kwargs)
        except DATABASE_ERRORS as exc:
            raise AuditUnwritable(str(exc)) from None

    def _preflight(
        self,
        action: str,
        wid: str,
        *,
        openid: str,
        target: str,
        amount: int,
        params: dict[str, Any],
        keys: bool = True,
    ) -> None:
        """Everything WeChat's request needs that can be checked without WeChat, before the
        intent is written: the same checks the client makes before it sends (ids, amounts, text
        lengths, choices) and the AppKey of the profile's env."""
        id_field = {"refund": "refund_order_id", "deliver": "wechat_id"}.get(action, "order_id")
        v.order_id(id_field, wid)
        if action != "deliver":
            v.openid(openid)
        if action in ("gift", "deduct", "cancel_deduction", "clawback"):
            v.positive_int("amount", amount)
        if action == "deduct":
            v.text("remark", params.get("remark", ""), minimum=0, maximum=256)
        if action == "cancel_deduction":
            v.order_id("pay_order_id", params.get("pay_order_id"))
            if params.get("pay_order_id") == wid:
                raise ValidationError(
                    "order_id",
                    "撤销扣减需要新的单号，不能与原扣减单号相同",
                    "a cancellation needs a new order id, not the deduction's",
                )
        if action in ("deliver", "refund"):
            v.order_id("order_id", target)
        if action == "refund":
            v.refund_fee(amount, params.get("left_fee"))
            v.biz_meta(params.get("biz_meta"))
            v.choice("refund_reason", params.get("refund_reason"), v.REFUND_REASONS)
            v.choice("req_from", params.get("req_from"), v.REQ_FROM)
        if keys:
            self.client.require_app_key()

    async def _attempt(
        self, intent: Intent, *, pasted_key: Secret | None = None, lock_held: bool = False
    ) -> OpResult:
        if not intent.is_open or intent.state == "refunding":
            return OpResult.of(intent)
        keys = (
            []
            if lock_held
            else [
                f"order:{intent.target}"
                if intent.action in ("refund", "deliver")
                else f"user:{intent.openid}"
            ]
        )
        with self.locks.hold(*keys, operator=self.operator):
            fresh = self.journal.get(intent.id)
            assert fresh is not None
            if not fresh.is_open:  # another window settled it meanwhile
                return OpResult.of(fresh)
            return await self._send(fresh, pasted_key)

    async def _send(self, intent: Intent, pasted_key: Secret | None) -> OpResult:
        key: SessionKey | None = None
        if intent.action in ("deduct", "cancel_deduction", "clawback"):
            key = await self.session_keys.get(intent.openid, pasted=pasted_key)
            # a clawback checks the key first: a stale key waits visibly instead of failing
            if key is None or (intent.action == "clawback" and not await self._fresh(intent, key)):
                return self._settle(
                    intent,
                    "needs_login" if intent.action == "clawback" else "failed",
                    message=NO_KEY if key is None else STALE_KEY,
                )
        prior = intent.state
        self._mark_sending(intent)
        started = self.client.mutations_started
        try:
            outcome = await self._call(intent, key)
        except OutcomeUnknownError as exc:
            return self._settle(intent, "unknown", message=exc.message_en, audit_result="unknown")
        except XPayError as exc:
            return self._on_error(intent, exc)
        except NetworkError as exc:  # a read before the money call failed: nothing was sent
            return self._settle(
                intent,
                "prepared",
                message=exc.message_en,
                audit_result="error",
                retry_in=RETRY_LATER,
            )
        except XPayDeskError as exc:
            return self._not_sent(intent, exc, prior=prior, left=started)
        crashpoint("after_answer")
        if intent.action == "refund":  # followed from here: the first poll after the first step
            return self._settle(
                intent, "refunding", outcome=outcome, retry_in=REFUND_POLL_BACKOFF[0]
            )
        return self._settle(intent, "done", outcome=outcome, key_source=key.source if key else "")

    def _not_sent(self, intent: Intent, exc: XPayDeskError, *, prior: str, left: int) -> OpResult:
        """A ValidationError, ConfigError, ... from the request path. If the request never left
        and never reached WeChat before (the intent was "prepared", or its request can never be
        built), the intent ends failed (never sent) at once: a later resolve would meet the same
        error, or worse, succeed once the profile is fixed and double what the operator redid
        meanwhile. A clawback (owed after its refund) waits and is retried instead."""
        if self.client.mutations_started != left:  # it may have left: settle like a timeout
            return self._settle(intent, "unknown", message=exc.message_en, audit_result="unknown")
        if intent.action == "clawback" and prior in ABANDONABLE:
            return self._settle(
                intent, "prepared", message=exc.message_en, audit_result="error",
                retry_in=RETRY_LATER,
            )  # fmt: skip
        if (prior == "prepared" and not intent.outcome.get(MAYBE_APPLIED)) or not self._buildable(
            intent
        ):
            return self._settle(
                intent,
                "failed",
                outcome={**intent.outcome, "never_sent": True},
                message=f"未发送到微信 / never sent: {exc.message_en}",
                audit_result="error",
            )
        # an earlier attempt may have reached WeChat: resolve repeats it with the same id later
        return self._settle(
            intent, "unknown", message=exc.message_en, audit_result="error", retry_in=RETRY_LATER
        )

    def _buildable(self, intent: Intent) -> bool:
        try:
            self._preflight(
                intent.action,
                intent.wechat_id,
                openid=intent.openid,
                target=intent.target,
                amount=intent.amount,
                params=intent.params,
                keys=False,
            )
        except ValidationError:
            return False
        return True

    def _mark_sending(self, intent: Intent) -> None:
        """Proves the audit log can take the outcome's row in the transaction that marks the
        intent as sending; if it cannot, nothing is sent. An intent that provably never reached
        WeChat then ends failed (never sent): resolve must not send it later."""
        if intent.state in ("sending", "unknown") and not intent.outcome.get(MAYBE_APPLIED):
            intent.outcome = {**intent.outcome, MAYBE_APPLIED: True}  # a crash left it sending
        try:
            with self.mirror.transaction():
                self.audit.check_writable()
                self.journal.update(
                    intent.id, state="sending", attempt=True, outcome=intent.outcome
                )
        except DATABASE_ERRORS as exc:
            if (
                intent.state == "prepared"
                and intent.action != "clawback"
                and not intent.outcome.get(MAYBE_APPLIED)
            ):
                # a clawback is owed after its refund: it stays open, to retry or abandon
                self.journal.update(
                    intent.id,
                    state="failed",
                    outcome={**intent.outcome, "never_sent": True},
                    message=f"未发送到微信：审计日志无法写入 / never sent: the audit log cannot "
                    f"be written ({exc})",
                )
            raise AuditUnwritable(str(exc)) from None

    async def _fresh(self, intent: Intent, key: SessionKey) -> bool:
        fresh = await self.client.check_session(intent.openid, session_key=key.value)
        if self.session_keys.vault is not None and key.source != "pasted":
            self.session_keys.vault.record_check(intent.openid, fresh=fresh)
        return fresh

    async def _clawback_take(self, intent: Intent, key: SessionKey) -> int:
        if "take" in intent.params:
            return int(intent.params["take"])
        balance = await self.client.query_user_balance(intent.openid, session_key=key.value)
        take = min(intent.amount, balance.balance)
        params = {**intent.params, "take": take, "balance_before": balance.balance}
        with self.mirror.transaction() as conn:
            conn.execute(
                "UPDATE intents SET params = ? WHERE id = ?",
                (json.dumps(params, sort_keys=True), intent.id),
            )
        intent.params = params
        return take

    async def _call(self, intent: Intent, key: SessionKey | None) -> dict[str, Any]:
        c, wid = self.client, intent.wechat_id
        if intent.action == "gift":
            return (await c.present_currency(intent.openid, intent.amount, order_id=wid)).to_dict()
        if intent.action == "deduct":
            assert key is not None
            return (
                await c.currency_pay(
                    intent.openid,
                    intent.amount,
                    order_id=wid,
                    session_key=key.value,
                    remark=intent.params.get("remark", ""),
                )
            ).to_dict()
        if intent.action == "cancel_deduction":
            assert key is not None
            return (
                await c.cancel_currency_pay(
                    intent.openid,
                    intent.amount,
                    pay_order_id=intent.params["pay_order_id"],
                    order_id=wid,
                    session_key=key.value,
                )
            ).to_dict()
        if intent.action == "clawback":
            assert key is not None
            take = await self._clawback_take(intent, key)
            if take == 0:
                return {"take": 0, "due": intent.amount, "outstanding": intent.amount}
            result = await c.currency_pay(
                intent.openid,
                take,
                order_id=wid,
                session_key=key.value,
                remark=f"refund {intent.target} clawback",
            )
            return {
                **result.to_dict(),
                "take": take,
                "due": intent.amount,
                "outstanding": intent.amount - take,
            }
        if intent.action == "deliver":
            await c.notify_provide_goods(order_id=intent.target)
            return {"delivered": intent.target}
        if intent.action == "refund":
            p = intent.params
            return (
                await c.refund_order(
                    intent.openid,
                    order_id=intent.target,
                    refund_order_id=wid,
                    left_fee=p["left_fee"],
                    refund_fee=intent.amount,
                    refund_reason=p["refund_reason"],
                    req_from=p["req_from"],
                    biz_meta=p["biz_meta"],
                )
            ).to_dict()
        raise XPayDeskError(f"未知操作 {intent.action}", f"unknown action {intent.action}")

    def _on_error(self, intent: Intent, exc: XPayError) -> OpResult:
        if exc.handling is Handling.NEEDS_NEW_SESSION_KEY:
            if self.session_keys.vault:
                self.session_keys.vault.record_check(intent.openid, fresh=False)
            state = "needs_login" if intent.action == "clawback" else "failed"
            return self._settle(
                intent, state, errcode=exc.errcode, message=exc.message_en, audit_result="error"
            )
        if exc.handling is Handling.RETRYABLE:
            # not applied (-1, busy, rate limited, refund in progress): same request later
            return self._settle(
                intent,
                "prepared",
                errcode=exc.errcode,
                message=exc.message_en,
                audit_result="error",
                retry_in=RETRY_LATER,
            )
        if (
            intent.action == "cancel_deduction"
            and exc.errcode == 268490005
            and intent.attempts >= 1
            and not self._other_cancels(intent)
        ):
            # our own earlier attempt went through before its answer was lost: no other cancel
            # of this deduction exists in the journal (one made outside XPay Desk cannot be seen)
            return self._settle(
                intent, "done", outcome={"order_id": intent.wechat_id, "confirmed_by": 268490005}
            )
        if intent.action == "refund" and exc.errcode == 268490016:
            return self._settle(
                intent,
                "failed",
                errcode=exc.errcode,
                audit_result="error",
                message="left_fee 已变化，请刷新订单后重新确认退款金额 / left_fee "
                "changed: refresh the order and confirm the amount again",
            )
        return self._settle(
            intent, "failed", errcode=exc.errcode, message=exc.message_en, audit_result="error"
        )

    def _settle(
        self,
        intent: Intent,
        state: str,
        *,
        outcome: dict[str, Any] | None = None,
        errcode: int | None = None,
        message: str = "",
        audit_result: str | None = None,
        retry_in: int | None = None,
        key_source: str = "",
        audit_extra: dict[str, Any] | None = None,
    ) -> OpResult:
        """Outcome, audit row and mirror update in one transaction."""
        now = self.mirror.now()
        if state == "unknown":
            outcome = {**(intent.outcome if outcome is None else outcome), MAYBE_APPLIED: True}
        with self.mirror.transaction():
            self.journal.update(
                intent.id,
                state=state,
                outcome=outcome,
                errcode=errcode,
                message=message,
                next_try_at=now + retry_in if retry_in else None,
            )
            result = audit_result or ("ok" if state in ("done", "refunding") else state)
            self.audit.append(
                intent.action,
                {
                    "wechat_id": intent.wechat_id,
                    "target": intent.target,
                    "amount": intent.amount,
                    "state": state,
                    "session_key_source": key_source,
                    "attempt": intent.attempts + 1,
                    **(audit_extra or {}),
                },
                result=result,
                errcode=errcode,
                openid=intent.openid,
            )
            self._update_mirror(intent, state, outcome or {})
        updated = self.journal.get(intent.id)
        assert updated is not None
        return OpResult.of(updated)

    # ---- mirror bookkeeping ---------------------------------------------------------------------

    def _ledger(
        self,
        intent: Intent,
        status: str,
        *,
        amount: int | None = None,
        balance_after: int | None = None,
    ) -> None:
        kind = {"cancel_deduction": "cancel"}.get(intent.action, intent.action)
        self.mirror.conn.execute(
            "INSERT INTO ledger (kind, order_id, openid, amount, balance_after, refund_order_id, "
            "cancels_order_id, operator, reason, created_at, status, env) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(order_id) DO UPDATE SET "
            "status = excluded.status, amount = excluded.amount, "
            "balance_after = COALESCE(excluded.balance_after, ledger.balance_after)",
            (
                kind,
                intent.wechat_id,
                intent.openid,
                intent.amount if amount is None else amount,
                balance_after,
                intent.target if intent.action == "clawback" else None,
                intent.params.get("pay_order_id"),
                intent.operator,
                intent.reason,
                intent.created_at,
                status,
                int(self.client.env),
            ),
        )

    def _update_mirror(self, intent: Intent, state: str, outcome: dict[str, Any]) -> None:
        status = {"done": "done", "failed": "failed", "unknown": "unknown"}.get(state, "pending")
        if intent.action in ("gift", "deduct", "cancel_deduction"):
            self._ledger(intent, status, balance_after=outcome.get("balance"))
        elif intent.action == "clawback":
            self._ledger(
                intent,
                status,
                amount=outcome.get("take", intent.params.get("take")),
                balance_after=outcome.get("balance"),
            )
        elif intent.action == "refund":
            refund_status = {
                "refunding": "refunding",
                "done": "refunded",
                "failed": "failed",
                "unknown": "started",
                "prepared": "started",
            }.get(state, "started")
            upsert_refunds(
                self.mirror,
                [
                    {
                        "refund_order_id": intent.wechat_id,
                        "order_id": intent.target,
                        "openid": intent.openid,
                        "refund_fee": intent.amount,
                        "refund_reason": intent.params["refund_reason"],
                        "req_from": intent.params["req_from"],
                        "refund_wx_order_id": outcome.get("refund_wx_order_id", ""),
                        "status": refund_status,
                        "started_at": intent.created_at,
                        "finished_at": self.mirror.now() if state in ("done", "failed") else 0,
                        "operator": intent.operator,
                        "source": "xpaydesk",
                    }
                ],
            )
        elif intent.action == "deliver" and state == "done":
            self.mirror.conn.execute(
                "UPDATE orders SET status = 4, provide_time = ? WHERE "
                "order_id = ? AND status IN (2, 3)",
                (self.mirror.now(), intent.target),
            )

    # ---- resolution -----------------------------------------------------------------------------

    def pending(self) -> list[Intent]:
        return self.journal.open_intents()

    async def resolve(self, *, only: int | None = None, force: bool = False) -> list[OpResult]:
        """Settles what is open: unknown outcomes, unsent intents, refunds in flight, clawbacks
        whose refund finished or whose user has a new session key. Safe to run at any time."""
        results = []
        now = self.mirror.now()
        for intent in self.journal.open_intents():
            if only is not None and intent.id != only:
                continue
            if not force and intent.next_try_at > now:
                continue
            try:
                results.append(await self._resolve_one(intent))
            except Busy:  # another window or process is settling it right now
                results.append(OpResult.of(self._require(intent.id)))
            except XPayDeskError as exc:
                self.journal.update(intent.id, message=exc.message_en)
                results.append(OpResult.of(self._require(intent.id)))
        return results

    async def _resolve_one(self, intent: Intent) -> OpResult:
        if intent.state == "waiting_refund":
            parent = self._require(intent.parent_id or 0)
            if parent.state == "done":
                return await self._attempt(intent)
            if parent.state == "failed":
                return self._settle(
                    intent,
                    "failed",
                    message="退款失败，无需回收 / the refund failed: nothing to claw back",
                )
            return OpResult.of(intent)
        if intent.action == "refund" and intent.state in ("refunding", "unknown", "sending"):
            return await self._advance_refund(intent)
        if intent.state == "needs_login":
            key = await self.session_keys.get(intent.openid)
            if key is None or (key.obtained_at <= intent.updated_at and key.source == "mirror"):
                return OpResult.of(intent)  # no newer key since we last tried
            return await self._attempt(intent)
        # prepared (never sent), sending/unknown (maybe applied): the same request again
        return await self._attempt(intent)

    async def _advance_refund(self, intent: Intent) -> OpResult:
        """query_order on the refund order id: applied or not, finished or not. One follower
        at a time (the desk's tracker, a resolve, another process): Busy for the others."""
        with self.locks.hold(f"follow:{intent.wechat_id}", operator=self.operator):
            fresh = self._require(intent.id)  # re-read: another follower may have settled it
            if fresh.state not in ("refunding", "unknown", "sending"):
                return OpResult.of(fresh)
            return await self._advance_refund_held(fresh)

    async def _advance_refund_held(self, intent: Intent) -> OpResult:
        try:
            order = await self.client.query_order(intent.openid, order_id=intent.wechat_id)
        except XPayError as exc:
            if exc.errcode == 268490002 and intent.state in ("unknown", "sending"):
                # WeChat has no such refund: the lost request never arrived, send it again
                self.journal.update(
                    intent.id, state="prepared", outcome={**intent.outcome, MAYBE_APPLIED: False}
                )
                return await self._attempt(self._require(intent.id), lock_held=False)
            raise
        if order.status in (5, 8):
            result = self._settle(
                intent,
                "done",
                outcome={**intent.outcome, "status": order.status, "refund_fee": order.refund_fee},
            )
            await self._refresh_paid_order(intent)
            await self._release_clawbacks(intent)
            return result
        if order.status == 7:
            result = self._settle(
                intent,
                "failed",
                message="微信退款失败 / WeChat reports the refund failed",
                outcome={**intent.outcome, "status": 7},
            )
            await self._release_clawbacks(intent)
            return result
        step = REFUND_POLL_BACKOFF[min(intent.attempts, len(REFUND_POLL_BACKOFF) - 1)]
        if intent.state != "refunding":
            self._settle(intent, "refunding", outcome={**intent.outcome, "status": order.status})
        self.journal.update(intent.id, attempt=True, next_try_at=self.mirror.now() + step)
        return OpResult.of(self._require(intent.id))

    async def _refresh_paid_order(self, refund: Intent) -> None:
        try:
            order = await self.client.query_order(refund.openid, order_id=refund.target)
        except XPayDeskError:
            return  # the next refresh will catch up
        upsert_orders(
            self.mirror, [order_from_query(order, openid=refund.openid, now=self.mirror.now())]
        )

    async def _release_clawbacks(self, refund: Intent) -> None:
        for child in self.journal.children(refund.id):
            if child.state == "waiting_refund":
                await self._resolve_one(child)

    async def wait_for_refund(self, intent_id: int, *, timeout: float = 60.0) -> OpResult:
        """Polls one refund until it ends (or the timeout); used by the CLI and the dashboard."""
        deadline = time.monotonic() + timeout
        while True:
            intent = self._require(intent_id)
            if intent.state in ("done", "failed"):
                return OpResult.of(intent)
            try:
                result = await self._resolve_one(intent)
            except Busy:  # the desk's tracker is asking right now
                result = OpResult.of(self._require(intent_id))
            if result.state in ("done", "failed") or time.monotonic() > deadline:
                return result
            await self._sleep(
                min(max(self._require(intent_id).next_try_at - self.mirror.now(), 0.2), 2.0)
            )

    def _require(self, intent_id: int) -> Intent:
        intent = self.journal.get(intent_id)
        if intent is None:
            raise XPayDeskError(f"没有编号为 {intent_id} 的操作", f"no operation {intent_id}")
        return intent
