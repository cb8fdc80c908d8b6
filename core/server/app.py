"""The HTTP API (/api/v1/, described at /openapi.json). Every endpoint names the roles that may
call it; money actions also pass the operations policy of the calling operator's role (its per
action and per day limits, counted in the database), and amounts above server.toml's [approval]
wait for a second finance or admin operator. Refusals are audited."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, StrictBool, StrictInt

from core import validation
from core.callbacks import CallbackError, decode, expected_reply
from core.connect import callback_keys
from core.desk import Desk
from core.errors import ValidationError, XPayDeskError
from core.mirror import audit as audit_log
from core.mirror.pushes import save_push
from core.mirror.queries import OrderFilter, OrderPager, OrderSort, order_detail
from core.operations import Operations, OpResult
from core.operations.policy import PolicyRefused
from core.profiles import load_profiles
from core.secret import Secret
from core.server import store
from core.server.config import ServerConfig
from core.server.store import APPROVER_ROLES, Operator, OperatorError, SelfApproval

API = "/api/v1"
RELAY_TIMEOUT = 4.0
PUSH_LINKS = ("openid", "order_id", "wx_order_id", "refund_order_id")
EVENT_POLL_SECONDS = 0.25  # how often an events stream looks for new rows (any server process)
READERS = frozenset(store.ROLES)
RESOLVERS = frozenset({"support", "finance", "admin"})


class ApiError(Exception):
    def __init__(self, status: int, kind: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.kind, self.zh, self.en = status, kind, zh, en


def _error_body(kind: str, zh: str, en: str) -> dict[str, Any]:
    return {"error": {"kind": kind, "zh_CN": zh, "en": en}}


# ---- request bodies --------------------------------------------------------------------------


class LoginBody(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    totp: str = Field(min_length=6, max_length=8)


class RefreshBody(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=256)


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


class SessionKeyBody(BaseModel):
    openid: str = Field(min_length=1, max_length=128)
    session_key: str = Field(min_length=1, max_length=64)

    def __repr__(self) -> str:  # the key stays out of reprs (and so out of logs)
        return f"SessionKeyBody(openid={self.openid!r})"


class DecisionBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


# ---- the server's state ----------------------------------------------------------------------


class Server:
    def __init__(self, config: ServerConfig, desk: Desk) -> None:
        self.config = config
        self.desk = desk
        self.mirror = desk.mirror
        # WeChat waits 5 s for an answer: the relay gives the backend 4
        self.relay = httpx.AsyncClient(timeout=RELAY_TIMEOUT)

    def audit(
        self, operator: str, action: str, params: dict[str, Any], *, result: str, host: str = ""
    ) -> None:
        audit_log.AuditLog(
            self.mirror,
            operator=operator,
            profile=self.desk.profile.name,
            env=int(self.desk.ops.client.env),
            host=host or None,
        ).append(action, params, result=result, openid=str(params.get("openid", "")))

    def ops_for(self, name: str, role: str) -> Operations:
        base = self.desk.ops
        return Operations(
            base.client,
            base.mirror,
            appid=base.appid,
            profile=self.desk.profile.name,
            operator=name,
            policy=self.config.policy(role),
            session_keys=base.session_keys,
            locks=base.locks,
            coin_rate=base.coin_rate,
        )

    async def run(self, action: str, name: str, role: str, req: dict[str, Any]) -> OpResult:
        """The one path money moves by: checks, intent, WeChat, audit and mirror (core.operations),
        as the operator who asked."""
        ops = self.ops_for(name, role)
        if action in ("gift", "deduct"):  # the same request shape: openid, amount, reason
            coins = ops.gift if action == "gift" else ops.deduct
            return await coins(
                req["openid"],
                req["amount"],
                reason=req["reason"],
                request_key=req["request_key"],
                allow_repeat=req["allow_repeat"],
            )
        if action == "refund":
            return await ops.refund(
                req["order_id"],
                refund_fee=req["refund_fee"],
                left_fee=req["left_fee"],
                reason=req["reason"],
                request_key=req["request_key"],
                refund_reason=req["refund_reason"],
                clawback=req["clawback"],
                allow_repeat=req["allow_repeat"],
            )
        raise ApiError(400, "unknown_action", f"未知操作 {action}", f"unknown action {action}")


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _result(result: OpResult) -> dict[str, Any]:
    return dataclasses.asdict(result)


def _intent_dict(intent: Any) -> dict[str, Any]:
    row = dict(intent.as_dict())
    row["params"] = audit_log.redact(row.get("params") or {})
    return row


_bearer = HTTPBearer(auto_error=False)


async def current(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> tuple[Operator, str]:
    """The operator of a live session token (re-read on every request: a disabled operator's
    tokens are gone, and the flag is checked too)."""
    if credentials is None:
        raise ApiError(401, "unauthenticated", "需要登录", "log in first (a bearer token)")
    srv: Server = request.app.state.server
    try:
        return store.session_operator(srv.mirror, credentials.credentials)
    except OperatorError as exc:
        raise ApiError(401, "unauthenticated", exc.message_zh, exc.message_en) from None


Session = Annotated[tuple[Operator, str], Depends(current)]


# Every endpoint and dependency is a coroutine: FastAPI runs plain functions in a thread pool,
# and the store's one connection must not be shared by threads (a transaction of one request
# would join another's). Store calls take a few milliseconds; argon2 a few tens.
def create_app(config: ServerConfig, *, on_ready: Callable[[], None] | None = None) -> FastAPI:
    holder: dict[str, Server] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        profile = load_profiles(config.profiles).get(config.profile)
        desk = Desk(profile)
        store.create_tables(desk.mirror)
        holder["server"] = _app.state.server = Server(config, desk)
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            srv = holder.pop("server")
            await srv.relay.aclose()
            await desk.close()

    app = FastAPI(
        title="XPay Desk team server",
        version="1",
        lifespan=lifespan,
        description="One server for a merchant's team: the merchant's secrets stay here.",
    )

    def server() -> Server:
        return holder["server"]

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_error_body(exc.kind, exc.zh, exc.en), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """Which fields are wrong and why, never what was sent (it may be a password or a key:
        FastAPI's default answer repeats the input)."""
        fields = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        where = ", ".join(".".join(f["loc"][1:] or f["loc"]) for f in fields)
        body = _error_body("validation", f"请求无效：{where}", f"invalid request: {where}")
        body["error"]["fields"] = fields
        return JSONResponse(body, status_code=422)

    @app.exception_handler(XPayDeskError)
    async def desk_error(_request: Request, exc: XPayDeskError) -> JSONResponse:
        status = (
            403
            if isinstance(exc, PolicyRefused)
            else 422
            if isinstance(exc, ValidationError)
            else 409
        )
        return JSONResponse(
            _error_body(exc.kind, exc.message("zh_CN"), exc.message("en")), status_code=status
        )

    def allow(op: Operator, roles: frozenset[str], what: str, request: Request) -> None:
        if op.role in roles:
            return
        server().audit(
            op.name,
            "refused",
            {"endpoint": what, "role": op.role},
            result="refused: role",
            host=_address(request),
        )
        raise ApiError(
            403,
            "forbidden",
            f"角色 {op.role} 不能使用 {what}",
            f"the {op.role} role may not use {what}",
        )

    # ---- sessions -----------------------------------------------------------------------------

    @app.get(f"{API}/health")
    async def health() -> dict[str, Any]:
        return {"ok": True}

    @app.post(f"{API}/login")
    async def login(body: LoginBody, request: Request) -> dict[str, Any]:
        srv = server()
        address = _address(request)
        since = srv.mirror.now() - config.login_window_seconds
        by_op, by_addr = store.failures(
            srv.mirror, operator=body.name, address=address, since=since
        )
        if by_op >= config.login_failures or by_addr >= config.login_failures_per_address:
            srv.audit(
                body.name, "login_throttled", {"address": address}, result="refused", host=address
            )
            raise ApiError(
                429,
                "throttled",
                "登录失败次数过多，请稍后再试",
                "too many failed logins: try again later",
            )
        if not await store.verify_login(
            srv.mirror, body.name, body.password, body.totp, now=time.time()
        ):
            store.record_failure(srv.mirror, operator=body.name, address=address)
            srv.audit(
                body.name, "login_failed", {"address": address}, result="refused", host=address
            )
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
        srv.audit(body.name, "login", {"address": address}, result="ok", host=address)
        return tokens.as_dict()

    @app.post(f"{API}/refresh")
    async def refresh(body: RefreshBody) -> dict[str, Any]:
        try:
            tokens = store.refresh(
                server().mirror,
                body.refresh_token,
                access_seconds=config.access_seconds,
                refresh_seconds=config.refresh_seconds,
            )
        except OperatorError as exc:
            raise ApiError(401, "unauthenticated", exc.message_zh, exc.message_en) from None
        return tokens.as_dict()

    @app.post(f"{API}/logout")
    async def logout(session: Session, request: Request) -> dict[str, Any]:
        op, family = session
        store.logout(server().mirror, family)
        server().audit(op.name, "logout", {}, result="ok", host=_address(request))
        return {"ok": True}

    @app.get(f"{API}/me")
    async def me(session: Session) -> dict[str, Any]:
        op, _family = session
        return {"name": op.name, "role": op.role}

    # ---- reads --------------------------------------------------------------------------------

    @app.get(f"{API}/users/{{openid}}")
    async def user(openid: str, session: Session, request: Request, live: bool = True) -> Any:
        allow(session[0], READERS, "users", request)
        view = await server().desk.lookup_user(openid, live=live)
        return {
            "openid": view.openid,
            "balance": None if view.balance is None else dataclasses.asdict(view.balance),
            "balance_error": view.balance_error,
            "session": view.session,
            "timeline": [dataclasses.asdict(e) for e in view.timeline],
            "known": view.known,
        }

    @app.get(f"{API}/orders")
    async def orders(
        session: Session,
        request: Request,
        openid: str | None = None,
        kind: str | None = None,
        status: int | None = None,
        start: int = 0,
        count: int = 50,
    ) -> dict[str, Any]:
        allow(session[0], READERS, "orders", request)
        if start < 0 or not 0 < count <= 500:
            raise ApiError(
                422, "validation", "start ≥ 0，count 在 1–500", "start >= 0 and count in 1..500"
            )
        filt = OrderFilter(statuses=() if status is None else (status,), kind=kind, openid=openid)
        pager = OrderPager(server().mirror, filt, OrderSort())
        return {"total": pager.total, "start": start, "rows": pager.rows(start, count)}

    @app.get(f"{API}/orders/{{order_id}}")
    async def order(order_id: str, session: Session, request: Request) -> Any:
        allow(session[0], READERS, "orders", request)
        detail = order_detail(server().mirror, order_id)
        if detail is None:
            raise ApiError(404, "not_found", f"没有订单 {order_id}", f"no order {order_id}")
        return detail

    @app.get(f"{API}/pending")
    async def pending(session: Session, request: Request) -> list[dict[str, Any]]:
        allow(session[0], READERS, "pending", request)
        return [_intent_dict(i) for i in server().desk.pending()]

    @app.get(f"{API}/search")
    async def search(term: str, session: Session, request: Request) -> list[dict[str, Any]]:
        allow(session[0], READERS, "search", request)
        return [dataclasses.asdict(hit) for hit in server().desk.search(term)]

    @app.post(f"{API}/pending/resolve")
    async def resolve(session: Session, request: Request) -> list[dict[str, Any]]:
        """Settles what is open (unknown outcomes, unsent intents, refunds in flight), as the
        operator who asks: safe at any time (core.operations)."""
        op = session[0]
        allow(op, RESOLVERS, "resolve", request)
        results = await server().ops_for(op.name, op.role).resolve(force=True)
        return [_result(r) for r in results]

    # ---- money --------------------------------------------------------------------------------

    async def money(
        action: str, amount: int, req: dict[str, Any], op: Operator, request: Request
    ) -> JSONResponse:
        srv = server()
        address = _address(request)
        spent = srv.desk.ops.journal.spent_today(op.name, action)
        problem = config.policy(op.role).problem(action, amount, spent_today=spent)
        if problem is not None:
            srv.audit(
                op.name,
                "refused",
                {"endpoint": action, "amount": amount, "role": op.role, **_target(req)},
                result="refused: " + problem[1],
                host=address,
            )
            return JSONResponse(_error_body("forbidden", *problem), status_code=403)
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
                host=address,
            )
            return JSONResponse({"state": "awaiting_approval", "approval": found}, status_code=202)
        result = await srv.run(action, op.name, op.role, req)
        return JSONResponse({"state": result.state, "result": _result(result)})

    @app.post(f"{API}/gift")
    async def gift(body: GiftBody, session: Session, request: Request) -> JSONResponse:
        return await money("gift", body.amount, body.model_dump(), session[0], request)

    @app.post(f"{API}/deduct")
    async def deduct(body: DeductBody, session: Session, request: Request) -> JSONResponse:
        return await money("deduct", body.amount, body.model_dump(), session[0], request)

    @app.post(f"{API}/refund")
    async def refund(body: RefundBody, session: Session, request: Request) -> JSONResponse:
        return await money("refund", body.refund_fee, body.model_dump(), session[0], request)

    # ---- four-eyes ----------------------------------------------------------------------------

    @app.get(f"{API}/approvals")
    async def approvals(
        session: Session, request: Request, all: bool = False
    ) -> list[dict[str, Any]]:
        allow(session[0], READERS, "approvals", request)
        return store.approvals(server().mirror, only_waiting=not all)

    async def decide(
        approval_id: str, state: str, body: DecisionBody, op: Operator, request: Request
    ) -> dict[str, Any]:
        srv = server()
        address = _address(request)
        verb = "approve" if state == "approved" else "reject"
        allow(op, APPROVER_ROLES, verb, request)
        try:
            found = store.decide(
                srv.mirror, approval_id, by=op.name, state=state, reason=body.reason
            )
        except SelfApproval as exc:
            srv.audit(
                op.name,
                "refused",
                {"endpoint": verb, "approval": approval_id},
                result="refused: own request",
                host=address,
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
            srv.audit(op.name, "reject", params, result="rejected", host=address)
            return {"state": "rejected", "approval": found}
        return await _execute(srv, found, op, params, address)

    async def _execute(
        srv: Server, found: dict[str, Any], op: Operator, params: dict[str, Any], address: str
    ) -> dict[str, Any]:
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
            result = await srv.run(
                found["action"], requester.name, requester.role, found["request"]
            )
        except (ApiError, XPayDeskError) as exc:
            zh, en = (
                (exc.zh, exc.en)
                if isinstance(exc, ApiError)
                else (exc.message("zh_CN"), exc.message("en"))
            )
            store.record_result(srv.mirror, found["id"], {"error": {"zh_CN": zh, "en": en}})
            srv.audit(op.name, "approve", params, result="failed: " + en, host=address)
            raise
        outcome = _result(result)
        store.record_result(srv.mirror, found["id"], outcome)
        srv.audit(
            op.name,
            "approve",
            {**params, "intent_id": result.intent_id, "wechat_id": result.wechat_id},
            result=result.state,
            host=address,
        )
        return {"state": "approved", "approval": store.approval(srv.mirror, found["id"])}

    @app.post(f"{API}/approvals/{{approval_id}}/approve")
    async def approve(
        approval_id: str, body: DecisionBody, session: Session, request: Request
    ) -> dict[str, Any]:
        return await decide(approval_id, "approved", body, session[0], request)

    @app.post(f"{API}/approvals/{{approval_id}}/reject")
    async def reject(
        approval_id: str, body: DecisionBody, session: Session, request: Request
    ) -> dict[str, Any]:
        return await decide(approval_id, "rejected", body, session[0], request)

    # ---- the merchant's backend -----------------------------------------------------------------

    @app.post("/backend/v1/session-key")
    async def session_key(
        body: SessionKeyBody,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> dict[str, Any]:
        """The merchant's backend posts `openid, session_key` at each wx.login (its own token,
        not an operator's). The key is stored encrypted (the mirror's vault) and never returned;
        a clawback waiting for this user's login runs now."""
        srv = server()
        name = (
            None if credentials is None else store.backend_name(srv.mirror, credentials.credentials)
        )
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
        ops = srv.ops_for(f"backend:{name}", "finance")
        results: list[dict[str, Any]] = []
        for intent in waiting:  # with this key (resolve would wait for a key newer by the second)
            try:
                result = await ops.retry_clawback(intent.id, session_key=Secret(body.session_key))
            except XPayDeskError as exc:
                results.append(
                    {"intent_id": intent.id, "state": intent.state, "error": exc.message("en")}
                )
            else:
                results.append(_result(result))
        return {"stored": stored, "clawbacks": results}

    # ---- WeChat's pushes, and events for desktops -----------------------------------------------

    @app.api_route("/wechat/push", methods=["GET", "POST"], include_in_schema=False)
    async def wechat_push(request: Request) -> Response:
        """WeChat's push URL: verified and decrypted with core.callbacks, stored once (WeChat
        retries the same push: its dedupe key makes the second a no-op), applied to the mirror,
        answered at once with the acknowledgement WeChat expects."""
        srv = server()
        query = request.url.query
        body = (await request.body()).decode("utf-8", errors="replace")
        keys = callback_keys(srv.desk.profile)
        try:
            result = decode(query, body, keys=keys, method=request.method)
        except CallbackError as exc:
            if request.method == "POST":
                save_push(srv.mirror, query=query, body=body, result=None, error=exc)
            return PlainTextResponse(f"rejected: {exc.kind}", status_code=400)
        if result.echo is None:
            added = save_push(srv.mirror, query=query, body=body, result=result)
            event = result.event
            if added and event is not None:
                links = event.links
                store.add_event(
                    srv.mirror,
                    "push",
                    {
                        "event": event.event,
                        **{k: str(links.get(k) or "") for k in PUSH_LINKS},
                    },
                )
            if added and event is not None and event.event == "xpay_refund_notify":
                srv.desk.ops.refund_push_arrived(str(event.links.get("refund_order_id") or ""))
        if result.echo is None and config.relay_url:
            return await _relay(srv, request, query, body)
        media = "text/xml" if result.format == "xml" else "application/json"
        if result.echo is not None:
            media = "text/plain"
        return Response(expected_reply(result, keys=keys), media_type=media)

    async def _relay(srv: Server, request: Request, query: str, body: str) -> Response:
        """The verified push, verbatim (same query and body), to the merchant's backend; its
        answer goes back to WeChat. A failure is audited and answered 502, so WeChat retries
        (the retry is stored once and relayed again)."""
        headers = {"Content-Type": request.headers.get("content-type", "application/json")}
        url = f"{config.relay_url}?{query}" if query else config.relay_url
        try:
            answer = await srv.relay.post(url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            problem = type(exc).__name__
        else:
            if answer.status_code < 500:
                return Response(
                    answer.content,
                    status_code=answer.status_code,
                    media_type=answer.headers.get("content-type"),
                )
            problem = f"HTTP {answer.status_code}"
        srv.audit("relay", "relay_failed", {"problem": problem}, result="failed")
        return PlainTextResponse(f"relay failed: {problem}", status_code=502)

    @app.get(f"{API}/events")
    async def events(
        session: Session,
        request: Request,
        after: int | None = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        """Server-sent events: each push as it is stored (`push`) and each approval request and
        decision (`approval`), numbered in order. A desktop that reconnects sends Last-Event-ID
        (or ?after=) and first gets what it missed."""
        allow(session[0], READERS, "events", request)
        srv = server()
        start = after
        if last_event_id is not None and last_event_id.strip().isdigit():
            start = int(last_event_id.strip())
        if start is None:  # a first connection: from now on
            start = store.last_event(srv.mirror)

        async def stream() -> AsyncIterator[str]:
            seen = start
            quiet = 0.0
            while not await request.is_disconnected():
                rows = store.events_after(srv.mirror, seen)
                for event_id, kind, data in rows:
                    seen = event_id
                    yield f"id: {event_id}\nevent: {kind}\ndata: {data}\n\n"
                if rows:
                    quiet = 0.0
                    continue
                if quiet >= 15:
                    yield ": keep-alive\n\n"
                    quiet = 0.0
                await asyncio.sleep(EVENT_POLL_SECONDS)
                quiet += EVENT_POLL_SECONDS

        return StreamingResponse(stream(), media_type="text/event-stream")

    # ---- audit --------------------------------------------------------------------------------

    @app.get(f"{API}/audit")
    async def audit(
        session: Session,
        request: Request,
        action: str | None = None,
        openid: str | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        allow(session[0], APPROVER_ROLES, "audit", request)
        return server().desk.audit_rows(
            openid=openid, action=action, limit=max(1, min(limit, 5000))
        )

    return app


def _target(req: dict[str, Any]) -> dict[str, Any]:
    return {k: req[k] for k in ("openid", "order_id") if k in req}
