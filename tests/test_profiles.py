import json

import pytest

from core.cli import main
from core.environment import Env
from core.errors import CLIENT_ERRORS, SERVER_ERRORS, ConfigError, Handling, describe
from core.profiles import load_profiles, store_secret

GOOD = """
default_profile = "shop"

[profiles.shop]
appid = "wx0123456789abcdef"
env = "sandbox"
coin_rate = 10
app_key = "file-app-key"
sandbox_app_key = "file-sandbox-key"
secret = "file-secret"
"""


def write(tmp_path, text):
    path = tmp_path / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_profile_loads_with_defaults_and_warns_about_file_secrets(tmp_path):
    profile = load_profiles(write(tmp_path, GOOD)).get(None)
    assert (profile.name, profile.env, profile.coin_rate) == ("shop", Env.SANDBOX, 10)
    assert profile.api_base == "https://api.weixin.qq.com"
    assert profile.operator
    assert profile.app_keys.for_env(Env.SANDBOX) == "file-sandbox-key"
    (warning,) = profile.warnings  # one line naming every field kept in the file
    assert "plain text" in warning and "app_key, sandbox_app_key, secret" in warning
    assert "file-secret" not in repr(profile)


def test_no_plaintext_warning_for_a_local_simulator(tmp_path):
    text = GOOD + 'api_base = "http://127.0.0.1:8080"\n'
    assert load_profiles(write(tmp_path, text)).get(None).warnings == ()


def test_keyring_wins_over_file_and_env_wins_over_keyring(tmp_path, monkeypatch):
    path = write(tmp_path, GOOD)
    store_secret("shop", "sandbox_app_key", "keyring-key")
    assert load_profiles(path).get("shop").app_keys.for_env(Env.SANDBOX) == "keyring-key"
    monkeypatch.setenv("XPAYDESK_SANDBOX_APP_KEY", "env-key")
    profile = load_profiles(path).get("shop")
    assert profile.app_keys.for_env(Env.SANDBOX) == "env-key"
    assert profile.secrets["sandbox_app_key"].source == "env"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD.replace('appid = "wx0123456789abcdef"', ""), "appid"),
        (GOOD.replace("wx0123456789abcdef", "wx123"), "appid"),
        (GOOD.replace('env = "sandbox"', 'env = "staging"'), "env"),
        (GOOD.replace('env = "sandbox"', ""), "env"),
        (GOOD.replace("coin_rate = 10", "coin_rate = 0"), "coin_rate"),
        (GOOD.replace("coin_rate = 10", "coin_rate = 1.5"), "coin_rate"),
        (GOOD + 'app_kay = "x"\n', "app_kay"),
        (GOOD + 'api_base = "ftp://x"\n', "api_base"),
        (GOOD.replace('secret = "file-secret"', "secret = 5"), "secret"),
    ],
)
def test_bad_fields_name_the_field_and_file(tmp_path, text, field):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_profiles(path)
    assert field in caught.value.message_en and str(path) in caught.value.message_en
    assert field in caught.value.message_zh


def test_broken_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_profiles(write(tmp_path, "[profiles.x\n"))
    with pytest.raises(ConfigError, match="not found"):
        load_profiles(tmp_path / "nope.toml")


def test_missing_secret_says_where_to_put_it(tmp_path):
    profile = load_profiles(write(tmp_path, GOOD.replace('secret = "file-secret"', ""))).get(None)
    with pytest.raises(ConfigError, match="XPAYDESK_SECRET"):
        profile.require_secret("secret")


def test_missing_app_key_for_the_profiles_env(tmp_path):
    text = GOOD.replace('app_key = "file-app-key"\n', "").replace('"sandbox"', '"production"')
    profile = load_profiles(write(tmp_path, text)).get(None)
    with pytest.raises(ConfigError, match="app_key"):
        profile.app_keys.for_env(Env.PRODUCTION)


def test_cli_profiles_lists_sources_never_values(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    assert main(["--json", "--config", str(path), "profiles"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["profiles"]["shop"]["secrets"]["secret"] == "file"
    assert "file-secret" not in captured.out + captured.err


def test_cli_config_error_is_json_with_exit_2(tmp_path, capsys):
    code = main(
        [
            "--json",
            "--config",
            str(tmp_path / "missing.toml"),
            "gift",
            "oUSER00001",
            "5",
            "--order-id",
            "GIFT00000001",
            "--note",
            "x",
        ]
    )
    assert code == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["kind"] == "config" and error["errcode"] is None


def test_cli_bad_amount_is_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["gift", "oUSER00001", "-5", "--order-id", "GIFT00000001"])
    assert caught.value.code == 2


def test_catalogue_covers_reference_codes_in_both_languages():
    reference_codes = {
        -1,
        268490001,
        268490002,
        268490003,
        268490004,
        268490005,
        268490006,
        268490007,
        268490008,
        268490009,
        268490011,
        268490012,
        268490013,
        268490014,
        268490015,
        268490016,
        *range(268490018, 268490025),
        40001,
        40014,
        42001,
        41001,
        40002,
        40013,
        40125,
        40164,
        61004,
        40243,
        45009,
        45011,
        48001,
        674690001,
        690000000,
        690000001,
        87009,
    }
    assert reference_codes <= set(SERVER_ERRORS)
    assert {-15001, -15005, -15006, -15007, -15011, -15021} <= set(CLIENT_ERRORS)
    for info in [*SERVER_ERRORS.values(), *CLIENT_ERRORS.values()]:
        assert info.zh and info.en
    assert describe(268490004).handling is Handling.SUCCESS_ON_DUPLICATE
    assert describe(268490009).handling is Handling.NEEDS_NEW_SESSION_KEY
    assert describe(268490014).handling is Handling.RETRYABLE
    assert describe(123).handling is Handling.FINAL
