"""Money actions, and the four-eyes approvals that hold the large ones and every bulk action.
Every action passes the policy of the caller (the role's limits and the operator's own where
stricter, per action and per day, counted in the database); above server.toml's [approval]
amount it waits for a second finance or admin operator. Whatever runs, runs through the desk
acting as the operator who asked (core.server.state.Server.run: the one money path)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool, StrictInt

from core import wire
from core.approvals import Approval, failure_of, unit_of
from core.errors import OutcomeUnknownError, XPayDeskError
from core.mirror import audit as audit_log
from core.operations import coins_to_claw_back
from core.operations.bulk import MAX_AMOUNT, DuplicateRows
from core.operations.policy import PolicyRefused
from core.server import store
from core.server.deps import (
    API,
    APPROVERS,
    READERS,
    RESOLVERS,
    ApiError,
    Session,
    address,
    allow,
    error_body,
    result_dict,
    server,
)
from core.server.state import Server, plan_of
from core.server.store import Operator, OperatorError, SelfApproval
from core.validation import OPENID_RE

router = APIRouter(prefix=API, tags=["money"])
KEY_FIELDS = ("session_key", "session_key_sealed")  # never on the wire, never in a log
WAIT_LIMIT = 8.0  # seconds one wait request may take (a desktop's read timeout is 10 s)


class _Keyed(BaseModel):
    """A body that may carry a pasted session key: it stays out of reprs (and so out of logs)."""

    session_key: str = Field(default="", max_length=128)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if k not in KEY_FIELDS)
        return f"{type(self).__name__}({shown})"

    __str__ = __repr__


class GiftBody(BaseModel):
    openid: str = Field(min_length=1, max_length=128)
    amount: StrictInt = Field(gt=0)
    reason: str = Field(max_length=500)
    request_key: str = Field(min_length=1, max_length=128)
    order_id: str | None = Field(default=None, max_length=128)
    allow_repeat: StrictBool = False


class DeductBody(_Keyed, GiftBody):
    remark: str = Field(default="", max_length=500)


class CancelBody(_Keyed):
    openid: str = Field(min_length=1, max_length=128)
    amount: StrictInt = Field(gt=0)
    reason: str = Field(max_length=500)
    request_key: str = Field(min_length=1, max_length=128)
    order_id: str | None = Field(default=None, max_length=128)


class RefundBody(BaseModel):
    order_id: str = Field(min_length=1, max_length=128)
    refund_fee: StrictInt = Field(gt=0)
    left_fee: StrictInt = Field(ge=0)
    reason: str = Field(max_length=500)
    refund_reason: str = Field(default="0", max_length=8)
    request_key: str = Field(min_length=1, max_length=128)
    clawback: StrictBool = False
    req_from: str = Field(default="1", max_length=8)
    openid: str | None = Field(default=None, max_length=128)
    refund_order_id: str | None = Field(default=None, max_length=128)
    coins: StrictInt | None = Field(default=None, ge=0)
    biz_meta: str | None = Field(default=None, max_length=1000)
    allow_repeat: StrictBool = False


class DeliverBody(BaseModel):
    reason: str = Field(max_length=500)
    request_key: str = Field(min_length=1, max_length=128)


class RefreshBody(BaseModel):
    openid: str | None = Field(default=None, max_length=128)


class ClawbackBody(_Keyed):
    reason: str = Field(max_length=500)
    request_key: str | None = Field(default=None, min_length=1, max_length=128)
    coins: StrictInt | None = Field(default=None, ge=0)


class AbandonBody(BaseModel):
    note: str = Field(max_length=500)


class WaitBody(BaseModel):
    timeout: float = Field(default=5.0, ge=0, le=WAIT_LIMIT)


class BulkRowBody(BaseModel):
    line: StrictInt = Field(ge=1)
    openid: str = Field(pattern=OPENID_RE.pattern, max_length=128)
    amount: StrictInt = Field(gt=0, le=MAX_AMOUNT)
    reason: str = Field(min_length=1, max_length=500)


class BulkBody(BaseModel):
    action: Literal["gift", "deduct"]
    source: str = Field(default="", max_length=500)
    rows: list[BulkRowBody] = Field(min_length=1, max_length=100_000)
    allow_duplicates: StrictBool = False


class DecisionBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


# ---- approvals as desktops see them -----------------------------------------------------------


def approval_of(found: dict[str, Any]) -> Approval:
    """A stored request as core.approvals.Approval: its request redacted (a pasted session key is
    said to be there, never shown)."""
    request = audit_log.redact({k: v for k, v in found["request"].items() if k not in KEY_FIELDS})
    if any(found["request"].get(k) for k in KEY_FIELDS):
        request["session_key"] = "***"
    base = found["action"].removeprefix("bulk_")
    return Approval(
        id=found["id"],
        action=found["action"],
        amount=found["amount"],
        unit=unit_of(base),
        request=request,
        requested_by=found["requested_by"],
        requested_at=found["created_at"],
        expires_at=found["expires_at"],
        state=found["state"],
        decided_by=found["decided_by"],
        decision_reason=found["decision_reason"],
        result=found["result"],
    )


def refund_facts(srv: Server, req: dict[str, Any]) -> dict[str, Any]:
    """What a waiting refund request says beyond its form: the order's openid (from the mirror,
    when the desktop did not send it) and `clawback_coins`, the coins its clawback will take,
    computed as the refund dialog and the engine do (the refunded share of the coins the order
    granted, rounded up; none for an item, none without a clawback)."""
    row = srv.mirror.one(
        "SELECT openid, kind, quantity, paid_fee FROM orders WHERE order_id = ?", req["order_id"]
    )
    if row is None:
        return {}
    facts: dict[str, Any] = {} if req.get("openid") else {"openid": str(row["openid"] or "")}
    paid_fee = int(row["paid_fee"] or 0)
    if req.get("clawback") and row["kind"] != "item" and paid_fee:
        coins = req.get("coins")
        if coins is not None:
            granted = int(coins)
        else:
            granted = int(row["quantity"] or 0) or paid_fee * srv.desk.profile.coin_rate // 100
        facts["clawback_coins"] = coins_to_claw_back(granted, paid_fee, int(req["refund_fee"]))
    return {k: v for k, v in facts.items() if v not in ("", None)}


def _target(req: dict[str, Any]) -> dict[str, Any]:
    return {k: req[k] for k in ("openid", "order_id", "refund_order_id") if req.get(k)}


def _refuse(
    srv: Server,
    op: Operator,
    what: str,
    amount: int,
    req: dict[str, Any],
    host: str,
    problem: tuple[str, str],
) -> JSONResponse:
    srv.audit(
        op.name,
        "refused",
        {"endpoint": what, "amount": amount, "role": op.role, **_target(req)},
        result=f"refused: {problem[0]} / {problem[1]}",  # both: said in its reader's language
        host=host,
    )
    # the kind a solo desk's refusal has (core.operations.policy.PolicyRefused)
    return JSONResponse(error_body(PolicyRefused.kind, *problem), status_code=403)


async def _ask(
    srv: Server, action: str, amount: int, req: dict[str, Any], op: Operator, host: str
) -> JSONResponse:
    """The request waits for a second operator: nothing is written to the journal and nothing
    is sent until it is approved. A pasted session key is kept sealed with it. A refund says
    whose order it is and the coins its clawback will take, so the approver sees both."""
    kept = {**req, **refund_facts(srv, req)} if action == "refund" else dict(req)
    if kept.get("session_key"):
        kept["session_key_sealed"] = srv.seal(str(kept.get("openid", "")), kept["session_key"])
    kept.pop("session_key", None)
    found = store.request_approval(
        srv.mirror,
        action=action,
        amount=amount,
        request=kept,
        requested_by=op.name,
        ttl=srv.config.approval_seconds,
    )
    srv.audit(
        op.name,
        "approval_requested",
        {
            "approval": found["id"],
            "endpoint": action,
            "amount": amount,
            **_target(kept),
            **({"clawback_coins": kept["clawback_coins"]} if kept.get("clawback_coins") else {}),
        },
        result="awaiting_approval",
        host=host,
    )
    return JSONResponse(
        {"state": "awaiting_approval", "approval": wire.dump(approval_of(found))}, status_code=202
    )


async def money(
    action: str, amount: int, req: dict[str, Any], op: Operator, request: Request
) -> JSONResponse:
    """The caller's policy (refused: 403, audited), then approval above the threshold (202),
    else the action now, through the desk acting as the caller."""
    srv = server(request)
    host = address(request)
    spent = srv.desk.ops.journal.spent_today(op.name, action)
    # the role's limits, and the operator's own where stricter (read from the store each time)
    policy = store.policy_for(srv.mirror, srv.config, op.name, op.role)
    problem = policy.problem(action, amount, spent_today=spent)
    if problem is not None:
        return _refuse(srv, op, action, amount, req, host, problem)
    above = srv.config.approval_above.get(action)
    if above is not None and amount > above:
        return await _ask(srv, action, amount, req, op, host)
    result = await srv.run(action, srv.desk_for(op), req)
    return JSONResponse({"state": result.state, "result": result_dict(result)})


@router.post("/gift")
async def gift(body: GiftBody, session: Session, request: Request) -> JSONResponse:
    return await money("gift", body.amount, body.model_dump(), session[0], request)


@router.post("/deduct")
async def deduct(body: DeductBody, session: Session, request: Request) -> JSONResponse:
    return await money("deduct", body.amount, body.model_dump(), session[0], request)


@router.post("/deductions/{pay_order_id}/cancel")
async def cancel_deduction(
    pay_order_id: str, body: CancelBody, session: Session, request: Request
) -> JSONResponse:
    req = {**body.model_dump(), "pay_order_id": pay_order_id}
    return await money("cancel_deduction", body.amount, req, session[0], request)


@router.post("/refund")
async def refund(body: RefundBody, session: Session, request: Request) -> JSONResponse:
    return await money("refund", body.refund_fee, body.model_dump(), session[0], request)


@router.post("/orders/{order_id}/deliver")
async def deliver(
    order_id: str, body: DeliverBody, session: Session, request: Request
) -> JSONResponse:
    req = {**body.model_dump(), "order_id": order_id}
    return await money("deliver", 0, req, session[0], request)


@router.post("/refunds/{refund_order_id}/clawback")
async def start_clawback(
    refund_order_id: str, body: ClawbackBody, session: Session, request: Request
) -> JSONResponse:
    req = {**body.model_dump(), "refund_order_id": refund_order_id}
    return await money("clawback", 0, req, session[0], request)


@router.post("/clawbacks/{intent_id}/retry")
async def retry_clawback(intent_id: int, session: Session, request: Request) -> JSONResponse:
    """Tries again a clawback waiting for the user's login (with the stored key)."""
    op = session[0]
    srv = server(request)
    problem = store.policy_for(srv.mirror, srv.config, op.name, op.role).problem(
        "clawback", 0, spent_today=0
    )
    if problem is not None:
        return _refuse(srv, op, "retry_clawback", 0, {}, address(request), problem)
    result = await srv.run("retry_clawback", srv.desk_for(op), {"intent_id": intent_id})
    return JSONResponse({"state": result.state, "result": result_dict(result)})


