"""The team server follows refunds itself: two server processes on one PostgreSQL database, each
with its refund tracker, follow the same refunds and neither doubles a clawback (the engine's
locks are in the store). Nobody calls resolve: the refunds finish and their coins come back by
themselves, and desktops are told once per change (refund, clawback and ledger events)."""

from __future__ import annotations

import json
import time

import pytest

from core.mirror.db import Mirror
from core.mirror.vault import SessionKeyVault
from core.secret import Secret
from core.server import store
from tests.serverfixtures import (
    TeamServer,
    start_server,
    stop_server,
    team_sim,  # noqa: F401  (a fixture)
    write_config,
)

API = "/api/v1"
USERS = [f"oS2track_{n:020d}" for n in range(1, 7)]


@pytest.fixture(scope="module")
def pair(team_sim, tmp_path_factory, pg_cluster):  # noqa: F811
    folder = tmp_path_factory.mktemp("pg-tracker")
    url = pg_cluster.new_database()
    config = write_config(folder, team_sim, db=url)
    with Mirror(url) as mirror:
        store.create_tables(mirror)
        people = {"ann": store.add_operator(mirror, "ann", "admin")}
    procs = [start_server(config), start_server(config)]
    servers = [TeamServer(u, folder, config, url, p, people) for p, u in procs]
    servers[1].steps = servers[0].steps  # one TOTP clock per operator, whichever server
    yield servers
    for p, _u in procs:
        err = stop_server(p)
        assert "Traceback" not in err, err


def coins_taken(sim, openid):
    with sim.state.transaction() as conn:
        rows = conn.execute(
            "SELECT amount FROM coin_ops WHERE openid = ? AND kind = 'pay'", (openid,)
        ).fetchall()
    return [int(r[0]) for r in rows]


def test_two_servers_follow_the_same_refunds_and_take_each_clawback_once(pair, team_sim):  # noqa: F811
    a, b = pair
    paid = {}
    with Mirror(a.mirror_path) as m:
        since = store.last_event(m)
        vault = SessionKeyVault(m, bytes(range(32)))  # the servers' mirror key (serverfixtures)
        for openid in USERS:
            team_sim.add_user(openid)
            paid[openid] = team_sim.user_pays(openid, coins=600)
            key, _alive, _ = team_sim.state.session_key_state(openid)
            vault.store(openid, Secret(key), obtained_at=m.now(), source="backend")
    for n, openid in enumerate(USERS):  # asked on either server in turn
        server = (a, b)[n % 2]
        with server.client() as http:
            r = http.post(
                f"{API}/refund",
                headers=server.token("ann"),
                json={
                    "order_id": paid[openid]["order_id"],
                    "refund_fee": 600,
                    "left_fee": 600,
                    "reason": "投诉退款",
                    "request_key": f"track-{n}",
                    "openid": openid,
                    "clawback": True,
                },
            )
        assert r.status_code == 200 and r.json()["state"] == "refunding", r.text
    deadline, claws = time.monotonic() + 60, []
    while time.monotonic() < deadline:  # nobody resolves: the servers' trackers do it
        with Mirror(a.mirror_path) as m:
            claws = m.all("SELECT * FROM intents WHERE action = 'clawback' ORDER BY id")
        if len(claws) == len(USERS) and all(c["state"] == "done" for c in claws):
            break
        time.sleep(0.5)
    assert sorted(c["openid"] for c in claws) == sorted(USERS)
    assert [c["state"] for c in claws] == ["done"] * len(USERS), [dict(c) for c in claws]
    for openid in USERS:
        assert coins_taken(team_sim, openid) == [600]  # taken once, by one of the two
        assert team_sim.state.account(1, openid)["balance"] == 0
    time.sleep(0.5)  # events are written on each server's loop just after its round
    with Mirror(a.mirror_path) as m:
        rows = store.events_after(m, since, limit=1000)
        refunds = m.all("SELECT * FROM intents WHERE action = 'refund' ORDER BY id")
    events = [(kind, json.loads(data)) for _id, kind, data in rows]
    done_claws = [d["intent_id"] for k, d in events if k == "clawback" and d["state"] == "done"]
    assert sorted(done_claws) == sorted(c["id"] for c in claws)  # told once each
    done_refunds = [d for k, d in events if k == "refund" and d["state"] == "done"]
    assert sorted(d["refund_order_id"] for d in done_refunds) == sorted(
        r["wechat_id"] for r in refunds
    )  # told once each, whichever server saw it end
    assert all(r["state"] == "done" for r in refunds)
