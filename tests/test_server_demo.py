"""`xpaydesk-server --demo` is team mode in two commands: the server prints what a desktop runs,
and what it prints works as printed (xpaydesk-cli login, whoami, a gift as the support operator; a
code from `xpaydesk-server totp`; a viewer's gift refused); the simulated mini program's payments
reach the server as live pushes; SIGTERM removes the demo folder."""

from __future__ import annotations

import json
import os
import queue
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pyotp

from core.profiles import TeamProfile, load_profiles
from tests.serverfixtures import ROOT, stop_server

API = "/api/v1"
ROLES = {
    "demo-viewer": "viewer",
    "demo-support": "support",
    "demo-finance": "finance",
    "demo-admin": "admin",
}


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
    raise AssertionError("the demo never said " + repr(marker) + ":\n" + "\n".join(seen))


def printed(lines: list[str], *words: str) -> list[str]:
    """The printed command line that holds every word, split as a shell would."""
    found = [line for line in lines if all(w in line for w in words)]
    assert found, f"no printed line with {words}"
    return shlex.split(found[0])


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


def test_the_demo_prints_the_desktop_side_and_it_works_as_printed(tmp_path):
    started, folder = time.monotonic(), None
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
        text = "\n".join(lines)
        url = text.split("ready on ", 1)[1].split()[0]
        people = {}
        for line in lines:
            if "password=" in line:
                fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
                people[line.split()[0]] = fields
        assert {name: f"({role})" in text for name, role in ROLES.items()} == dict.fromkeys(
            ROLES, True
        )
        assert set(people) == set(ROLES)
        for name in ROLES:  # an enrolment for a phone app too
            assert "otpauth://totp/" in text and people[name]["totp_secret"] in text

        # the desktop's profiles file: team profiles pointing at this server, no merchant key
        xpaydesk = printed(lines, "xpaydesk ", "--profile team-demo")
        assert xpaydesk[0] == "xpaydesk"
        config = Path(xpaydesk[xpaydesk.index("--config") + 1])
        folder = config.parent.parent
        assert folder.name.startswith("xpaydesk-demo-") and folder.is_dir()
        loaded = load_profiles(config)
        teams = loaded.teams
        assert not loaded.profiles  # no solo profile: no merchant key on the desktop side
        assert {p.operator: p.server for p in teams.values()} == dict.fromkeys(ROLES, url)
        assert all(isinstance(p, TeamProfile) for p in teams.values())
        support_profile = next(p.name for p in teams.values() if p.operator == "demo-support")
        assert support_profile == "team-demo"

        # xpaydesk-cli login, exactly as printed, with the printed password and a code from the
        # printed secret
        login = printed(lines, "xpaydesk-cli", " login")
        assert login[login.index("--config") + 1] == str(config)
        code = pyotp.TOTP(people["demo-support"]["totp_secret"]).now()
        done = run(
            [*login, "--json", "--password-stdin", "--totp", code],
            tmp_path,
            stdin=people["demo-support"]["password"] + "\n",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout)["role"] == "support"

        done = run([*printed(lines, "xpaydesk-cli", " whoami"), "--json"], tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        me = json.loads(done.stdout)
        assert (me["operator"], me["role"], me["server"]) == ("demo-support", "support", url)

        # a gift by the support operator, the printed line as it is
        done = run([*printed(lines, "xpaydesk-cli", " gift "), "--json"], tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        gift = json.loads(done.stdout)
        assert (gift["action"], gift["state"]) == ("gift", "done"), gift

        # a one-time code without a phone app: `xpaydesk-server totp NAME --demo-folder F`
        totp = printed(lines, "xpaydesk-server totp")
        done = run([totp[0], totp[1], "demo-finance", *totp[3:]], tmp_path)
        assert done.returncode == 0, done.stderr
        finance_code = done.stdout.strip()
        assert finance_code.isdigit() and len(finance_code) == 6
        with httpx.Client(base_url=url, timeout=10) as http:
            r = http.post(
                f"{API}/login",
                json={
                    "name": "demo-finance",
                    "password": people["demo-finance"]["password"],
                    "totp": finance_code,
                },
            )
            assert r.status_code == 200, r.text
            finance = {"Authorization": f"Bearer {r.json()['access_token']}"}
            orders = http.get(f"{API}/orders", params={"count": 3}, headers=finance).json()
            assert orders["total"] > 1000 and len(orders["rows"]) == 3
            gift_line = printed(lines, "xpaydesk-cli", " gift ")
            openid = gift_line[gift_line.index("gift") + 1]
            rows = http.get(
                f"{API}/audit", params={"openid": openid, "action": "gift"}, headers=finance
            ).json()
            assert rows and {r["operator"] for r in rows} == {"demo-support"}, rows

            # roles can be tried: the viewer's gift is refused
            viewer = people["demo-viewer"]
            r = http.post(
                f"{API}/login",
                json={
                    "name": "demo-viewer",
                    "password": viewer["password"],
                    "totp": pyotp.TOTP(viewer["totp_secret"]).now(),
                },
            )
            assert r.status_code == 200, r.text
            r = http.post(
                f"{API}/gift",
                json={"openid": openid, "amount": 1, "reason": "try", "request_key": "v-1"},
                headers={"Authorization": f"Bearer {r.json()['access_token']}"},
            )
            assert r.status_code == 403, r.text

            # a payment in the simulated mini program reaches the server as a live push
            pay = printed(lines, "curl", "/sim/admin/pay")
            sim_pay = next(a for a in pay if a.startswith("http"))
            body = json.loads(pay[pay.index("-d") + 1])
            paid = http.post(sim_pay, json=body).json()["order"]
            pushes = http.get(sim_pay.replace("/pay", "/pushes")).json()["pushes"]
        mine = [p for p in pushes if paid["order_id"] in p["plaintext"]]
        assert mine and all(f"{url}/wechat/push -> HTTP 200" in p["delivered"] for p in mine)
    finally:
        err = stop_server(proc)
    assert "Traceback" not in err, err
    assert folder is not None and not folder.exists(), (
        "the demo folder (keys in plain text) outlived the demo"
    )
    for person in people.values():
        assert person["password"] not in err
    assert time.monotonic() - started < 60
