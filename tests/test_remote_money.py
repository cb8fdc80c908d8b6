"""Money through the team desk (core.remote.RemoteDesk) against a real server process, with the
simulator as WeChat: the same methods and results as a solo Desk, large amounts waiting for a
second operator, the server following a refund to its clawback with no desktop asking, the
events desktops follow, and nothing done while the server is away."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import time

import httpx
import pytest

from core.desk import Desk
from core.errors import XPayDeskError
from core.mirror.vault import SessionKeyVault
from core.operations import OpResult
from core.profiles import load_profiles
from core.remote.desk import RemoteDesk
from core.remote.errors import RemoteError, RemoteForbidden, ServerUnreachable
from core.remote.money import MONEY_TIMEOUT, StillRunning
from core.secret import Secret
from core.server import store
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)

API = "/api/v1"
GIFTED = "oS2gift_00000000000000000001"
REFUNDED = "oS2refund_000000000000000002"
DEDUCTED = "oS2deduct_000000000000000003"
AWAY = "oS2away_00000000000000000004"


def run(coro):
    return asyncio.run(coro)


@contextlib.asynccontextmanager
async def desks(team, *names):  # noqa: F811
    """Team desks of these operators, used and closed in one event loop (their async client
    belongs to it)."""
    opened = [remote_desk(team, n) for n in names]
    try:
        yield opened
    finally:
        for desk in opened:
            await desk.close()


def solo_desk(team) -> Desk:  # noqa: F811
    """A solo desk over the server's own store and profile: the reference for the results."""
    return Desk(load_profiles(team.folder / "profiles.toml").get("team"))


def intents(team, **where):  # noqa: F811
    ((key, value),) = where.items()
    with team.mirror() as m:
        return [dict(r) for r in m.all(f"SELECT * FROM intents WHERE {key} = ?", value)]


def events_after(team, after, kinds):  # noqa: F811
    with team.mirror() as m:
        rows = store.events_after(m, after, limit=1000)
    return [(kind, json.loads(data)) for _id, kind, data in rows if kind in kinds]


def last_event(team):  # noqa: F811
    with team.mirror() as m:
        return store.last_event(m)


def test_a_gift_is_the_same_result_as_the_solo_desks(team, team_sim):  # noqa: F811
    team_sim.add_user(GIFTED)
    before = team_sim.state.account(1, GIFTED)["balance"]
    since = last_event(team)

    async def scenario():
        solo = solo_desk(team)
        try:
            async with desks(team, "sam") as (sam,):
                result = await sam.gift(GIFTED, 300, reason="活动补偿", request_key="s2-gift-1")
            # the same request through a solo desk over the same store, as the same operator:
            # the engine answers the intent already done; the two results are equal
            as_sam = solo.acting_as("sam", "support", solo.ops.policy)
            again = await as_sam.gift(GIFTED, 300, reason="活动补偿", request_key="s2-gift-1")
        finally:
            await solo.close()
        return result, again

    result, again = run(scenario())
    assert isinstance(result, OpResult) and result == again
    assert result.state == "done" and result.intent_id > 0 and result.wechat_id
    assert team_sim.state.account(1, GIFTED)["balance"] == before + 300
    (intent,) = intents(team, request_key="s2-gift-1")
    assert intent["operator"] == "sam"
    ledger = [d for _k, d in events_after(team, since, {"ledger"})]
    told = {"action": "gift", "openid": GIFTED, "intent_id": result.intent_id, "state": "done"}
    assert [{k: e[k] for k in told} for e in ledger].count(told) == 1


