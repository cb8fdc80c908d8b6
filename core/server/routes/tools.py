"""The developer's tools with the merchant's keys, which stay on the server: a pasted push
verified and decrypted (and saved), a request's signatures explained, and the connection test.
What goes back holds no key: a DecodeResult, a CallbackError's kind and detail, a
SignatureReport (the signed message and the signatures, never the AppKey or session key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from core import wire
from core.server import store
from core.server.deps import API, READERS, RESOLVERS, Session, address, allow, answer, server
from core.server.routes.pushes import PUSH_LINKS

router = APIRouter(prefix=API, tags=["tools"])
MAX_PASTE = 1 << 20  # a pasted push or request body


class PushBody(BaseModel):
    query: str = Field(max_length=8192)
    body: str = Field(max_length=MAX_PASTE)
    method: str | None = Field(default=None, max_length=8)
    encrypt_reply: bool = False
    # keys the operator pasted (they win over the profile's); never logged or repeated
    token: str | None = Field(default=None, max_length=256)
    aes_key: str | None = Field(default=None, max_length=256)
    previous_aes_key: str | None = Field(default=None, max_length=256)
    appid: str | None = Field(default=None, max_length=64)

    def __repr__(self) -> str:
        return f"PushBody(query={self.query[:60]!r}, body=<{len(self.body)} chars>)"

    def overrides(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "token": self.token,
            "aes_key": self.aes_key,
            "previous_aes_key": self.previous_aes_key,
            "appid": self.appid,
        }


class SignBody(BaseModel):
    """No key travels either way: the desktop computes what its own keys sign (a pasted AppKey,
    a session key) itself, and asks the server only for pay_sig with the merchant's AppKey."""

    uri: str = Field(max_length=2048)
    body: str = Field(max_length=MAX_PASTE)
    # True: Desk.sign (a clear error when the profile has no AppKey for its environment);
    # False: Desk.explain_signature (no pay_sig then)
    require_key: bool = False


class ConnectionBody(BaseModel):
    openid: str | None = Field(default=None, max_length=128)


@router.post("/tools/push-decoding")
async def decode_push(body: PushBody, session: Session, request: Request) -> dict[str, Any]:
    """`{"result", "error", "reply"}`: the decoded push or why it was rejected (the error's
    kind and detail: both messages are rebuilt from them), and the reply WeChat expects."""
    allow(request, session[0], RESOLVERS, "tools/push-decoding")
    result, error, reply = server(request).desk.decode_push(
        body.query, body.body, encrypt_reply=body.encrypt_reply, **body.overrides()
    )
    return {
        "result": wire.dump(result),
        "error": None
        if error is None
        else {
            "kind": error.kind,
            "detail": error.detail,
            "zh_CN": error.message("zh_CN"),
            "en": error.message("en"),
        },
        "reply": reply,
    }


@router.post("/tools/saved-pushes")
async def save_push(body: PushBody, session: Session, request: Request) -> dict[str, bool]:
    """Saves a pasted push (accepted or not) into the store as the operator; a new accepted
    one is announced to desktops like a push from WeChat."""
    op = session[0]
    allow(request, op, RESOLVERS, "tools/saved-pushes")
    srv = server(request)
    desk = srv.desk_for(op)
    added = desk.save_push(body.query, body.body, **body.overrides())
    if added:
        result, _error, _reply = desk.decode_push(body.query, body.body, **body.overrides())
        event = result.event if result is not None else None
        if event is not None:
            links = event.links
            store.add_event(
                srv.mirror,
                "push",
                {"event": event.event, **{k: str(links.get(k) or "") for k in PUSH_LINKS}},
            )
    srv.audit(
        op.name,
        "save_push",
        {"query": body.query[:200]},
        result="added" if added else "already there",
        host=address(request),
    )
    return {"added": added}


@router.post("/tools/signature")
async def signature(body: SignBody, session: Session, request: Request) -> Response:
    """pay_sig of a request with the merchant's AppKey (support, finance, admin: the key that
    signs money requests; audited). The report is the signed message, the signature and the
    warnings: core.signing.SignatureReport has no field for a key."""
    op = session[0]
    allow(request, op, RESOLVERS, "tools/signature")
    srv = server(request)
    srv.audit(op.name, "sign", {"uri": body.uri[:200]}, result="ok", host=address(request))
    if body.require_key:
        return answer(srv.desk.sign(body.uri, body.body))
    return answer(srv.desk.explain_signature(body.uri, body.body, app_key=None, session_key=None))


@router.post("/tools/connection-test")
async def connection_test(body: ConnectionBody, session: Session, request: Request) -> list[str]:
    """The server's own connection to WeChat: access_token and pay_sig, then a checksession
    of the user's stored key when an openid is given."""
    allow(request, session[0], READERS, "tools/connection-test")
    return await server(request).desk.test_connection(body.openid)
