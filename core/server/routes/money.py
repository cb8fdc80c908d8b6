"""Money actions, and the four-eyes approvals that hold the large ones. Every action passes the
policy of the caller's role (per action and per day, counted in the database); above
server.toml's [approval] amount it waits for a second finance or admin operator."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool, StrictInt

from core.errors import XPayDeskError
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
from core.server.state import Server
from core.server.store import Operator, OperatorError, SelfApproval

router = APIRouter(prefix=API, tags=["money"])


class GiftBody(BaseModel):
    openid: str = Field(min_length=1, max_length=128)
    amount: StrictInt = Field(gt=0)
    reason: str = Field(max_length=500)
    request_key: str = Field(min_length=1, max_length=128)
    allow_repeat: StrictBool = False


class DeductBody(GiftBody):
    pass


class RefundBody(BaseModel):
    order_id: str = Field(min_length=1, max_length=128)
    refund_fee: StrictInt = Field(gt=0)
    left_fee: StrictInt = Field(ge=0)
    reason: str = Field(max_length=500)
    refund_reason: str = Field(default="0", max_length=8)
    request_key: str = Field(min_length=1, max_length=128)
    clawback: StrictBool = False
    allow_repeat: StrictBool = False


class DecisionBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


def _target(req: dict[str, Any]) -> dict[str, Any]:
    return {k: req[k] for k in ("openid", "order_id") if k in req}


async def money(
    action: str, amount: int, req: dict[str, Any], op: Operator, request: Request
) -> JSONResponse:
    srv = server(request)
    config = srv.config
    host = address(request)
    spent = srv.desk.ops.journal.spent_today(op.name, action)
    # the role's limits, and the operator's own where stricter (read from the store each time)
    policy = store.policy_for(srv.mirror, config, op.name, op.role)
    problem = policy.problem(action, amount, spent_today=spent)
    if problem is not None:
        srv.audit(
            op.name,
            "refused",
            {"endpoint": action, "amount": amount, "role": op.role, **_target(req)},
            result="refused: " + problem[1],
            host=host,
        )
        return JSONResponse(error_body("forbidden", *problem), status_code=403)
    above = config.approval_above.get(action)
    if above is not None and amount > above:
        found = store.request_approval(
            srv.mirror,
            action=action,
            amount=amount,
            request=req,
            requested_by=op.name,
            ttl=config.approval_seconds,
        )
        srv.audit(
            op.name,
            "approval_requested",
            {"approval": found["id"], "endpoint": action, "amount": amount, **_target(req)},
            result="awaiting_approval",
            host=host,
        )
        return JSONResponse({"state": "awaiting_approval", "approval": found}, status_code=202)
    result = await srv.run(action, srv.desk_for(op), req)
    return JSONResponse({"state": result.state, "result": result_dict(result)})


@router.post("/gift")
async def gift(body: GiftBody, session: Session, request: Request) -> JSONResponse:
    return await money("gift", body.amount, body.model_dump(), session[0], request)


@router.post("/deduct")
async def deduct(body: DeductBody, session: Session, request: Request) -> JSONResponse:
    return await money("deduct", body.amount, body.model_dump(), session[0], request)


@router.post("/refund")
async def refund(body: RefundBody, session: Session, request: Request) -> JSONResponse:
    return await money("refund", body.refund_fee, body.model_dump(), session[0], request)


@router.post("/pending/resolve")
async def resolve(session: Session, request: Request) -> list[dict[str, Any]]:
    """Settles what is open (unknown outcomes, unsent intents, refunds in flight), as the
    operator who asks: safe at any time (core.operations)."""
    op = session[0]
    allow(request, op, RESOLVERS, "resolve")
    results = await server(request).desk_for(op).resolve()
    return [result_dict(r) for r in results]


# ---- four-eyes --------------------------------------------------------------------------------


@router.get("/approvals")
async def approvals(session: Session, request: Request, all: bool = False) -> list[dict[str, Any]]:
    allow(request, session[0], READERS, "approvals")
    return store.approvals(server(request).mirror, only_waiting=not all)


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
        return {"state": "rejected", "approval": found}
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
        result = await srv.run(found["action"], srv.desk_for(requester), found["request"])
    except (ApiError, XPayDeskError) as exc:
        zh, en = (
            (exc.zh, exc.en)
            if isinstance(exc, ApiError)
            else (exc.message("zh_CN"), exc.message("en"))
        )
        store.record_result(srv.mirror, found["id"], {"error": {"zh_CN": zh, "en": en}})
        srv.audit(op.name, "approve", params, result="failed: " + en, host=host)
        raise
    outcome = result_dict(result)
    store.record_result(srv.mirror, found["id"], outcome)
    srv.audit(
        op.name,
        "approve",
        {**params, "intent_id": result.intent_id, "wechat_id": result.wechat_id},
        result=result.state,
        host=host,
    )
    return {"state": "approved", "approval": store.approval(srv.mirror, found["id"])}


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