@router.post("/intents/{intent_id}/abandon")
async def abandon(
    intent_id: int, body: AbandonBody, session: Session, request: Request
) -> JSONResponse:
    """Closes a pending operation that provably never reached WeChat (the engine refuses one
    that may have)."""
    op = session[0]
    allow(request, op, RESOLVERS, "abandon")
    srv = server(request)
    result = await srv.run("abandon", srv.desk_for(op), {"intent_id": intent_id, "note": body.note})
    return JSONResponse({"state": result.state, "result": result_dict(result)})


@router.post("/intents/{intent_id}/wait")
async def wait_for_refund(
    intent_id: int, body: WaitBody, session: Session, request: Request
) -> JSONResponse:
    """Asks about one refund until it ends or `timeout` seconds (at most WAIT_LIMIT: a desktop
    that waits longer asks again)."""
    op = session[0]
    allow(request, op, RESOLVERS, "wait")
    srv = server(request)
    result = await srv.desk_for(op).wait_for_refund(intent_id, timeout=body.timeout)
    srv.tell([result])
    return JSONResponse({"state": result.state, "result": result_dict(result)})


@router.post("/orders/{order_id}/refresh")
async def refresh_order(
    order_id: str, body: RefreshBody, session: Session, request: Request
) -> dict[str, Any]:
    """Asks WeChat about one order and records its answer in the mirror."""
    op = session[0]
    allow(request, op, RESOLVERS, "refresh")
    await server(request).desk_for(op).refresh_order(order_id, openid=body.openid)
    return {"order_id": order_id}


