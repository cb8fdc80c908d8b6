"""User complaints (用户投诉): the open ones sorted by how soon they must be answered, each with its
user, order, negotiation history and the user's evidence; answering with text and images and
completing, audited like every action that changes something at WeChat.

Deadlines. The xpay reference (§2.7) gives no time limits; WeChat Pay's merchant help page on
consumer complaints (kf.qq.com/faq/230125a6NbmA230125vMNZnE.html) does: the first answer within
24 h of the complaint, the complaint handled (marked complete) within 72 h. A PENDING complaint is
due for its first answer; a PROCESSING one for completion.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from core.client import XPayClient
from core.errors import NetworkError, OutcomeUnknownError, ValidationError, XPayDeskError
from core.mirror.audit import AuditLog
from core.mirror.db import Mirror
from core.models import Complaint, NegotiationEntry
from core.operations.journal import Locks
from core.operations.policy import PolicyRefused
from core.vocabulary import word

BEIJING = ZoneInfo("Asia/Shanghai")
ANSWER_WITHIN = 24 * 3600  # seconds from the complaint to the merchant's first answer
COMPLETE_WITHIN = 72 * 3600  # seconds from the complaint to "handled"
OPEN_STATES = ("PENDING", "PROCESSING")
LOOKBACK_DAYS = 30  # how far back a refresh lists complaints
MAX_TEXT = 200  # response_content, characters (the client's limit)
MAX_IMAGES = 4  # response_images per answer (WeChat Pay's complaint reply limit)
MAX_IMAGE_BYTES = 1024 * 1024  # upload_vp_file base64_img: at most 1 MB of image
IMAGE_KINDS = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"BM", "BMP"))
ROLES = frozenset({"support", "finance", "admin"})  # who may answer and complete
USER_MEDIA = "USER_COMPLAINT_IMAGE"
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024  # an evidence image fetched for viewing


@dataclass(frozen=True)
class ComplaintRow:
    """One open complaint as the list shows it."""

    complaint_id: str
    openid: str
    order_id: str
    wx_order_id: str
    amount: int  # fen
    state: str
    complained_at: int
    answered_at: int
    user_waiting: bool
    problem_type: str
    detail: str
    apply_refund_amount: int  # fen, for problem_type REFUND
    tags: tuple[str, ...]
    times: int

    @property
    def due_at(self) -> int:
        """The next deadline: the first answer while PENDING, completion after."""
        within = ANSWER_WITHIN if self.state == "PENDING" else COMPLETE_WITHIN
        return self.complained_at + within

    @property
    def due_for(self) -> str:
        return "answer" if self.state == "PENDING" else "complete"

    def seconds_left(self, now: int) -> int:
        return self.due_at - now

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "tags": list(self.tags), "due_at": self.due_at}


@dataclass
class ComplaintView:
    """A complaint in full: the row, WeChat's record, the negotiation history (oldest first),
    the user's evidence (image URLs) and the order as the mirror knows it."""

    row: ComplaintRow
    complaint: Complaint
    history: list[NegotiationEntry]
    evidence: list[str]
    order: dict[str, Any] | None
    order_error: str = ""


@dataclass(frozen=True)
class ComplaintResult:
    complaint_id: str
    action: str  # respond | complete
    state: str  # the complaint's state afterwards
    file_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "file_ids": list(self.file_ids)}


@dataclass(frozen=True)
class SyncReport:
    listed: int
    new: tuple[str, ...]
    open: int
    extra: dict[str, Any] = field(default_factory=dict)


def _ts(text: str) -> int:
    if not text:
        return 0
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:  # WeChat's times carry +08:00; a bare one is Beijing's
        when = when.replace(tzinfo=BEIJING)
    return int(when.timestamp())


