"""The frozen app: built with the committed spec, it passes its own --self-test. Slow (a
PyInstaller build takes a minute or two); `make test-packaging` and .ci/run run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_frozen_app_builds_and_passes_its_self_test():
    import PyInstaller  # noqa: F401  (a missing packager fails here, never skips: make test-packaging installs it)

    result = subprocess.run(
        [sys.executable, "packaging/build.py", "--skip-installer"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "self-test passed" in result.stdout
    assert "[ok] translator loaded" in result.stdout
    # Asia/Shanghai from the bundled tzdata, the system zone path emptied (Windows has none)
    assert "[ok] time zone: Asia/Shanghai UTC+08:00 from tzdata" in result.stdout
    bundle = ROOT / "dist" / "xpaydesk"
    names = {p.name for p in bundle.rglob("*")}
    assert "xpaydesk_zh_CN.qm" in names
    assert not any(n.startswith(("pytest", "hypothesis", "mypy")) for n in names)
