"""One build command for the current platform:

    python packaging/build.py [--skip-installer] [--smoke-only]

1. compile translations (.ts -> .qm);  2. PyInstaller one-folder app from packaging/xpaydesk.spec;
3. smoke test: the frozen app's --self-test;  4. the installer: Windows -> Inno Setup (signed with
signtool when XPAYDESK_SIGN_PFX and XPAYDESK_SIGN_PASSWORD are set), macOS -> signed .app in a
DMG, notarized and stapled when the Apple credentials are set (packaging/macos/sign_and_package.sh),
Linux -> a .tar.gz. Every signing step is skipped with a clear message when its credentials are
absent. Output goes to dist/.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
sys.path.insert(0, str(ROOT))
from core._version import __version__  # noqa: E402


def run(*args: str, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=ROOT, env=env)


def frozen_executable() -> Path:
    if sys.platform == "darwin":
        return DIST / "XPay Desk.app" / "Contents" / "MacOS" / "xpaydesk"
    return DIST / "xpaydesk" / ("xpaydesk.exe" if sys.platform == "win32" else "xpaydesk")


def build_app() -> Path:
    run(sys.executable, "packaging/i18n.py", "--compile")
    run(
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--distpath",
        str(DIST),
        "--workpath",
        str(ROOT / "build" / "pyinstaller"),
        "packaging/xpaydesk.spec",
    )
    exe = frozen_executable()
    if not exe.exists():
        raise SystemExit(f"the build did not produce {exe}")
    return exe


def smoke_test(exe: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    result = subprocess.run(
        [str(exe), "--self-test"], capture_output=True, text=True, env=env, timeout=180
    )
    print(result.stdout)
    if result.returncode != 0:
        print(result.stderr[-3000:])
        raise SystemExit(f"frozen self-test failed ({result.returncode})")
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env)
    print(version.stdout.strip() or version.stderr.strip())


def windows_sign(path: Path) -> bool:
    """Authenticode with a timestamp, when a certificate is configured; False when skipped."""
    pfx, password = os.environ.get("XPAYDESK_SIGN_PFX"), os.environ.get("XPAYDESK_SIGN_PASSWORD")
    signtool = shutil.which("signtool")
    if not (pfx and password and signtool):
        return False
    timestamp = "http://timestamp.digicert.com"
    run(signtool, "sign", "/f", pfx, "/p", password, "/fd", "sha256", "/tr", timestamp,
        "/td", "sha256", str(path))  # fmt: skip
    return True


def windows_installer() -> None:
    if not windows_sign(frozen_executable()):
        print(
            "signing skipped: set XPAYDESK_SIGN_PFX and XPAYDESK_SIGN_PASSWORD (and have "
            "signtool on PATH) to sign"
        )
    iscc = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    if not Path(iscc).exists() and not shutil.which("iscc"):
        raise SystemExit("Inno Setup (iscc) not found: choco install innosetup")
    run(
        iscc,
        f"/DAppVersion={__version__}",
        f"/DSourceDir={DIST / 'xpaydesk'}",
        f"/DOutputDir={DIST}",
        "packaging/windows/xpaydesk.iss",
    )
    windows_sign(DIST / f"XPayDesk-{__version__}-setup.exe")


def macos_package() -> None:
    run("bash", "packaging/macos/sign_and_package.sh", str(DIST / "XPay Desk.app"), __version__)


def linux_archive() -> Path:
    target = DIST / f"xpaydesk-{__version__}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        archive.add(DIST / "xpaydesk", arcname="xpaydesk")
    print(f"wrote {target}")
    return target


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-installer", action="store_true")
    parser.add_argument("--smoke-only", action="store_true", help="test an existing build")
    args = parser.parse_args()
    exe = frozen_executable() if args.smoke_only else build_app()
    smoke_test(exe)
    if args.skip_installer or args.smoke_only:
        return 0
    if sys.platform == "win32":
        windows_installer()
    elif sys.platform == "darwin":
        macos_package()
    else:
        linux_archive()
    return 0


if __name__ == "__main__":
    sys.exit(main())
