"""WeChat's push URL (verified, stored once, relayed), and the event stream desktops follow."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
from fastapi import APIRouter, Header, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from core.callbacks import CallbackError, decode, expected_reply
from core.connect import callback_keys
from core.mirror.pushes import save_push
from core.server import store
from core.server.deps import API, READERS, Bearer, Session, allow, server
from core.server.state import Server
from core.server.store import OperatorError

router = APIRouter()
PUSH_LINKS = ("openid", "order_id", "wx_order_id", "refund_order_id")
SESSION_CHECK_SECONDS = 5.0  # how often an open stream checks that its session still lives
EVENT_POLL_SECONDS = 0.25  # how often an events stream looks for new rows (any server process)


@router.api_route("/wechat/push", methods=["GET", "POST"], include_in_schema=False)
async def wechat_push(request: Request) -> Response:
    """WeChat's push URL: verified and decrypted with core.callbacks, stored once (WeChat
    retries the same push: its dedupe key makes the second a no-op), applied to the mirror,
    answered at once with the acknowledgement WeChat expects."""
    srv = server(request)
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
                {"event": event.event, **{k: str(links.get(k) or "") for k in PUSH_LINKS}},
            )
        refund_order_id = str(event.links.get("refund_order_id") or "") if event else ""
        if (
            added
            and event is not None
            and event.event == "xpay_refund_notify"
            and srv.desk.ops.refund_push_arrived(refund_order_id)
        ):
            srv.desk._wake_tracker()  # asked about now, not at the tracker's next round
    if result.echo is None and srv.config.relay_url:
        return await _relay(srv, request, query, body)
    media = "text/xml" if result.format == "xml" else "application/json"
    if result.echo is not None:
        media = "text/plain"
    return Response(expected_reply(result, keys=keys), media_type=media)


async def _relay(srv: Server, request: Request, query: str, body: str) -> Response:
    """The verified push, verbatim (same query and body), to the merchant's backend; its
    answer goes back to WeChat. A failure is audited and answered 502, so WeChat retries
    (the retry is stored once and relayed again)."""
    relay_url = srv.config.relay_url
    headers = {"Content-Type": request.headers.get("content-type", "application/json")}
    url = f"{relay_url}?{query}" if query else relay_url
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
    # both languages: the Audit page and the CSV say their reader's half
    said = f"商户后台没有正常应答（{problem}） / the merchant backend did not answer ({problem})"
    srv.audit("relay", "relay_failed", {"problem": said}, result="failed")
    return PlainTextResponse(f"relay failed: {problem}", status_code=502)


@router.get(f"{API}/events")
async def events(
    session: Session,
    request: Request,
    credentials: Bearer,
    after: int | None = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events: each push as it is stored (`push`), each approval request and
    decision (`approval`), refunds and clawbacks as they move, numbered in order. A desktop
    that reconnects sends Last-Event-ID (or ?after=) and first gets what it missed."""
    allow(request, session[0], READERS, "events")
    srv = server(request)
    start = after
    if last_event_id is not None and last_event_id.strip().isdigit():
        start = int(last_event_id.strip())
    if start is None:  # a first connection: from now on
        start = store.last_event(srv.mirror)

    stopping = request.app.state.stopping  # the server is stopping: the stream ends

    token = credentials.credentials if credentials is not None else ""

    def session_alive() -> bool:
        try:
            store.session_operator(srv.mirror, token)
        except OperatorError:
            return False
        return True

    async def stream() -> AsyncIterator[str]:
        seen = start
        quiet = 0.0
        checked = time.monotonic()
        while not stopping.is_set() and not await request.is_disconnected():
            # a disabled operator's (or an expired token's) stream ends within seconds: the
            # desktop reconnects, is refused, and says the session has ended
            if time.monotonic() - checked >= SESSION_CHECK_SECONDS:
                checked = time.monotonic()
                if not session_alive():
                    yield 'event: session\ndata: {"ended": true}\n\n'
                    return
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
