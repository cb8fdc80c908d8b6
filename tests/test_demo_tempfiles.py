"""--demo, --screenshot and --self-test leave no temporary folder (each held ~40 MB and the demo
profile's keys in plain text), and a folder a killed run left is removed by the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from core.demo import DEMO_PREFIX, sweep_stale_demo_folders

SMALL_DEMO = (
    "import os, sys\n"
    "from core.demo import start_demo\n"
    "world = start_demo(users=12, orders=120)\n"
    "print(world.folder, flush=True)\n"
    "mode = sys.argv[1]\n"
    "if mode == 'stop': world.stop()\n"
    "elif mode == 'crash': raise RuntimeError('boom')\n"
    "elif mode == 'hang': sys.stdin.read()\n"
    "else: world.sim.stop()  # exits without removing anything itself\n"
)


@pytest.fixture
def temp_dir(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setenv("XPAYDESK_MIRROR_KEY", "A" * 43 + "=")
    return folder


def demo_folders(temp_dir):
    return sorted(p.name for p in temp_dir.iterdir() if p.name.startswith(DEMO_PREFIX))


def run_demo(mode: str, **kw):
    return subprocess.run(
        [sys.executable, "-c", SMALL_DEMO, mode], capture_output=True, text=True, timeout=120, **kw
    )


@pytest.mark.parametrize("mode", ["stop", "exit", "crash"])
def test_a_demo_run_leaves_no_temp_folder(temp_dir, mode):
    run = run_demo(mode)
    assert run.stdout.strip().startswith(str(temp_dir / DEMO_PREFIX)), run.stderr
    assert (run.returncode != 0) is (mode == "crash")
    assert demo_folders(temp_dir) == []


POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="SIGKILL and pid probes are POSIX")


@POSIX_ONLY
def test_a_killed_demo_leaves_a_folder_the_next_run_removes(temp_dir):
    process = subprocess.Popen(
        [sys.executable, "-c", SMALL_DEMO, "hang"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        left = process.stdout.readline().strip()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdin.close()
        process.stdout.close()
    assert demo_folders(temp_dir) == [os.path.basename(left)]  # a kill runs no clean-up
    assert (temp_dir / os.path.basename(left) / "profiles.toml").exists()
    assert run_demo("stop").returncode == 0
    assert demo_folders(temp_dir) == []


@POSIX_ONLY
def test_the_sweep_removes_only_dead_or_day_old_demo_folders(tmp_path, dead_pid):
    names = {
        "dead": f"{DEMO_PREFIX}{dead_pid}-abc",
        "alive": f"{DEMO_PREFIX}{os.getpid()}-abc",
        "old_format_fresh": f"{DEMO_PREFIX}k2j3h4",
        "old_format_stale": f"{DEMO_PREFIX}q9w8e7",
        "alive_but_stale": f"{DEMO_PREFIX}{os.getpid()}-def",
        "not_ours": "xpaydesk-other-1",
    }
    for name in names.values():
        (tmp_path / name).mkdir()
        (tmp_path / name / "profiles.toml").write_text("secret = 'x'\n")
    two_days_ago = time.time() - 2 * 86400
    for key in ("old_format_stale", "alive_but_stale"):
        os.utime(tmp_path / names[key], (two_days_ago, two_days_ago))
    (tmp_path / f"{DEMO_PREFIX}file").write_text("a file, not a folder")
    removed = sweep_stale_demo_folders(tmp_path)
    assert sorted(p.name for p in removed) == sorted(names[k] for k in ("dead", "old_format_stale"))
    kept = ("alive", "alive_but_stale", "old_format_fresh", "not_ours")  # a long demo keeps its own
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*(names[k] for k in kept), f"{DEMO_PREFIX}file"]
    )


@pytest.mark.parametrize("mode", [["--screenshot", "SHOTS", "--lang", "en"], ["--self-test"]])
def test_screenshot_and_self_test_leave_no_temp_folder(temp_dir, tmp_path, mode):
    before = sorted(p.name for p in temp_dir.iterdir())
    args = [str(tmp_path / "shots") if a == "SHOTS" else a for a in mode]
    run = subprocess.run(
        [sys.executable, "-m", "dashboard.app", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert sorted(p.name for p in temp_dir.iterdir()) == before


@POSIX_ONLY
def test_a_terminated_demo_removes_its_folder(temp_dir):
    """SIGTERM (a logout, `kill`, a service manager) skips atexit: the demo's own handler removes
    the folder with the keys in it, then the process ends as terminated (QA support #24)."""
    process = subprocess.Popen(
        [sys.executable, "-c", SMALL_DEMO, "hang"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        left = process.stdout.readline().strip()
        assert demo_folders(temp_dir) == [os.path.basename(left)]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == -signal.SIGTERM
    finally:
        process.kill()
        process.stdin.close()
        process.stdout.close()
    assert demo_folders(temp_dir) == []


@POSIX_ONLY
def test_the_desktop_demo_removes_its_folder_on_sigterm(temp_dir, tmp_path):
    """The window idles in Qt's event loop, where Python runs no signal handler by itself."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.app", "--demo", "--lang", "en"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)},
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(
            (temp_dir / name / "profiles.toml").exists() for name in demo_folders(temp_dir)
        ):
            time.sleep(0.2)
        assert demo_folders(temp_dir), "the demo never started"
        time.sleep(3)  # the demo built; the window idle
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == -signal.SIGTERM
    finally:
        process.kill()
        process.stderr.close()
    assert demo_folders(temp_dir) == []
