"""Four-eyes approvals as a desk shows them: a money action above the team server's threshold for
it, or any bulk action, waits as a request until another finance or admin operator approves or
rejects it with a reason. A solo desk has none (core.desk.Desk answers an empty list)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import XPayDeskError

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
    state: str  # awaiting_approval, approved, rejected, expired
    decided_by: str = ""
    decision_reason: str = ""
    result: dict[str, Any] | None = field(default=None)  # what the approved action did

    @property
    def waiting(self) -> bool:
        return self.state == "awaiting_approval"

    def describe(self, lang: str = "en") -> str:
        """One line for a list or a confirmation: what, how much, for whom, who asked."""
        target = self.request.get("openid") or self.request.get("order_id") or ""
        rows = self.request.get("rows")
        if lang == "zh_CN":
            unit = "分" if self.unit == "fen" else "代币"
            what = f"{len(rows)} 行，" if isinstance(rows, list) else ""
            return (
                f"审批 {self.id}：{self.action} {what}{self.amount:,} {unit} {target}"
                f"（{self.requested_by} 提出）".replace("  ", " ")
            )
        what = f"{len(rows)} rows, " if isinstance(rows, list) else ""
        return (
            f"approval {self.id}: {self.action} {what}{self.amount:,} {self.unit} {target} "
            f"(asked by {self.requested_by})"
        ).replace("  ", " ")


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