def test_a_refusal_is_the_servers_with_both_messages(team):  # noqa: F811
    async def scenario():
        async with desks(team, "vera", "fay") as (vera, fay):
            with pytest.raises(RemoteForbidden) as viewer:
                await vera.gift(GIFTED, 10, reason="r", request_key="s2-vera-1")
            with pytest.raises(RemoteForbidden) as finance:  # finance's policy has no gifts
                await fay.gift(GIFTED, 10, reason="r", request_key="s2-fay-1")
            with pytest.raises(RemoteError) as no_note:
                await fay.abandon(999_999, note="")
        return viewer.value, finance.value, no_note.value

    viewer, finance, no_note = run(scenario())
    assert viewer.status == 403 and "viewer" in viewer.message("en")
    assert "角色" in viewer.message("zh_CN")
    assert finance.status == 403
    assert no_note.status in (404, 409, 422)
    assert intents(team, request_key="s2-vera-1") == intents(team, request_key="s2-fay-1") == []


def test_a_large_gift_waits_and_a_second_operator_approves_it(team, team_sim):  # noqa: F811
    team_sim.add_user(GIFTED)
    before = team_sim.state.account(1, GIFTED)["balance"]

    async def scenario():
        async with desks(team, "sam", "fay", "ada") as (sam, fay, ada):
            assert sam.needs_approval("gift", 1001) and not sam.needs_approval("gift", 1000)
            asked = await sam.gift(GIFTED, 1500, reason="大额补偿", request_key="s2-big-1")
            approval_id = asked.outcome["approval"]["id"]
            seen = (
                sam.approvals(mine=True),
                fay.approvals_waiting_for_me(),
                sam.approvals_waiting_for_me(),
            )
            with pytest.raises(RemoteForbidden) as by_support:
                await sam.approve(approval_id, "ok")
            done = await fay.approve(approval_id, "核对过投诉")
            with pytest.raises(RemoteError) as twice:
                await ada.approve(approval_id, "again")
        return asked, seen, by_support.value, done, twice.value

    asked, (mine, for_fay, for_sam), by_support, done, twice = run(scenario())
    approval_id = asked.outcome["approval"]["id"]
    assert (asked.intent_id, asked.wechat_id, asked.state) == (0, "", "awaiting_approval")
    assert asked.action == "gift" and approval_id in asked.message and "审批" in asked.message
    (request,) = [a for a in mine if a.id == approval_id]
    assert (request.amount, request.unit, request.requested_by) == (1500, "coins", "sam")
    assert request.request["openid"] == GIFTED and request.expires_at > request.requested_at
    assert for_fay >= 1 and for_sam == 0  # support approves nothing
    assert by_support.status == 403
    assert (done.state, done.decided_by, done.decision_reason) == ("approved", "fay", "核对过投诉")
    assert done.result is not None and done.result["state"] == "done"
    assert twice.status == 409
    (intent,) = intents(team, request_key="s2-big-1")
    assert intent["operator"] == "sam" and intent["id"] == done.result["intent_id"]
    assert team_sim.state.account(1, GIFTED)["balance"] == before + 1500


def test_nobody_approves_their_own_request(team):  # noqa: F811
    async def scenario():
        async with desks(team, "ada", "fred") as (ada, fred):
            asked = await ada.gift(GIFTED, 1200, reason="r", request_key="s2-own-1")
            approval_id = asked.outcome["approval"]["id"]
            with pytest.raises(RemoteForbidden) as own:
                await ada.approve(approval_id, "mine")
            others = [a for a in ada.approvals() if a.requested_by != "ada"]
            assert ada.approvals_waiting_for_me() == len(others)
            assert approval_id in [a.id for a in fred.approvals()]
            rejected = await fred.reject(approval_id, "金额不符")
        return own.value, rejected

    own, rejected = run(scenario())
    assert own.kind == "self_approval" and own.status == 403
    assert rejected.state == "rejected" and rejected.decided_by == "fred"
    assert intents(team, request_key="s2-own-1") == []


def test_a_solo_desk_has_no_approvals(team):  # noqa: F811
    async def scenario():
        solo = solo_desk(team)
        try:
            assert solo.approvals() == [] and solo.approvals(mine=True) == []
            assert solo.approvals_waiting_for_me() == 0
            assert solo.needs_approval("gift", 10**9) is False
            with pytest.raises(XPayDeskError) as caught:
                await solo.approve("x", "r")
        finally:
            await solo.close()
        return caught.value

    caught = run(scenario())
    assert "solo" in caught.message("en") and "审批" in caught.message("zh_CN")


