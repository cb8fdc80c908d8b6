"""The screenshot command produces every page in both languages (and team mode's login and
Approvals page against a demo team server); the self-test passes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from dashboard.main_window import PAGE_CLASSES


def run_app(*args: str, tmp_path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "XDG_STATE_HOME": str(tmp_path / "s"),
        "XDG_CACHE_HOME": str(tmp_path / "k"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    return subprocess.run(
        [sys.executable, "-m", "dashboard.app", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_screenshot_renders_every_page(tmp_path, lang):
    result = run_app("--screenshot", str(tmp_path / "shots"), "--lang", lang, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    files = sorted((tmp_path / "shots").glob(f"*-{lang}.png"))
    # then team mode against `xpaydesk-server --demo`: the login dialog and the Approvals page
    expected = [c.name for c in PAGE_CLASSES] + ["login", "approvals"]
    assert [f.name.split("-")[1] for f in files] == expected
    for path in files:
        image = QImage(str(path))
        assert image.width() >= 1200 and image.height() >= 800
        # not an empty pane: a rendered page has many distinct colours
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 37)
            for y in range(0, image.height(), 29)
        }
        assert len(colours) > 8, path.name


def test_self_test_passes(tmp_path):
    result = run_app("--self-test", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "self-test passed" in result.stdout
    assert "[ok] simulator round trip" in result.stdout
    assert "[ok] main window" in result.stdout
    assert "[ok] time zone: Asia/Shanghai UTC+08:00 from tzdata" in result.stdout
