"""Complaints through the team server (a real server process, the simulator as WeChat): the list,
the count and a complaint in full equal a solo desk's over the same store; answering (with an
image) and completing run as the operator who asks; a viewer is refused; bad input is refused
on the desktop before anything is sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from core.complaints import USER_MEDIA
from core.desk import Desk
from core.errors import ValidationError
from core.profiles import load_profiles
from core.remote.desk import RemoteDesk
from core.remote.errors import RemoteForbidden
from core.simulator.server import solid_png
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)

T = TypeVar("T")
EVIDENCE = "https://api.mch.weixin.qq.com/v3/merchant-service/images/demo0000000042"


async def as_remote(team, name: str, call: Callable[[RemoteDesk], Awaitable[T]]) -> T:  # noqa: F811
    remote = remote_desk(team, name)
    try:
        return await call(remote)
    finally:
        await remote.close()


def solo(team) -> Desk:  # noqa: F811
    return Desk(load_profiles(team.folder / "profiles.toml").get("team"))


def new_complaint(sim, openid: str) -> str:
    sim.add_user(openid)
    order = sim.user_pays(openid, coins=600)
    return sim.add_complaint(openid, order["order_id"], detail="没有收到代币")


def audit_of(team, action: str) -> list[tuple[str, str]]:  # noqa: F811
    with team.mirror() as mirror:
        rows = mirror.all("SELECT operator, result FROM audit WHERE action = ? ORDER BY id", action)
        return [(r["operator"], r["result"]) for r in rows]


def test_list_count_and_a_complaint_in_full_equal_the_solo_desks(team, team_sim):  # noqa: F811
    first = new_complaint(team_sim, "oCmpA0000000000000000000001")
    team_sim.state.update_complaint(
        first,
        entry={
            "operator": "user",
            "operate_type": "USER_RESPONSE",
            "operate_details": "看截图",
            "complaint_media_list": [{"media_type": USER_MEDIA, "media_url": [EVIDENCE]}],
        },
    )
    new_complaint(team_sim, "oCmpB0000000000000000000002")

    async def run() -> None:
        remote, desk = remote_desk(team, "sam"), solo(team)
        try:
            synced = await remote.sync_complaints()
            assert first in synced.new and synced.open >= 2
            assert await remote.sync_complaints() == await desk.sync_complaints()
            assert remote.open_complaints() == desk.open_complaints() != []
            assert remote.open_complaint_count() == desk.open_complaint_count() >= 2
            openid = "oCmpA0000000000000000000001"
            assert remote.open_complaints(openid=openid) == desk.open_complaints(openid=openid)
            view = await remote.complaint(first)
            assert view == await desk.complaint(first)
            assert view.evidence == [EVIDENCE] and view.history[-1].operate_details == "看截图"
            image = await remote.complaint_evidence(first, EVIDENCE)
            assert image == await desk.complaint_evidence(first, EVIDENCE)
            assert image.startswith(b"\x89PNG\r\n\x1a\n")
        finally:
            await remote.close()
            await desk.close()

    asyncio.run(run())


def test_answer_with_an_image_then_complete_as_the_operator(team, team_sim, tmp_path):  # noqa: F811
    complaint_id = new_complaint(team_sim, "oCmpC0000000000000000000003")
    image = tmp_path / "充值记录.png"
    image.write_bytes(solid_png(2, 2, b"\xff\x00\x00"))

    async def run() -> None:
        remote = remote_desk(team, "dora")
        try:
            await remote.sync_complaints()
            answered = await remote.respond_complaint(complaint_id, " 已核实，代币已补发 ", [image])
            assert answered.state == "PROCESSING" and len(answered.file_ids) == 1
            done = await remote.complete_complaint(complaint_id)
            assert (done.action, done.state) == ("complete", "PROCESSED")
            assert complaint_id not in [r.complaint_id for r in remote.open_complaints()]
        finally:
            await remote.close()

    asyncio.run(run())
    body, history = team_sim.state.complaint(complaint_id)
    answer = next(h for h in history if h["operate_type"] == "MERCHANT_RESPONSE")
    assert answer["operate_details"] == "已核实，代币已补发"
    file_id = answer["complaint_media_list"][0]["media_url"][0].rsplit("/", 1)[1]
    assert team_sim._files[f"upload-{file_id}"][0] == image.read_bytes()  # the very bytes
    assert body["complaint_state"] == "PROCESSED"
    assert ("dora", "ok") in audit_of(team, "complaint_response")
    assert ("dora", "ok") in audit_of(team, "complaint_complete")
    with team.mirror() as mirror:
        row = mirror.one(
            "SELECT params FROM audit WHERE action = 'complaint_response' AND result = 'ok' "
            "ORDER BY id DESC LIMIT 1"
        )
    assert json.loads(row["params"])["images"] == ["充值记录.png"]


def test_a_viewer_may_read_but_not_answer_or_complete(team, team_sim):  # noqa: F811
    complaint_id = new_complaint(team_sim, "oCmpD0000000000000000000004")

    async def run() -> None:
        async def sync(r: RemoteDesk) -> object:
            return await r.sync_complaints()

        await as_remote(team, "sam", sync)
        viewer = remote_desk(team, "vera")
        try:
            assert complaint_id in [r.complaint_id for r in viewer.open_complaints()]
            with pytest.raises(RemoteForbidden) as caught:
                await viewer.respond_complaint(complaint_id, "您好")
            assert "viewer" in caught.value.message("en")
            with pytest.raises(RemoteForbidden):
                await viewer.complete_complaint(complaint_id)
            with pytest.raises(RemoteForbidden):
                await viewer.sync_complaints()
        finally:
            await viewer.close()

    asyncio.run(run())
    _body, history = team_sim.state.complaint(complaint_id)
    assert [h["operate_type"] for h in history if h["operate_type"].startswith("MERCHANT")] == []
    assert ("vera", "refused: role") in audit_of(team, "refused")


@pytest.mark.parametrize(
    ("text", "files", "field"),
    [
        ("", [], "response_content"),
        ("ok", ["notes.txt"], "notes.txt"),
        ("ok", ["a.png"] * 5, "response_images"),
    ],
)
def test_bad_input_is_refused_on_the_desktop_as_the_solo_desk_refuses_it(
    team,  # noqa: F811
    tmp_path,
    text,
    files,
    field,
):
    for name in set(files):
        (tmp_path / name).write_bytes(
            b"plain text" if name.endswith(".txt") else solid_png(2, 2, b"\x00\x00\xff")
        )
    paths = [tmp_path / n for n in files]
    with pytest.raises(ValidationError) as remote_caught:
        asyncio.run(as_remote(team, "sam", lambda r: r.respond_complaint("200001", text, paths)))
    desk = solo(team)
    try:
        with pytest.raises(ValidationError) as solo_caught:
            asyncio.run(desk.respond_complaint("200001", text, paths))
    finally:
        asyncio.run(desk.close())
    assert remote_caught.value.field == solo_caught.value.field == field
    assert remote_caught.value.message("zh_CN") == solo_caught.value.message("zh_CN")
