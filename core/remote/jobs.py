"""Long jobs over the team server: imports (uploaded), reconciliation, reports and exports
(downloaded)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import tempfile
import threading
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TextIO

import httpx

from core import wire
from core.desk import ReconView
from core.errors import XPayDeskError
from core.mirror.importing import ImportCancelled, ImportFailed, ImportReport
from core.mirror.importing.pushes import _pairs as push_pairs
from core.reconcile import Period
from core.reconcile.reports import Column
from core.remote.base import RemoteBase
from core.remote.errors import RemoteError

CHUNK = 256 * 1024  # bytes an upload sends at a time (progress and cancel between chunks)
JOB_TIMEOUT = httpx.Timeout(None, connect=1.5)  # the import itself may take minutes
REPORT_TIMEOUT = httpx.Timeout(600.0, connect=1.5)


class Jobs(RemoteBase):
    # ---- imports ----------------------------------------------------------------------------

    async def import_file(
        self,
        kind: str,
        path: Path,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None,
        rows: Callable[[str, int, int], None] | None = None,
        strict: bool = False,
    ) -> ImportReport:
        """Uploads the file (`progress(bytes sent, total)`), and the server imports it into its
        store with the same importer (`rows(phase, done, total)` as it goes). A set `cancel`
        stops the upload, or the import, with nothing written."""
        path = Path(path)
        if kind == "pushes" and path.is_dir():  # a folder of saved pushes, as a solo desk takes
            return await self._import_push_folder(path, progress, cancel, rows, strict)
        if not path.is_file():
            if kind == "pushes":  # a folder would do, as the solo desk says
                raise ImportFailed(path, None, "文件或目录不存在", "no such file or folder")
            raise ImportFailed(path, None, "文件不存在", "no such file")
        total = path.stat().st_size
        # the role and the size limit first: a refusal costs no upload
        await self.arequest("GET", f"/imports/{kind}/admission", params={"size": total})
        for attempt in (1, 2):  # a 401 refreshes the session once, and the file is sent again
            request = self._ahttp.build_request(
                "POST",
                f"/imports/{kind}",
                params={"name": str(path), "strict": "true" if strict else "false"},
                content=_chunks(path, total, progress, cancel),
                headers={
                    **self.auth.headers(),
                    "Content-Length": str(total),
                    "Content-Type": "application/octet-stream",
                },
                timeout=JOB_TIMEOUT,
            )
            try:
                response = await self._ahttp.send(request, stream=True)
            except httpx.TransportError as exc:
                if cancel is not None and cancel.is_set():
                    raise ImportCancelled from None
                if isinstance(exc, httpx.LocalProtocolError):
                    raise _changed(path) from None
                raise self._unreachable(exc) from None
            try:
                if response.status_code == 401 and attempt == 1 and self.auth.refresh():
                    continue
                if response.status_code >= 400:
                    await response.aread()
                    self._answer(response)
                self._connected(True)
                return await self._import_answer(response, path, cancel, rows)
            finally:
                await response.aclose()
        raise AssertionError("unreachable")  # pragma: no cover

    async def _import_push_folder(
        self,
        folder: Path,
        progress: Callable[[int, int], None] | None,
        cancel: threading.Event | None,
        rows: Callable[[str, int, int], None] | None,
        strict: bool,
    ) -> ImportReport:
        """A folder of `<name>.query` + `<name>.body` pairs is uploaded as JSON lines, pair n on
        line n; a pair that cannot be read here is an empty line, and its rejection is said as
        the solo desk says it, on its own number."""
        unreadable: list[tuple[int, str]] = []
        with tempfile.TemporaryDirectory(prefix="xpaydesk-pushes-") as scratch:
            packed = Path(scratch) / f"{folder.name or 'pushes'}.jsonl"
            with packed.open("w", encoding="utf-8") as out:
                for item in push_pairs(folder, None):
                    if len(item) == 3:
                        out.write(json.dumps({"query": item[1], "body": item[2]}) + "\n")
                    else:
                        unreadable.append((item[0], item[1]))
                        out.write("\n")
            report = await self.import_file(
                "pushes", packed, progress=progress, cancel=cancel, rows=rows, strict=strict
            )
        for line, reason in unreadable:
            report.reject(line, reason)
        report.rejected.sort(key=lambda r: r.line)
        report.path, report.encoding, report.compression = str(folder), "", ""
        return report

    async def _import_answer(
        self,
        response: httpx.Response,
        path: Path,
        cancel: threading.Event | None,
        rows: Callable[[str, int, int], None] | None,
    ) -> ImportReport:
        """Reads the server's lines to the end: a cancel asked for meanwhile is sent as a
        DELETE, and the outcome is what the server says (the import may have finished first)."""
        job = ""
        cancelling = False
        try:
            async for line in response.aiter_lines():
                if not line.strip():
                    continue
                data = json.loads(line)
                job = str(data.get("job") or job)
                if cancel is not None and cancel.is_set() and not cancelling and job:
                    cancelling = True
                    await self._cancel_job(job)
                if "rows" in data and rows is not None:
                    phase, done, total = data["rows"]
                    rows(str(phase), int(done), int(total))
                if "report" in data:
                    report: ImportReport = wire.load(ImportReport, data["report"])
                    report.path = str(path)
                    return report
                if "error" in data:
                    raise _import_error(data["error"])
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        except (ValueError, TypeError, KeyError) as exc:
            raise wire.WireError(f"import: {exc}") from None
        raise RemoteError(
            "upload_incomplete",
            "服务器没有给出导入结果，请在镜像中核对",
            "the server gave no import outcome: check the mirror",
            status=502,
        )

    async def _cancel_job(self, job: str) -> None:
        with contextlib.suppress(XPayDeskError):  # it has ended: its outcome follows anyway
            await self.arequest("DELETE", f"/imports/{job}")

    # ---- reconciliation and reports ---------------------------------------------------------

    async def reconcile(
        self, period: Period, *, delivery_delay: int | None = None, detail: bool = True
    ) -> ReconView:
        data = await self.aget(
            "/reconciliation",
            **_period(period),
            delivery_delay=delivery_delay,
            detail="true" if detail else "false",
        )
        view: ReconView = wire.load(ReconView, data)
        # the column layouts are typed loosely on ReconView: rebuilt as Column, as Desk has them
        view.columns = {
            name: wire.load(tuple[Column, ...], list(columns))
            for name, columns in view.columns.items()
        }
        view.titles = {name: (str(t[0]), str(t[1])) for name, t in view.titles.items()}
        return view

    async def drill(
        self, period: Period, what: str, day: str | None = None
    ) -> list[dict[str, Any]]:
        data = await self.aget(f"/reconciliation/{what}", **_period(period), day=day)
        rows: list[dict[str, Any]] = wire.load(list[dict[str, Any]], data)
        return rows

    async def export_report(
        self,
        period: Period,
        path: Path,
        *,
        lang: str,
        fmt: str | None = None,
        delivery_delay: int | None = None,
    ) -> list[Path]:
        """The server renders the report; its files are written here next to `path`, each
        whole or not at all. Returns the files written, as Desk does."""
        path = Path(path)
        kind = fmt or {".xlsx": "xlsx", ".json": "json"}.get(path.suffix, "csv")
        response = await self._download(
            "/reports",
            {
                **_period(period),
                "lang": lang,
                "fmt": kind,
                "name": path.name,
                "delivery_delay": delivery_delay,
            },
        )
        return await asyncio.to_thread(_unpack, response.content, path.parent)

    async def write_report_json(
        self, period: Period, handle: TextIO, *, delivery_delay: int | None = None
    ) -> None:
        response = await self._download(
            "/reports/json", {**_period(period), "delivery_delay": delivery_delay}
        )
        handle.write(response.text)

    async def _download(self, path: str, params: dict[str, Any]) -> httpx.Response:
        query = {k: v for k, v in params.items() if v is not None}
        try:
            for attempt in (1, 2):
                request = self._ahttp.build_request(
                    "GET", path, params=query, headers=self.auth.headers(), timeout=REPORT_TIMEOUT
                )
                response = await self._ahttp.send(request)
                if response.status_code == 401 and attempt == 1 and self.auth.refresh():
                    continue
                break
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        return self._answer(response)


def _period(period: Period) -> dict[str, str]:
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


async def _chunks(
    path: Path,
    total: int,
    progress: Callable[[int, int], None] | None,
    cancel: threading.Event | None,
) -> AsyncIterator[bytes]:
    sent = 0
    with path.open("rb") as handle:
        while sent < total:
            if cancel is not None and cancel.is_set():
                raise ImportCancelled
            chunk = await asyncio.to_thread(handle.read, min(CHUNK, total - sent))
            if not chunk:
                return  # the file shrank: the server sees a short body and imports nothing
            sent += len(chunk)
            yield chunk
            if progress is not None:
                progress(sent, total)


def _changed(path: Path) -> XPayDeskError:
    return ImportFailed(
        path,
        None,
        "文件在上传时被改动，请在写完后再导入",
        "the file changed while it was uploaded: import it once it is complete",
    )


def _import_error(error: dict[str, Any]) -> XPayDeskError:
    kind = str(error.get("kind", ""))
    if kind == "cancelled":
        return ImportCancelled()
    return RemoteError(kind, str(error.get("zh_CN", "")), str(error.get("en", "")), status=422)


def _unpack(data: bytes, folder: Path) -> list[Path]:
    """The zip's files into `folder`: each written to a temporary file first and renamed into
    place, so a failure leaves no half-written report."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise wire.WireError("the report is not a zip") from None
    written = []
    with archive:
        for member in archive.infolist():
            name = Path(member.filename).name
            if not name or name != member.filename:
                raise wire.WireError(f"an unexpected file in the report: {member.filename!r}")
            target = folder / name
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(archive.read(member))
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            written.append(target)
    return written