@router.post("/pending/resolve")
async def resolve(
    session: Session, request: Request, only: int | None = None
) -> list[dict[str, Any]]:
    """Settles what is open (unknown outcomes, unsent intents, refunds in flight), or only
    operation `only`, as the operator who asks: safe at any time (core.operations)."""
    op = session[0]
    allow(request, op, RESOLVERS, "resolve")
    srv = server(request)
    results = await srv.desk_for(op).resolve(only=only)
    srv.tell(results)
    return [result_dict(r) for r in results]


@router.post("/bulk")
async def bulk(body: BulkBody, session: Session, request: Request) -> JSONResponse:
    """Every bulk action waits for approval (#18): the rows of the CLI's bulk CSV become one
    request; approving it runs each row through the one money path as the operator who asked,
    each its own intent under the batch, and keeps each row's result."""
    op = session[0]
    allow(request, op, RESOLVERS, "bulk")
    srv = server(request)
    host = address(request)
    req = body.model_dump()
    plan = plan_of(req)
    policy = store.policy_for(srv.mirror, srv.config, op.name, op.role)
    problem = policy.problem(plan.action, 0, spent_today=0)
    try:
        if problem is not None:
            raise PolicyRefused(*problem)
        policy.check_bulk(plan.action, len(plan.rows), plan.total)
    except PolicyRefused as exc:
        refused = (exc.message("zh_CN"), exc.message("en"))
        return _refuse(srv, op, f"bulk_{plan.action}", plan.total, {}, host, refused)
    if plan.duplicates and not body.allow_duplicates:
        raise DuplicateRows(plan)
    req["batch_id"] = plan.batch_id
    return await _ask(srv, f"bulk_{plan.action}", plan.total, req, op, host)


