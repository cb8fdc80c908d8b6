"""Complaints (用户投诉) over the team server."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

from core import wire
from core.complaints import (
    ComplaintResult,
    ComplaintRow,
    ComplaintView,
    SyncReport,
    check_images,
    check_text,
)
from core.remote.base import RemoteBase


def _at(complaint_id: str) -> str:
    return "/complaints/" + quote(complaint_id, safe="")


class ComplaintsRemote(RemoteBase):
    def open_complaints(self, *, openid: str | None = None) -> list[ComplaintRow]:
        """Open complaints from the server's store, the one to answer soonest first."""
        rows: list[ComplaintRow] = wire.load(
            list[ComplaintRow], self.get("/complaints", openid=openid)
        )
        return rows

    def open_complaint_count(self) -> int:
        count: int = wire.load(int, self.get("/complaints/count"))
        return count

    async def sync_complaints(self) -> SyncReport:
        report: SyncReport = wire.load(SyncReport, await self.apost("/complaints/sync"))
        return report

    async def complaint(self, complaint_id: str) -> ComplaintView:
        view: ComplaintView = wire.load(ComplaintView, await self.aget(_at(complaint_id)))
        return view

    async def respond_complaint(
        self, complaint_id: str, text: str, images: list[Path] | None = None
    ) -> ComplaintResult:
        """The same checks as the solo desk's, here, before anything is sent; the images go as
        their names and bytes, and the server answers the user as this operator."""
        check_text(text)
        files = check_images(images or [])
        self.require_online()
        body = {
            "text": text,
            "images": [
                {"name": name, "data": base64.b64encode(data).decode()} for name, data in files
            ],
        }
        result: ComplaintResult = wire.load(
            ComplaintResult, await self.apost(_at(complaint_id) + "/responses", body)
        )
        return result

    async def complete_complaint(self, complaint_id: str) -> ComplaintResult:
        self.require_online()
        result: ComplaintResult = wire.load(
            ComplaintResult, await self.apost(_at(complaint_id) + "/completion")
        )
        return result

    async def complaint_evidence(self, complaint_id: str, url: str) -> bytes:
        response = await self.arequest("GET", _at(complaint_id) + "/evidence", params={"url": url})
        return response.content
