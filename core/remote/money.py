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

import httpx

from core import wire
from core.approvals import Approval, waiting_message
from core.errors import ValidationError, XPayDeskError
from core.operations import OpResult
from core.operations.bulk import BulkFileError, BulkPlan, BulkReport, DuplicateRows
from core.profiles import TeamProfile
from core.remote.base import RemoteBase

APPROVERS = frozenset({"finance", "admin"})
# a money action may wait on WeChat (and its retries) longer than a read: a minute; deciding a
# request runs it (a bulk request, every row): a quarter of an hour
MONEY_TIMEOUT = httpx.Timeout(60.0, connect=1.5)
DECIDE_TIMEOUT = httpx.Timeout(900.0, connect=1.5)
WAIT_STEP = 5.0  # seconds per wait request (the server allows 8; the read timeout is 10)


class StillRunning(XPayDeskError):
    """The server took longer than the desk waits: the action goes on there (nothing is sent
    twice); its outcome shows in Pending, the user's timeline or the Approvals page."""

    kind = "still_running"
    exit_code = 3  # the outcome is not known yet, as an outcome unknown

    def __init__(self) -> None:
        super().__init__(
            "团队服务器仍在处理，结果稍后会出现在待处理、用户时间线或审批页面（不会重复执行）",
            "the team server is still working on it: the outcome will show in Pending, the "
            "user's timeline or Approvals (nothing is done twice)",
        )


def _awaiting(action: str, data: dict[str, Any]) -> OpResult:
    approval = wire.load(Approval, data)
    zh, en = waiting_message(approval)
    return OpResult(0, action, "", "awaiting_approval", f"{zh} / {en}", {"approval": data})


class Money(RemoteBase):
    profile: TeamProfile  # set by RemoteDesk (with the role the server gives)
    _thresholds: dict[str, int] | None = None

    money_timeout: httpx.Timeout = MONEY_TIMEOUT
    decide_timeout: httpx.Timeout = DECIDE_TIMEOUT

    async def _send(self, path: str, body: Any, timeout: httpx.Timeout) -> httpx.Response:
        """A write that may take long: refused at once while the server is away; a 401 renews
        the session once; an answer slower than `timeout` is StillRunning (the server carries
        on), not a lost server."""
        self.require_online()
        for attempt in (1, 2):
            request = self._ahttp.build_request(
                "POST", path, json=body, headers=self.auth.headers(), timeout=timeout
            )
            try:
                response = await self._ahttp.send(request)
            except httpx.ReadTimeout:
                raise StillRunning from None
            except httpx.TransportError as exc:
                raise self._unreachable(exc) from None
            if response.status_code == 401 and attempt == 1 and self.auth.refresh():
                continue
            return self._answer(response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _act(self, action: str, path: str, body: dict[str, Any]) -> OpResult:
        response = await self._send(path, body, self.money_timeout)
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
        await self._send(f"/orders/{order_id}/refresh", {"openid": openid}, self.money_timeout)

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
        deadline = time.monotonic() + timeout
        while True:
            step = min(max(deadline - time.monotonic(), 0.0), WAIT_STEP)
            path = f"/intents/{int(intent_id)}/wait"
            response = await self._send(path, {"timeout": step}, self.money_timeout)
            result: OpResult = wire.load(OpResult, response.json()["result"])
            if result.state in ("done", "failed") or time.monotonic() >= deadline:
                return result

    async def resolve(self, *, only: int | None = None) -> list[OpResult]:
        """Settles what is open now (or only operation `only`), on the server."""
        path = "/pending/resolve" if only is None else f"/pending/resolve?only={int(only)}"
        response = await self._send(path, None, self.money_timeout)
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
        data = (await self._send("/bulk", body, self.money_timeout)).json()
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
        path = f"/approvals/{approval_id}/{verb}"
        response = await self._send(path, {"reason": reason}, self.decide_timeout)
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