def _row(r: Any) -> ComplaintRow:
    raw = json.loads(r["raw"] or "{}")
    return ComplaintRow(
        complaint_id=r["complaint_id"],
        openid=r["openid"],
        order_id=r["order_id"],
        wx_order_id=r["wx_order_id"],
        amount=int(r["amount"]),
        state=r["state"],
        complained_at=int(r["complained_at"]),
        answered_at=int(r["answered_at"]),
        user_waiting=bool(r["user_waiting"]),
        problem_type=str(raw.get("problem_type", "")),
        detail=str(raw.get("complaint_detail", "") or raw.get("ComplaintDetail", "")),
        apply_refund_amount=int(raw.get("apply_refund_amount", 0) or 0),
        tags=tuple(raw.get("user_tag_list", []) or []),
        times=int(raw.get("user_complaint_times", 0) or 0),
    )


def record(mirror: Mirror, complaint: Complaint, *, source: str) -> bool:
    """Upserts what WeChat showed; True when the complaint was new to the mirror (or known
    only from a push)."""
    orders = complaint.complaint_order_info
    first = orders[0] if orders else None
    raw = json.dumps(complaint.to_dict(), ensure_ascii=False, sort_keys=True)
    with mirror.transaction() as conn:
        known = conn.execute(
            "SELECT 1 FROM complaints WHERE complaint_id = ? AND source != 'push'",
            (complaint.complaint_id,),
        ).fetchone()
        conn.execute(
            "INSERT INTO complaints (complaint_id, openid, order_id, wx_order_id, amount, state, "
            "complained_at, user_waiting, source, refreshed_at, raw) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(complaint_id) DO UPDATE SET "
            "openid = excluded.openid, order_id = excluded.order_id, "
            "wx_order_id = excluded.wx_order_id, amount = excluded.amount, "
            "state = excluded.state, complained_at = excluded.complained_at, "
            "user_waiting = excluded.user_waiting, source = excluded.source, "
            "refreshed_at = excluded.refreshed_at, raw = excluded.raw",
            (
                complaint.complaint_id,
                complaint.payer_openid,
                first.wxa_out_trade_no if first else "",
                first.wx_order_id if first else "",
                sum(o.amount for o in orders),
                complaint.complaint_state or "PENDING",
                _ts(complaint.complaint_time),
                int(complaint.incoming_user_response),
                source,
                mirror.now(),
                raw,
            ),
        )
    return known is None


def record_push(mirror: Mirror, fields: dict[str, Any]) -> None:
    """An xpay_complaint_notify push: a complaint the next refresh fetches in full. Known
    complaints are left as they are (a push is older news than a refresh)."""
    complaint_id = str(fields.get("ComplaintId") or "")
    if not complaint_id:
        return  # the older push without ComplaintId: the next list refresh finds it
    when = fields.get("ComplaintTime")
    mirror.conn.execute(
        "INSERT INTO complaints (complaint_id, openid, order_id, wx_order_id, state, "
        "complained_at, source, raw) VALUES (?, ?, ?, ?, 'PENDING', ?, 'push', ?) "
        "ON CONFLICT(complaint_id) DO NOTHING",
        (
            complaint_id,
            str(fields.get("OpenId") or ""),
            str(fields.get("MchOrderId") or ""),
            str(fields.get("WxOrderId") or ""),
            int(when) if isinstance(when, int) else mirror.now(),
            json.dumps({"ComplaintDetail": fields.get("ComplaintDetail", "")}, ensure_ascii=False),
        ),
    )


def open_rows(mirror: Mirror, *, openid: str | None = None) -> list[ComplaintRow]:
    """Open complaints, the one to answer soonest first."""
    rows = mirror.all(
        "SELECT * FROM complaints WHERE state IN ('PENDING', 'PROCESSING') AND "
        "(CAST(? AS TEXT) IS NULL OR openid = ?)",
        openid,
        openid,
    )
    return sorted((_row(r) for r in rows), key=lambda c: (c.due_at, c.complaint_id))


def open_count(mirror: Mirror) -> int:
    row = mirror.one("SELECT COUNT(*) FROM complaints WHERE state IN ('PENDING', 'PROCESSING')")
    return int(row[0]) if row else 0


