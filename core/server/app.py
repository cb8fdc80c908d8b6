"""The HTTP API (/api/v1/, described at /openapi.json): one router per part of the desk
(core.server.routes). Every endpoint names the roles that may call it; writes run through the
desk acting as the calling operator (their intents, audit rows and limits); refusals are
audited."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from core.desk import Desk
from core.errors import ValidationError, XPayDeskError, XPayError
from core.operations import OpResult
from core.operations.policy import PolicyRefused
from core.operations.tracker import RefundTracker
from core.profiles import load_profiles
from core.server import store
from core.server.config import ServerConfig
from core.server.deps import ApiError, error_body
from core.server.routes import (
    backend,
    complaints,
    jobs,
    money,
    orders_extra,
    pushes,
    reads,
    sessions,
    tools,
)
from core.server.state import Server

GC_GEN0_THRESHOLD = 20_000  # allocations between young collections (CPython: 700)

ROUTERS = (
    sessions.router,
    reads.router,
    money.router,
    backend.router,
    pushes.router,
    jobs.router,
    complaints.router,
    tools.router,
    orders_extra.router,
)


def follow_refunds(srv: Server) -> RefundTracker:
    """The server follows refunds itself (one tracker per server process, in its own thread):
    each refund in flight is asked about until it ends and its coin clawback runs at once, with
    no desktop open. Two processes on one store never double a clawback: the engine's locks are
    in the store. What a round changed comes back to this loop as events for desktops."""
    loop = asyncio.get_running_loop()

    def moved(results: list[OpResult]) -> None:  # the tracker's thread
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server is stopping
            loop.call_soon_threadsafe(srv.tell, results)

    desk = srv.desk
    desk.tracker = RefundTracker(desk.profile, on_change=desk.changed, on_results=moved)
    desk.tracker.start()
    return desk.tracker


# Every endpoint and dependency is a coroutine: FastAPI runs plain functions in a thread pool,
# and the store's one connection must not be shared by threads (a transaction of one request
# would join another's). Store calls take a few milliseconds; argon2 a few tens.
def settle_heap() -> None:
    """What the server holds for its life (FastAPI's routes and models, the imported core) is
    moved out of the collector's reach, and young collections run less often: a full collection
    over that heap paused every request in flight for tens of milliseconds, the tail of the
    lookups' latency. Objects that die later are still freed by reference counting."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])


def create_app(config: ServerConfig, *, on_ready: Callable[[], None] | None = None) -> FastAPI:
    # set when the server is told to stop: open event streams end at once (cli.serve)
    stopping = threading.Event()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        profile = load_profiles(config.profiles).get(config.profile)
        desk = Desk(profile)
        store.create_tables(desk.mirror)
        srv = app.state.server = Server(config, desk)
        follow_refunds(srv)
        settle_heap()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await srv.relay.aclose()
            await desk.close()  # stops the tracker (its round in progress finishes first)

    app = FastAPI(
        title="XPay Desk team server",
        version="1",
        lifespan=lifespan,
        description="One server for a merchant's team: the merchant's secrets stay here.",
    )
    app.state.stopping = stopping
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.kind, exc.zh, exc.en), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """Which fields are wrong and why, never what was sent (it may be a password or a key:
        FastAPI's default answer repeats the input)."""
        fields = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        where = ", ".join(".".join(f["loc"][1:] or f["loc"]) for f in fields)
        body = error_body("validation", f"请求无效：{where}", f"invalid request: {where}")
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
        body = error_body(exc.kind, exc.message("zh_CN"), exc.message("en"))
        if isinstance(exc, XPayError):  # WeChat's refusal: its errcode, as a solo desk says it
            body["error"]["errcode"] = exc.errcode
        return JSONResponse(body, status_code=status)

    return app
