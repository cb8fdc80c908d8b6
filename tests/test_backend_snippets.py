"""The few lines a merchant's backend adds to its login handler (packaging/backend-snippets/, shown
verbatim in the README), each run for real (Node.js and Python, in their own processes) against a
real server process: the key is stored encrypted, never echoed, and the clawback waiting for that
user's login runs."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from core.mirror.db import Mirror
from tests.serverfixtures import (
    ROOT,
    TeamServer,
    team,  # noqa: F401  (a fixture)
    team_sim,  # noqa: F401  (a fixture)
)

SNIPPETS = ROOT / "packaging" / "backend-snippets"
NODE = SNIPPETS / "xpaydesk-session-key.js"
PYTHON = SNIPPETS / "xpaydesk_session_key.py"
API = "/api/v1"


def backend_token(team: TeamServer) -> str:  # noqa: F811
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.server.cli",
            "backend",
            "add",
            "shop-backend",
            "--json",
            "--config",
            str(team.config),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    return str(json.loads(made.stdout)["token"])


def clawback_waiting_for_login(team: TeamServer, sim, openid: str) -> None:  # noqa: F811
    """The user pays (a push to the server), a refund with a clawback runs, and the clawback
    waits for the user's next login: the server holds no session key for them."""
    sim.add_user(openid)
    sim.config.push.url = f"{team.url}/wechat/push"
    try:
        sim.user_pays(openid, coins=600)
    finally:
        sim.config.push.url = None
    with team.mirror() as m:
        (order,) = m.all("SELECT order_id FROM orders WHERE openid = ?", openid)
    body = {
        "order_id": order["order_id"],
        "refund_fee": 600,
        "left_fee": 600,
        "reason": "refund with clawback",
        "request_key": f"snippet-{openid}",
        "clawback": True,
    }
    with team.client() as http:
        r = http.post(f"{API}/refund", headers=team.token("sam"), json=body)
        assert r.status_code == 200, r.text
        claws, deadline = [], time.monotonic() + 15
        while not claws and time.monotonic() < deadline:
            time.sleep(0.2)
            http.post(f"{API}/pending/resolve", headers=team.token("sam"))
            with team.mirror() as m:
                claws = m.all(
                    "SELECT state FROM intents WHERE action = 'clawback' AND openid = ?", openid
                )
    assert [c["state"] for c in claws] == ["needs_login"]
    assert sim.state.account(1, openid)["balance"] == 600


def run(command: list[str], team: TeamServer, token: str, login: dict[str, str]):  # noqa: F811
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(XPAYDESK_URL=team.url, XPAYDESK_BACKEND_TOKEN=token)
    return subprocess.run(
        command, input=json.dumps(login), capture_output=True, text=True, env=env, timeout=60
    )


def check_snippet(command: list[str], team: TeamServer, sim, openid: str) -> None:  # noqa: F811
    token = backend_token(team)
    clawback_waiting_for_login(team, sim, openid)
    fresh, _alive, _ = sim.state.session_key_state(openid)
    login = {"openid": openid, "session_key": fresh}
    refused = run(command, team, "xpdb_not-a-token", login)
    assert refused.returncode == 1 and "HTTP 401" in refused.stderr
    done = run(command, team, token, login)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["stored"] is True
    assert [c["state"] for c in answer["clawbacks"]] == ["done"], answer
    assert sim.state.account(1, openid)["balance"] == 0
    for output in (refused.stdout, refused.stderr, done.stdout, done.stderr):
        assert fresh not in output
    with Mirror(team.mirror_path) as m:
        row = m.one("SELECT * FROM session_keys WHERE openid = ?", openid)
    assert row["source"] == "backend"
    raw = base64.b64decode(fresh)  # neither the key's text nor its 16 bytes are stored
    for value in dict(row).values():
        if isinstance(value, (bytes, memoryview)):
            assert fresh.encode() not in bytes(value) and raw not in bytes(value)
        else:
            assert fresh not in str(value)
    user = httpx.get(
        f"{team.url}{API}/users/{openid}", params={"live": "false"}, headers=team.token("vera")
    )
    assert user.status_code == 200 and fresh not in user.text
    assert user.json()["session"]["source"] == "backend"


def test_the_readme_shows_each_snippet_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippets = sorted(SNIPPETS.iterdir())
    assert [p.name for p in snippets] == [NODE.name, PYTHON.name]
    for path in snippets:
        assert path.read_text(encoding="utf-8") in readme, path.name


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js (node) is not installed")
def test_the_node_snippet_posts_a_key_that_runs_the_waiting_clawback(team, team_sim):  # noqa: F811
    check_snippet(["node", str(NODE)], team, team_sim, "oNodeU_0000000000000000000011")


def test_the_python_snippet_posts_a_key_that_runs_the_waiting_clawback(team, team_sim):  # noqa: F811
    check_snippet([sys.executable, str(PYTHON)], team, team_sim, "oPyUsr_0000000000000000000012")


def test_an_unreachable_server_never_holds_up_the_login():
    login = {"openid": "oPyUsr_0000000000000000000012", "session_key": "A" * 22 + "=="}
    env = {
        "XPAYDESK_URL": "http://127.0.0.1:9",
        "XPAYDESK_BACKEND_TOKEN": "t",
        "PATH": os.environ["PATH"],
    }
    commands = [[sys.executable, str(PYTHON)]] + (
        [["node", str(NODE)]] if shutil.which("node") else []
    )
    for command in commands:
        started = time.monotonic()
        done = subprocess.run(
            command, input=json.dumps(login), capture_output=True, text=True, env=env, timeout=30
        )
        assert done.returncode == 1 and "unreachable" in done.stderr, done.stderr
        assert (
            time.monotonic() - started < 5 and login["session_key"] not in done.stderr + done.stdout
        )
