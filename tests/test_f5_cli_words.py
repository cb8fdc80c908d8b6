"""QA T1 10 and 14: the CLI speaks one language (no "错误 error [kind]"), whoami in glossary
words, a one-time code used twice is said as such (only after the password matched), and the CLI
and the desktop choose the same default language under the same locale."""

from __future__ import annotations

import io

import pytest

from core.cli.output import Output, default_lang
from core.remote.session import LoginFailed, login
from tests.serverfixtures import team_sim  # noqa: F401  (fixture)
from tests.test_team_login import cli, profiles_file, short  # noqa: F401  (fixture)


def test_cli_error_is_in_the_chosen_language_only():
    for lang, said in (("en", "error: log in again\n"), ("zh_CN", "错误：请重新登录\n")):
        err = io.StringIO()
        Output(json_mode=False, lang=lang, stderr=err).error(
            "login_required", "log in again" if lang == "en" else "请重新登录"
        )
        assert err.getvalue() == said


def test_whoami_in_english_says_english_words_only(short, tmp_path):  # noqa: F811
    config = profiles_file(tmp_path, short.url, "lena")
    base = ("--config", str(config), "--profile", "office")
    password = short.people["lena"].password
    code, _, text = cli(
        tmp_path, *base, "login", "--totp", short.code("lena"), "--password-stdin",
        stdin=password + "\n",
    )  # fmt: skip
    assert code == 0, text
    import os
    import subprocess
    import sys

    from tests.serverfixtures import ROOT

    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.jsonkeyring.JsonKeyring",
           "XPAYDESK_TEST_KEYRING": str(tmp_path / "keyring.json")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "core", "--lang", "en", *base, "whoami"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Support agent" in done.stdout and "Sandbox" in done.stdout, done.stdout
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in done.stdout), done.stdout


def test_a_code_used_twice_is_said_after_the_right_password_only(short):  # noqa: F811
    password = short.people["quin"].password
    code = short.code("quin")
    login(short.url, "quin", password, code)
    with pytest.raises(LoginFailed) as wrong:  # a wrong password learns nothing more
        login(short.url, "quin", "not-the-password", code)
    assert wrong.value.kind == "login_failed"
    assert "wait for the next" not in wrong.value.message_en
    with pytest.raises(LoginFailed) as used:
        login(short.url, "quin", password, code)
    assert used.value.kind == "totp_used"
    assert "wait for the next one" in used.value.message_en
    assert "等下一个动态码" in used.value.message_zh


@pytest.mark.parametrize(
    "env",
    [
        {"LANG": "zh_CN.UTF-8", "LANGUAGE": "en_US"},
        {"LANG": "C.UTF-8", "LANGUAGE": "en"},
        {"LANG": "en_US.UTF-8"},
        {"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"},
        {"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"},
        {"LANG": "C.UTF-8"},
        {"LANG": "zh_CN.UTF-8"},
    ],
)
def test_cli_and_desktop_choose_the_same_default_language(env):
    import os
    import subprocess
    import sys

    from tests.serverfixtures import ROOT

    clean = {k: v for k, v in os.environ.items()
             if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}  # fmt: skip
    probe = "from dashboard import i18n; print(i18n.default_language())"
    desktop = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env={**clean, **env,
        "QT_QPA_PLATFORM": "offscreen"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert desktop.returncode == 0, desktop.stderr
    assert default_lang(env) == desktop.stdout.strip()