def test_a_refund_is_followed_by_the_server_to_its_clawback(team, team_sim):  # noqa: F811
    """No desktop asks: the server's own tracker follows the refund, runs its clawback, and
    tells desktops (refund, clawback and ledger events)."""
    team_sim.add_user(REFUNDED)
    paid = team_sim.user_pays(REFUNDED, coins=600)
    key, _alive, _ = team_sim.state.session_key_state(REFUNDED)
    with team.mirror() as m:  # the backend posted the user's key at login
        SessionKeyVault(m, bytes(range(32))).store(
            REFUNDED, Secret(key), obtained_at=m.now(), source="backend"
        )
    since = last_event(team)

    async def scenario():
        async with desks(team, "sam") as (sam,):
            return await sam.refund(
                paid["order_id"],
                600,
                left_fee=600,
                reason="投诉退款",
                request_key="s2-refund-1",
                openid=REFUNDED,
                clawback=True,
            )

    started = run(scenario())
    assert started.state == "refunding", started
    deadline, seen = time.monotonic() + 20, []
    while time.monotonic() < deadline:
        seen = events_after(team, since, {"refund", "clawback"})
        if ("clawback", "done") in [(k, d["state"]) for k, d in seen]:
            break
        time.sleep(0.2)
    refunds = [d for k, d in seen if k == "refund"]
    clawbacks = [d for k, d in seen if k == "clawback"]
    assert refunds and refunds[-1]["state"] == "done", seen
    assert refunds[-1]["order_id"] == paid["order_id"] and refunds[-1]["openid"] == REFUNDED
    assert clawbacks and clawbacks[-1]["state"] == "done", seen
    assert clawbacks[-1]["refund_order_id"] == refunds[-1]["refund_order_id"]
    assert team_sim.state.account(1, REFUNDED)["balance"] == 0  # the 600 coins taken back once
    claws = intents(team, openid=REFUNDED)
    assert [c["state"] for c in claws if c["action"] == "clawback"] == ["done"]


def test_nothing_is_sent_while_the_server_is_away(team, team_sim):  # noqa: F811
    team_sim.add_user(AWAY)

    async def scenario():
        async with desks(team, "sam") as (sam,):
            sam.approvals(mine=True)  # a read that will be shown stale
            for client in (sam._http, sam._ahttp):
                client.base_url = httpx.URL("http://127.0.0.1:9/api/v1")  # nothing listens
            with pytest.raises(ServerUnreachable):
                await sam.gift(AWAY, 5, reason="r", request_key="s2-away-1")
            assert not sam.online
            with pytest.raises(ServerUnreachable):  # refused before anything is tried
                await sam.deduct(AWAY, 5, reason="r", request_key="s2-away-2")
            with pytest.raises(ServerUnreachable):
                await sam.approve("any", "r")
            with pytest.raises(ServerUnreachable):
                await sam.resolve()
            assert sam.approvals(mine=True) is not None and sam.stale_since is not None

    run(scenario())
    assert intents(team, request_key="s2-away-1") == intents(team, request_key="s2-away-2") == []


def test_a_pasted_session_key_goes_to_the_server_and_nowhere_else(team, team_sim):  # noqa: F811
    team_sim.add_user(DEDUCTED)
    team_sim.user_pays(DEDUCTED, coins=500)
    key, _alive, _ = team_sim.state.session_key_state(DEDUCTED)
    since = last_event(team)

    async def scenario():
        async with desks(team, "sam") as (sam,):
            done = await sam.deduct(
                DEDUCTED, 40, reason="误发", request_key="s2-ded-1", session_key=key
            )
            with pytest.raises(RemoteError) as bad:
                await sam.deduct(
                    DEDUCTED, 40, reason="r", request_key="s2-ded-2", session_key="short"
                )
        return done, bad.value

    done, bad = run(scenario())
    assert done.state == "done" and key not in json.dumps(done.outcome)
    assert team_sim.state.account(1, DEDUCTED)["balance"] == 460
    assert key not in bad.message("en") and "short" not in bad.message("en")
    with team.mirror() as m:
        audit = json.dumps([dict(r) for r in m.all("SELECT * FROM audit")], default=str)
        events = json.dumps(store.events_after(m, since, limit=1000))
    assert key not in audit and key not in events


