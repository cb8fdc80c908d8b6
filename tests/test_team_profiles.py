"""Team profiles (issue 19): a server URL and an operator's name instead of keys, side by side with
solo profiles in one profiles.toml; every mistake is one clear ConfigError in both languages."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.environment import Env
from core.errors import ConfigError
from core.profile_store import read_profile_tables, save_profile
from core.profiles import Profile, TeamProfile, load_profiles

BOTH = """
default_profile = "office"

[profiles.shop]
appid = "wx0123456789abcdef"
env = "sandbox"

[profiles.office]
server = "https://xpay.example.com/"
operator = "alice"
"""


def write(tmp_path, text):
    path = tmp_path / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return path


def team_text(**fields: object) -> str:
    lines = ["[profiles.office]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


def test_both_kinds_side_by_side(tmp_path):
    loaded = load_profiles(write(tmp_path, BOTH))
    team = loaded.get_any("office")
    assert isinstance(team, TeamProfile)
    assert (team.name, team.server, team.operator) == (
        "office",
        "https://xpay.example.com",
        "alice",
    )
    assert team.source == tmp_path / "profiles.toml" and team.kind == "team"
    assert loaded.get_any(None) == team  # default_profile may name a team profile
    solo = loaded.get("shop")
    assert isinstance(solo, Profile) and solo.kind == "solo"
    assert loaded.get_any("shop") is solo
    assert list(loaded.names) == ["shop", "office"]  # in the file's order


def test_get_refuses_a_team_profile_in_both_languages(tmp_path):
    loaded = load_profiles(write(tmp_path, BOTH))
    with pytest.raises(ConfigError) as caught:
        loaded.get("office")
    assert "团队配置" in caught.value.message_zh
    assert "is a team profile" in caught.value.message_en
    with pytest.raises(ConfigError, match="is a team profile"):
        loaded.get(None)  # the default is the team one


def test_a_team_profile_has_safe_defaults_until_the_server_says(tmp_path):
    team = load_profiles(write(tmp_path, team_text(server="https://h.example", operator="bo")))
    p = team.get_any(None)
    assert isinstance(p, TeamProfile)
    assert (p.role, p.appid, p.offer_id, p.coin_rate) == ("viewer", "", "", 100)
    assert p.env is Env.PRODUCTION  # real money until the server says otherwise
    assert p.verify is True and p.ca_file is None and p.warnings == ()
    me = {
        "name": "bo",
        "role": "finance",
        "profile": {
            "name": "team",
            "appid": "wx0123456789abcdef",
            "env": "sandbox",
            "coin_rate": 10,
            "offer_id": "offer-1",
        },
    }
    enriched = p.with_me(me)
    assert (enriched.role, enriched.appid, enriched.env, enriched.coin_rate) == (
        "finance",
        "wx0123456789abcdef",
        Env.SANDBOX,
        10,
    )
    assert (enriched.name, enriched.server, enriched.offer_id) == ("office", p.server, "offer-1")
    assert p.with_me({"name": "bo", "role": "support"}).role == "support"  # no profile part


@pytest.mark.parametrize(
    ("fields", "zh", "en"),
    [
        (
            {"server": "http://xpay.example.com", "operator": "alice"},
            "明文",
            "tokens would travel in clear",
        ),
        (
            {"server": "http://127.evil.com:8750", "operator": "alice"},
            "明文",
            "tokens would travel in clear",
        ),
        ({"server": "ftp://xpay.example.com", "operator": "alice"}, "地址", "not an http(s) URL"),
        ({"server": "https://u:p@xpay.example.com", "operator": "alice"}, "地址", "http(s) URL"),
        ({"server": "https://xpay.example.com?x=1", "operator": "alice"}, "地址", "http(s) URL"),
        ({"server": "https://xpay.example.com"}, "缺失", "operator is missing"),
        ({"operator": "alice", "ca_file": "x.pem"}, "", "not a known field"),
        (
            {"server": "https://xpay.example.com", "operator": "alice", "app_key": "k"},
            "团队配置不保存商户密钥",
            "a team desktop holds no merchant secret",
        ),
        (
            {"server": "https://xpay.example.com", "operator": "alice", "secret": "s"},
            "团队配置不保存商户密钥",
            "a team desktop holds no merchant secret",
        ),
        (
            {"server": "https://xpay.example.com", "operator": "alice", "appid": "wx0"},
            "团队配置",
            "not a field of a team profile",
        ),
        (
            {"server": "https://xpay.example.com", "operator": "alice", "colour": "red"},
            "团队配置",
            "not a field of a team profile",
        ),
        ({"server": "https://xpay.example.com", "operator": " alice"}, "操作员", "operator"),
        ({"server": "https://xpay.example.com", "operator": ""}, "操作员", "operator"),
        ({"server": "https://xpay.example.com", "operator": "a\tb"}, "操作员", "operator"),
        ({"server": "https://xpay.example.com", "operator": "x" * 65}, "操作员", "operator"),
        ({"server": "https://xpay.example.com", "operator": 7}, "字符串", "must be a string"),
        (
            {"server": "https://xpay.example.com", "operator": "a", "verify": "yes"},
            "true",
            "true or false",
        ),
        (
            {"server": "https://xpay.example.com", "operator": "a", "ca_file": "missing.pem"},
            "找不到",
            "not found",
        ),
    ],
)
def test_bad_team_profiles_are_one_clear_error(tmp_path, fields, zh, en):
    path = write(tmp_path, team_text(**fields))
    with pytest.raises(ConfigError) as caught:
        load_profiles(path)
    assert zh in caught.value.message_zh
    assert en in caught.value.message_en
    assert str(path) in caught.value.message_en
    for value in ("k", "s"):  # never the refused secret's value
        if fields.get("app_key") == value or fields.get("secret") == value:
            assert f'"{value}"' not in str(caught.value)


def test_loopback_http_and_a_ca_file_are_accepted(tmp_path):
    ca = tmp_path / "team-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    text = team_text(server="http://127.0.0.1:8750", operator="小王") + team_text(
        server="https://[::1]:8750/xpay", operator="bo", ca_file=str(ca)
    ).replace("office", "second")
    loaded = load_profiles(write(tmp_path, text))
    first, second = loaded.get_any("office"), loaded.get_any("second")
    assert isinstance(first, TeamProfile) and isinstance(second, TeamProfile)
    assert first.server == "http://127.0.0.1:8750" and first.operator == "小王"
    assert second.server == "https://[::1]:8750/xpay" and second.ca_file == ca


def test_verify_false_is_allowed_with_a_warning(tmp_path):
    text = team_text(server="https://xpay.example.com", operator="a", verify=False)
    p = load_profiles(write(tmp_path, text)).get_any("office")
    assert isinstance(p, TeamProfile) and p.verify is False
    (warning,) = p.warnings
    assert "verify" in warning and "证书" in warning


def test_cli_profiles_lists_both_kinds(tmp_path, capsys):
    path = write(tmp_path, BOTH)
    assert main(["--config", str(path), "--json", "profiles"]) == 0
    rows = json.loads(capsys.readouterr().out)["profiles"]
    assert rows["shop"]["kind"] == "solo" and rows["shop"]["appid"] == "wx0123456789abcdef"
    assert rows["office"] == {
        "kind": "team",
        "server": "https://xpay.example.com",
        "operator": "alice",
        "default": True,
    }
    assert main(["--config", str(path), "--lang", "en", "profiles"]) == 0
    human = capsys.readouterr().out
    assert "office" in human and "team" in human and "solo" in human


def test_save_a_team_profile_beside_a_solo_one(tmp_path):
    path = write(tmp_path, BOTH.replace('default_profile = "office"\n', ""))
    saved = save_profile(
        "hq",
        {"server": "https://hq.example.com/", "operator": "bo"},
        path=path,
        create=True,
        make_default=True,
    )
    assert isinstance(saved, TeamProfile) and saved.server == "https://hq.example.com"
    tables, default = read_profile_tables(path)
    assert default == "hq"
    assert tables["hq"] == {"server": "https://hq.example.com/", "operator": "bo"}
    assert tables["office"]["server"] == "https://xpay.example.com/"
    assert isinstance(load_profiles(path).get_any("shop"), Profile)  # the solo one untouched


def test_saving_a_team_profile_refuses_keys_and_bad_urls_and_writes_nothing(tmp_path):
    path = write(tmp_path, BOTH)
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="tokens would travel in clear"):
        save_profile(
            "hq", {"server": "http://hq.example.com", "operator": "bo"}, path=path, create=True
        )
    with pytest.raises(ConfigError, match="no merchant secret"):
        save_profile(
            "hq",
            {"server": "https://hq.example.com", "operator": "bo"},
            path=path,
            secrets={"app_key": "k"},
            create=True,
        )
    with pytest.raises(ConfigError, match="not a field of a team profile"):
        save_profile(
            "hq",
            {"server": "https://hq.example.com", "operator": "bo", "appid": "wx0123456789abcdef"},
            path=path,
            create=True,
        )
    assert path.read_text(encoding="utf-8") == before
