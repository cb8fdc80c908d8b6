"""Bad input gets a clear answer, never a traceback: odd --config paths, hostile XML in decode,
loopback detection for the plaintext-secret warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.callbacks import CallbackError, CallbackKeys, decode
from core.cli import main
from core.errors import ConfigError
from core.profile_store import read_profile_tables
from core.profiles import load_profiles

GOOD = """
[profiles.shop]
appid = "wx0123456789abcdef"
env = "sandbox"
secret = "file-secret"
"""

KEYS = CallbackKeys(token="t", encoding_aes_key="A" * 43, appid="wx0123456789abcdef")


def test_config_that_is_a_folder_is_named_in_both_languages(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_profiles(tmp_path)
    assert "is a folder" in caught.value.message_en and str(tmp_path) in caught.value.message_en
    assert "文件夹" in caught.value.message_zh
    with pytest.raises(ConfigError, match="is a folder"):
        read_profile_tables(tmp_path)  # the Settings page reads the same file


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p / "file.toml" / "below", "not found"),  # a parent that is a file
        (lambda p: p / "bad\x00name.toml", "not a valid path"),
        (lambda p: _write(p / "bin.toml", b"\xff\xfe\x00garbage"), "not UTF-8"),
        (lambda p: _write(p / "nul.toml", b"[profiles.x]\x00\n"), "NUL"),
        (lambda p: _write(p / "big.toml", b"#" * (2 << 20)), "too large"),
        (lambda p: _fifo(p / "pipe.toml"), "not a regular file"),
    ],
)
def test_odd_config_paths_are_one_config_error(tmp_path, make, words):
    (tmp_path / "file.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        load_profiles(make(tmp_path))


def test_devices_are_refused_without_reading_them():
    with pytest.raises(ConfigError, match="not a regular file"):
        load_profiles(__import__("pathlib").Path("/dev/zero"))


def test_config_with_a_bom_loads(tmp_path):
    path = _write(tmp_path / "bom.toml", "\ufeff".encode() + GOOD.encode())
    assert load_profiles(path).get(None).name == "shop"


def test_cli_config_folder_is_exit_2_without_a_traceback(tmp_path):
    for lang, words in (("en", "is a folder"), ("zh_CN", "文件夹")):
        run = subprocess.run(
            [sys.executable, "-m", "core", "--lang", lang, "--config", str(tmp_path), "profiles"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 2, run.stderr
        assert words in run.stderr and str(tmp_path) in run.stderr
        assert "Traceback" not in run.stderr + run.stdout


def test_cli_config_folder_in_json(tmp_path, capsys):
    assert main(["--json", "--config", str(tmp_path), "profiles"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["kind"] == "config" and str(tmp_path) in error["message"]


@pytest.mark.parametrize(
    ("api_base", "warned"),
    [
        ("http://127.0.0.1:8080", False),
        ("http://127.5.6.7:8080", False),
        ("http://localhost:8800", False),
        ("http://[::1]:8800", False),
        ("http://127.evil.com", True),
        ("http://127.0.0.1.evil.com", True),
        ("http://localhost.evil.com", True),
        ("http://128.0.0.1", True),
        ("https://api.weixin.qq.com", True),
    ],
)
def test_plaintext_warning_skipped_only_for_real_loopback(tmp_path, api_base, warned):
    path = _write(tmp_path / "p.toml", (GOOD + f'api_base = "{api_base}"\n').encode())
    assert bool(load_profiles(path).get(None).warnings) is warned


# ---- decode: hostile XML ------------------------------------------------------------------


def _reject_kind(body: str, query: str = "signature=x&timestamp=1&nonce=2") -> str:
    with pytest.raises(CallbackError) as caught:
        decode(query, body, keys=KEYS, method="POST")
    assert caught.value.message("en") and caught.value.message("zh_CN")
    return caught.value.kind


def test_deeply_nested_xml_is_a_clear_reject():
    depth = 100_000
    body = "<xml>" + "<a>" * depth + "x" + "</a>" * depth + "</xml>"
    assert _reject_kind(body) == "body_parse"


def test_moderately_nested_xml_is_still_read():
    body = "<xml><ToUserName>wx</ToUserName>" + "<a>" * 20 + "x" + "</a>" * 20 + "</xml>"
    # parsed (then refused for its signature, not for its shape)
    assert _reject_kind(body) != "body_parse"


@pytest.mark.parametrize(
    "body",
    [
        # billion laughs, with the DOCTYPE hidden behind a comment / lower case / whitespace
        '<?xml version="1.0"?><!-- x --><!doctype xml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml>&b;</xml>',
        '<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><A>1</A></xml>',
        "<xml><A>&ent;</A></xml>",
        "<xml>" + "<A>1</A>" * 200_000 + "</xml>",
        "<xml><A>" + "x" * (3 << 20) + "</A></xml>",
    ],
)
def test_hostile_xml_is_a_clear_reject(body):
    assert _reject_kind(body) == "body_parse"


def test_cli_decode_of_deep_xml_exits_2_without_a_traceback(tmp_path):
    depth = 100_000
    body = tmp_path / "body.xml"
    body.write_text("<xml>" + "<a>" * depth + "</a>" * depth + "</xml>", encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "core",
            "--json",
            "decode",
            "--token",
            "t",
            "--query",
            "signature=x&timestamp=1&nonce=2",
            "--body-file",
            str(body),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert json.loads(run.stdout)["error"]["kind"] == "body_parse"


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _fifo(path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    os.mkfifo(path)
    return path