def test_waiting_for_a_refund_ends_with_the_solo_desks_answer(team, team_sim):  # noqa: F811
    waited = "oS2wait_00000000000000000005"
    team_sim.add_user(waited)
    paid = team_sim.user_pays(waited, coins=300)

    async def scenario():
        solo = solo_desk(team)
        try:
            async with desks(team, "sam") as (sam,):
                started = await sam.refund(
                    paid["order_id"],
                    300,
                    left_fee=300,
                    reason="r",
                    request_key="s2-wait-1",
                    openid=waited,
                )
                ended = await sam.wait_for_refund(started.intent_id, timeout=20)
            return started, ended, await solo.wait_for_refund(started.intent_id, timeout=1)
        finally:
            await solo.close()

    started, ended, solo_says = run(scenario())
    assert started.state == "refunding" and ended.state == "done"
    assert ended == solo_says
    assert team_sim.state.order_row(paid["order_id"])["left_fee"] == 0


ITEM_USER = "oS2item_00000000000000000006"
CANCELLED = "oS2cancel_000000000000000007"
LOGIN = "oS2login_00000000000000000008"


def test_an_item_order_is_refreshed_then_delivered_through_the_server(team, team_sim):  # noqa: F811
    team_sim.add_user(ITEM_USER)
    item = team_sim.state.create_order(
        openid=ITEM_USER, env=1, kind="item", order_fee=990, quantity=1
    )
    team_sim.state.pay_order(item["order_id"], push=False)  # the push never came

    async def scenario():
        async with desks(team, "sam", "vera") as (sam, vera):
            with pytest.raises(RemoteForbidden):
                await vera.refresh_order(item["order_id"], openid=ITEM_USER)
            refreshed = await sam.refresh_order(item["order_id"], openid=ITEM_USER)
            with team.mirror() as m:
                before = m.one("SELECT status FROM orders WHERE order_id = ?", item["order_id"])
            delivered = await sam.deliver(item["order_id"], reason="补发", request_key="s2-dv-1")
        return refreshed, before, delivered

    refreshed, before, delivered = run(scenario())
    assert refreshed is None and before is not None and before["status"] != 4
    assert delivered.state == "done" and delivered.action == "deliver"
    with team.mirror() as m:
        after = m.one("SELECT status FROM orders WHERE order_id = ?", item["order_id"])
    assert after["status"] == 4


def test_a_deduction_is_cancelled_through_the_server(team, team_sim):  # noqa: F811
    team_sim.add_user(CANCELLED)
    team_sim.user_pays(CANCELLED, coins=200)
    key, _alive, _ = team_sim.state.session_key_state(CANCELLED)

    async def scenario():
        async with desks(team, "sam") as (sam,):
            took = await sam.deduct(
                CANCELLED, 50, reason="r", request_key="s2-cd-1", session_key=key
            )
            middle = team_sim.state.account(1, CANCELLED)["balance"]
            back = await sam.cancel_deduction(
                CANCELLED,
                took.wechat_id,
                50,
                reason="扣错了",
                request_key="s2-cd-2",
                session_key=key,
            )
        return took, middle, back

    took, middle, back = run(scenario())
    assert took.state == "done" and middle == 150
    assert back.state == "done" and back.action == "cancel_deduction", back
    assert team_sim.state.account(1, CANCELLED)["balance"] == 200


