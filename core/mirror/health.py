"""Is the mirror file the mirror? A mirror that existed and is now missing, empty (0 bytes), not a
SQLite file or damaged at page level is reported with its path, and nothing opens it (so nothing
moves money) until the operator decides: restore a backup (`xpaydesk-cli mirror restore`), or start
a new mirror explicitly (`xpaydesk-cli mirror new --force`, which moves the broken file aside to
`<name>.broken-<timestamp>`, never deleting it).

"Existed" is known two ways: a file at the path (even 0 bytes: SQLite never leaves one, because a
new mirror is built beside its path and linked into place whole), or the marker `<name>-created`
written next to it when it was first made or opened. A path with neither is a brand-new mirror,
created silently."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.errors import ConfigError

MARKER_SUFFIX = "-created"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
# below this size a full PRAGMA quick_check runs at every open (a 20,000-order demo mirror of
# ~15 MB: ~20 ms); above it, open touches every table's root page and `mirror check` / `audit
# verify` run the full check (1,000,000 orders, 780 MB: 0.8 s warm, 9 s cold)
QUICK_CHECK_MAX_BYTES = 64 << 20
CORRUPT_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})

HOW_TO_DECIDE_ZH = (
    "在你决定之前，本镜像不会被打开，也不会进行任何涉及资金的操作。请二选一：从备份恢复"
    "（xpaydesk-cli mirror restore 备份文件），或明确另建新镜像（xpaydesk-cli mirror new --force，"
    "原文件会改名保留，不会删除；其中未完成的操作请到微信侧核对）。"
)
HOW_TO_DECIDE_EN = (
    "Until you decide, this mirror is not opened and nothing moves money. Either restore a backup "
    "(xpaydesk-cli mirror restore BACKUP_FILE) or start a new mirror explicitly (xpaydesk-cli "
    "mirror new --force: the file is moved aside, never deleted; check any action it had pending "
    "at WeChat)."
)


class MirrorDamaged(ConfigError):
    """The mirror file that existed is missing, empty, not SQLite, or damaged."""

    kind = "mirror_damaged"
    exit_code = 2

    def __init__(self, path: Path, problem_zh: str, problem_en: str) -> None:
        self.path = path
        self.problem_en = problem_en
        super().__init__(
            f"镜像数据库 {path} {problem_zh}。{HOW_TO_DECIDE_ZH}",
            f"the mirror database {path} {problem_en}. {HOW_TO_DECIDE_EN}",
        )


def marker_path(path: Path) -> Path:
    return path.with_name(path.name + MARKER_SUFFIX)


def is_corruption(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    text = str(exc)
    return (
        code in CORRUPT_CODES
        or "malformed" in text
        or "not a database" in text
        or "file is encrypted" in text
    )


def damaged_by(path: Path, exc: BaseException) -> MirrorDamaged:
    return MirrorDamaged(
        path, f"已损坏（SQLite：{exc}）", f"is damaged at page level (SQLite: {exc})"
    )


@dataclass
class Health:
    """What `mirror check` reports; `state` is ok, new (never existed), missing, empty,
    not_sqlite, damaged or not_a_file."""

    path: Path
    state: str
    problems: list[str] = field(default_factory=list)
    size: int = 0

    @property
    def ok(self) -> bool:
        return self.state in ("ok", "new")

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "state": self.state,
            "ok": self.ok,
            "size": self.size,
            "problems": self.problems,
        }


def _file_state(path: Path) -> Health:
    """What can be told before the mirror is opened: stat, and SQLite reading the header."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if marker_path(path).exists():
            return Health(path, "missing", ["the file is gone / 文件不见了"])
        return Health(path, "new")
    except OSError as exc:
        return Health(path, "not_a_file", [f"cannot be read: {exc.strerror}"])
    if not path.is_file():
        return Health(path, "not_a_file", ["not a regular file / 不是普通文件"])
    if info.st_size == 0:
        return Health(path, "empty", ["0 bytes / 0 字节"])
    # The header is read by SQLite, never by open()/close() here: POSIX fcntl locks belong to the
    # process and the inode, so closing any descriptor of the file drops every SQLite lock this
    # process holds on it (the dashboard's long-lived connection, the tracker's); another process
    # closing its connection then thinks it is the last, checkpoints and deletes the -wal/-shm
    # still in use, and later writes are lost. SQLite's own descriptors are kept open while the
    # process holds locks on the file (tests/test_mirror_shared.py).
    if not _has_sqlite_header(path):
        return Health(path, "not_sqlite", ["no SQLite header / 没有 SQLite 文件头"], info.st_size)
    return Health(path, "ok", size=info.st_size)


