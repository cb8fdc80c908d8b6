"""`xpaydesk-server --demo` is team mode in two commands: the server prints what a desktop runs,
and what it prints works as printed (xpaydesk-cli login, whoami, a gift as the support operator; a
code from `xpaydesk-server totp`; a viewer's gift refused); the simulated mini program's payments
reach the server as live pushes; SIGTERM removes the demo folder. One demo process for the module
(it takes 5-20 s to build its data); the last test stops it."""

from __future__ import annotations

import json
import os
import queue
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp
import pytest

from core.errors import ConfigError
from core.profiles import TeamProfile, load_profiles
from core.server.cli import demo_code
from tests.serverfixtures import ROOT, stop_server

API = "/api/v1"
ROLES = {
    "demo-viewer": "viewer",
    "demo-support": "support",
    "demo-finance": "finance",
    "demo-admin": "admin",
}


@dataclass
class Demo:
    proc: subprocess.Popen[str]
    lines: list[str]
    url: str
    people: dict[str, dict[str, str]]
    started: float
    err: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def printed(self, *words: str) -> list[str]:
        """The printed command line that holds every word, split as a shell would."""
        found = [line for line in self.lines if all(w in line for w in words)]
        assert found, f"no printed line with {words}"
        return shlex.split(found[0])

    @property
    def config(self) -> Path:
        xpaydesk = self.printed("xpaydesk ", "--profile team-demo")
        return Path(xpaydesk[xpaydesk.index("--config") + 1])

    @property
    def folder(self) -> Path:
        totp = self.printed("xpaydesk-server totp")
        return Path(totp[totp.index("--demo-folder") + 1])

    @property
    def openid(self) -> str:
        gift = self.printed("xpaydesk-cli", " gift ")
        return gift[gift.index("gift") + 1]