def test_a_clawback_waiting_for_login_is_retried_through_the_server(team, team_sim):  # noqa: F811
    team_sim.add_user(LOGIN)
    paid = team_sim.user_pays(LOGIN, coins=400)

    async def scenario():
        async with desks(team, "sam") as (sam,):
            started = await sam.refund(
                paid["order_id"],
                400,
                left_fee=400,
                reason="r",
                request_key="s2-login-1",
                openid=LOGIN,
                clawback=True,
            )
            await sam.wait_for_refund(started.intent_id, timeout=20)
            claw = []
            for _ in range(50):  # the server's tracker runs the clawback: no key, so it waits
                claw = [i for i in sam.pending() if i.action == "clawback" and i.openid == LOGIN]
                if claw and claw[0].state == "needs_login":
                    break
                await asyncio.sleep(0.2)
            key, _alive, _ = team_sim.state.session_key_state(LOGIN)
            with team.mirror() as m:  # the user logs in; the backend posts the key
                SessionKeyVault(m, bytes(range(32))).store(
                    LOGIN, Secret(key), obtained_at=m.now() + 2, source="backend"
                )
            return claw, await sam.retry_clawback(claw[0].id)

    claw, retried = run(scenario())
    assert [c.state for c in claw] == ["needs_login"]
    assert retried.intent_id == claw[0].id and retried.state == "done", retried
    assert team_sim.state.account(1, LOGIN)["balance"] == 0


def test_abandon_refuses_what_reached_wechat_as_the_solo_desk_does(team, team_sim):  # noqa: F811
    async def scenario():
        solo = solo_desk(team)
        try:
            async with desks(team, "sam") as (sam,):
                done = await sam.gift(GIFTED, 3, reason="r", request_key="s2-abandon-1")
                with pytest.raises(RemoteError) as remote:
                    await sam.abandon(done.intent_id, note="never sent?")
            with pytest.raises(XPayDeskError) as local:
                await solo.abandon(done.intent_id, note="never sent?")
        finally:
            await solo.close()
        return remote.value, local.value

    team_sim.add_user(GIFTED)
    remote, local = run(scenario())
    assert remote.status == 409
    assert remote.message("en") == local.message("en")
    assert remote.message("zh_CN") == local.message("zh_CN")


MONEY_METHODS = (
    "gift",
    "deduct",
    "cancel_deduction",
    "refund",
    "deliver",
    "refresh_order",
    "start_clawback",
    "retry_clawback",
    "abandon",
    "resolve",
    "wait_for_refund",
    "run_bulk",
    "approvals",
    "approvals_waiting_for_me",
    "needs_approval",
    "approve",
    "reject",
)


def test_the_money_methods_have_the_solo_desks_signatures():
    for name in MONEY_METHODS:
        solo, team_side = getattr(Desk, name), getattr(RemoteDesk, name)
        assert inspect.signature(solo) == inspect.signature(team_side), name
        assert inspect.iscoroutinefunction(solo) == inspect.iscoroutinefunction(team_side), name


SLOW = "oS2slow_00000000000000000009"


def test_a_slow_answer_is_still_running_not_a_lost_server(team, team_sim):  # noqa: F811
    team_sim.add_user(SLOW)
    before = team_sim.state.account(1, SLOW)["balance"]

    async def scenario():
        async with desks(team, "sam") as (sam,):
            sam.money_timeout = httpx.Timeout(connect=1.5, read=0.001, write=5.0, pool=5.0)
            with pytest.raises(StillRunning) as slow:
                await sam.gift(SLOW, 7, reason="r", request_key="s2-slow-1")
            online = sam.online
            sam.money_timeout = MONEY_TIMEOUT
            for _ in range(50):  # the server carried on: the gift is done there
                if [i["state"] for i in intents(team, request_key="s2-slow-1")] == ["done"]:
                    break
                await asyncio.sleep(0.1)
            again = await sam.gift(SLOW, 7, reason="r", request_key="s2-slow-1")
        return slow.value, online, again

    slow, online, again = run(scenario())
    assert online and "still working" in slow.message("en") and "仍在处理" in slow.message("zh_CN")
    assert again.state == "done"  # asked again with the same key: the same gift, not a second
    assert team_sim.state.account(1, SLOW)["balance"] == before + 7
    assert len(intents(team, request_key="s2-slow-1")) == 1
