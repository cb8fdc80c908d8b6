"""A team server of a test's own (tests/serverfixtures.py's, not shared with other tests), that
the test may stop and start again on the same port: the desktop's event stream sees it go and
come back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.mirror.db import Mirror
from core.server import store
from core.simulator import Simulator
from tests.serverfixtures import TeamServer, start_server, stop_server, write_config

PEOPLE = (("vera", "viewer"), ("sam", "support"), ("fay", "finance"), ("fred", "finance"))


def new_team(folder: Path, sim: Simulator) -> TeamServer:
    config = write_config(folder, sim)
    mirror_path = folder / "team.sqlite"
    with Mirror(mirror_path) as mirror:
        store.create_tables(mirror)
        people = {name: store.add_operator(mirror, name, role) for name, role in PEOPLE}
    proc, url = start_server(config)
    return TeamServer(url, folder, config, mirror_path, proc, people)


def port_of(team: TeamServer) -> int:
    return int(team.url.rsplit(":", 1)[1])


def stop(team: TeamServer) -> None:
    err = stop_server(team.proc)
    assert "Traceback" not in err, err


def restart(team: TeamServer) -> None:
    """The same server (store, sessions, events) again, on the same port."""
    team.proc, url = start_server(team.config, extra_args=("--port", str(port_of(team))))
    assert url == team.url


@pytest.fixture
def own_team(team_sim: Simulator, tmp_path: Path) -> Iterator[TeamServer]:
    folder = tmp_path / "own-team"
    folder.mkdir()
    server = new_team(folder, team_sim)
    yield server
    if server.proc.poll() is None:
        stop(server)


def pay(server: TeamServer, sim: Simulator, openid: str, coins: int) -> str:
    """The simulated WeChat takes the payment and posts its push to the team server."""
    sim.config.push.url = f"{server.url}/wechat/push"
    try:
        sim.add_user(openid)
        paid = sim.user_pays(openid, coins=coins)
    finally:
        sim.config.push.url = None
    assert "HTTP 200" in sim.delivered[-1].delivered
    return str(paid["order_id"])
