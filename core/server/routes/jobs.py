"""Long jobs: imports (the desktop uploads the file, the server runs the same importer into its
store), reconciliation and its drill-downs, and report exports rendered here and sent back."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import secrets
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.requests import ClientDisconnect

from core import wire
from core.errors import XPayDeskError
from core.mirror.importing import ImportReport
from core.reconcile import Period
from core.server.deps import (
    API,
    FINANCE,
    RESOLVERS,
    ApiError,
    Session,
    address,
    allow,
    answer,
    server,
)
from core.server.store import Operator

router = APIRouter(prefix=API, tags=["jobs"])
log = logging.getLogger(__name__)

IMPORT_ROLES = {
    "orders": FINANCE,
    "bill": FINANCE,
    "pushes": RESOLVERS,
    "session-keys": RESOLVERS,
    "session_keys": RESOLVERS,
}
ROWS_EVERY = 0.1  # seconds between two row counts sent to the desktop
ALIVE_EVERY = 0.25  # a line at least this often, so the desktop can ask to cancel promptly
_running: dict[str, tuple[str, threading.Event]] = {}  # job id -> (operator, cancel)


def upload_limit(request: Request) -> int:
    return server(request).config.upload_limit


def file_name(name: str, default: str) -> str:
    """The last part of a desktop's path, as a plain file name in a folder of the server's
    own (never `..`, a separator or a control character)."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    last = "".join(ch for ch in last if ch.isprintable())[:200]
    return default if last in ("", ".", "..") else last


def _too_large(limit: int) -> ApiError:
    mb = limit / 1024 / 1024
    return ApiError(
        413,
        "too_large",
        f"文件超过服务器的上传上限 {mb:,.0f} MB，未导入任何数据",
        f"the file is over the server's upload limit of {mb:,.0f} MB; nothing was imported",
    )