# ---- four-eyes --------------------------------------------------------------------------------


@router.get("/approvals")
async def approvals(
    session: Session,
    request: Request,
    mine: bool = False,
    waiting: bool = True,
    all: bool = False,
) -> Any:
    """Requests waiting for a decision (`waiting`), or all of them; `mine`: only the caller's."""
    op = session[0]
    allow(request, op, READERS, "approvals")
    found = store.approvals(server(request).mirror, only_waiting=waiting and not all)
    if mine:
        found = [a for a in found if a["requested_by"] == op.name]
    return wire.dump([approval_of(a) for a in found])


@router.get("/approvals/thresholds")
async def thresholds(session: Session, request: Request) -> dict[str, Any]:
    """The amounts above which each action waits for approval (server.toml's [approval]); every
    bulk action waits whatever its amount. Dialogs say it before the click."""
    allow(request, session[0], READERS, "approvals")
    return {"above": dict(server(request).config.approval_above), "bulk": "always"}


async def decide(
    approval_id: str, state: str, body: DecisionBody, op: Operator, request: Request
) -> dict[str, Any]:
    srv = server(request)
    host = address(request)
    verb = "approve" if state == "approved" else "reject"
    allow(request, op, APPROVERS, verb)
    try:
        found = store.decide(srv.mirror, approval_id, by=op.name, state=state, reason=body.reason)
    except SelfApproval as exc:
        srv.audit(
            op.name,
            "refused",
            {"endpoint": verb, "approval": approval_id},
            result="refused: own request",
            host=host,
        )
        raise ApiError(403, exc.kind, exc.message_zh, exc.message_en) from None
    except OperatorError as exc:
        raise ApiError(409, exc.kind, exc.message_zh, exc.message_en) from None
    params = {
        "approval": approval_id,
        "requested_by": found["requested_by"],
        "endpoint": found["action"],
        "amount": found["amount"],
        "decision_reason": body.reason,
        **_target(found["request"]),
    }
    if state == "rejected":
        srv.audit(op.name, "reject", params, result="rejected", host=host)
        return {"state": "rejected", "approval": wire.dump(approval_of(found))}
    return await _execute(srv, found, op, params, host)


