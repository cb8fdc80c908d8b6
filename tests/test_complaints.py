"""Complaints (用户投诉) against the simulator over loopback: the open list sorted by deadline, a
complaint in full, answering with an image (uploaded first), completing, audit rows, a push that
announces a complaint, a lost answer that is checked rather than sent twice, bad input refused
before anything is sent."""

from __future__ import annotations

import json

import pytest

from core.callbacks import CallbackKeys, decode
from core.complaints import ANSWER_WITHIN, COMPLETE_WITHIN, Complaints
from core.errors import ValidationError, XPayError
from core.mirror.audit import AuditLog
from core.mirror.db import Mirror
from core.mirror.pushes import save_push
from core.operations import PolicyRefused
from core.operations.journal import Busy, Locks
from core.simulator import populate
from core.simulator.server import solid_png
from tests.simfixtures import ALICE, BOB, client_for

HOUR = 3600


def png(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG (red)."""
    return solid_png(width, height, b"\xff\x00\x00")


@pytest.fixture
def mirror(sim, tmp_path):
    m = Mirror(tmp_path / "mirror.sqlite", clock=sim.state.now)
    yield m
    m.close()


def complaints_for(sim, http, mirror, role: str = "support") -> Complaints:
    return Complaints(
        client_for(sim, http),
        mirror,
        audit=AuditLog(mirror, operator="alice", profile="test", env=1),
        locks=Locks(mirror),
        role=role,
        operator="alice",
        http=http,
    )


def audit_rows(mirror, action):
    return [
        (r["result"], json.loads(r["params"]))
        for r in mirror.all("SELECT * FROM audit WHERE action = ? ORDER BY id", action)
    ]


def paid_complaint(sim, openid: str, detail: str = "没有收到代币") -> str:
    sim.add_user(openid)
    order = sim.user_pays(openid, coins=600)
    return sim.add_complaint(openid, order["order_id"], detail=detail)


async def test_open_complaints_come_soonest_deadline_first(sim, http, mirror):
    first = paid_complaint(sim, ALICE)  # t0: to answer by t0 + 24 h
    sim.advance(10 * HOUR)
    second = paid_complaint(sim, BOB)  # t0 + 10 h: by t0 + 34 h
    sim.advance(2 * HOUR)
    third = paid_complaint(sim, "oCarol_000000000000000000003")  # t0 + 12 h
    c = complaints_for(sim, http, mirror)
    report = await c.sync()
    assert set(report.new) == {first, second, third} and report.open == 3
    await c.respond(third, "您好，已为您核实")  # answered: now due for completion, t0 + 84 h
    rows = c.open()
    assert [r.complaint_id for r in rows] == [first, second, third]
    now = mirror.now()
    assert rows[0].seconds_left(now) == ANSWER_WITHIN - 12 * HOUR
    assert rows[1].seconds_left(now) == ANSWER_WITHIN - 2 * HOUR
    assert (rows[2].due_for, rows[2].seconds_left(now)) == ("complete", COMPLETE_WITHIN)
    await c.complete(first)
    assert [r.complaint_id for r in c.open()] == [second, third]
    await c.sync()  # WeChat agrees: the completed one stays closed
    assert c.open_count() == 2


async def test_a_complaint_in_full_user_order_history_evidence(sim, http, mirror):
    summary = populate(sim.state, users=30, orders=400, days=30)
    c = complaints_for(sim, http, mirror)
    await c.sync()
    view = await c.view(summary.cases["complaint_40h"])
    assert view.row.state == "PROCESSING" and view.row.user_waiting
    assert [h.operate_type for h in view.history] == [
        "USER_CREATE_COMPLAINT",
        "MERCHANT_RESPONSE",
        "USER_RESPONSE",
    ]
    assert view.evidence and all(u.startswith("https://") for u in view.evidence)
    # the mirror never saw the order: it was asked of WeChat, with what the refund needs
    assert view.order is not None and view.order["openid"] == view.row.openid
    assert view.order["paid_fee"] == view.row.amount > 0
    assert view.order["left_fee"] == view.order["paid_fee"]
    ages = [summary.cases[f"complaint_{h}h"] for h in (30, 20, 2, 40)]
    assert [r.complaint_id for r in c.open()] == ages  # overdue first; the closed one is gone
    image = await c.evidence(view.row.complaint_id, view.evidence[0])  # signed, then fetched
    assert image.startswith(b"\x89PNG\r\n\x1a\n")


async def test_answer_with_an_image_then_complete(sim, http, mirror, tmp_path):
    complaint_id = paid_complaint(sim, ALICE)
    image = tmp_path / "充值记录.png"
    image.write_bytes(png())
    c = complaints_for(sim, http, mirror)
    await c.sync()
    result = await c.respond(complaint_id, "  已核实，代币已补发，请查收  ", [image])
    assert result.state == "PROCESSING" and len(result.file_ids) == 1
    body, history = sim.state.complaint(complaint_id)
    answer = history[-1]
    assert answer["operate_type"] == "MERCHANT_RESPONSE"
    assert answer["operate_details"] == "已核实，代币已补发，请查收"
    media = answer["complaint_media_list"]
    assert media[0]["media_type"] == "OPERATION_IMAGE"
    assert media[0]["media_url"][0].endswith(result.file_ids[0])
    assert sim._files[f"upload-{result.file_ids[0]}"][0] == image.read_bytes()  # the very bytes
    assert [r for r, _p in audit_rows(mirror, "complaint_response")] == ["intent", "ok"]
    assert audit_rows(mirror, "complaint_response")[1][1]["file_ids"] == list(result.file_ids)
    done = await c.complete(complaint_id)
    assert done.state == "PROCESSED" and body["complaint_state"] == "PROCESSING"
    assert sim.state.complaint(complaint_id)[0]["complaint_state"] == "PROCESSED"
    assert [r for r, _p in audit_rows(mirror, "complaint_complete")] == ["intent", "ok"]
    assert c.open() == []
    with pytest.raises(ValidationError):
        await c.respond(complaint_id, "再补充一句")  # complete: nothing more to say


@pytest.mark.parametrize(
    ("text", "files", "field"),
    [
        ("", [], "response_content"),
        ("字" * 201, [], "response_content"),
        ("ok", ["notes.txt"], "notes.txt"),
        ("ok", ["huge.png"], "huge.png"),
        ("ok", ["missing.png"], "missing.png"),
        ("ok", ["a.png"] * 5, "response_images"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(
    sim, http, mirror, tmp_path, text, files, field
):
    complaint_id = paid_complaint(sim, ALICE)
    (tmp_path / "notes.txt").write_text("不是图片", encoding="utf-8")
    (tmp_path / "huge.png").write_bytes(png() + b"\x00" * (1024 * 1024))
    (tmp_path / "a.png").write_bytes(png())
    c = complaints_for(sim, http, mirror)
    await c.sync()
    before = sim.requests
    with pytest.raises(ValidationError) as caught:
        await c.respond(complaint_id, text, [tmp_path / f for f in files])
    assert caught.value.field.endswith(field)
    assert caught.value.message_zh and caught.value.message_en
    assert sim.requests == before and audit_rows(mirror, "complaint_response") == []
    assert len(sim.state.complaint(complaint_id)[1]) == 1


async def test_a_viewer_cannot_answer_or_complete(sim, http, mirror):
    complaint_id = paid_complaint(sim, ALICE)
    c = complaints_for(sim, http, mirror, role="viewer")
    await c.sync()
    with pytest.raises(PolicyRefused):
        await c.respond(complaint_id, "你好")
    with pytest.raises(PolicyRefused):
        await c.complete(complaint_id)
    assert sim.state.complaint(complaint_id)[0]["complaint_state"] == "PENDING"


async def test_a_push_announces_a_complaint_before_the_next_refresh(sim, http, mirror):
    complaint_id = paid_complaint(sim, ALICE, detail="代币没到账")
    wire = next(w for w in sim.delivered if w.event == "xpay_complaint_notify")
    pc = sim.config.push
    keys = CallbackKeys(
        token=pc.token, encoding_aes_key=pc.encoding_aes_key, appid=sim.config.appid
    )
    assert save_push(
        mirror, query=wire.query, body=wire.body, result=decode(wire.query, wire.body, keys=keys)
    )
    c = complaints_for(sim, http, mirror)
    [row] = c.open()
    assert (row.complaint_id, row.openid, row.detail) == (complaint_id, ALICE, "代币没到账")
    report = await c.sync()
    assert report.new == (complaint_id,)
    [row] = c.open()
    assert row.amount == 600 and row.problem_type == "REFUND"


async def test_a_lost_answer_is_looked_up_not_sent_twice(sim, http, mirror):
    complaint_id = paid_complaint(sim, ALICE)
    c = complaints_for(sim, http, mirror)
    await c.sync()
    sim.faults.add("response_complaint", "lost_response", count=1)
    result = await c.respond(complaint_id, "已为您退款")
    assert result.state == "PROCESSING"
    answers = [
        h for h in sim.state.complaint(complaint_id)[1] if h["operate_type"] == "MERCHANT_RESPONSE"
    ]
    assert len(answers) == 1
    assert [r for r, _p in audit_rows(mirror, "complaint_response")] == ["intent", "ok"]


def cli(capsys, profile, *args):
    from core.cli import main

    code = main(["--json", "--config", str(profile), "complaints", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else None


def test_cli_lists_shows_answers_with_an_image_and_completes(sim, tmp_path, capsys):
    from core.cli import main
    from core.simulator import profile_toml

    profile = tmp_path / "profiles.toml"
    profile.write_text(
        profile_toml(sim, db=str(tmp_path / "cli.sqlite")) + 'role = "support"\n', encoding="utf-8"
    )
    # the CLI's mirror runs on the real clock: the older complaint is put 3 h in the past rather
    # than WeChat's clock 3 h ahead (at 23:30 Beijing that was tomorrow, outside the listed days)
    sim.state.offset = -3 * HOUR
    older = paid_complaint(sim, ALICE)
    sim.state.offset = 0
    newer = paid_complaint(sim, BOB)
    code, out = cli(capsys, profile, "list")
    assert code == 0 and [r["complaint_id"] for r in out["open"]] == [older, newer]
    assert out["open"][1]["seconds_left"] - out["open"][0]["seconds_left"] == 3 * HOUR
    code, out = cli(capsys, profile, "show", older)
    assert code == 0 and out["order"]["paid_fee"] == 600
    assert [h["operate_type"] for h in out["history"]] == ["USER_CREATE_COMPLAINT"]
    (tmp_path / "proof.png").write_bytes(png())
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    code, out = cli(
        capsys,
        profile,
        "respond",
        older,
        "--text",
        "已补发",
        "--image",
        str(tmp_path / "notes.txt"),
    )
    assert code == 2 and out["error"]["kind"] == "validation"
    code, out = cli(
        capsys,
        profile,
        "respond",
        older,
        "--text",
        "已补发",
        "--image",
        str(tmp_path / "proof.png"),
    )
    assert code == 0 and out["state"] == "PROCESSING" and len(out["file_ids"]) == 1
    assert sim.state.complaint(older)[1][-1]["complaint_media_list"][0]["media_type"] == (
        "OPERATION_IMAGE"
    )
    code, out = cli(capsys, profile, "complete", older)
    assert (code, out["state"]) == (0, "PROCESSED")
    code, out = cli(capsys, profile, "list", "--no-refresh")
    assert [r["complaint_id"] for r in out["open"]] == [newer]
    assert main(["--config", str(profile), "complaints", "list", "--no-refresh"]) == 0
    assert "还剩" in capsys.readouterr().out


def test_a_small_demo_still_has_complaints(sim):
    summary = populate(sim.state, users=5, orders=50, days=30)
    assert summary.cases["complaint_2h"] and len(sim.state.complaints()) >= 2


async def test_wechat_refusing_an_answer_is_audited_and_changes_nothing(sim, http, mirror):
    complaint_id = paid_complaint(sim, ALICE)
    c = complaints_for(sim, http, mirror)
    await c.sync()
    sim.faults.add("response_complaint", "errcode_-1", count=1)
    with pytest.raises(XPayError) as caught:
        await c.respond(complaint_id, "已为您退款")
    assert caught.value.errcode == -1
    assert [r for r, _p in audit_rows(mirror, "complaint_response")] == ["intent", "error"]
    # why, in both languages: the Audit page and the CSV say their reader's half
    error = audit_rows(mirror, "complaint_response")[-1][1]["error"]
    zh, _, en = error.partition(" / ")
    assert zh and en and zh == caught.value.message("zh_CN") and en == caught.value.message("en")
    [row] = c.open()
    assert row.state == "PENDING" and row.answered_at == 0
    assert len(sim.state.complaint(complaint_id)[1]) == 1


async def test_two_operators_cannot_answer_one_complaint_at_once(sim, http, mirror):
    complaint_id = paid_complaint(sim, ALICE)
    c = complaints_for(sim, http, mirror)
    await c.sync()
    other = Locks(mirror, owner="other-host:1")
    with other.hold(f"complaint:{complaint_id}", operator="bob"):
        before = sim.requests
        with pytest.raises(Busy) as caught:
            await c.respond(complaint_id, "你好")
        assert "bob" in caught.value.message_en and sim.requests == before
    await c.respond(complaint_id, "你好")  # free again
