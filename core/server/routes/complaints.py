"""Complaints (用户投诉): the open list and a complaint in full for every reader; answering,
completing and refreshing from WeChat as the operator who asks (support, finance, admin), with
their name in the audit rows."""

from __future__ import annotations

import base64
import binascii
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from core.complaints import MAX_IMAGE_BYTES, MAX_IMAGES
from core.server.deps import API, READERS, RESOLVERS, ApiError, Session, allow, answer, server
from core.server.routes.jobs import file_name

router = APIRouter(prefix=API, tags=["complaints"])


class Image(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    data: str = Field(max_length=(MAX_IMAGE_BYTES * 4) // 3 + 8)  # base64 of at most 1 MB


class ResponseBody(BaseModel):
    text: str = Field(max_length=2000)
    images: list[Image] = Field(default_factory=list, max_length=MAX_IMAGES)


@router.get("/complaints")
async def open_complaints(
    session: Session, request: Request, openid: str | None = None
) -> Response:
    allow(request, session[0], READERS, "complaints")
    return answer(server(request).desk.open_complaints(openid=openid))


@router.get("/complaints/count")
async def open_complaint_count(session: Session, request: Request) -> int:
    allow(request, session[0], READERS, "complaints")
    return server(request).desk.open_complaint_count()


@router.post("/complaints/sync")
async def sync_complaints(session: Session, request: Request) -> Response:
    """Refreshes the complaints from WeChat into the store (everyone's list)."""
    op = session[0]
    allow(request, op, RESOLVERS, "complaints/sync")
    return answer(await server(request).desk_for(op).sync_complaints())


@router.get("/complaints/{complaint_id}")
async def complaint(complaint_id: str, session: Session, request: Request) -> Response:
    allow(request, session[0], READERS, "complaints")
    return answer(await server(request).desk.complaint(complaint_id))


@router.get("/complaints/{complaint_id}/evidence")
async def evidence(complaint_id: str, url: str, session: Session, request: Request) -> Response:
    """One of the user's images, fetched by the server (WeChat's signed COS address)."""
    allow(request, session[0], READERS, "complaints")
    data = await server(request).desk.complaint_evidence(complaint_id, url)
    return Response(data, media_type="application/octet-stream")


@router.post("/complaints/{complaint_id}/responses")
async def respond(
    complaint_id: str, body: ResponseBody, session: Session, request: Request
) -> Response:
    """Answers the user as the operator, with up to four images (base64, each the file's name
    and bytes): the same checks as a solo desk's, before anything reaches WeChat."""
    op = session[0]
    allow(request, op, RESOLVERS, "complaints/respond")
    folder = Path(tempfile.mkdtemp(prefix="xpaydesk-images-"))
    try:
        paths = [_saved(folder, n, image) for n, image in enumerate(body.images)]
        result = (
            await server(request).desk_for(op).respond_complaint(complaint_id, body.text, paths)
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return answer(result)


def _saved(folder: Path, n: int, image: Image) -> Path:
    """The image under its own name (the audit row names it), one folder per image so two of
    the same name do not collide."""
    try:
        data = base64.b64decode(image.data, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            422,
            "validation",
            f"图片 {image.name} 的数据无效",
            f"the image {image.name} is not base64",
        ) from None
    name = file_name(image.name, "image")
    place = folder / str(n)
    place.mkdir()
    path = place / name
    path.write_bytes(data)
    return path


@router.post("/complaints/{complaint_id}/completion")
async def complete(complaint_id: str, session: Session, request: Request) -> Response:
    op = session[0]
    allow(request, op, RESOLVERS, "complaints/complete")
    return answer(await server(request).desk_for(op).complete_complaint(complaint_id))
