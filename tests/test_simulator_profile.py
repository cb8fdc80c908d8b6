"""The README's simulator example works as written on a machine with no OS keyring: the profile
`--write-profile` writes names a mirror of its own beside it and carries that mirror's key, which
is accepted only for a simulator on this machine (a real profile keeps its key out of the file)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time

import pytest

from core.errors import ConfigError
from core.mirror.vault import vault_key
from core.profiles import load_profiles

NO_KEYRING = "keyring.backends.fail.Keyring"
CLI = (sys.executable, "-m", "core", "--lang", "en")
SMALL_DEMO = ("--seed", "1", "--demo-users", "5", "--demo-orders", "20")
README_GIFT = ("--order-id", "GIFT20261127001", "--note", "training")
KEY = base64.b64encode(b"m" * 32).decode()


def _env(tmp_path) -> dict[str, str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": NO_KEYRING, "PYTHONUNBUFFERED": "1"}
    env.pop("XPAYDESK_MIRROR_KEY", None)
    env["HOME"] = env["XDG_DATA_HOME"] = str(tmp_path / "home")  # a default mirror lands here
    return env


def start_simulator(tmp_path, profile) -> subprocess.Popen:
    proc = subprocess.Popen(
        [*CLI, "simulator", *SMALL_DEMO, "--write-profile", str(profile)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while not profile.exists() or "mirror_key" not in profile.read_text(encoding="utf-8"):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    return proc


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    out, _err = proc.communicate(timeout=30)
    return out


def test_the_readme_simulator_example_works_without_a_keyring(tmp_path):
    profile = tmp_path / "sim-profile.toml"
    sim = start_simulator(tmp_path, profile)
    try:
        time.sleep(0.2)  # the listening line follows the profile
        user = load_profiles(profile).get(None)
        first = _first_user(sim)
        gift = subprocess.run(
            [*CLI, "--config", str(profile), "gift", first, "100", *README_GIFT],
            capture_output=True,
            text=True,
            env=_env(tmp_path),
            timeout=60,
        )
    finally:
        stop(sim)
    assert gift.returncode == 0, gift.stdout + gift.stderr
    assert user.mirror_path == tmp_path / "sim-profile.sqlite"  # its own mirror, beside it
    assert user.mirror_path.exists()
    assert profile.stat().st_mode & 0o077 == 0  # the key is in it: owner only


def _first_user(sim: subprocess.Popen) -> str:
    assert sim.stdout is not None
    for line in sim.stdout:
        if "a demo user to try:" in line:
            return line.rsplit(":", 1)[1].strip()
    raise AssertionError("no demo user named")


def test_two_simulator_profiles_do_not_share_a_mirror(tmp_path):
    paths = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        sim = start_simulator(tmp_path, tmp_path / folder / "profiles.toml")
        stop(sim)
        paths.append(load_profiles(tmp_path / folder / "profiles.toml").get(None).mirror_path)
    assert paths[0] != paths[1]


def _profile_text(api_base: str, key: str = KEY) -> str:
    return (
        '[profiles.p]\nappid = "wx0123456789abcdef"\nenv = "sandbox"\n'
        f'api_base = "{api_base}"\nmirror_key = "{key}"\n'
    )


def test_a_simulator_profile_s_mirror_key_is_used_without_keyring_or_env(tmp_path, monkeypatch):
    monkeypatch.delenv("XPAYDESK_MIRROR_KEY", raising=False)
    path = tmp_path / "p.toml"
    path.write_text(_profile_text("http://127.0.0.1:8800"), encoding="utf-8")
    profile = load_profiles(path).get(None)
    assert vault_key(profile) == b"m" * 32
    assert KEY not in repr(profile)


def test_a_real_profile_may_not_keep_its_mirror_key_in_the_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(_profile_text("https://api.weixin.qq.com"), encoding="utf-8")
    with pytest.raises(ConfigError, match="mirror_key") as caught:
        load_profiles(path)
    assert KEY not in caught.value.message_en and "钥匙串" in caught.value.message_zh


def test_a_malformed_simulator_mirror_key_is_named(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(_profile_text("http://localhost:8800", "c2hvcnQ="), encoding="utf-8")
    with pytest.raises(ConfigError, match="32 bytes"):
        load_profiles(path)
