"""Four-eyes approvals as a desk shows them: a money action above the team server's threshold for
it, or any bulk action, waits as a request until another finance or admin operator approves or
rejects it with a reason. A solo desk has none (core.desk.Desk answers an empty list)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core import vocabulary
from core.errors import XPayDeskError, describe

#: a request's states (core.vocabulary.APPROVAL_STATE says them): waiting, then approved (its
#: action ran), rejected or expired; "failed" is approved but its action was refused (by the
#: checks or by WeChat), nothing done, the reason in both languages in `result["error"]`
WAITING, APPROVED, REJECTED, EXPIRED, FAILED = (
    "awaiting_approval",
    "approved",
    "rejected",
    "expired",
    "failed",
)
STATES = (WAITING, APPROVED, REJECTED, EXPIRED, FAILED)

#: the unit of each action's amount (refunds are in fen, coin actions in coins)
UNITS = {"refund": "fen"}


def unit_of(action: str) -> str:
    return UNITS.get(action, "coins")


@dataclass
class Approval:
    id: str
    action: str  # gift, deduct, refund, bulk_gift, bulk_deduct
    amount: int  # in `unit`; a bulk request's total
    unit: str  # "coins" or "fen"
    request: dict[str, Any]  # what will be done when approved (no key or secret: redacted)
    requested_by: str
    requested_at: int  # seconds (the server's clock)
    expires_at: int
    state: str  # awaiting_approval, approved, rejected, expired, failed (see STATES)
    decided_by: str = ""
    decision_reason: str = ""
    result: dict[str, Any] | None = field(default=None)  # what the approved action did

    @property
    def waiting(self) -> bool:
        return self.state == WAITING

    def failure(self, lang: str = "zh_CN") -> str:
        """Why an approved request failed, in `lang` ("" when it did not)."""
        error = (self.result or {}).get("error")
        if not isinstance(error, dict):
            return ""
        return str(error.get("en" if lang.startswith("en") else "zh_CN") or "")

    def state_words(self, lang: str = "zh_CN") -> str:
        """The state in the glossary's words; a failed one with its reason."""
        said = vocabulary.word("approval_state", self.state, lang)
        return vocabulary.said_with(said, self.failure(lang), lang)

    def describe(self, lang: str = "en") -> str:
        """One line for a list or a confirmation: what, how much, for whom, who asked, and the
        state, in the glossary's words."""
        target = " ".join(
            str(self.request.get(k)) for k in ("openid", "order_id") if self.request.get(k)
        )
        rows = self.request.get("rows")
        action = vocabulary.word("action", self.action, lang)
        state = self.state_words(lang)
        coins = self.request.get("clawback_coins")
        claw = coins if self.request.get("clawback") and isinstance(coins, int) else 0
        if lang == "zh_CN":
            unit = "元" if self.unit == "fen" else "代币"
            target += f"，随后回收 {claw:,} 代币" if claw else ""
            amount = _yuan(self.amount) if self.unit == "fen" else f"{self.amount:,}"
            what = f"{len(rows)} 行，" if isinstance(rows, list) else ""
            return (
                f"审批 {self.id}：{action} {what}{amount} {unit} {target}"
                f"（{self.requested_by} 提出）· {state}".replace("  ", " ")
            )
        unit = "yuan" if self.unit == "fen" else "coins"
        target += f", then claw back {claw:,} coins" if claw else ""
        amount = _yuan(self.amount) if self.unit == "fen" else f"{self.amount:,}"
        what = f"{len(rows)} rows, " if isinstance(rows, list) else ""
        return (
            f"approval {self.id}: {action} {what}{amount} {unit} {target} "
            f"(asked by {self.requested_by}) · {state}"
        ).replace("  ", " ")


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def failure_of(state: str, errcode: int | None, message: str) -> tuple[str, str] | None:
    """Why an approved action that ran did nothing, in both languages (WeChat's errcode said from
    the error catalogue), or None when it did not fail."""
    if state != "failed":
        return None
    if errcode is not None:
        info = describe(errcode)
        return (
            f"微信拒绝（{errcode}）：{info.text('zh_CN')}",
            f"WeChat refused ({errcode}): {info.text('en')}",
        )
    return (message or "操作失败", message or "the action failed")


def waiting_message(approval: Approval) -> tuple[str, str]:
    """What a money dialog or the CLI says when its action went to approval instead (zh, en)."""
    return (
        f"金额需要审批：已提交审批请求 {approval.id}，等待另一位财务或管理员批准后执行",
        f"this amount needs approval: request {approval.id} is waiting for another finance or "
        "admin operator; nothing is done until it is approved",
    )


class NoApprovals(XPayDeskError):
    """A solo desk: approvals belong to a team server."""

    kind = "no_approvals"
    exit_code = 2

    def __init__(self) -> None:
        super().__init__(
            "单机模式没有审批：审批只在团队服务器上进行",
            "a solo desk has no approvals: they happen on a team server",
        )
