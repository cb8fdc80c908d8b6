"""What every router of the API shares: the error answer, the operator of a live session token,
the role check (a refusal is audited), and the server's state."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core import wire
from core.mirror import audit as audit_log
from core.operations import OpResult
from core.operations.policy import PAGE_ROLES, role_refusal
from core.server import store
from core.server.store import APPROVER_ROLES, Operator, OperatorError

if TYPE_CHECKING:
    from core.server.state import Server

API = "/api/v1"
READERS = frozenset(store.ROLES)
RESOLVERS = frozenset({"support", "finance", "admin"})
APPROVERS = APPROVER_ROLES
FINANCE = PAGE_ROLES["reconciliation"]


class ApiError(Exception):
    def __init__(self, status: int, kind: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.kind, self.zh, self.en = status, kind, zh, en


def error_body(kind: str, zh: str, en: str) -> dict[str, Any]:
    return {"error": {"kind": kind, "zh_CN": zh, "en": en}}


def server(request: Request) -> Server:
    srv: Server = request.app.state.server
    return srv


def address(request: Request) -> str:
    return request.client.host if request.client else "?"


def result_dict(result: OpResult) -> dict[str, Any]:
    return dataclasses.asdict(result)


def intent_dict(intent: Any) -> dict[str, Any]:
    row = dict(intent.as_dict())
    row["params"] = audit_log.redact(row.get("params") or {})
    return row


def answer(obj: Any, *, status_code: int = 200) -> JSONResponse:
    """A desk result as JSON, by its dataclass fields (core.wire): the remote desk reads it back
    into the same type."""
    return JSONResponse(wire.dump(obj), status_code=status_code)


_bearer = HTTPBearer(auto_error=False)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def current(request: Request, credentials: Bearer) -> tuple[Operator, str]:
    """The operator of a live session token (re-read on every request: a disabled operator's
    tokens are gone, and the flag is checked too)."""
    if credentials is None:
        raise ApiError(401, "unauthenticated", "需要登录", "log in first (a bearer token)")
    try:
        return store.session_operator(server(request).mirror, credentials.credentials)
    except OperatorError as exc:
        raise ApiError(401, "unauthenticated", exc.message_zh, exc.message_en) from None


Session = Annotated[tuple[Operator, str], Depends(current)]


def allow(request: Request, op: Operator, roles: frozenset[str], what: str) -> None:
    """Refuses (403, audited) an operator whose role may not use `what`."""
    if op.role in roles:
        return
    server(request).audit(
        op.name,
        "refused",
        {"endpoint": what, "role": op.role},
        result="refused: role",
        host=address(request),
    )
    raise ApiError(403, "forbidden", *role_refusal(op.role, what))