async def _execute(
    srv: Server, found: dict[str, Any], op: Operator, params: dict[str, Any], host: str
) -> dict[str, Any]:
    """The approved action, as the operator who asked (their intent; the approver in the audit
    row of the approval)."""
    requester = next(
        (o for o in store.list_operators(srv.mirror) if o.name == found["requested_by"]), None
    )
    try:
        if requester is None or requester.disabled:
            raise ApiError(
                409,
                "requester_disabled",
                "提出请求的操作员已被停用",
                "the operator who asked has been disabled",
            )
        desk = srv.desk_for(requester)
        if found["action"].startswith("bulk_"):
            report = await srv.run_bulk(desk, found["request"])
            outcome = report.as_dict()
            said = {"batch_id": report.plan.batch_id, "states": outcome["states"]}
            state = ",".join(f"{k}:{v}" for k, v in sorted(outcome["states"].items()))
            failure = None  # each row's own result says how it went
        else:
            result = await srv.run(found["action"], desk, found["request"])
            outcome = result_dict(result)
            said = {"intent_id": result.intent_id, "wechat_id": result.wechat_id}
            state = result.state
            failure = failure_of(result.state, result.errcode, result.message)
    except (ApiError, XPayDeskError) as exc:
        # refused by the checks before anything was sent: the request failed (the approver is
        # answered with the refusal itself; the requester hears the failure)
        zh, en = (
            (exc.zh, exc.en)
            if isinstance(exc, ApiError)
            else (exc.message("zh_CN"), exc.message("en"))
        )
        if isinstance(exc, OutcomeUnknownError):  # maybe done: approved, to be resolved
            store.record_result(srv.mirror, found["id"], {"error": {"zh_CN": zh, "en": en}})
        else:
            store.fail(srv.mirror, found["id"], {}, zh, en)
            said_zh = f"已批准，但执行时被拒绝（该请求记为失败，未动用任何资金）：{zh}"
            said_en = f"approved, but refused when it ran (the request failed, nothing moved): {en}"
            if isinstance(exc, ApiError):  # the approver hears the refusal as what it did
                exc.zh, exc.en = said_zh, said_en
            else:
                exc.message_zh, exc.message_en = said_zh, said_en
        srv.audit(op.name, "approve", params, result=f"failed: {zh} / {en}", host=host)
        raise
    if failure is not None:  # WeChat refused it: nothing done
        failed = store.fail(srv.mirror, found["id"], outcome, *failure)
        why = f"failed: {failure[0]} / {failure[1]}"  # both: the Audit page says its reader's
        srv.audit(op.name, "approve", {**params, **said}, result=why, host=host)
        return {"state": failed["state"], "approval": wire.dump(approval_of(failed))}
    store.record_result(srv.mirror, found["id"], outcome)
    moved = srv.desk.ops.journal.get(int(said["intent_id"])) if said.get("intent_id") else None
    if moved is not None and moved.state != outcome.get("state"):
        store.follow(srv.mirror, moved.id, moved.state)  # it ended before it was recorded
    srv.audit(op.name, "approve", {**params, **said}, result=state, host=host)
    done = store.approval(srv.mirror, found["id"])
    assert done is not None
    return {"state": "approved", "approval": wire.dump(approval_of(done))}


@router.post("/approvals/{approval_id}/approve")
async def approve(
    approval_id: str, body: DecisionBody, session: Session, request: Request
) -> dict[str, Any]:
    return await decide(approval_id, "approved", body, session[0], request)


@router.post("/approvals/{approval_id}/reject")
async def reject(
    approval_id: str, body: DecisionBody, session: Session, request: Request
) -> dict[str, Any]:
    return await decide(approval_id, "rejected", body, session[0], request)