def evidence_of(complaint: Complaint, history: Sequence[NegotiationEntry]) -> list[str]:
    """The user's images: those of the complaint and those the user added while negotiating."""
    urls: list[str] = []
    media = list(complaint.complaint_media_list)
    for entry in history:
        if entry.operate_type.startswith("USER_"):
            media += entry.complaint_media_list
    for m in media:
        if m.media_type == USER_MEDIA:
            urls += [u for u in m.media_url if u not in urls]
    return urls


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError(
            "response_content", "请填写回复内容", "write the answer the user will read"
        )
    if len(text) > MAX_TEXT:
        raise ValidationError(
            "response_content",
            f"回复最多 {MAX_TEXT} 个字（现在 {len(text)} 个）",
            f"at most {MAX_TEXT} characters (now {len(text)})",
        )
    return text


def check_images(paths: Sequence[Path]) -> list[tuple[str, bytes]]:
    """(file name, bytes) of each image, or a clear error before anything is sent."""
    if len(paths) > MAX_IMAGES:
        raise ValidationError(
            "response_images",
            f"最多 {MAX_IMAGES} 张图片（选了 {len(paths)} 张）",
            f"at most {MAX_IMAGES} images ({len(paths)} chosen)",
        )
    out = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ValidationError(
                str(path), f"无法读取图片：{exc.strerror}", f"cannot read the image: {exc.strerror}"
            ) from None
        if len(data) > MAX_IMAGE_BYTES:
            raise ValidationError(
                path.name,
                f"图片不能超过 1 MB（这张 {len(data) / 1024 / 1024:.1f} MB）",
                f"an image must be at most 1 MB (this one is {len(data) / 1024 / 1024:.1f} MB)",
            )
        if not any(data.startswith(magic) for magic, _kind in IMAGE_KINDS):
            raise ValidationError(
                path.name,
                "不是 JPEG、PNG 或 BMP 图片",
                "not a JPEG, PNG or BMP image",
            )
        out.append((path.name, data))
    return out


