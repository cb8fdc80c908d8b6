"""Reads over the team server: each RemoteDesk read returns what the solo Desk returns over the
same store (the server's mirror file), for a world made through the server (payments pushed by
the simulated WeChat, a gift, a deduction, a refund whose clawback waits for the user's login);
a viewer is refused the audit log."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from core.desk import Desk
from core.mirror.audit import AuditLog
from core.mirror.queries import OrderFilter, OrderSort
from core.profiles import load_profiles
from core.remote.desk import RemoteDesk
from core.remote.errors import RemoteError, RemoteForbidden
from core.secret import Secret
from core.server import store
from core.server.config import load_config
from tests.remotefixtures import remote_desk
from tests.serverfixtures import TeamServer, team, team_sim  # noqa: F401  (fixtures)
from tests.simfixtures import ALICE, BOB

API = "/api/v1"


@dataclass
class World:
    paid: str  # ALICE's order, partly refunded
    refund_order_id: str
    other: str  # BOB's order


def solo_desk(team: TeamServer) -> Desk:  # noqa: F811
    return Desk(load_profiles(team.folder / "profiles.toml").get("team"))


@contextlib.contextmanager
def desks(team: TeamServer, name: str) -> Iterator[tuple[Desk, RemoteDesk]]:  # noqa: F811
    solo, remote = solo_desk(team), remote_desk(team, name)
    try:
        yield solo, remote
    finally:
        asyncio.run(remote.close())
        asyncio.run(solo.close())


@contextlib.contextmanager
def pushing_to(team, sim):  # noqa: F811
    sim.config.push.url = f"{team.url}/wechat/push"
    try:
        yield
    finally:
        sim.config.push.url = None


def order_of(team, openid, kind):  # noqa: F811
    with team.mirror() as m:
        row = m.one("SELECT order_id FROM orders WHERE openid = ? AND kind = ?", openid, kind)
    assert row is not None
    return str(row["order_id"])


@pytest.fixture(scope="module")
def world(team, team_sim) -> World:  # noqa: F811
    bob_key = team_sim.add_user(BOB)
    team_sim.add_user(ALICE)
    with pushing_to(team, team_sim):
        team_sim.user_pays(ALICE, coins=600)
        team_sim.user_pays(BOB, coins=300)
        team_sim.user_pays(ALICE, kind="item", fee=120, product_id="sword")
    paid, other = order_of(team, ALICE, "coin"), order_of(team, BOB, "coin")
    solo = solo_desk(team)  # BOB's session key, as an import would store it
    solo.vault.store(BOB, Secret(bob_key), obtained_at=int(time.time()), source="import")
    asyncio.run(solo.close())
    with team.client() as http:
        for path, who, body in (
            ("gift", "sam", {"openid": BOB, "amount": 5, "reason": "补偿", "request_key": "w-g"}),
            ("deduct", "sam", {"openid": BOB, "amount": 2, "reason": "r", "request_key": "w-d"}),
            (
                "refund",
                "fay",
                {
                    "order_id": paid,
                    "refund_fee": 100,
                    "left_fee": 600,
                    "reason": "投诉退款",
                    "request_key": "w-r",
                    "clawback": True,
                },
            ),
        ):
            r = http.post(f"{API}/{path}", headers=team.token(who), json=body)
            assert r.status_code == 200, r.text
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # WeChat finishes the refund in 0.2 s
            time.sleep(0.2)
            http.post(f"{API}/pending/resolve", headers=team.token("fay"))
            (refund,) = solo_rows(team, "SELECT * FROM refunds WHERE order_id = ?", (paid,))
            if refund["status"] == "refunded":
                break
    assert refund["status"] == "refunded"
    return World(paid, refund["refund_order_id"], other)


def solo_rows(team, sql, params):  # noqa: F811
    with team.mirror() as m:
        return [dict(r) for r in m.all(sql, *params)]


def test_user_card_and_timeline_are_the_solo_desks(team, world):  # noqa: F811
    async def both() -> None:
        solo, remote = solo_desk(team), remote_desk(team, "vera")
        try:
            for openid in (ALICE, BOB, "oNobody_000000000000000000003"):
                assert await remote.lookup_user(openid, live=False) == await solo.lookup_user(
                    openid, live=False
                )
            live = await remote.lookup_user(BOB)
            assert live.balance is not None and live.balance_error == ""
            assert live.balance == (await solo.lookup_user(BOB)).balance
            assert any(e.kind == "gift" and e.amount == 5 for e in live.timeline)
            assert await remote.live_balance(BOB) == await solo.live_balance(BOB) is not None
            assert await remote.live_balance(ALICE) is None  # no key on the server
            assert await remote.check_session(BOB) is True
            assert await remote.check_session(ALICE) is None
            assert await remote.check_session(BOB, "bm90LXRoZS1rZXk=") is False
        finally:
            await remote.close()
            await solo.close()

    asyncio.run(both())


def test_user_lists_and_balances_are_the_solo_desks(team, world):  # noqa: F811
    with desks(team, "vera") as (solo, remote):
        for openid in (ALICE, BOB):
            assert remote.user_orders(openid) == solo.user_orders(openid)
            assert remote.user_deductions(openid) == solo.user_deductions(openid)
            assert remote.known_balance(openid) == solo.known_balance(openid)
        assert remote.user_deductions(BOB)[0]["amount"] == 2
        assert remote.users_overview() == solo.users_overview()
        assert remote.users_overview()[0]  # ALICE's clawback waits for her login


def test_orders_detail_left_fee_and_search_are_the_solo_desks(team, world):  # noqa: F811
    with desks(team, "vera") as (solo, remote):
        assert remote.order_detail(world.paid) == solo.order_detail(world.paid)
        assert remote.order_detail(world.paid)["refunds"]  # type: ignore[index]
        assert remote.order_detail("no-such-order") is None
        assert remote.left_fee(world.paid) == solo.left_fee(world.paid) == 500
        assert remote.left_fee("no-such-order") is None
        for term in (ALICE, world.paid, world.refund_order_id, "nothing-like-it"):
            assert remote.search(term) == solo.search(term)
        assert remote.search(world.paid)


def test_every_order_filter_and_sort_pages_as_the_solo_desk(team, world):  # noqa: F811
    filters = [
        OrderFilter(),
        OrderFilter(openid=ALICE),
        OrderFilter(kind="item"),
        OrderFilter(statuses=(2, 3, 4)),
        OrderFilter(since=0, until=2_000_000_000, env=1),
        OrderFilter(env=0),
    ]
    with desks(team, "vera") as (solo, remote):
        for filt in filters:
            for sort in (OrderSort(), OrderSort("paid_fee", descending=False)):
                mine, theirs = remote.order_pager(filt, sort), solo.order_pager(filt, sort)
                assert mine.total == theirs.total
                assert mine.rows(0, 200) == theirs.rows(0, 200)
                assert mine.rows(1, 1) == theirs.rows(1, 1)
                assert not mine.needs_anchors(10_000) and mine.mirror is None
        assert remote.order_pager(OrderFilter(openid=ALICE), OrderSort()).total == 2


def test_refunds_clawbacks_and_pending_are_the_solo_desks(team, world):  # noqa: F811
    with desks(team, "vera") as (solo, remote):
        assert remote.refunds() == solo.refunds()
        assert remote.refunds(only_open=True, limit=5) == solo.refunds(only_open=True, limit=5)
        assert remote.refunds()[0]["clawback"] == "needs_login"
        status = remote.clawback_status(world.refund_order_id)
        assert status == solo.clawback_status(world.refund_order_id)
        assert status.open_intent is not None and status.word == "needs_login"
        assert remote.clawback_status(world.refund_order_id, coins=60) == solo.clawback_status(
            world.refund_order_id, coins=60
        )
        assert remote.pending() == solo.pending()
        assert [i.action for i in remote.pending()] == ["clawback"]


def test_the_callers_limits_and_policy_are_the_servers_for_that_operator(team, world):  # noqa: F811
    config = load_config(team.config)
    with desks(team, "sam") as (solo, remote):
        as_sam = solo.acting_as("sam", "support", config.policy("support"))
        assert remote.limit_left("gift") == as_sam.limit_left("gift")
        assert remote.limit_left("gift")[0] == 1800  # server.toml's [limits.support]
        for action, amount in (("gift", 10), ("gift", 5000), ("refund", 10)):
            assert remote.policy_problem(action, amount) == as_sam.policy_problem(action, amount)
        assert remote.policy_problem("gift", 10) is None
        assert remote.policy_problem("gift", 5000) is not None  # above sam's 1800
    with desks(team, "vera") as (solo, viewer):
        problem = viewer.policy_problem("gift", 1)
        assert problem is not None and "viewer" in problem[1]


def test_an_operators_own_stricter_limit_is_what_their_desk_is_told(team, world):  # noqa: F811
    with team.mirror() as m:
        store.set_limits(m, "dora", {"gift": 300, "daily_gift": 400})
    with desks(team, "dora") as (_solo, dora), desks(team, "sam") as (_solo2, sam):
        assert dora.limit_left("gift") == (300, 400)
        assert (
            dora.policy_problem("gift", 500) is not None and sam.policy_problem("gift", 500) is None
        )


def test_the_audit_log_verify_and_export_are_the_solo_desks(team, world, tmp_path):  # noqa: F811
    with team.mirror() as m:  # a row whose CSV record spans lines: still one row
        log = AuditLog(m, operator="ada", profile="team", env=1, host='第一行\n"second", line')
        log.append("note", {"text": "x"}, result="ok", openid=ALICE)
    with desks(team, "fay") as (solo, remote):
        assert remote.audit_rows(limit=50) == solo.audit_rows(limit=50)
        assert remote.audit_rows(openid=ALICE, action="refund") == solo.audit_rows(
            openid=ALICE, action="refund"
        )
        assert remote.verify_audit() == solo.verify_audit()
        assert remote.verify_audit().ok and remote.verify_audit().rows > 0
        for fmt, name in (("csv", "audit.csv"), ("json", "audit.jsonl")):
            count = remote.export_audit(tmp_path / f"remote-{name}", fmt=fmt, lang="en")
            assert count == solo.export_audit(tmp_path / f"solo-{name}", fmt=fmt, lang="en")
            mine = (tmp_path / f"remote-{name}").read_bytes()
            assert mine == (tmp_path / f"solo-{name}").read_bytes() and count > 0
        assert (tmp_path / "remote-audit.csv").read_bytes().startswith(b"\xef\xbb\xbf")
        shown = io.StringIO()
        assert remote.write_audit(shown, openid=ALICE) == solo.write_audit(
            io.StringIO(), openid=ALICE
        )
        assert "第一行" in shown.getvalue() and not list(tmp_path.glob("*.part"))


def test_a_viewer_is_refused_the_audit_log_and_no_file_is_written(team, world, tmp_path):  # noqa: F811
    with desks(team, "vera") as (_solo, viewer):
        for read in (viewer.audit_rows, viewer.verify_audit):
            with pytest.raises(RemoteForbidden):
                read()
        with pytest.raises(RemoteForbidden) as caught:
            viewer.export_audit(tmp_path / "audit.csv")
        assert caught.value.status == 403 and "角色" in caught.value.message("zh_CN")
        assert not (tmp_path / "audit.csv").exists()
    refused = solo_rows(team, "SELECT * FROM audit WHERE action = 'refused'", ())
    assert any(r["operator"] == "vera" and "audit" in r["params"] for r in refused)


def test_wechat_reads_through_the_server_are_the_solo_desks(team, world):  # noqa: F811
    async def both() -> None:
        solo, remote = solo_desk(team), remote_desk(team, "vera")
        try:
            assert await remote.user_balance(BOB) == await solo.user_balance(BOB)
            with pytest.raises(RemoteError) as caught:
                await remote.user_balance(ALICE)  # no key stored for her, none given
            assert caught.value.status == 422 and "session" in caught.value.message("en")
            asked = {"openid": ALICE, "order_id": world.paid}
            order = await remote.query_order(**asked)
            assert order == await solo.query_order(**asked) and order.left_fee == 500
        finally:
            await remote.close()
            await solo.close()

    asyncio.run(both())


def test_a_refunds_clawbacks_the_clock_and_the_store_are_the_servers(team, world):  # noqa: F811
    with desks(team, "vera") as (solo, remote):
        (clawback,) = solo.pending()
        assert clawback.parent_id is not None
        children = remote.intent_children(clawback.parent_id)
        assert children == solo.intent_children(clawback.parent_id) == [clawback]
        assert abs(remote.now() - solo.now()) <= 2
        assert remote.store_where == team.url
