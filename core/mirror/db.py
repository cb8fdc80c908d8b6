"""One SQLite file per profile, opened through sqlite-utils. Migrations run on open; WAL and a busy
timeout let two processes (two operators' windows) share one mirror safely."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import sqlite_utils

from core.errors import ConfigError, XPayDeskError
from core.mirror import health
from core.mirror.schema import MIGRATIONS, SCHEMA_VERSION
from core.store import locks as store_locks
from core.store import migrations as store_migrations
from core.store.dialect import POSTGRES, SQLITE, Dialect, is_postgres_url

# how long an opener keeps retrying while another process holds the file exclusively
OPEN_BUSY_SECONDS = 10.0
# how long a writer waits for the write lock before it gives up with MirrorBusy
WRITE_BUSY_SECONDS = 10.0
# a writer that finds the lock taken touches this file next to the mirror while it waits: a long
# import watches it and commits its work so far, so a money action never waits behind an import
WAITING_SUFFIX = "-waiting"


class MirrorBusy(XPayDeskError):
    """Another writer kept the mirror's write lock for longer than WRITE_BUSY_SECONDS."""

    kind = "busy"
    exit_code = 2

    def __init__(self, path: object) -> None:
        super().__init__(
            f"镜像数据库 {path} 正被另一个写入者占用（超过 {WRITE_BUSY_SECONDS:.0f} 秒），"
            "未做任何更改，请稍后再试",
            f"the mirror {path} stayed locked by another writer for over "
            f"{WRITE_BUSY_SECONDS:.0f} s; nothing was changed, try again",
        )


