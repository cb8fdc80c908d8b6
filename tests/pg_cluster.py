"""A throwaway PostgreSQL cluster for the PostgreSQL half of the suite: initdb in a temporary folder,
listening on a unix socket in that folder only (no port, nothing reachable from elsewhere), fsync
off (a test cluster, never a benchmark that claims durability), stopped and removed at the end.

initdb and postgres refuse to run as root: as root (CI, these machines) they run as the `postgres`
user that Debian's package creates; otherwise as the current user. Each test gets a database of
its own (CREATE DATABASE, ~30 ms), so tests never see each other's rows.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL is not installed: the PostgreSQL half of the suite is skipped. "
    "Install it with `apt-get install postgresql` (Debian/Ubuntu; packaging/debian-deps.sh does) "
    "to run it."
)


def find_bindir() -> Path | None:
    override = os.environ.get("XPAYDESK_PG_BINDIR")
    if override:  # another PostgreSQL's bin/ (one without initdb there counts as none)
        return Path(override) if (Path(override) / "initdb").exists() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major, reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _major(path: str) -> int:
    try:
        return int(Path(path).parent.parent.name)
    except ValueError:
        return 0


def driver_missing() -> str | None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed: pip install -e '.[dev]'"
    return None


class Cluster:
    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable  # fsync on (benchmarks); off for throwaway test clusters
        self.root = Path(tempfile.mkdtemp(prefix="xpd-pg-"))
        self.as_root = os.geteuid() == 0
        self._ids = itertools.count(1)
        if self.as_root:
            shutil.chown(self.root, "postgres")
            os.chmod(self.root, 0o755)

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()}\n{tail}")

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            "initdb",
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "xpd",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = f"-k {self.root} -c listen_addresses='' -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(data), "-w", "-l", str(self.root / "log"), "-o", options, "start"
        )

    def url(self, dbname: str) -> str:
        return f"postgresql://xpd@/{dbname}?host={self.root}"

    def new_database(self) -> str:
        import psycopg

        name = f"t{os.getpid()}_{next(self._ids)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
