"""Two team-server processes on one PostgreSQL database (a real throwaway cluster): a request made
on one is approved on the other, and disabling an operator ends their sessions on both."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from core.mirror.db import Mirror
from core.server import store
from tests.serverfixtures import (
    ROOT,
    TeamServer,
    start_server,
    stop_server,
    team_sim,  # noqa: F401  (a fixture)
    write_config,
)
from tests.simfixtures import ALICE, BOB

API = "/api/v1"


@pytest.fixture(scope="module")
def pair(team_sim, tmp_path_factory, pg_cluster):  # noqa: F811
    folder = tmp_path_factory.mktemp("pg")
    url = pg_cluster.new_database()
    config = write_config(folder, team_sim, db=url)
    with Mirror(url) as mirror:
        store.create_tables(mirror)
        people = {
            n: store.add_operator(mirror, n, r) for n, r in (("ann", "admin"), ("fin", "finance"))
        }
    procs = [start_server(config), start_server(config)]
    servers = [TeamServer(u, folder, config, url, p, people) for p, u in procs]
    servers[1].steps = servers[0].steps  # one TOTP clock per operator, whichever server
    yield servers
    for p, _u in procs:
        err = stop_server(p)
        assert "Traceback" not in err, err


def test_asked_on_one_server_approved_on_the_other(pair, team_sim):  # noqa: F811
    a, b = pair
    team_sim.add_user(ALICE)
    before = team_sim.state.account(1, ALICE)["balance"]
    body = {"openid": ALICE, "amount": 1800, "reason": "r", "request_key": "pg-big-1"}
    with a.client() as on_a, b.client() as on_b:
        asked = on_a.post(f"{API}/gift", headers=a.token("ann"), json=body)
        approval_id = asked.json()["approval"]["id"]
        ok = on_b.post(
            f"{API}/approvals/{approval_id}/approve", headers=b.token("fin"), json={"reason": "ok"}
        )
        again = on_a.post(
            f"{API}/approvals/{approval_id}/approve", headers=a.token("fin"), json={"reason": "x"}
        )
    assert asked.status_code == 202 and ok.status_code == 200, ok.text
    assert again.status_code == 409
    assert team_sim.state.account(1, ALICE)["balance"] == before + 1800
    with Mirror(a.mirror_path) as m:
        row = m.one("SELECT operator, state FROM intents WHERE request_key = 'pg-big-1'")
    assert (row["operator"], row["state"]) == ("ann", "done")


def test_disabling_on_the_command_line_ends_sessions_on_both_servers(pair):
    a, b = pair
    auth = a.token("ann")
    with a.client() as on_a, b.client() as on_b:
        assert on_b.get(f"{API}/me", headers=auth).status_code == 200  # a token works on both
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "core.server.cli",
                "operator",
                "disable",
                "ann",
                "--config",
                str(a.config),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert on_a.get(f"{API}/me", headers=auth).status_code == 401
        assert on_b.get(f"{API}/me", headers=auth).status_code == 401


def test_a_push_to_a_server_on_postgresql_is_stored_once_and_applied(pair, team_sim):  # noqa: F811
    a, _b = pair
    team_sim.config.push.url = f"{a.url}/wechat/push"
    try:
        paid = team_sim.user_pays(BOB, coins=600)
    finally:
        team_sim.config.push.url = None
    wire = team_sim.delivered[-1]
    again = httpx.post(
        f"{a.url}/wechat/push?{wire.query}",
        content=wire.body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert "HTTP 200" in wire.delivered, wire.delivered
    assert again.status_code == 200 and again.json()["ErrCode"] == 0  # WeChat's retry: acked
    with Mirror(a.mirror_path) as m:
        stored = m.all("SELECT verdict FROM pushes WHERE raw_query = ?", wire.query)
        order = m.one("SELECT paid_fee FROM orders WHERE order_id = ?", paid["order_id"])
    assert [r["verdict"] for r in stored] == ["accept"]
    assert order is not None and order["paid_fee"] == paid["paid_fee"]
