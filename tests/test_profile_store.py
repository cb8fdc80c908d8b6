import os
import stat
import sys

import keyring.errors
import pytest

from core.errors import ConfigError
from core.profile_store import save_profile
from core.profiles import load_profiles

APPID = "wx1234567890abcdef"
HAND_WRITTEN = """# our shop's profiles: keep this comment
default_profile = "live"

[profiles.live]  # production, careful
appid = "wxaaaaaaaaaaaaaaaa"
env = "production"
role = "finance"

[profiles.live.limits]
gift = 500
"""


def test_create_in_a_new_file_puts_secrets_in_the_keyring_only(tmp_path, memory_keyring):
    path = tmp_path / "cfg" / "profiles.toml"
    profile = save_profile(
        "shop-sandbox",
        {"appid": APPID, "env": "sandbox", "coin_rate": 10, "mch_id": ""},
        path=path,
        secrets={"sandbox_app_key": "sbx-key-value", "secret": "app-secret-value"},
        create=True,
        make_default=True,
    )
    assert profile.name == "shop-sandbox" and profile.coin_rate == 10
    assert profile.secrets["sandbox_app_key"].source == "keyring"
    text = path.read_text(encoding="utf-8")
    assert "sbx-key-value" not in text and "app-secret-value" not in text
    assert "mch_id" not in text  # an empty field is left out, not written as ""
    assert memory_keyring.store[("xpaydesk", "shop-sandbox/secret")] == "app-secret-value"
    assert load_profiles(path).get(None).name == "shop-sandbox"
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_edit_keeps_comments_other_profiles_and_fields_the_form_does_not_show(tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    save_profile("sim", {"appid": APPID, "env": "sandbox"}, path=path, create=True)
    save_profile("live", {"operator": "alice", "role": "support"}, path=path, create=False)
    text = path.read_text(encoding="utf-8")
    assert "# our shop's profiles: keep this comment" in text
    assert "# production, careful" in text
    loaded = load_profiles(path)
    assert loaded.default == "live"
    live = loaded.profiles["live"]
    assert (live.operator, live.role, live.limits) == ("alice", "support", {"gift": 500})
    assert loaded.profiles["sim"].appid == APPID


@pytest.mark.parametrize(
    ("name", "fields", "message"),
    [
        ("bad name!", {"appid": APPID, "env": "sandbox"}, "profile name"),
        ("x", {"appid": "wx123", "env": "sandbox"}, "appid"),
        ("x", {"appid": APPID, "env": "staging"}, "env"),
        ("x", {"appid": APPID, "env": "sandbox", "coin_rate": 0}, "coin_rate"),
        ("x", {"appid": APPID, "env": "sandbox", "api_base": "ftp://x"}, "api_base"),
        ("x", {"appid": APPID, "env": "sandbox", "limits": "1"}, "unknown fields"),
        ("x", {"env": "sandbox"}, "appid"),
    ],
)
def test_a_bad_form_changes_nothing_and_names_the_field(tmp_path, name, fields, message):
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        save_profile(name, fields, path=path, secrets={"secret": "s"}, create=True)
    assert message in caught.value.message_en
    assert caught.value.message_zh  # operators read Chinese first
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN


def test_create_refuses_an_existing_name_and_edit_a_missing_one(tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    with pytest.raises(ConfigError, match="already exists"):
        save_profile("live", {"appid": APPID, "env": "sandbox"}, path=path, create=True)
    with pytest.raises(ConfigError, match="no profile named"):
        save_profile("nope", {"operator": "bob"}, path=path, create=False)
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN


def test_a_broken_file_is_never_overwritten(tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text("[profiles.live\nappid = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="nothing was changed"):
        save_profile("x", {"appid": APPID, "env": "sandbox"}, path=path, create=True)
    assert path.read_text(encoding="utf-8") == "[profiles.live\nappid = "


def test_no_keyring_means_no_file_change(tmp_path, monkeypatch):
    path = tmp_path / "profiles.toml"

    def refuse(*_args):
        raise keyring.errors.NoKeyringError("none")

    monkeypatch.setattr("keyring.set_password", refuse)
    with pytest.raises(ConfigError, match="keyring is not available"):
        save_profile(
            "x", {"appid": APPID, "env": "sandbox"}, path=path, secrets={"secret": "s"}, create=True
        )
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either


def test_tables_for_the_list_and_form_never_carry_secrets(tmp_path):
    from core.profile_store import read_profile_tables

    path = tmp_path / "profiles.toml"
    assert read_profile_tables(path) == ({}, None)
    path.write_text(HAND_WRITTEN.replace('role = "finance"', 'secret = "s3cret"'), encoding="utf-8")
    tables, default = read_profile_tables(path)
    assert default == "live"
    assert tables == {
        "live": {"appid": "wxaaaaaaaaaaaaaaaa", "env": "production", "limits": {"gift": 500}}
    }


def test_make_default_in_a_file_with_tables_stays_top_level(tmp_path):
    path = tmp_path / "profiles.toml"
    path.write_text('[profiles.c]\nappid = "wx1234567890abcdef"\nenv = "production"\n', "utf-8")
    save_profile("d", {"appid": APPID, "env": "sandbox"}, path=path, create=True, make_default=True)
    loaded = load_profiles(path)
    assert loaded.default == "d" and set(loaded.profiles) == {"c", "d"}