def _has_sqlite_header(path: Path) -> bool:
    """False only when SQLite itself says the file is not a database (SQLITE_NOTADB); any other
    trouble (busy, unreadable, damaged pages) is left to the connection that opens it next, whose
    probe or full check reports it."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return True
    try:
        conn.execute("PRAGMA schema_version").fetchone()  # reads the header and page 1
    except sqlite3.DatabaseError as exc:
        return getattr(exc, "sqlite_errorcode", 0) & 0xFF != sqlite3.SQLITE_NOTADB
    finally:
        conn.close()
    return True


def refuse(health: Health) -> MirrorDamaged | ConfigError | None:
    """The error that stops an open, or None when the file may be opened."""
    path, state = health.path, health.state
    if state == "missing":
        return MirrorDamaged(
            path,
            f"不见了（它曾经存在：{marker_path(path).name} 记录了它的创建）",
            f"is missing (it existed: {marker_path(path).name} records its creation)",
        )
    if state == "empty":
        return MirrorDamaged(path, "是空文件（0 字节）", "is empty (0 bytes)")
    if state == "not_sqlite":
        return MirrorDamaged(path, "不是 SQLite 数据库文件", "is not a SQLite database file")
    if state == "not_a_file":
        return ConfigError(
            f"镜像数据库路径 {path} 不是可读的文件：{'; '.join(health.problems)}",
            f"the mirror path {path} is not a readable file: {'; '.join(health.problems)}",
        )
    return None


def prepare(path: Path, migrations: Sequence[str]) -> None:
    """Before a file mirror is opened: refuses a missing, empty or foreign file; builds a
    brand-new one beside the path and links it into place whole."""
    health = _file_state(path)
    problem = refuse(health)
    if problem is not None:
        raise problem
    if health.state == "new":
        _create(path, migrations)


def probe(conn: sqlite3.Connection, path: Path) -> None:
    """After connecting, before migrating: every table's root page is read, and a small file
    gets the full quick_check. Raises MirrorDamaged."""
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for name in names:
            conn.execute(f'SELECT 1 FROM "{name.replace(chr(34), chr(34) * 2)}" LIMIT 1').fetchall()
        size = path.stat().st_size
        if size <= QUICK_CHECK_MAX_BYTES:
            problems = _quick_check(conn)
            if problems:
                raise MirrorDamaged(
                    path,
                    f"页面级损坏（PRAGMA quick_check：{problems[0]}）",
                    f"is damaged at page level (PRAGMA quick_check: {'; '.join(problems[:3])})",
                )
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            raise damaged_by(path, exc) from None
        raise


def remember(path: Path) -> None:
    """The marker that says a mirror existed here (best effort: a read-only folder just has
    none)."""
    marker = marker_path(path)
    if marker.exists():
        return
    with contextlib.suppress(OSError):
        marker.write_text(
            f"XPay Desk mirror {path.name}, first opened {datetime.now(UTC).isoformat()}.\n"
            "While this marker exists, a missing mirror file is reported, not silently recreated.\n"
            "XPay Desk 镜像标记：镜像文件丢失时会报告，而不会悄悄新建。\n",
            encoding="utf-8",
        )


def _quick_check(conn: sqlite3.Connection) -> list[str]:
    rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check(20)").fetchall()]
    return [] if rows == ["ok"] else rows


def _create(path: Path, migrations: Sequence[str]) -> None:
    """A new mirror appears at its path complete or not at all: built under a temporary name in
    the same folder, then hard-linked into place (never over a file another opener linked
    first)."""
    from core.mirror.db import _statements

    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_leftovers(path)
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        conn = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            for number, migration in enumerate(migrations, start=1):
                conn.execute("BEGIN IMMEDIATE")
                for statement in _statements(migration):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                conn.execute("COMMIT")
        finally:
            conn.close()
        _link_into_place(tmp, path)
    finally:
        for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in SIDE_SUFFIXES)):
            leftover.unlink(missing_ok=True)
    remember(path)


def _sweep_leftovers(path: Path) -> None:
    """A creation or restore killed midway leaves `.<name>.new-<pid>-…`: removed once its process
    is gone (POSIX; elsewhere it stays, a few hundred KB)."""
    if os.name == "nt":
        return
    for kind in ("new", "restore"):
        for leftover in path.parent.glob(f".{path.name}.{kind}-*"):
            pid = leftover.name[len(f".{path.name}.{kind}-") :].split("-", 1)[0]
            if pid.isdigit() and not _pid_alive(int(pid)):
                with contextlib.suppress(OSError):
                    leftover.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return pid > 0


def _link_into_place(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        return  # another opener created it first: theirs is used
    except OSError:  # a file system without hard links: a rename that never replaces
        if os.name == "nt":
            with contextlib.suppress(FileExistsError):
                os.rename(tmp, path)
        elif not path.exists():
            os.replace(tmp, path)


# ---- the operator's decisions ---------------------------------------------------------------


def check(path: Path) -> Health:
    """The full check (`mirror check`, `audit verify`): the file, then PRAGMA quick_check over a
    read-only connection, whatever the size. Never raises."""
    health = _file_state(path)
    if health.state != "ok":
        return health
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        return Health(path, "damaged", [str(exc)], health.size)
    try:
        problems = _quick_check(conn)
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    finally:
        conn.close()
    return Health(path, "damaged" if problems else "ok", problems, health.size)


def move_aside(path: Path, *, now: float | None = None) -> Path | None:
    """Renames the mirror (with its -wal/-shm and marker) to `<name>.broken-<timestamp>`;
    returns the new name of the main file (None when there was none)."""
    stamp = datetime.fromtimestamp(time.time() if now is None else now, UTC).strftime(
        "%Y%m%dT%H%M%SZ"
    )
    target = path.with_name(f"{path.name}.broken-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{n}")
    moved = None
    if path.exists():
        os.replace(path, target)
        moved = target
    for suffix in (*SIDE_SUFFIXES, MARKER_SUFFIX):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    return moved


def start_new(path: Path, migrations: Sequence[str]) -> tuple[Health, Path | None]:
    """`mirror new --force`: only for a mirror that is not intact. Returns the check that
    justified it and where the old file went."""
    health = check(path)
    if health.state == "ok":
        raise ConfigError(
            f"镜像数据库 {path} 完好，无需新建；如确要重新开始，请先自行移走该文件",
            f"the mirror {path} is intact: nothing to replace. To start over anyway, move it "
            "aside yourself first",
        )
    moved = move_aside(path) if health.state != "new" else None
    if health.state == "missing":
        moved = None  # only the marker (and any -wal) was moved
    _create(path, migrations)
    return health, moved


def restore(path: Path, backup: Path, migrations: Sequence[str]) -> tuple[Health, Path | None]:
    """`mirror restore BACKUP`: the backup must pass the full check; the current file (damaged
    or not) is moved aside, the backup copied into place whole."""
    checked = check(backup)
    if checked.state == "new":
        checked = Health(backup, "missing", ["no such file / 文件不存在"])
    if checked.state != "ok":
        raise ConfigError(
            f"备份 {backup} 无法使用（{checked.state}：{'; '.join(checked.problems[:3])}），未作任何更改",
            f"the backup {backup} cannot be used ({checked.state}: "
            f"{'; '.join(checked.problems[:3])}); nothing was changed",
        )
    current = check(path)
    tmp = path.with_name(f".{path.name}.restore-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        shutil.copyfile(backup, tmp)
        moved = move_aside(path) if current.state != "new" else None
        _link_into_place(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    remember(path)
    return current, moved
