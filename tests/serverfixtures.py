"""A real team server: `python -m core.server.cli serve` in a subprocess on a free loopback port,
over a mirror file, with the simulator (in this process, on loopback) as WeChat."""

from __future__ import annotations

import base64
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp
import pytest

from core.mirror.db import Mirror
from core.server import store
from core.simulator import SimConfig, Simulator, profile_toml

ROOT = Path(__file__).resolve().parents[1]

SERVER_TOML = """\
[server]
host = "127.0.0.1"
login_failures = 3
{extra}
[merchant]
profiles = "profiles.toml"
profile = "team"

[approval]
gift = 1000
refund = 5000

[limits.support]
gift = 1800
"""


@dataclass
class TeamServer:
    url: str
    folder: Path
    config: Path
    mirror_path: Path | str
    proc: subprocess.Popen[str]
    people: dict[str, store.Enrolment] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0)

    def code(self, name: str) -> str:
        """The operator's next unused TOTP code: a code is spent once, so a second login within
        one 30 s step uses the next step's code (the server accepts one step either side)."""
        totp = pyotp.TOTP(self.people[name].totp_secret)
        step = max(int(time.time()) // 30, self.steps.get(name, 0) + 1)
        self.steps[name] = step
        return totp.at(step * 30)

    def login(self, http: httpx.Client, name: str) -> httpx.Response:
        return http.post(
            "/api/v1/login",
            json={"name": name, "password": self.people[name].password, "totp": self.code(name)},
        )

    def token(self, name: str) -> dict[str, str]:
        if name not in self.tokens:
            with self.client() as http:
                r = self.login(http, name)
            assert r.status_code == 200, r.text
            self.tokens[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self.tokens[name]

    def mirror(self) -> Mirror:
        return Mirror(self.mirror_path)


def start_server(
    config: Path, *, extra_args: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core.server.cli",
            "serve",
            "--config",
            str(config),
            "--port",
            "0",
            *extra_args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            if not sel.select(timeout=0.5):
                if proc.poll() is not None:
                    break
                continue
            line = proc.stdout.readline()
            if not line:
                break
            if "ready on " in line:
                return proc, line.split("ready on ", 1)[1].strip()
    finally:
        sel.close()
    stop_server(proc)
    raise AssertionError("the server did not start")


def stop_server(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        _out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
    return err


def write_config(folder: Path, sim: Simulator, *, extra: str = "", db: str = "") -> Path:
    (folder / "profiles.toml").write_text(
        profile_toml(
            sim,
            name="team",
            db=db or str(folder / "team.sqlite"),
            mirror_key=base64.b64encode(bytes(range(32))).decode(),  # a test key, loopback only
        ),
        encoding="utf-8",
    )
    config = folder / "server.toml"
    config.write_text(SERVER_TOML.format(extra=extra), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def team_sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(refund_delay=0.2, bill_polls=2, withdraw_delay=0.2), seed=7) as s:
        yield s


@pytest.fixture(scope="module")
def team(team_sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    folder = tmp_path_factory.mktemp("team")
    config = write_config(folder, team_sim)
    mirror_path = folder / "team.sqlite"
    people: dict[str, store.Enrolment] = {}
    with Mirror(mirror_path) as mirror:
        store.create_tables(mirror)
        for name, role in (
            ("vera", "viewer"),
            ("sam", "support"),
            ("fay", "finance"),
            ("fred", "finance"),
            ("ada", "admin"),
            ("dora", "support"),
        ):
            people[name] = store.add_operator(mirror, name, role)
    proc, url = start_server(config)
    server = TeamServer(url, folder, config, mirror_path, proc, people)
    yield server
    err = stop_server(proc)
    assert "Traceback" not in err, err


def server_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`xpaydesk-server ARGS` as an admin runs it from a shell."""
    return subprocess.run(
        [sys.executable, "-m", "core.server.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
