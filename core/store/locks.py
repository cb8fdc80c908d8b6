"""The writer lock. Every write transaction of the mirror first takes the one writer lock, so a
read-then-write (a lock row checked then taken, an intent looked up then written, the audit head
read then extended) never interleaves with another writer's, in this process or any other.

SQLite: `BEGIN IMMEDIATE` (the file's write lock; see Mirror.begin for the waiting signal).
PostgreSQL: `BEGIN` then `pg_advisory_xact_lock` on one key, which holds across processes and
hosts sharing the database and is released by COMMIT or ROLLBACK (a crashed process's session
ends and releases it too). A waiter gives up after `wait_seconds` with MirrorBusy's message."""

from __future__ import annotations

from typing import Any

# 'xpdw' in ASCII: the key of the mirror's writer lock among the database's advisory locks
WRITER_LOCK_KEY = 0x78706477


class LockTimeout(Exception):
    """The writer lock stayed taken for longer than the wait allowed."""


def postgres_begin_write(conn: Any, wait_seconds: float) -> None:
    import psycopg.errors

    # one round trip, not four: the statements travel as one simple query (no parameters), and a
    # BEGIN inside it keeps the transaction open after it. Every write transaction starts here,
    # so on a busy machine each round trip saved is a scheduling wait saved.
    try:
        conn.execute(
            f"BEGIN; SET LOCAL lock_timeout = '{int(wait_seconds * 1000)}ms'; "
            f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY}); SET LOCAL lock_timeout = 0"
        )
    except psycopg.errors.LockNotAvailable:
        conn.execute("ROLLBACK")
        raise LockTimeout from None
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def postgres_writer_waiting(conn: Any) -> bool:
    """Whether another session waits for the writer lock of this database (what the waiting
    file says on SQLite): a long import sees it and commits what it has, to let that writer in."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND classid = 0 AND objid = ? AND objsubid = 1 AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()))",
        (WRITER_LOCK_KEY,),
    ).fetchone()
    return bool(row[0])
