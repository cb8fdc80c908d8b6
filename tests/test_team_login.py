"""Team login against a REAL team server process (tests/serverfixtures.py): `xpaydesk-cli login /
whoami / logout` in subprocesses, the session tokens in the keyring (never a file, never output),
the quiet refresh before the access token expires (a 61 s token here: one second of margin), and
"log in again" after a logout or when an admin disables the operator."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.errors import ConfigError, ValidationError
from core.mirror.db import Mirror
from core.profiles import TeamProfile, load_profiles
from core.remote.errors import LoginRequired, ServerUnreachable
from core.remote.session import LoginFailed, TokenKeeper, Tokens, login
from core.server import store
from tests import jsonkeyring
from tests.serverfixtures import (
    ROOT,
    TeamServer,
    start_server,
    stop_server,
    team_sim,  # noqa: F401  (fixture)
    write_config,
)

OPERATORS = (
    ("lena", "support"),
    ("omar", "finance"),
    ("pia", "viewer"),
    ("quin", "support"),
    ("rita", "support"),
    ("sven", "admin"),
    ("tess", "support"),
    ("ugo", "support"),
    ("vik", "support"),
    ("wes", "support"),
)


@pytest.fixture(scope="module")
def short(team_sim, tmp_path_factory) -> Iterator[TeamServer]:  # noqa: F811
    """A team server whose access tokens live 61 s: a keeper refreshes after one second."""
    folder = tmp_path_factory.mktemp("short")
    config = write_config(folder, team_sim, extra="access_seconds = 61")
    mirror_path = folder / "team.sqlite"
    with Mirror(mirror_path) as mirror:
        store.create_tables(mirror)
        people = {name: store.add_operator(mirror, name, role) for name, role in OPERATORS}
    proc, url = start_server(config)
    yield TeamServer(url, folder, config, mirror_path, proc, people)
    err = stop_server(proc)
    assert "Traceback" not in err, err
    for enrolment in people.values():  # the server never logs a password
        assert enrolment.password not in err


def team_profile(short: TeamServer, operator: str) -> TeamProfile:
    return TeamProfile(name="office", server=short.url, operator=operator)


def profiles_file(tmp_path: Path, server: str, operator: str) -> Path:
    path = tmp_path / "config" / "xpaydesk" / "profiles.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[profiles.shop]\nappid = "wx0123456789abcdef"\nenv = "sandbox"\n\n'
        f'[profiles.office]\nserver = "{server}"\noperator = "{operator}"\n',
        encoding="utf-8",
    )
    return path


def cli(
    tmp_path: Path,
    *args: str,
    stdin: str = "",
    keyring_backend: str = "tests.jsonkeyring.JsonKeyring",
) -> tuple[int, dict, str]:
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": keyring_backend,
        "XPAYDESK_TEST_KEYRING": str(tmp_path / "keyring.json"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "core", "--json", "--lang", "en", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    out = json.loads(done.stdout) if done.stdout.strip() else {}
    return done.returncode, out, done.stdout + done.stderr


def every_file_text(folder: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in folder.rglob("*")
        if p.is_file() and p.name != "keyring.json"
    )


def test_cli_login_whoami_logout(short, tmp_path):
    config = profiles_file(tmp_path, short.url, "lena")
    password = short.people["lena"].password
    base = ("--config", str(config), "--profile", "office")
    code, out, text = cli(
        tmp_path, *base, "login", "--totp", short.code("lena"), "--password-stdin",
        stdin=password + "\n",
    )  # fmt: skip
    assert code == 0, text
    assert out == {
        "profile": "office",
        "server": short.url,
        "operator": "lena",
        "role": "support",
        "stored": "keyring",
    }
    ring = jsonkeyring.entries(tmp_path / "keyring.json")
    stored = json.loads(ring[("xpaydesk", f"team:{short.url}/lena")])
    assert stored["access_expires_at"] > time.time()
    tokens = (stored["access_token"], stored["refresh_token"])
    files = every_file_text(tmp_path)  # the profiles file, the XDG config and data folders
    for secret in (*tokens, password):
        assert secret not in text and secret not in files

    code, out, text = cli(tmp_path, *base, "whoami")
    assert code == 0, text
    assert (out["operator"], out["role"], out["env"]) == ("lena", "support", "sandbox")
    assert out["appid"].startswith("wx")

    code, out, text = cli(tmp_path, *base, "logout")
    assert (code, out["logout"]) == (0, "ended"), text
    assert jsonkeyring.entries(tmp_path / "keyring.json") == {}
    with short.client() as http:  # the server ended it too
        me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens[0]}"})
    assert me.status_code == 401

    code, out, text = cli(tmp_path, *base, "whoami")
    assert code == LoginRequired.exit_code and out["error"]["kind"] == "login_required"
    assert "log in again" in out["error"]["message"]
    code, out, _text = cli(tmp_path, *base, "logout")
    assert (code, out["logout"]) == (0, "no_session")


def test_cli_login_errors_are_said_never_a_traceback(short, tmp_path):
    config = profiles_file(tmp_path, short.url, "quin")
    base = ("--config", str(config), "--profile", "office")
    password = short.people["quin"].password
    wrong = ("login", "--totp", "000000", "--password-stdin")

    code, out, text = cli(tmp_path, *base, *wrong, stdin="not-the-password\n")
    assert (code, out["error"]["kind"]) == (2, "login_failed"), text
    assert "wrong name, password or one-time code" in out["error"]["message"]
    assert "not-the-password" not in text
    # the right password with a wrong code is refused the same way
    code, out, text = cli(tmp_path, *base, *wrong, stdin=password + "\n")
    assert (code, out["error"]["kind"]) == (2, "login_failed")
    assert password not in text
    code, out, _ = cli(tmp_path, *base, *wrong, stdin="again-wrong\n")  # the third failure
    code, out, text = cli(tmp_path, *base, *wrong, stdin=password + "\n")
    assert (code, out["error"]["kind"]) == (2, "throttled"), text
    assert "too many failed logins" in out["error"]["message"]

    code, out, _ = cli(tmp_path, *base, "login", "--totp", "12ab56", "--password-stdin", stdin="x")
    assert (code, out["error"]["kind"]) == (2, "validation")
    assert "6 digits" in out["error"]["message"]
    code, out, _ = cli(tmp_path, *base, "login", "--totp", "123456")  # stdin is no terminal
    assert (code, out["error"]["kind"]) == (2, "validation")
    assert "--password-stdin" in out["error"]["message"]
    code, out, _ = cli(tmp_path, "--config", str(config), "--profile", "shop", "login")
    assert (code, out["error"]["kind"]) == (2, "config")
    assert "is a solo profile" in out["error"]["message"]
    assert jsonkeyring.entries(tmp_path / "keyring.json") == {}


def test_cli_login_to_a_server_that_is_not_there(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = profiles_file(tmp_path, f"http://127.0.0.1:{port}", "lena")
    code, out, text = cli(
        tmp_path, "--config", str(config), "--profile", "office",
        "login", "--totp", "123456", "--password-stdin", stdin="pw\n",
    )  # fmt: skip
    assert (code, out["error"]["kind"]) == (ServerUnreachable.exit_code, "server_unreachable")
    assert "cannot reach the team server" in out["error"]["message"], text


def test_tokens_go_to_the_keyring_and_no_repr_shows_them(short, memory_keyring):
    keeper = TokenKeeper(team_profile(short, "omar"))
    tokens = keeper.login(short.people["omar"].password, short.code("omar"))
    (key,) = memory_keyring.store
    assert key == ("xpaydesk", f"team:{short.url}/omar")
    stored = json.loads(memory_keyring.store[key])
    assert stored["access_token"] == tokens.access_token.reveal()
    assert stored["refresh_token"] == tokens.refresh_token.reveal()
    assert 59 < stored["access_expires_at"] - time.time() <= 61
    for shown in (repr(tokens), str(tokens), repr(keeper), repr(keeper.current())):
        assert tokens.access_token.reveal() not in shown
        assert tokens.refresh_token.reveal() not in shown
    assert keeper.whoami().role == "finance"
    fresh = TokenKeeper(team_profile(short, "omar"))  # another process: from the keyring
    assert fresh.headers() == tokens.header()


def test_the_access_token_is_refreshed_quietly_before_it_expires(short, memory_keyring):
    keeper = TokenKeeper(team_profile(short, "rita"))
    first = keeper.login(short.people["rita"].password, short.code("rita"))
    assert keeper.headers() == first.header()  # more than 60 s left: no refresh
    time.sleep(max(0.0, first.access_expires_at - 60 - time.time()) + 0.1)
    renewed = keeper.headers()  # under a minute left: renewed on the way
    assert renewed != first.header()
    second = keeper.current()
    assert second is not None and second.access_expires_at > first.access_expires_at
    assert (
        json.loads(memory_keyring.store[("xpaydesk", keeper.keyring_name)])["refresh_token"]
        == second.refresh_token.reveal()
    )
    with short.client() as http:
        assert http.get("/api/v1/me", headers=renewed).json()["name"] == "rita"
        spent = http.post("/api/v1/refresh", json={"refresh_token": first.refresh_token.reveal()})
    assert spent.status_code == 401  # the old refresh token was used once, and is gone


def test_a_second_process_uses_the_session_another_one_renewed(short, memory_keyring):
    profile = team_profile(short, "tess")
    first, second = TokenKeeper(profile), TokenKeeper(profile)
    first.login(short.people["tess"].password, short.code("tess"))
    assert second.current() == first.current()  # both hold the same tokens
    assert first.refresh()  # the refresh token is spent here ...
    assert second.refresh()  # ... so the other takes what was stored instead of spending it
    assert second.current() == first.current()
    assert second.whoami().operator == "tess"


def test_login_required_after_logout(short, memory_keyring):
    keeper = TokenKeeper(team_profile(short, "ugo"))
    keeper.login(short.people["ugo"].password, short.code("ugo"))
    assert keeper.logout() == "ended"
    assert memory_keyring.store == {}
    with pytest.raises(LoginRequired) as caught:
        keeper.headers()
    assert "需要重新登录" in caught.value.message_zh
    assert "log in again" in caught.value.message_en


def test_login_required_when_an_admin_disables_the_operator(short, memory_keyring):
    keeper = TokenKeeper(team_profile(short, "vik"))
    keeper.login(short.people["vik"].password, short.code("vik"))
    assert keeper.whoami().role == "support"
    with Mirror(short.mirror_path) as mirror:
        assert store.disable_operator(mirror, "vik") >= 2
    with pytest.raises(LoginRequired):
        keeper.whoami()  # 401, one refresh refused, then "log in again"
    assert memory_keyring.store == {}  # the dead session is not kept
    assert not keeper.refresh()


def test_wrong_password_and_bad_input_before_sending(short):
    with pytest.raises(LoginFailed) as caught:
        login(short.url, "pia", "wrong", "123456")
    assert (caught.value.kind, caught.value.status) == ("login_failed", 401)
    assert "密码" in caught.value.message_zh
    for name, password, code in (("pia", "", "123456"), ("pia", "pw", "12345"), ("", "p", "1")):
        with pytest.raises(ValidationError):
            login(short.url, name, password, code)


def test_tokens_from_an_odd_answer_are_refused():
    assert Tokens.loads("not json") is None
    assert Tokens.loads(json.dumps({"access_token": "", "refresh_token": "r"})) is None
    with pytest.raises(Exception, match="not understood"):
        Tokens.from_answer({"access_token": "a"}, 0.0, server="https://x.example")


def test_the_keyring_needs_no_backend_to_report_no_session(short):
    import keyring
    import keyring.backends.fail

    keyring.set_keyring(keyring.backends.fail.Keyring())  # memory_keyring restores it
    keeper = TokenKeeper(team_profile(short, "sven"))
    assert keeper.current() is None and not keeper.has_session()
    keeper.login(short.people["sven"].password, short.code("sven"))
    assert not keeper.persisted  # this process only (the CLI refuses: the next test)
    assert keeper.whoami().role == "admin"


def test_cli_login_without_a_keyring_ends_the_session_it_cannot_keep(short, tmp_path):
    config = profiles_file(tmp_path, short.url, "wes")
    code, out, text = cli(
        tmp_path, "--config", str(config), "--profile", "office",
        "login", "--totp", short.code("wes"), "--password-stdin",
        stdin=short.people["wes"].password + "\n",
        keyring_backend="keyring.backends.fail.Keyring",
    )  # fmt: skip
    assert (code, out["error"]["kind"]) == (2, "config"), text
    assert "keyring is not available" in out["error"]["message"]
    with Mirror(short.mirror_path) as mirror:  # nothing left open on the server
        left = mirror.one("SELECT COUNT(*) AS n FROM srv_sessions WHERE operator = 'wes'")
    assert left["n"] == 0


def test_profile_file_round_trip_for_the_cli(short, tmp_path):
    config = profiles_file(tmp_path, short.url + "/", "lena")
    p = load_profiles(config).get_any("office")
    assert isinstance(p, TeamProfile) and p.keyring_name == f"team:{short.url}/lena"
    with httpx.Client() as http:
        assert http.get(f"{short.url}/api/v1/health").status_code == 200


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key: what a team's private CA looks like."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xpaydesk test server")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_with_the_teams_own_ca_file(team_sim, tmp_path, memory_keyring):  # noqa: F811
    cert, key = self_signed(tmp_path)
    config = write_config(
        tmp_path, team_sim, extra=f'tls_certfile = "{cert}"\ntls_keyfile = "{key}"'
    )
    with Mirror(tmp_path / "team.sqlite") as mirror:
        store.create_tables(mirror)
        people = {"tia": store.add_operator(mirror, "tia", "support")}
    proc, url = start_server(config)
    try:
        assert url.startswith("https://127.0.0.1:")
        server = TeamServer(url, tmp_path, config, tmp_path / "team.sqlite", proc, people)
        strict = TokenKeeper(TeamProfile(name="office", server=url, operator="tia"))
        with pytest.raises(ServerUnreachable) as caught:  # not a CA this machine trusts
            strict.login(people["tia"].password, "123456")
        assert "证书" in caught.value.message_zh and "certificate" in caught.value.message_en
        ours = TokenKeeper(TeamProfile(name="office", server=url, operator="tia", ca_file=cert))
        ours.login(people["tia"].password, server.code("tia"))
        assert ours.whoami().role == "support"
        bad = TeamProfile(name="office", server=url, operator="tia", ca_file=key)
        with pytest.raises(ConfigError, match="not a usable PEM certificate"):
            TokenKeeper(bad).whoami()
    finally:
        err = stop_server(proc)
    assert "Traceback" not in err, err
