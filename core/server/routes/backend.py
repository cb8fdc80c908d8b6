"""The merchant's backend posts each user's session_key at wx.login, with its own token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from core import validation
from core.errors import XPayDeskError
from core.secret import Secret
from core.server import store
from core.server.deps import ApiError, Bearer, result_dict, server

router = APIRouter(prefix="/backend/v1", tags=["backend"])


class SessionKeyBody(BaseModel):
    openid: str = Field(min_length=1, max_length=128)
    session_key: str = Field(min_length=1, max_length=64)

    def __repr__(self) -> str:  # the key stays out of reprs (and so out of logs)
        return f"SessionKeyBody(openid={self.openid!r})"


@router.post("/session-key")
async def session_key(
    body: SessionKeyBody, request: Request, credentials: Bearer
) -> dict[str, Any]:
    """The merchant's backend posts `openid, session_key` at each wx.login (its own token,
    not an operator's). The key is stored encrypted (the mirror's vault) and never returned;
    a clawback waiting for this user's login runs now."""
    srv = server(request)
    name = None if credentials is None else store.backend_name(srv.mirror, credentials.credentials)
    if name is None:
        raise ApiError(
            401, "unauthenticated", "需要有效的后端令牌", "a valid backend token is required"
        )
    validation.openid(body.openid)
    validation.session_key(body.session_key)
    stored = srv.desk.vault.store(
        body.openid, Secret(body.session_key), obtained_at=srv.mirror.now(), source="backend"
    )
    waiting = [
        i
        for i in srv.desk.pending()
        if i.openid == body.openid and i.action == "clawback" and i.state == "needs_login"
    ]
    ops = srv.desk_named(f"backend:{name}", "finance").ops
    results: list[dict[str, Any]] = []
    for intent in waiting:  # with this key (resolve would wait for a key newer by the second)
        try:
            result = await ops.retry_clawback(intent.id, session_key=Secret(body.session_key))
        except XPayDeskError as exc:
            results.append(
                {"intent_id": intent.id, "state": intent.state, "error": exc.message("en")}
            )
        else:
            results.append(result_dict(result))
    return {"stored": stored, "clawbacks": results}
