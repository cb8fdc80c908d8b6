"""The developer's tools through the team server (a real server process, the simulator as
WeChat): a pasted push decoded with the server's keys as a solo desk decodes it, a rejection's
CallbackError whole (kind, detail, both messages), saving once, signatures made with the
merchant's AppKey on the server with no key on the wire either way, the connection test."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from core import wire
from core.callbacks import CallbackError
from core.desk import Desk
from core.profiles import load_profiles
from core.remote.errors import RemoteForbidden
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)

ALICE = "oTool00000000000000000000001"
URI = "/xpay/query_user_balance"
BODY = '{"openid":"oTool00000000000000000000001","env":1,"user_ip":"127.0.0.1"}'
SESSION_KEY = "c2Vzc2lvbi1rZXktb2YtYWxpY2U="


def solo(team) -> Desk:  # noqa: F811
    return Desk(load_profiles(team.folder / "profiles.toml").get("team"))


def a_push(sim) -> tuple[str, str]:
    sim.add_user(ALICE)
    sim.user_pays(ALICE, coins=100)
    pushed = sim.delivered[-1]
    return pushed.query, pushed.body


def test_a_push_is_decoded_by_the_server_as_the_solo_desk_decodes_it(team, team_sim):  # noqa: F811
    query, body = a_push(team_sim)
    remote, desk = remote_desk(team, "sam"), solo(team)
    try:
        mine = remote.decode_push(query, body)
        assert mine == desk.decode_push(query, body)
        result, error, reply = mine
        assert error is None and result is not None and result.event is not None
        assert result.event.openid == ALICE and json.loads(reply)["ErrCode"] == 0
    finally:
        asyncio.run(remote.close())
        asyncio.run(desk.close())


def test_a_rejection_comes_back_as_the_same_callback_error(team, team_sim):  # noqa: F811
    query, body = a_push(team_sim)
    forged = query.replace("msg_signature=", "msg_signature=0")
    remote, desk = remote_desk(team, "sam"), solo(team)
    try:
        for q, keys in ((forged, {}), (query, {"token": "not-the-token"})):
            result, error, reply = remote.decode_push(q, body, **keys)
            theirs = desk.decode_push(q, body, **keys)
            assert (result, reply) == (None, "") and isinstance(error, CallbackError)
            assert theirs[1] is not None
            assert (error.kind, error.detail) == (theirs[1].kind, theirs[1].detail)
            assert error.kind == "signature_mismatch"
            for lang in ("zh_CN", "en"):
                assert error.message(lang) == theirs[1].message(lang)
    finally:
        asyncio.run(remote.close())
        asyncio.run(desk.close())


def test_a_pasted_push_is_saved_once_into_the_servers_store(team, team_sim):  # noqa: F811
    team_sim.add_user(ALICE)
    team_sim.user_pays(ALICE, coins=200)
    pushed = team_sim.delivered[-1]  # never posted to the server: pasted instead
    remote, desk = remote_desk(team, "sam"), solo(team)
    try:
        assert remote.save_push(pushed.query, pushed.body) is True
        assert remote.save_push(pushed.query, pushed.body) is False
        assert desk.save_push(pushed.query, pushed.body) is False  # the same store
    finally:
        asyncio.run(remote.close())
        asyncio.run(desk.close())
    with team.mirror() as mirror:
        rows = mirror.all("SELECT verdict FROM pushes WHERE raw_query = ?", pushed.query)
        audit = mirror.all("SELECT operator FROM audit WHERE action = 'save_push'")
        events = [json.loads(e["data"]) for e in mirror.all("SELECT data FROM srv_events")]
    assert [r["verdict"] for r in rows] == ["accept"]
    assert [e for e in events if e.get("order_id") == rows_order(team, pushed.query)]
    assert "sam" in [a["operator"] for a in audit]


def rows_order(team, query: str) -> str:  # noqa: F811
    with team.mirror() as mirror:
        return str(mirror.one("SELECT order_id FROM pushes WHERE raw_query = ?", query)[0])


def test_a_viewer_may_not_decode_or_save_pushes(team, team_sim):  # noqa: F811
    query, body = a_push(team_sim)
    remote = remote_desk(team, "vera")
    try:
        with pytest.raises(RemoteForbidden):
            remote.decode_push(query, body)
        with pytest.raises(RemoteForbidden):
            remote.save_push(query, body)
        with pytest.raises(RemoteForbidden):
            remote.explain_signature(URI, BODY, app_key=None, session_key=None)
    finally:
        asyncio.run(remote.close())


def test_the_server_signs_with_its_key_and_no_key_crosses_the_wire(team, team_sim):  # noqa: F811
    sent: list[bytes] = []
    remote, desk = remote_desk(team, "sam"), solo(team)
    remote._http.event_hooks["request"].append(lambda r: sent.append(r.read()))
    received: list[bytes] = []
    remote._http.event_hooks["response"].append(lambda r: received.append(r.read()))
    try:
        report = remote.explain_signature(URI, BODY, app_key=None, session_key=SESSION_KEY)
        assert report == desk.explain_signature(URI, BODY, app_key=None, session_key=SESSION_KEY)
        assert report.pay_sig and report.signature
        assert remote.sign(URI, BODY) == desk.sign(URI, BODY)
        pasted = remote.explain_signature(URI, BODY, app_key="my-own-key", session_key=None)
        assert pasted == desk.explain_signature(URI, BODY, app_key="my-own-key", session_key=None)
    finally:
        asyncio.run(remote.close())
        asyncio.run(desk.close())
    keys = (team_sim.config.app_key, team_sim.config.sandbox_app_key)
    assert received and not any(k.encode() in r for r in received for k in keys)
    assert sent and not any(SESSION_KEY.encode() in s or b"my-own-key" in s for s in sent)
    assert set(wire.dump(report)) == {
        "uri",
        "body",
        "pay_sig_message",
        "pay_sig",
        "signature",
        "warnings",
    }


def test_the_connection_test_is_the_servers_own(team, team_sim):  # noqa: F811
    team_sim.add_user(ALICE)

    async def run() -> tuple[list[str], list[str]]:
        remote, desk = remote_desk(team, "vera"), solo(team)
        try:
            return await remote.test_connection(ALICE), await desk.test_connection(ALICE)
        finally:
            await remote.close()
            await desk.close()

    mine, theirs = asyncio.run(run())
    assert mine == theirs and mine[0] == "access_token + pay_sig OK"


def test_a_wrong_token_is_still_refused_as_login(team):  # noqa: F811
    r = httpx.post(f"{team.url}/api/v1/tools/signature", json={"uri": URI, "body": BODY})
    assert r.status_code == 401
