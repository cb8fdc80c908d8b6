"""Logins, token refresh, logout, and who the caller is (with the merchant profile's public
facts, so a desktop can show the environment and the coin rate without holding any secret)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from core.server import store
from core.server.deps import API, ApiError, Session, address, server
from core.server.store import OperatorError

router = APIRouter(prefix=API, tags=["sessions"])


class LoginBody(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    totp: str = Field(min_length=6, max_length=8)


class RefreshBody(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=256)


@router.get("/health")
async def health() -> dict[str, Any]:
    return {"ok": True}


@router.post("/login")
async def login(body: LoginBody, request: Request) -> dict[str, Any]:
    srv = server(request)
    config = srv.config
    host = address(request)
    since = srv.mirror.now() - config.login_window_seconds
    by_op, by_addr = store.failures(srv.mirror, operator=body.name, address=host, since=since)
    if by_op >= config.login_failures or by_addr >= config.login_failures_per_address:
        srv.audit(body.name, "login_throttled", {"address": host}, result="refused", host=host)
        raise ApiError(
            429,
            "throttled",
            "登录失败次数过多，请稍后再试",
            "too many failed logins: try again later",
        )
    try:
        ok = await store.verify_login(
            srv.mirror, body.name, body.password, body.totp, now=time.time()
        )
    except store.CodeAlreadyUsed as used:  # only after the password matched
        store.record_failure(srv.mirror, operator=body.name, address=host)
        srv.audit(body.name, "login_failed", {"address": host}, result="refused", host=host)
        raise ApiError(401, used.kind, used.message_zh, used.message_en) from None
    if not ok:
        store.record_failure(srv.mirror, operator=body.name, address=host)
        srv.audit(body.name, "login_failed", {"address": host}, result="refused", host=host)
        raise ApiError(
            401,
            "login_failed",
            "用户名、密码或动态码错误",
            "wrong name, password or one-time code",
        )
    tokens = store.issue(
        srv.mirror,
        body.name,
        access_seconds=config.access_seconds,
        refresh_seconds=config.refresh_seconds,
    )
    srv.audit(body.name, "login", {"address": host}, result="ok", host=host)
    return tokens.as_dict()


@router.post("/refresh")
async def refresh(body: RefreshBody, request: Request) -> dict[str, Any]:
    srv = server(request)
    try:
        tokens = store.refresh(
            srv.mirror,
            body.refresh_token,
            access_seconds=srv.config.access_seconds,
            refresh_seconds=srv.config.refresh_seconds,
        )
    except OperatorError as exc:
        raise ApiError(401, "unauthenticated", exc.message_zh, exc.message_en) from None
    return tokens.as_dict()


@router.post("/logout")
async def logout(session: Session, request: Request) -> dict[str, Any]:
    op, family = session
    srv = server(request)
    store.logout(srv.mirror, family)
    srv.audit(op.name, "logout", {}, result="ok", host=address(request))
    return {"ok": True}


@router.get("/me")
async def me(session: Session, request: Request) -> dict[str, Any]:
    """The operator and the merchant profile's public facts (never a key)."""
    op, _family = session
    profile = server(request).desk.profile
    return {
        "name": op.name,
        "role": op.role,
        "profile": {
            "name": profile.name,
            "appid": profile.appid,
            "env": int(profile.env),
            "coin_rate": profile.coin_rate,
            "offer_id": profile.offer_id,
            "simulated": profile.simulated,  # a simulator as WeChat: desktops say Demo
        },
    }