class Complaints:
    def __init__(
        self,
        client: XPayClient,
        mirror: Mirror,
        *,
        audit: AuditLog,
        locks: Locks,
        role: str,
        operator: str,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.client = client
        self.http = http
        self.mirror = mirror
        self.audit = audit
        self.locks = locks
        self.role = role
        self.operator = operator

    # ---- reading ----------------------------------------------------------------------------

    def open(self, *, openid: str | None = None) -> list[ComplaintRow]:
        return open_rows(self.mirror, openid=openid)

    def open_count(self) -> int:
        return open_count(self.mirror)

    async def sync(self, *, days: int = LOOKBACK_DAYS) -> SyncReport:
        """Lists the last `days` Beijing days from WeChat, then fetches in full what a push
        announced and what is still open but older than the window."""
        today = datetime.fromtimestamp(self.mirror.now(), BEIJING).date()
        begin = today - timedelta(days=days - 1)
        seen: set[str] = set()
        new: list[str] = []
        offset = 0
        while True:
            page = await self.client.get_complaint_list(begin, today, offset=offset, limit=100)
            for c in page.complaints:
                seen.add(c.complaint_id)
                if record(self.mirror, c, source="list"):
                    new.append(c.complaint_id)
            offset += len(page.complaints)
            if not page.complaints or offset >= page.total:
                break
        stragglers = self.mirror.all(
            "SELECT complaint_id, source FROM complaints WHERE source = 'push' OR "
            "state IN ('PENDING', 'PROCESSING')"
        )
        for r in stragglers:
            if r["complaint_id"] in seen:
                continue
            detail = await self.client.get_complaint_detail(r["complaint_id"])
            if r["source"] == "push":
                new.append(r["complaint_id"])
            record(self.mirror, detail.complaint, source="detail")
        return SyncReport(len(seen), tuple(new), self.open_count())

    async def view(self, complaint_id: str) -> ComplaintView:
        detail = await self.client.get_complaint_detail(complaint_id)
        record(self.mirror, detail.complaint, source="detail")
        history = await self._history(complaint_id)
        first_answer = next(
            (_ts(h.operate_time) for h in history if h.operate_type == "MERCHANT_RESPONSE"), 0
        )
        if first_answer:
            with self.mirror.transaction() as conn:
                conn.execute(
                    "UPDATE complaints SET answered_at = ? WHERE complaint_id = ?",
                    (first_answer, complaint_id),
                )
        row = self._require(complaint_id)
        order, order_error = await self._order(row)
        return ComplaintView(
            row,
            detail.complaint,
            history,
            evidence_of(detail.complaint, history),
            order,
            order_error,
        )

    async def _history(self, complaint_id: str) -> list[NegotiationEntry]:
        entries: list[NegotiationEntry] = []
        while True:
            page = await self.client.get_negotiation_history(
                complaint_id, offset=len(entries), limit=100
            )
            entries += page.history
            if not page.history or len(entries) >= page.total:
                return entries

    async def _order(self, row: ComplaintRow) -> tuple[dict[str, Any] | None, str]:
        """The order from the mirror; one the mirror never saw is asked of WeChat first (the
        refund offered from a complaint needs its refundable amount)."""
        if not row.order_id:
            return None, ""
        sql = (
            "SELECT order_id, wx_order_id, openid, kind, quantity, paid_fee, left_fee, status, "
            "paid_time FROM orders WHERE order_id = ?"
        )
        found = self.mirror.one(sql, row.order_id)
        if found is None and row.openid:
            from core.mirror.refresh import refresh_order

            try:
                await refresh_order(self.client, self.mirror, row.order_id, openid=row.openid)
            except XPayDeskError as exc:
                return None, exc.message("zh_CN") + "\n" + exc.message("en")
            found = self.mirror.one(sql, row.order_id)
        return (dict(found) if found is not None else None), ""

    async def evidence(self, complaint_id: str, url: str) -> bytes:
        """One evidence image: WeChat Pay's media URL cannot be fetched as is, so
        get_upload_file_sign turns it into a temporary COS URL (30 min), fetched here."""
        if self.http is None:
            raise XPayDeskError(
                "无法下载图片：没有网络客户端", "cannot fetch images: no HTTP client"
            )
        sign = await self.client.get_upload_file_sign(url, complaint_id, convert_cos=True)
        if not sign.cos_url:
            raise XPayDeskError("微信没有返回图片地址", "WeChat returned no address for the image")
        try:
            response = await self.http.get(sign.cos_url)
        except httpx.HTTPError as exc:
            raise NetworkError("cos_url", type(exc).__name__) from None
        if response.status_code != 200:
            raise NetworkError("cos_url", f"HTTP {response.status_code}")
        data = response.content
        if len(data) > MAX_EVIDENCE_BYTES:
            raise XPayDeskError("图片超过 5 MB，未显示", "the image is over 5 MB; not shown")
        return data

    def _require(self, complaint_id: str) -> ComplaintRow:
        r = self.mirror.one("SELECT * FROM complaints WHERE complaint_id = ?", complaint_id)
        if r is None:
            raise XPayDeskError(
                f"镜像中没有投诉 {complaint_id}，请先刷新投诉列表",
                f"complaint {complaint_id} is not in the mirror; refresh the complaints first",
            )
        return _row(r)

    # ---- acting -----------------------------------------------------------------------------

    def _allowed(self, verb_zh: str, verb_en: str) -> None:
        if self.role not in ROLES:
            raise PolicyRefused(
                f"角色「{word('role', self.role)}」不能{verb_zh}；可由客服、财务或管理员处理",
                f"the {word('role', self.role, 'en').lower()} role cannot {verb_en}; a support "
                "agent, finance or an administrator can",
            )

    async def respond(
        self, complaint_id: str, text: str, images: Sequence[Path] = ()
    ) -> ComplaintResult:
        """Uploads the images (upload_vp_file), then answers (response_complaint). Everything
        checkable is checked before the first call; the audit row is written before it."""
        text = check_text(text)
        files = check_images(images)
        self._allowed("回复投诉", "answer complaints")
        row = self._require(complaint_id)
        if row.state == "PROCESSED":
            raise ValidationError(
                "complaint_id", "该投诉已处理完成，不能再回复", "the complaint is already complete"
            )
        params: dict[str, Any] = {
            "complaint_id": complaint_id,
            "response_content": text,
            "images": [name for name, _data in files],
        }
        with self.locks.hold(f"complaint:{complaint_id}", operator=self.operator):
            self.audit.append("complaint_response", params, result="intent", openid=row.openid)
            started = self.mirror.now()
            file_ids: list[str] = []
            try:
                for name, data in files:
                    uploaded = await self.client.upload_vp_file(
                        file_name=name, base64_img=base64.b64encode(data).decode()
                    )
                    file_ids.append(uploaded.file_id)
                await self.client.response_complaint(complaint_id, text, response_images=file_ids)
            except OutcomeUnknownError as exc:
                if exc.api != "response_complaint" or not await self._answered(
                    complaint_id, text, started
                ):
                    self._failed("complaint_response", params, row, exc, file_ids)
                    raise
            except XPayDeskError as exc:
                self._failed("complaint_response", params, row, exc, file_ids)
                raise
            state = "PROCESSING" if row.state == "PENDING" else row.state
            with self.mirror.transaction() as conn:
                self.audit.append(
                    "complaint_response",
                    {**params, "file_ids": file_ids},
                    result="ok",
                    openid=row.openid,
                )
                conn.execute(
                    "UPDATE complaints SET state = ?, user_waiting = 0, answered_at = "
                    "CASE WHEN answered_at = 0 THEN ? ELSE answered_at END WHERE complaint_id = ?",
                    (state, self.mirror.now(), complaint_id),
                )
        return ComplaintResult(complaint_id, "respond", state, tuple(file_ids))

    async def complete(self, complaint_id: str) -> ComplaintResult:
        self._allowed("完成投诉", "complete complaints")
        row = self._require(complaint_id)
        params = {"complaint_id": complaint_id}
        with self.locks.hold(f"complaint:{complaint_id}", operator=self.operator):
            self.audit.append("complaint_complete", params, result="intent", openid=row.openid)
            try:
                await self.client.complete_complaint(complaint_id)
            except XPayDeskError as exc:
                self._failed("complaint_complete", params, row, exc, [])
                raise
            with self.mirror.transaction() as conn:
                self.audit.append("complaint_complete", params, result="ok", openid=row.openid)
                conn.execute(
                    "UPDATE complaints SET state = 'PROCESSED', user_waiting = 0 "
                    "WHERE complaint_id = ?",
                    (complaint_id,),
                )
        return ComplaintResult(complaint_id, "complete", "PROCESSED")

    async def _answered(self, complaint_id: str, text: str, since: int) -> bool:
        """After a lost answer: did WeChat record our response? (Nothing is resent blindly: a
        second copy would reach the user.)"""
        try:
            history = await self._history(complaint_id)
        except XPayDeskError:
            return False
        return any(
            h.operate_type == "MERCHANT_RESPONSE"
            and h.operate_details == text
            and _ts(h.operate_time) >= since - 60
            for h in history
        )

    def _failed(
        self,
        action: str,
        params: dict[str, Any],
        row: ComplaintRow,
        exc: XPayDeskError,
        file_ids: list[str],
    ) -> None:
        self.audit.append(
            action,
            # both languages: the Audit page and the CSV say their reader's half
            {**params, "file_ids": file_ids, "error": f"{exc.message_zh} / {exc.message_en}"},
            result="unknown" if isinstance(exc, OutcomeUnknownError) else "error",
            errcode=getattr(exc, "errcode", None),
            openid=row.openid,
        )