def read_until(proc: subprocess.Popen[str], marker: str, seconds: float) -> list[str]:
    """The demo's lines up to the one holding `marker` (a reader thread: never a hung test)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if marker in line:
            return seen
    raise AssertionError(f"the demo never said {marker!r}:\n" + "\n".join(seen))


def run(argv: list[str], tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """A printed `xpaydesk-cli ...` / `xpaydesk-server ...` line as this interpreter runs it."""
    program = {"xpaydesk-cli": "core", "xpaydesk-server": "core.server.cli"}[argv[0]]
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.jsonkeyring.JsonKeyring",
        "XPAYDESK_TEST_KEYRING": str(tmp_path / "keyring.json"),
    }
    done = subprocess.run(
        [sys.executable, "-m", program, *argv[1:]],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def login(http: httpx.Client, demo: Demo, name: str, code: str) -> dict[str, str]:
    r = http.post(
        f"{API}/login",
        json={"name": name, "password": demo.people[name]["password"], "totp": code},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="module")
def demo():
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.server.cli", "--demo", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = read_until(proc, "Ctrl+C", seconds=90)
    except BaseException:
        stop_server(proc)
        raise
    people = {}
    for line in lines:
        if "password=" in line:
            people[line.split()[0]] = dict(p.split("=", 1) for p in line.split() if "=" in p)
    url = "\n".join(lines).split("ready on ", 1)[1].split()[0]
    running = Demo(proc, lines, url, people, started)
    yield running
    if proc.poll() is None:
        stop_server(proc)


def test_it_prints_four_operators_with_passwords_secrets_and_phone_enrolments(demo):
    assert {name: fields.get("totp_secret", "") != "" for name, fields in demo.people.items()} == (
        dict.fromkeys(ROLES, True)
    )
    for name, role in ROLES.items():
        assert f"{name} ({role})" in demo.text
        secret = demo.people[name]["totp_secret"]
        assert f"otpauth://totp/XPay%20Desk:{name}?secret={secret}" in demo.text


def test_the_desktops_profiles_are_team_profiles_pointing_at_the_server(demo):
    assert demo.folder.name.startswith("xpaydesk-demo-") and demo.folder.is_dir()
    assert demo.config.is_relative_to(demo.folder)
    loaded = load_profiles(demo.config)
    assert not loaded.profiles  # no solo profile: no merchant key on the desktops' side
    assert all(isinstance(p, TeamProfile) for p in loaded.teams.values())
    assert {p.operator: p.server for p in loaded.teams.values()} == dict.fromkeys(ROLES, demo.url)
    assert loaded.get_any("team-demo").operator == "demo-support"
    assert demo.printed("xpaydesk ", "--profile team-demo")[0] == "xpaydesk"


def test_the_printed_cli_lines_log_in_say_who_and_gift(demo, tmp_path):
    code = pyotp.TOTP(demo.people["demo-support"]["totp_secret"]).now()
    done = run(
        [*demo.printed("xpaydesk-cli", " login"), "--json", "--password-stdin", "--totp", code],
        tmp_path,
        stdin=demo.people["demo-support"]["password"] + "\n",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["role"] == "support"

    done = run([*demo.printed("xpaydesk-cli", " whoami"), "--json"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    me = json.loads(done.stdout)
    assert (me["operator"], me["role"], me["server"]) == ("demo-support", "support", demo.url)

    done = run([*demo.printed("xpaydesk-cli", " gift "), "--json"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    gift = json.loads(done.stdout)
    assert (gift["action"], gift["state"]) == ("gift", "done"), gift

    # the server's audit log names the operator who gave it (read as finance, with a code from
    # the printed `xpaydesk-server totp` line instead of a phone)
    totp = demo.printed("xpaydesk-server totp")
    done = run([*totp[:2], "demo-finance", *totp[3:]], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().isdigit() and len(done.stdout.strip()) == 6
    with httpx.Client(base_url=demo.url, timeout=10) as http:
        finance = login(http, demo, "demo-finance", done.stdout.strip())
        rows = http.get(
            f"{API}/audit", params={"openid": demo.openid, "action": "gift"}, headers=finance
        ).json()
        orders = http.get(f"{API}/orders", params={"count": 3}, headers=finance).json()
    assert rows and {r["operator"] for r in rows} == {"demo-support"}, rows
    assert orders["total"] > 1000 and len(orders["rows"]) == 3  # the demo data is there


def test_the_totp_command_refuses_an_unknown_name_or_folder_clearly(demo, tmp_path):
    with pytest.raises(ConfigError, match="the demo has no operator nobody"):
        demo_code("nobody", demo.folder)
    with pytest.raises(ConfigError, match="is not the folder of a running demo"):
        demo_code("demo-admin", tmp_path)


def test_the_viewer_may_look_but_not_gift(demo):
    viewer = pyotp.TOTP(demo.people["demo-viewer"]["totp_secret"]).now()
    with httpx.Client(base_url=demo.url, timeout=10) as http:
        auth = login(http, demo, "demo-viewer", viewer)
        assert http.get(f"{API}/users/{demo.openid}", headers=auth).status_code == 200
        r = http.post(
            f"{API}/gift",
            json={"openid": demo.openid, "amount": 1, "reason": "try", "request_key": "v-1"},
            headers=auth,
        )
    assert r.status_code == 403, r.text


def test_a_payment_in_the_simulated_mini_program_reaches_the_server_live(demo):
    pay = demo.printed("curl", "/sim/admin/pay")
    sim_pay = next(a for a in pay if a.startswith("http"))
    with httpx.Client(timeout=10) as http:
        paid = http.post(sim_pay, json=json.loads(pay[pay.index("-d") + 1])).json()["order"]
        pushes = http.get(sim_pay.replace("/pay", "/pushes")).json()["pushes"]
    mine = [p for p in pushes if paid["order_id"] in p["plaintext"]]
    assert mine and all(f"{demo.url}/wechat/push -> HTTP 200" in p["delivered"] for p in mine)


def test_sigterm_stops_the_demo_and_removes_its_folder(demo):
    folder = demo.folder
    err = stop_server(demo.proc)  # SIGTERM
    assert "Traceback" not in err, err
    assert not folder.exists(), "the demo folder (keys in plain text) outlived the demo"
    for person in demo.people.values():
        assert person["password"] not in err
    assert time.monotonic() - demo.started < 60  # the whole module, demo data included
