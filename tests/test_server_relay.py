"""The relay: each verified push forwarded verbatim to the merchant's backend (a real HTTP server
on loopback here), the backend's answer back to WeChat; a failing backend is a 502 WeChat
retries, audited."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from core.mirror import audit
from tests.serverfixtures import (
    TeamServer,
    start_server,
    stop_server,
    team_sim,  # noqa: F401  (a fixture)
    write_config,
)
from tests.simfixtures import ALICE


class Backend(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[tuple[str, bytes]] = []
        self.failing = False


class Handler(BaseHTTPRequestHandler):
    server: Backend

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.seen.append((self.path, body))
        status, answer = (500, b"down") if self.server.failing else (200, b'{"from":"backend"}')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def backend():
    server = Backend()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def relaying(team_sim, backend, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("relay")
    config = write_config(folder, team_sim)
    port = backend.server_address[1]
    text = config.read_text(encoding="utf-8").replace(
        'profile = "team"\n', f'profile = "team"\nrelay_url = "http://127.0.0.1:{port}/wx"\n'
    )
    config.write_text(text, encoding="utf-8")
    proc, url = start_server(config)
    yield TeamServer(url, folder, config, folder / "team.sqlite", proc)
    err = stop_server(proc)
    assert "Traceback" not in err, err


def test_a_verified_push_is_relayed_verbatim_and_the_answer_returned(relaying, backend, team_sim):  # noqa: F811
    team_sim.add_user(ALICE)
    team_sim.user_pays(ALICE, coins=100)
    wire = team_sim.delivered[-1]
    r = httpx.post(f"{relaying.url}/wechat/push?{wire.query}", content=wire.body.encode())
    assert r.status_code == 200 and r.json() == {"from": "backend"}
    assert backend.seen[-1] == (f"/wx?{wire.query}", wire.body.encode())
    with relaying.mirror() as m:
        assert m.one("SELECT COUNT(*) AS n FROM pushes WHERE raw_query = ?", wire.query)["n"] == 1


def test_a_forged_push_never_reaches_the_backend(relaying, backend, team_sim):  # noqa: F811
    team_sim.user_pays(ALICE, coins=100)
    wire = team_sim.delivered[-1]
    before = len(backend.seen)
    forged = wire.query.replace("msg_signature=", "msg_signature=0")
    r = httpx.post(f"{relaying.url}/wechat/push?{forged}", content=wire.body.encode())
    assert r.status_code == 400 and len(backend.seen) == before


def test_a_failing_backend_is_a_502_for_wechat_to_retry_and_is_audited(relaying, backend, team_sim):  # noqa: F811
    team_sim.user_pays(ALICE, coins=100)
    wire = team_sim.delivered[-1]
    backend.failing = True
    try:
        failed = httpx.post(f"{relaying.url}/wechat/push?{wire.query}", content=wire.body.encode())
    finally:
        backend.failing = False
    retried = httpx.post(f"{relaying.url}/wechat/push?{wire.query}", content=wire.body.encode())
    assert failed.status_code == 502 and retried.status_code == 200
    with relaying.mirror() as m:
        assert m.one("SELECT COUNT(*) AS n FROM pushes WHERE raw_query = ?", wire.query)["n"] == 1
        row = m.one("SELECT * FROM audit WHERE action = 'relay_failed' ORDER BY id DESC")
    assert row is not None and "HTTP 500" in row["params"]
    said = {lang: audit.readable(dict(row), lang) for lang in ("zh_CN", "en")}
    assert said["zh_CN"][2] == "系统（推送转发）" and "商户后台没有正常应答" in said["zh_CN"][8]
    assert said["en"][2] == "system (push relay)" and "did not answer" in said["en"][8]
    assert "商户" not in said["en"][8]
