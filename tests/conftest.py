import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt
os.environ.setdefault("QT_API", "pyside6")

import json
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest

pytest_plugins = ["tests.simfixtures", "tests.opsfixtures", "tests.guifixtures"]

# every file a test reads is inside the repository (tests/data/README.md says where each comes from)
DATA = Path(__file__).resolve().parent / "data"


def load_vectors(name: str) -> dict:
    path = DATA / "vectors" / name
    if not path.exists():
        pytest.fail(f"test vectors missing: {path}")
    return json.loads(path.read_text(encoding="utf-8"))


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.store[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


@pytest.fixture(autouse=True)
def memory_keyring():
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("XPAYDESK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has ended: a child that printed its own pid and exited."""
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)


# ---- the two stores -------------------------------------------------------------------------
# Tests that take `store` (or `mirror_target`) run once on SQLite and once on PostgreSQL (a
# throwaway cluster started once per session: tests/pg_cluster.py). Without PostgreSQL the
# PostgreSQL half is skipped with the package to install; under CI=true that skip is a failure.
# `-k sqlite` / `-k postgresql` runs one half.

STORES = ["sqlite", "postgresql"]


def _pg_unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the PostgreSQL half: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_cluster():
    from tests import pg_cluster as pgc

    missing = pgc.driver_missing()
    if missing:
        _pg_unavailable(missing)
    bindir = pgc.find_bindir()
    if bindir is None:
        _pg_unavailable(pgc.INSTALL_HINT)
    cluster = pgc.Cluster(bindir)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()


@pytest.fixture(params=STORES)
def store(request) -> str:
    return request.param


@pytest.fixture
def mirror_target(request, store, tmp_path):
    """Where a test's mirror lives: a file in tmp_path, or a fresh PostgreSQL database's URL."""
    if store == "sqlite":
        return tmp_path / "mirror.sqlite"
    return request.getfixturevalue("pg_cluster").new_database()


@pytest.fixture
def make_mirror(request, store):
    """A factory of fresh mirrors on the test's store: in memory for SQLite (as `Mirror()`), a
    new database for PostgreSQL. Each is closed at the end of the test."""
    from core.mirror.db import Mirror

    opened = []

    def make(**kwargs):
        if store == "sqlite":
            mirror = Mirror(**kwargs)
        else:
            mirror = Mirror(request.getfixturevalue("pg_cluster").new_database(), **kwargs)
        opened.append(mirror)
        return mirror

    yield make
    for mirror in opened:
        mirror.close()