async def _receive(request: Request, target: Path, limit: int) -> int:
    """The request body into `target`, at most `limit` bytes. A desktop that stops sending (a
    cancelled upload, a lost connection) leaves nothing: the caller removes the folder."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    size = 0
    try:
        with target.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                out.write(chunk)
    except ClientDisconnect:
        raise ApiError(
            400,
            "upload_incomplete",
            "上传未完成（已取消或连接中断），未导入任何数据",
            "the upload did not finish (cancelled or cut off); nothing was imported",
        ) from None
    except OSError as exc:
        raise ApiError(
            507,
            "no_space",
            f"服务器无法保存上传的文件：{exc.strerror}",
            f"the server cannot keep the uploaded file: {exc.strerror}",
        ) from None
    return size


def _line(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode() + b"\n"


def _as_named(text: str, spooled: Path, name: str) -> str:
    """Messages name the desktop's file, not the server's copy."""
    return text.replace(str(spooled), name)


def _admit(request: Request, op: Operator, kind: str) -> None:
    if kind not in IMPORT_ROLES:
        raise ApiError(
            422,
            "validation",
            f"未知的导入类型 {kind}（orders、bill、pushes、session-keys）",
            f"unknown import kind {kind} (orders, bill, pushes, session-keys)",
        )
    allow(request, op, IMPORT_ROLES[kind], f"imports/{kind}")


@router.get("/imports/{kind}/admission")
async def admission(kind: str, size: int, session: Session, request: Request) -> dict[str, int]:
    """Asked before an upload: may this operator import this kind, and is a file of `size`
    bytes within the limit? (A refusal then costs no upload.)"""
    _admit(request, session[0], kind)
    limit = upload_limit(request)
    if size > limit:
        raise _too_large(limit)
    return {"limit": limit}


@router.post("/imports/{kind}")
async def import_file(
    kind: str,
    session: Session,
    request: Request,
    name: str = "upload",
    strict: bool = False,
) -> StreamingResponse:
    """The desktop streams the file as the body (`name`: its path there, for messages and the
    report). The answer is JSON lines: `{"job"}` first, `{"rows": [phase, done, total]}` as the
    importer goes, then `{"report"}` or `{"error"}`. The importer writes nothing unless it ends
    well (cancelled, refused or cut off: nothing half-written)."""
    op = session[0]
    _admit(request, op, kind)
    srv = server(request)
    folder = Path(tempfile.mkdtemp(prefix="xpaydesk-upload-"))
    # the desktop's file name, so the importer sees the same suffix (.csv, .jsonl, .gz, .zip)
    spooled = folder / file_name(name, "upload")
    try:
        size = await _receive(request, spooled, upload_limit(request))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    job = secrets.token_hex(8)
    cancel = threading.Event()
    _running[job] = (op.name, cancel)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, int, int]] = asyncio.Queue()
    last = [0.0]

    def rows(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= ROWS_EVERY:
            last[0] = now
            loop.call_soon_threadsafe(queue.put_nowait, (phase, done, total))

    task = asyncio.ensure_future(
        srv.desk.import_file(kind, spooled, cancel=cancel, rows=rows, strict=strict)
    )
    host = address(request)

    def finished(done: asyncio.Future[ImportReport]) -> None:
        _running.pop(job, None)
        shutil.rmtree(folder, ignore_errors=True)
        params: dict[str, Any] = {"kind": kind, "file": name, "bytes": size}
        if done.cancelled():
            outcome = "cancelled"
        elif done.exception() is not None:
            exc = done.exception()
            # said in both languages (the Audit page and the CSV show their reader's half)
            outcome = (
                f"failed: {exc.message('zh_CN')} / {exc.message('en')}"
                if isinstance(exc, XPayDeskError)
                else "failed: 导入出错（详见服务器日志） / the import failed (see the server log)"
            )
        else:
            report = done.result()
            params.update(
                added=report.added,
                updated=report.updated,
                unchanged=report.unchanged,
                rejected=report.rejected_total,
            )
            outcome = "ok"
        srv.audit(op.name, "import", params, result=outcome, host=host)

    task.add_done_callback(finished)

    async def lines() -> AsyncIterator[bytes]:
        try:
            yield _line({"job": job})
            while not task.done():
                try:
                    phase, done, total = await asyncio.wait_for(queue.get(), ALIVE_EVERY)
                except TimeoutError:
                    yield _line({})
                    continue
                yield _line({"rows": [phase, done, total]})
            yield _line(_outcome(task, spooled, name))
        finally:
            cancel.set()  # the desktop went away: the importer stops and writes nothing

    return StreamingResponse(lines(), media_type="application/x-ndjson")


def _outcome(task: asyncio.Future[ImportReport], spooled: Path, name: str) -> dict[str, Any]:
    exc = task.exception()
    if exc is None:
        report = task.result()
        report.path = name
        return {"report": wire.dump(report)}
    if isinstance(exc, XPayDeskError):
        zh = _as_named(exc.message("zh_CN"), spooled, name)
        en = _as_named(exc.message("en"), spooled, name)
        return {"error": {"kind": exc.kind, "zh_CN": zh, "en": en}}
    log.error("import failed", exc_info=exc)
    return {
        "error": {
            "kind": "internal",
            "zh_CN": "服务器导入时出错，未写入任何数据",
            "en": "the server failed during the import; nothing was written",
        }
    }


@router.delete("/imports/{job}")
async def cancel_import(job: str, session: Session, request: Request) -> dict[str, bool]:
    """Stops a running import (its operator, or an admin): it writes nothing, and its stream
    ends with the `cancelled` error, unless it had already finished."""
    op: Operator = session[0]
    running = _running.get(job)
    if running is None or (running[0] != op.name and op.role != "admin"):
        raise ApiError(404, "not_found", "没有这个导入任务", "no such import job")
    running[1].set()
    return {"cancelling": True}


# ---- reconciliation and reports ------------------------------------------------------------


def _period(start: str, end: str) -> Period:
    try:
        period = Period(date.fromisoformat(start), date.fromisoformat(end))
    except ValueError:
        raise ApiError(
            422,
            "validation",
            "期间应为 YYYY-MM-DD 日期",
            "the period's days must be YYYY-MM-DD dates",
        ) from None
    if period.end < period.start:
        raise ApiError(422, "validation", "期间的结束早于开始", "the period ends before it starts")
    return period


@router.get("/reconciliation")
async def reconcile(
    start: str,
    end: str,
    session: Session,
    request: Request,
    delivery_delay: int | None = None,
    detail: bool = True,
) -> Response:
    allow(request, session[0], FINANCE, "reconciliation")
    view = await server(request).desk.reconcile(
        _period(start, end), delivery_delay=delivery_delay, detail=detail
    )
    return answer(view)


@router.get("/reconciliation/{what}")
async def drill(
    what: str,
    start: str,
    end: str,
    session: Session,
    request: Request,
    day: str | None = None,
) -> Response:
    allow(request, session[0], FINANCE, "reconciliation")
    if what not in ("orders", "refunds", "ledger"):
        raise ApiError(
            404, "not_found", f"没有明细 {what}", f"no detail {what} (orders, refunds, ledger)"
        )
    rows = await server(request).desk.drill(_period(start, end), what, day)
    return answer(rows)


@router.get("/reports")
async def export_report(
    start: str,
    end: str,
    session: Session,
    request: Request,
    lang: str = "zh_CN",
    fmt: str = "xlsx",
    name: str = "report",
    delivery_delay: int | None = None,
) -> Response:
    """The report rendered here (xlsx, json, or csv: one file per section), as a zip of the
    files Desk.export_report writes for a file called `name`; the desktop unpacks it."""
    allow(request, session[0], FINANCE, "reports")
    if fmt not in ("xlsx", "json", "csv"):
        raise ApiError(422, "validation", "格式应为 xlsx、json 或 csv", "fmt: xlsx, json or csv")
    period = _period(start, end)
    folder = Path(tempfile.mkdtemp(prefix="xpaydesk-report-"))
    try:
        target = folder / file_name(name, "report")
        written = await server(request).desk.export_report(
            period, target, lang=lang, fmt=fmt, delivery_delay=delivery_delay
        )
        data = await asyncio.to_thread(_zipped, written)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    server(request).audit(
        session[0].name,
        "export_report",
        {"start": start, "end": end, "fmt": fmt},
        result="ok",
        host=address(request),
    )
    return Response(data, media_type="application/zip")


def _zipped(paths: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, path.name)
    return buffer.getvalue()


@router.get("/reports/json")
async def report_json(
    start: str,
    end: str,
    session: Session,
    request: Request,
    delivery_delay: int | None = None,
) -> Response:
    allow(request, session[0], FINANCE, "reports")
    out = io.StringIO()
    await server(request).desk.write_report_json(
        _period(start, end), out, delivery_delay=delivery_delay
    )
    return Response(out.getvalue(), media_type="application/json")