def _connect_wal(path: str) -> sqlite3.Connection:
    """Switching a file to WAL, and opening one whose last reader is just closing (checkpoint and
    WAL removal), answer SQLITE_BUSY at once without calling the busy handler; several operators
    starting together hit this (measured: 7 % of six simultaneous openers). Retry until a deadline
    rather than fail the start."""
    deadline = time.monotonic() + OPEN_BUSY_SECONDS
    delay = 0.005
    while True:
        # isolation_level=None: transactions are ours (BEGIN IMMEDIATE), never implicit
        conn = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if not _is_busy(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    # extended codes (SQLITE_BUSY_RECOVERY, ...) keep the primary code in the low byte
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def display_target(target: object) -> str:
    """A mirror's file, or its PostgreSQL URL without the password (for messages and reprs)."""
    text = str(target)
    if not is_postgres_url(text):
        return text
    parts = urlsplit(text)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


class Mirror:
    """The mirror on a SQLite file (the default, one desktop) or on a PostgreSQL database (a
    `postgresql://` URL: a team's shared store). Everything above this class is written once;
    what differs between the two lives in core.store."""

    dialect: Dialect

    def __init__(
        self,
        path: Path | str = ":memory:",
        *,
        clock: Callable[[], float] = time.time,
        migrations: Sequence[str] = MIGRATIONS,
    ) -> None:
        self.path = path
        self.clock = clock
        self._identity: tuple[int, int] | None = None  # (device, inode) once open
        if is_postgres_url(path):
            self._open_postgres(str(path), migrations)
            return
        self.dialect = SQLITE
        file = None if str(path) == ":memory:" else Path(path)
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            # a mirror that existed and is now missing, empty or not SQLite is refused here;
            # a brand-new one is built whole
            health.prepare(file, migrations)
        try:
            self.conn = _connect_wal(str(path))
        except sqlite3.DatabaseError as exc:
            if file is not None and health.is_corruption(exc):
                raise health.damaged_by(file, exc) from None
            raise ConfigError(
                f"无法打开镜像数据库 {path}：{exc}",
                f"cannot open the mirror database {path}: {exc}",
            ) from None
        if file is not None:
            try:
                health.probe(self.conn, file)  # damaged pages: refused before any write
                info = file.stat()
            except BaseException:
                self.conn.close()
                raise
            self._identity = (info.st_dev, info.st_ino)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA synchronous=NORMAL")
        # begin() turns the busy handler off around BEGIN IMMEDIATE (a waiter must get control
        # to say it waits); every other statement keeps it
        self._busy_ms = 10000
        self.conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        self.db = sqlite_utils.Database(self.conn)
        self.migrate(migrations)
        if file is not None:
            health.remember(file)

    def _open_postgres(self, url: str, migrations: Sequence[str]) -> None:
        try:
            from core.store.pg import PgConnection
        except ImportError:
            raise ConfigError(
                "要使用 PostgreSQL 镜像，请安装 psycopg：pip install 'xpaydesk[postgres]'",
                "a PostgreSQL mirror needs psycopg: pip install 'xpaydesk[postgres]'",
            ) from None
        import psycopg

        self.dialect = POSTGRES
        try:
            # the PostgreSQL connection offers the part of sqlite3.Connection the mirror uses
            self.conn = cast(sqlite3.Connection, PgConnection(url))
        except psycopg.Error as exc:
            raise ConfigError(
                f"无法连接 PostgreSQL 镜像 {display_target(url)}：{str(exc).strip()}",
                f"cannot connect to the PostgreSQL mirror {display_target(url)}: "
                f"{str(exc).strip()}",
            ) from None
        self._busy_ms = int(WRITE_BUSY_SECONDS * 1000)
        self.migrate(migrations)

    @property
    def is_postgres(self) -> bool:
        return self.dialect is POSTGRES

    def check_still_there(self) -> None:
        """Before every write: the file at the path is still the one opened, and not emptied.
        An open connection would otherwise go on writing (and moving money) into a file that a
        sync tool emptied, or that `mirror new` / `mirror restore` moved aside (a stat: ~2 µs)."""
        if self._identity is None or self.is_postgres:
            return
        path = Path(self.path)
        try:
            info = path.stat()
        except OSError:
            raise health.MirrorDamaged(
                path, "在打开期间被删除或移走", "was deleted or moved away while open"
            ) from None
        if info.st_size == 0:
            raise health.MirrorDamaged(
                path, "在打开期间被清空（0 字节）", "was emptied (0 bytes) while open"
            )
        if (info.st_dev, info.st_ino) != self._identity:
            raise health.MirrorDamaged(
                path,
                "在打开期间被另一个文件替换（请重新打开）",
                "was replaced by another file while open (open it again)",
            )

    def __repr__(self) -> str:
        return f"Mirror({display_target(self.path)!r}, version={self.version})"

    @property
    def where(self) -> str:
        """The file, or the URL without its password."""
        return display_target(self.path)

    @property
    def version(self) -> int:
        if self.is_postgres:
            return store_migrations.postgres_version(self.conn)
        return store_migrations.sqlite_version(self.conn)

    def set_version(self, version: int) -> None:
        with self.transaction() as conn:
            if self.is_postgres:
                store_migrations.postgres_set_version(conn, version)
            else:
                store_migrations.sqlite_set_version(conn, version)

    def migrate(self, migrations: Sequence[str] = MIGRATIONS) -> int:
        """Applies what is missing; returns how many ran. A newer file than this code refuses.
        The version is re-read inside each write transaction: two processes opening a new mirror
        at once would otherwise both create its tables (seen as "table orders already exists"
        when two operators refund at the same moment)."""
        self._refuse_newer(self.version, migrations)
        applied = 0
        while self.version < len(migrations):
            with self.transaction() as conn:
                current = self.version  # another process may have migrated while we waited
                if current >= len(migrations):
                    break
                if self.is_postgres:
                    # the whole script in one call: psycopg sends it as one simple query
                    conn.execute(
                        store_migrations.postgres_form(current + 1, migrations[current], MIGRATIONS)
                    )
                    store_migrations.postgres_set_version(conn, current + 1)
                else:
                    for statement in _statements(migrations[current]):
                        conn.execute(statement)
                    store_migrations.sqlite_set_version(conn, current + 1)
                applied += 1
        self._refuse_newer(self.version, migrations)
        return applied

    def _refuse_newer(self, current: int, migrations: Sequence[str]) -> None:
        if current > len(migrations):
            raise ConfigError(
                f"镜像数据库 {self.where} 来自更新的版本（{current} > {SCHEMA_VERSION}），请升级 XPay Desk",
                f"the mirror {self.where} comes from a newer version ({current} > "
                f"{SCHEMA_VERSION}); upgrade XPay Desk",
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock up front, so two processes never interleave a
        read-then-write; nested calls join the outer transaction."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.check_still_there()
        self.begin()
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def begin(self) -> None:
        """BEGIN IMMEDIATE. While another connection holds the write lock, say so (touch the
        waiting file, which a long import watches and yields to) and retry every few ms; after
        WRITE_BUSY_SECONDS a clear MirrorBusy instead of sqlite3's "database is locked".
        On PostgreSQL: the writer lock of core.store.locks (an advisory transaction lock)."""
        conn = self.conn
        if self.is_postgres:
            try:
                store_locks.postgres_begin_write(conn, WRITE_BUSY_SECONDS)
            except store_locks.LockTimeout:
                raise MirrorBusy(self.where) from None
            return
        deadline = time.monotonic() + WRITE_BUSY_SECONDS
        conn.execute("PRAGMA busy_timeout=0")  # fail at once, so a waiter can say it waits
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc):
                        raise
                    if time.monotonic() > deadline:
                        raise MirrorBusy(self.where) from None
                self.signal_waiting()
                time.sleep(0.002)
        finally:
            conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")

    @property
    def waiting_file(self) -> Path | None:
        """Touched by writers waiting for the lock; None for an in-memory mirror (and on
        PostgreSQL, where an import commits in batches and never holds the writer lock long)."""
        if str(self.path) == ":memory:" or self.is_postgres:
            return None
        return Path(f"{self.path}{WAITING_SUFFIX}")

    def signal_waiting(self) -> None:
        target = self.waiting_file
        if target is not None:
            # a read-only folder: the import then yields on its time limit only
            with contextlib.suppress(OSError):
                target.touch()

    def waiting_stamp(self) -> int:
        """When a writer last said it was waiting (ns; 0 if never). On PostgreSQL: now while
        a writer waits for the writer lock, else 0."""
        if self.is_postgres:
            return time.time_ns() if store_locks.postgres_writer_waiting(self.conn) else 0
        target = self.waiting_file
        if target is None:
            return 0
        try:
            return target.stat().st_mtime_ns
        except OSError:
            return 0

    def reader(self) -> sqlite3.Connection | None:
        """A second, read-only connection to the same file, for a long read in another thread
        (this connection's mutex would otherwise hold every other query for its duration).
        None for an in-memory mirror, which no other connection can see (and on PostgreSQL)."""
        if str(self.path) == ":memory:" or self.is_postgres:
            return None
        conn = sqlite3.connect(
            f"{Path(self.path).resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    def now(self) -> int:
        return int(self.clock())

    def one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = self.conn.execute(sql, params).fetchall()
        return rows

    def write_alone(self, sql: str, *params: Any) -> None:
        """One statement that writes without reading what it decides on (a blind update of a
        row). On PostgreSQL it commits on its own, atomic, without the writer lock: that lock
        orders read-then-write sequences, and waiting for it stalls a server process's whole
        event loop (the store is synchronous) while another process writes. On SQLite, or
        inside a transaction, it is written like every other write."""
        if self.is_postgres and not self.conn.in_transaction:
            self.conn.execute(sql, params)
            return
        with self.transaction() as conn:
            conn.execute(sql, params)

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", key)
        return default if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                "value = excluded.value",
                (key, value),
            )

    def count(self, table: str) -> int:
        if self.is_postgres:
            return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        return int(self.db[table].count)

    def optimize(self) -> None:
        """Refresh the planner's statistics (cheap when nothing changed); after big imports the
        planner otherwise picks a status index over the sort index and sorts in memory."""
        if self.is_postgres:
            self.conn.execute("ANALYZE")
            return
        # an approximate ANALYZE (a few hundred rows per index): milliseconds even at 1M rows
        self.conn.execute("PRAGMA analysis_limit=400")
        self.conn.execute("ANALYZE")

    def close(self) -> None:
        # statistics are refreshed after imports (in their worker thread), not here: a close on
        # the UI thread must not run ANALYZE over a million rows
        self.conn.close()

    def __enter__(self) -> Mirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _statements(sql: str) -> list[str]:
    """Split a migration into statements; sqlite3.complete_statement knows about comments and
    string literals, so a ';' inside either does not split."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return [s for s in statements if s.rstrip(";").strip()]
