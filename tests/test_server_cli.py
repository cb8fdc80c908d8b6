"""xpaydesk-server's commands and its login limits, against real server processes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.errors import ConfigError
from core.mirror.db import Mirror
from core.server import store
from tests.serverfixtures import (
    ROOT,
    TeamServer,
    server_cli,
    start_server,
    stop_server,
    team_sim,  # noqa: F401  (a fixture)
    write_config,
)

API = "/api/v1"


cli = server_cli


@pytest.fixture(scope="module")
def limited(team_sim, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("limits")
    config = write_config(folder, team_sim, extra="login_failures_per_address = 6\n")
    assert cli("init", "--config", str(config)).returncode == 0
    with Mirror(folder / "team.sqlite") as mirror:
        people = {n: store.add_operator(mirror, n, "support") for n in ("kim", "lee", "max")}
    proc, url = start_server(config)
    yield TeamServer(url, folder, config, folder / "team.sqlite", proc, people)
    err = stop_server(proc)
    assert "Traceback" not in err, err


def wrong(http, name):
    return http.post(f"{API}/login", json={"name": name, "password": "nope", "totp": "123456"})


def test_logins_are_limited_per_operator_and_the_limit_is_audited(limited):
    with limited.client() as http:
        assert [wrong(http, "kim").status_code for _ in range(3)] == [401, 401, 401]
        right = limited.login(http, "kim")  # the right password and code, too late
        other = limited.login(http, "lee")
    assert right.status_code == 429 and right.json()["error"]["kind"] == "throttled"
    assert other.status_code == 200  # another operator from the same address still logs in
    with limited.mirror() as m:
        row = m.one("SELECT operator FROM audit WHERE action = 'login_throttled'")
    assert row is not None and row["operator"] == "kim"


def test_logins_are_limited_per_address(limited):
    with limited.client() as http:
        for name in ("nobody-1", "nobody-2", "nobody-3"):  # 3 more from this address: 6 in all
            assert wrong(http, name).status_code == 401
        r = limited.login(http, "max")
    assert r.status_code == 429


def test_init_creates_the_tables_and_says_where(tmp_path, team_sim):  # noqa: F811
    config = write_config(tmp_path, team_sim)
    done = cli("init", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "team.sqlite" in done.stdout
    with Mirror(tmp_path / "team.sqlite") as m:
        assert m.one("SELECT COUNT(*) AS n FROM srv_operators")["n"] == 0


def test_serve_refuses_a_non_loopback_address_without_tls(tmp_path, team_sim):  # noqa: F811
    config = write_config(tmp_path, team_sim)
    done = cli("serve", "--config", str(config), "--host", "0.0.0.0", "--port", "0")
    assert done.returncode == 2
    assert "without TLS" in done.stderr and "behind_tls_proxy" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_config_is_a_clear_error(tmp_path):
    done = cli("operator", "list", "--config", str(tmp_path / "none.toml"))
    assert done.returncode == 2 and "no server config" in done.stderr
    assert "Traceback" not in done.stderr


def test_behind_a_tls_proxy_the_check_lets_any_address_through(tmp_path, team_sim):  # noqa: F811
    from core.server.config import check_listen, load_config

    config = write_config(tmp_path, team_sim, extra="behind_tls_proxy = true\n")
    check_listen(load_config(config), "0.0.0.0")  # no error: the proxy terminates TLS
    plain = load_config(write_config(tmp_path, team_sim))
    with pytest.raises(ConfigError, match="without TLS"):
        check_listen(plain, "10.1.2.3")


def test_an_unknown_role_or_limit_in_server_toml_is_a_clear_error(tmp_path, team_sim):  # noqa: F811
    config = write_config(tmp_path, team_sim)
    with config.open("a", encoding="utf-8") as f:
        f.write("\n[limits.boss]\ngift = 1\n")
    done = cli("operator", "list", "--config", str(config))
    assert done.returncode == 2 and "[limits.boss] is invalid" in done.stderr
    assert "Traceback" not in done.stderr


def test_add_refuses_a_name_the_login_would_not_take(tmp_path, team_sim):  # noqa: F811
    config = write_config(tmp_path, team_sim)
    done = cli("operator", "add", "bad name!", "--role", "support", "--config", str(config))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "操作员名称无效" in done.stderr and "no spaces or other symbols" in done.stderr
    with Mirror(tmp_path / "team.sqlite") as m:
        assert m.one("SELECT COUNT(*) AS n FROM srv_operators")["n"] == 0


def env_cli(lang: str, *args: str, key: str = "") -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "LC_ALL": lang}
    if key:
        env["XPAYDESK_MIRROR_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "core.server.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_list_has_a_header_and_words_in_the_cli_language_and_json_keeps_codes(tmp_path, team_sim):  # noqa: F811
    config = write_config(tmp_path, team_sim)
    with Mirror(tmp_path / "team.sqlite") as m:
        store.create_tables(m)
        store.add_operator(m, "sam", "support")
        store.add_operator(m, "fay", "finance")
        store.disable_operator(m, "fay")
    en = env_cli("en_US.UTF-8", "operator", "list", "--config", str(config)).stdout.splitlines()
    assert en[0].split("\t")[:3] == ["Name", "Role", "State"]
    assert en[1].split("\t")[:3] == ["fay", "Finance", "Disabled"]
    assert en[2].split("\t")[:3] == ["sam", "Support agent", "Active"]
    zh = env_cli("zh_CN.UTF-8", "operator", "list", "--config", str(config)).stdout.splitlines()
    assert zh[0].split("\t")[:3] == ["名称", "角色", "状态"]
    assert zh[1].split("\t")[:3] == ["fay", "财务", "已停用"]
    data = json.loads(
        env_cli("en_US.UTF-8", "operator", "list", "--json", "--config", str(config)).stdout
    )
    assert [(o["name"], o["role"], o["disabled"]) for o in data] == [
        ("fay", "finance", True),
        ("sam", "support", False),
    ]


def test_list_and_disable_work_without_the_key_that_sealed_the_totp_secrets(tmp_path, team_sim):  # noqa: F811
    import base64

    config = write_config(tmp_path, team_sim)
    assert (
        cli("operator", "add", "sam", "--role", "support", "--config", str(config)).returncode == 0
    )
    other = base64.b64encode(b"\x07" * 32).decode()  # not the profile's mirror key
    listed = env_cli("en_US.UTF-8", "operator", "list", "--config", str(config), key=other)
    assert listed.returncode == 0, listed.stderr
    assert "sam\tSupport agent\tActive" in listed.stdout
    off = env_cli("en_US.UTF-8", "operator", "disable", "sam", "--config", str(config), key=other)
    assert off.returncode == 0, off.stderr
    with Mirror(tmp_path / "team.sqlite") as m:
        assert m.one("SELECT disabled FROM srv_operators WHERE name = 'sam'")["disabled"] == 1
    # adding still needs the right key (it seals a new secret): refused clearly
    added = env_cli(
        "en_US.UTF-8",
        "operator",
        "add",
        "kai",
        "--role",
        "viewer",
        "--config",
        str(config),
        key=other,
    )
    assert added.returncode != 0 and "does not decrypt" in added.stderr
