"""Money actions over the team server, approvals included: the same methods, arguments and
results as core.desk.Desk. An action above the server's approval threshold (and every bulk
action) is not done at once: the server keeps it as a request for a second operator, and the
method returns an OpResult whose state is "awaiting_approval", its message naming the request and
its outcome holding it ({"approval": {...}}). Every action is refused while the server is away:
nothing is queued silently."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from core import wire
from core.approvals import Approval, waiting_message
from core.errors import ValidationError
from core.operations import OpResult
from core.operations.bulk import BulkFileError, BulkPlan, BulkReport, DuplicateRows
from core.profiles import TeamProfile
from core.remote.base import RemoteBase

APPROVERS = frozenset({"finance", "admin"})
WAIT_STEP = 5.0  # seconds per wait request (the server allows 8; the read timeout is 10)


def _awaiting(action: str, data: dict[str, Any]) -> OpResult:
    approval = wire.load(Approval, data)
    zh, en = waiting_message(approval)
    return OpResult(0, action, "", "awaiting_approval", f"{zh} / {en}", {"approval": data})


class Money(RemoteBase):
    profile: TeamProfile  # set by RemoteDesk (with the role the server gives)
    _thresholds: dict[str, int] | None = None

    async def _act(self, action: str, path: str, body: dict[str, Any]) -> OpResult:
        self.require_online()
        response = await self.arequest("POST", path, json=body)
        data = response.json()
        if response.status_code == 202:
            return _awaiting(action, data["approval"])
        result: OpResult = wire.load(OpResult, data["result"])
        return result

    async def gift(
        self,
        openid: str,
        amount: int,
        *,
        reason: str,
        request_key: str,
        order_id: str | None = None,
        allow_repeat: bool = False,
    ) -> OpResult:
        body = {
            "openid": openid,
            "amount": amount,
            "reason": reason,
            "request_key": request_key,
            "order_id": order_id,
            "allow_repeat": allow_repeat,
        }
        return await self._act("gift", "/gift", body)

    async def deduct(
        self,
        openid: str,
        amount: int,
        *,
        reason: str,
        request_key: str,
        session_key: str = "",
        order_id: str | None = None,
        remark: str = "",
        allow_repeat: bool = False,
    ) -> OpResult:
        """A pasted `session_key` goes in the request body to the server (never in a URL, a log
        line or an answer)."""
        body = {
            "openid": openid,
            "amount": amount,
            "reason": reason,
            "request_key": request_key,
            "session_key": session_key,
            "order_id": order_id,
            "remark": remark,
            "allow_repeat": allow_repeat,
        }
        return await self._act("deduct", "/deduct", body)

    async def cancel_deduction(
        self,
        openid: str,
        pay_order_id: str,
        amount: int,
        *,
        reason: str,
        request_key: str,
        session_key: str = "",
        order_id: str | None = None,
    ) -> OpResult:
        body = {
            "openid": openid,
            "amount": amount,
            "reason": reason,
            "request_key": request_key,
            "session_key": session_key,
            "order_id": order_id,
        }
        return await self._act("cancel_deduction", f"/deductions/{pay_order_id}/cancel", body)

    async def refund(
        self,
        order_id: str,
        refund_fee: int,
        *,
        reason: str,
        left_fee: int,
        request_key: str,
        refund_reason: str = "0",
        clawback: bool = False,
        req_from: str = "1",
        openid: str | None = None,
        refund_order_id: str | None = None,
        coins: int | None = None,
        biz_meta: str | None = None,
        allow_repeat: bool = False,
    ) -> OpResult:
        body = {
            "order_id": order_id,
            "refund_fee": refund_fee,
            "left_fee": left_fee,
            "reason": reason,
            "request_key": request_key,
            "refund_reason": refund_reason,
            "clawback": clawback,
            "req_from": req_from,
            "openid": openid,
            "refund_order_id": refund_order_id,
            "coins": coins,
            "biz_meta": biz_meta,
            "allow_repeat": allow_repeat,
        }
        return await self._act("refund", "/refund", body)

    async def deliver(self, order_id: str, *, reason: str, request_key: str) -> OpResult:
        body = {"reason": reason, "request_key": request_key}
        return await self._act("deliver", f"/orders/{order_id}/deliver", body)

    async def refresh_order(self, order_id: str, *, openid: str | None = None) -> None:
        self.require_online()
        await self.arequest("POST", f"/orders/{order_id}/refresh", json={"openid": openid})

    async def start_clawback(
        self,
        refund_order_id: str,
        *,
        reason: str,
        request_key: str | None = None,
        session_key: str = "",
        coins: int | None = None,
    ) -> OpResult:
        body = {
            "reason": reason,
            "request_key": request_key,
            "session_key": session_key,
            "coins": coins,
        }
        return await self._act("clawback", f"/refunds/{refund_order_id}/clawback", body)

    async def retry_clawback(self, intent_id: int) -> OpResult:
        return await self._act("clawback", f"/clawbacks/{int(intent_id)}/retry", {})

    async def abandon(self, intent_id: int, *, note: str) -> OpResult:
        return await self._act("abandon", f"/intents/{int(intent_id)}/abandon", {"note": note})

    async def wait_for_refund(self, intent_id: int, *, timeout: float = 60.0) -> OpResult:
        """Asks (the server asks WeChat) about one refund until it ends, or `timeout` seconds:
        one request per few seconds, so no request outlives the read timeout."""
        self.require_online()
        deadline = time.monotonic() + timeout
        while True:
            step = min(max(deadline - time.monotonic(), 0.0), WAIT_STEP)
            response = await self.arequest(
                "POST", f"/intents/{int(intent_id)}/wait", json={"timeout": step}
            )
            result: OpResult = wire.load(OpResult, response.json()["result"])
            if result.state in ("done", "failed") or time.monotonic() >= deadline:
                return result

    async def resolve(self, *, only: int | None = None) -> list[OpResult]:
        """Settles what is open now (or only operation `only`), on the server."""
        self.require_online()
        response = await self.arequest("POST", "/pending/resolve", params={"only": only})
        results: list[OpResult] = wire.load(list[OpResult], response.json())
        return results

    async def run_bulk(self, plan: BulkPlan, *, allow_duplicates: bool = False) -> BulkReport:
        """Every bulk action waits for approval on a team server: the rows go to the server as
        one request, and each row's result says "awaiting_approval" with the request's id.
        The same refusals as a solo desk before anything is sent (invalid rows, duplicates)."""
        if plan.rejected:
            raise BulkFileError(
                f"有 {len(plan.rejected)} 行无效，请先修正文件",
                f"{len(plan.rejected)} rows are invalid; fix the file first",
            )
        if plan.duplicates and not allow_duplicates:
            raise DuplicateRows(plan)
        self.require_online()
        body = {
            "action": plan.action,
            "source": plan.source,
            "rows": [dataclasses.asdict(r) for r in plan.rows],
            "allow_duplicates": allow_duplicates,
        }
        data = (await self.arequest("POST", "/bulk", json=body)).json()
        waiting = _awaiting(plan.action, data["approval"])
        batch_id = str(data["approval"]["request"].get("batch_id") or plan.batch_id)
        report = BulkReport(dataclasses.replace(plan, batch_id=batch_id))
        report.results = [(row, waiting) for row in plan.rows]
        return report

    # ---- four-eyes approvals ----------------------------------------------------------------

    def approvals(self, *, mine: bool = False, waiting: bool = True) -> list[Approval]:
        """Requests waiting for a decision (`waiting`; else every recent one), or only mine."""
        data = self.get("/approvals", mine=mine, waiting=waiting)
        found: list[Approval] = wire.load(list[Approval], data)
        return found

    def approvals_waiting_for_me(self) -> int:
        """Requests I may decide (another operator's, still waiting): they count in the pending
        total. Zero for a role that cannot approve."""
        if self.profile.role not in APPROVERS:
            return 0
        me = self.profile.operator
        return sum(1 for a in self.approvals(waiting=True) if a.requested_by != me)

    async def approve(self, approval_id: str, reason: str) -> Approval:
        """Approves another operator's request: it runs now, as theirs (the approver is in the
        audit row). What it did is the Approval's `result`."""
        return await self._decide(approval_id, "approve", reason)

    async def reject(self, approval_id: str, reason: str) -> Approval:
        return await self._decide(approval_id, "reject", reason)

    async def _decide(self, approval_id: str, verb: str, reason: str) -> Approval:
        self.require_online()
        if not reason.strip():
            raise ValidationError("reason", "必须填写原因", "a reason is required")
        response = await self.arequest(
            "POST", f"/approvals/{approval_id}/{verb}", json={"reason": reason}
        )
        decided: Approval = wire.load(Approval, response.json()["approval"])
        return decided

    def approval_thresholds(self) -> dict[str, int]:
        """The amount above which each action waits for approval (the server's [approval])."""
        if self._thresholds is None:
            self._thresholds = dict(self.get("/approvals/thresholds")["above"])
        return self._thresholds

    def needs_approval(self, action: str, amount: int) -> bool:
        """Will this action wait for a second operator? Dialogs say so before the click."""
        if action.startswith("bulk"):
            return True
        above = self.approval_thresholds().get(action)
        return above is not None and amount > above
