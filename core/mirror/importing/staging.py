"""Imports in two steps, so that a money action never waits behind one.

1. The file is read, checked and mapped into a private temporary database (`stage`, attached to
   the import's own connection) while the mirror itself is not locked at all. A file that fails
   as a whole, or a cancel, ends here: nothing was written to the mirror.
2. The staged rows are merged into the mirror with `INSERT … SELECT … ON CONFLICT`, a few
   thousand rows per statement, in one long transaction that gives way at once to any other
   writer: a writer that finds the lock taken touches `<mirror>-waiting` (Mirror.begin), the
   import sees it after its current statement, commits what it merged so far and lets the
   writer in. Measured: one long transaction with a 64 MB page cache merges 1,000,000 orders
   into the ten-index orders table in about a third of the time that 20,000-row transactions
   take (each commit rewrote the openid index's pages and checkpointed them), and faster than
   inserting first and building the ten indexes after (each CREATE INDEX held the lock 1-4 s,
   which a gift may not wait for).

A cancel during step 2 rolls the open transaction back; what was committed earlier (only when
another writer asked for the lock) is taken out again from the undo rows kept in `stage`.

The same two steps on PostgreSQL: the stage is temporary tables of the import's session filled
by COPY (core.store.bulk), and "a writer waits" is a session waiting for the writer lock
(core.store.locks); the merge, its counts, giving way and the undo are this one code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.mirror.db import Mirror
from core.mirror.records import on_conflict_update
from core.mirror.schema import COUNTED_TABLES
from core.store.bulk import postgres_load, postgres_stage_table, sqlite_stage_table
from core.store.dialect import Dialect

SUB_BATCH = 2000  # rows per INSERT … SELECT; between two, the import checks for waiters
MAX_HOLD = 8.0  # seconds; even unasked, the import commits this often (bounds the WAL; a
# writer that does not signal, such as an older XPay Desk, waits 10 s before it gives up)
STAGE_COMMIT = 100_000  # staged rows per commit of `stage`
MERGE_CACHE_KIB = 65536  # the mirror's page cache while merging (peak RSS stays < 200 MB)
QUIET = 0.02  # a waiter touches the waiting file every ~2 ms; this long without: it is in

RowsProgress = Callable[[str, int, int], None]  # (phase, rows done, rows total); may cancel


@dataclass
class Target:
    table: str
    key: tuple[str, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Places:
    """Where a table and its staged rows live on the mirror's store."""

    postgres: bool
    dialect: Dialect

    @classmethod
    def of(cls, mirror: Mirror) -> Places:
        return cls(mirror.is_postgres, mirror.dialect)

    def main(self, table: str) -> str:
        return table if self.postgres else f"main.{table}"

    def stage(self, table: str) -> str:
        return postgres_stage_table(table) if self.postgres else sqlite_stage_table(table)

    def undo(self, table: str) -> str:
        return self.stage(f"undo_{table}")

    @property
    def seq(self) -> str:
        """The column that numbers staged rows in the order they were read."""
        return "seq" if self.postgres else "rowid"


def _upsert_from_stage(target: Target, at: Places) -> str:
    cols = ", ".join(target.columns)
    return (
        f"INSERT INTO {at.main(target.table)} ({cols}) SELECT {cols} FROM "
        f"{at.stage(target.table)} WHERE {at.seq} > ? AND {at.seq} <= ? ORDER BY {at.seq} "
        + on_conflict_update(at.dialect, target.table, target.key, target.columns)
    )


class GivingWay:
    """One long write transaction that, between two items, commits and lets in any writer that
    waits for the lock (for importers that write through the mirror's own functions: pushes,
    session keys). Inactive (a no-op) for a checking pass."""

    def __init__(self, mirror: Mirror, *, active: bool = True) -> None:
        self.mirror = mirror
        self.active = active
        self.partial = False  # something was committed before the end
        self._began = 0.0
        self._stamp = 0

    def _begin(self) -> None:
        self.mirror.begin()
        self._began = time.monotonic()
        self._stamp = self.mirror.waiting_stamp()

    def __enter__(self) -> GivingWay:
        if self.active:
            self._begin()
        return self

    def step(self) -> None:
        if not self.active:
            return
        if self.mirror.waiting_stamp() != self._stamp or time.monotonic() - self._began > MAX_HOLD:
            self.mirror.conn.execute("COMMIT")
            self.partial = True
            wait_until_quiet(self.mirror)
            self._begin()

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if not self.active or not self.mirror.conn.in_transaction:
            return
        self.mirror.conn.execute("ROLLBACK" if kind is not None else "COMMIT")


def wait_until_quiet(mirror: Mirror) -> None:
    """After a commit: wait (at most 1 s) until the waiting writers stopped touching the file,
    that is, one of them has the lock."""
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        time.sleep(0.005)
        if time.time_ns() - mirror.waiting_stamp() > QUIET * 1e9:
            break


class Staging:
    """The private temporary database of one import (deleted by SQLite when detached)."""

    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror
        self.conn = mirror.conn
        self.at = Places.of(mirror)
        self.counts: dict[str, int] = {}
        self.undo: list[Target] = []
        self._uncommitted = 0
        self._created: list[str] = []
        if self.at.postgres:
            return
        self.conn.execute("ATTACH DATABASE '' AS stage")
        self.conn.execute("PRAGMA stage.journal_mode=MEMORY")  # a merge may roll back
        self.conn.execute("PRAGMA stage.synchronous=OFF")
        self.conn.execute("PRAGMA stage.cache_size=-8192")

    def create(self, target: Target) -> None:
        stage = self.at.stage(target.table)
        if self.at.postgres:
            # typed like the mirror's table (COPY parses each value as its column's type)
            self.conn.execute(f"DROP TABLE IF EXISTS {stage}")
            self.conn.execute(
                f"CREATE TABLE {stage} AS SELECT {', '.join(target.columns)} FROM "
                f"{target.table} WITH NO DATA"
            )
            self.conn.execute(
                f"ALTER TABLE {stage} ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            )
            self._created.append(stage)
        else:
            self.conn.execute(f"CREATE TABLE {stage} ({', '.join(target.columns)})")
        self.counts[target.table] = 0

    def add(self, target: Target, rows: Sequence[tuple[Any, ...]]) -> None:
        """Into `stage` only, in a deferred transaction that writes `stage` alone: the mirror
        is not locked (3x faster than a commit per batch; committed every STAGE_COMMIT rows so
        that no read snapshot of the mirror is held for long)."""
        if not rows:
            return
        if self.at.postgres:  # COPY, one statement per batch: the mirror is not locked
            postgres_load(self.conn, self.at.stage(target.table), target.columns, rows)
            self.counts[target.table] += len(rows)
            return
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")
        self.conn.executemany(
            f"INSERT INTO stage.{target.table} VALUES ({', '.join('?' * len(target.columns))})",
            rows,
        )
        self.counts[target.table] += len(rows)
        self._uncommitted += len(rows)
        if self._uncommitted >= STAGE_COMMIT:
            self.read_all()

    def read_all(self) -> None:
        """The file is read: commit `stage` (before the merge takes the mirror's lock)."""
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self._uncommitted = 0
        for stage in self._created:  # autovacuum never analyses temporary tables: the merge's
            self.conn.execute(f"ANALYZE {stage}")  # batches are read through the seq index

    def close(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if self.at.postgres:
            for target in self.undo:
                self._created.append(self.at.undo(target.table))
            if self._created:
                self.conn.execute(f"DROP TABLE IF EXISTS {', '.join(self._created)}")
            return
        self.conn.execute("DETACH DATABASE stage")


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


class Merger:
    """Step 2: staged rows into the mirror, giving way to any other writer."""

    def __init__(self, staging: Staging, rows: RowsProgress | None) -> None:
        self.staging = staging
        self.at = staging.at
        self.mirror = staging.mirror
        self.conn = staging.conn
        self.rows = rows
        self.total = sum(staging.counts.values())
        self.done = 0
        self.committed: list[tuple[Target, int]] = []  # (target, rows merged) per commit
        self._merged: dict[str, int] = {}
        self._began = 0.0
        self._stamp = 0
        self.yields = 0

    # -- the transaction -------------------------------------------------------------------

    def _begin(self) -> None:
        self.mirror.begin()
        self._began = time.monotonic()
        self._stamp = self.mirror.waiting_stamp()

    def _someone_waits(self) -> bool:
        return (
            self.mirror.waiting_stamp() != self._stamp or time.monotonic() - self._began > MAX_HOLD
        )

    def _give_way(self) -> None:
        """Commit what is merged, let the waiting writer take the lock, carry on."""
        self.conn.execute("COMMIT")
        self.committed.extend((t, n) for t, n in self._pending())
        self.yields += 1
        wait_until_quiet(self.mirror)
        self._begin()

    def _pending(self) -> list[tuple[Target, int]]:
        return [(t, self._merged.get(t.table, 0)) for t in self.staging.undo]

    # -- merging ---------------------------------------------------------------------------

    def run(
        self, targets: Sequence[Target], finish: Callable[[], None] | None = None
    ) -> dict[str, Counts]:
        """All targets merged, then `finish` in the last transaction; a cancel (raised by the
        rows callback) undoes everything."""
        cache = not self.at.postgres  # SQLite's page cache of this connection
        if cache:
            self.conn.execute(f"PRAGMA main.cache_size=-{MERGE_CACHE_KIB}")
        results: dict[str, Counts] = {}
        try:
            self._begin()
            try:
                for target in targets:
                    results[target.table] = self._merge(target)
                if finish is not None:
                    finish()
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if self.committed:
                    self._undo(targets)
                raise
        finally:
            if cache:
                self.conn.execute("PRAGMA main.cache_size=-2000")
        return results

    def _count(self, table: str) -> int:
        if table in COUNTED_TABLES:
            row = self.conn.execute("SELECT n FROM row_counts WHERE tbl = ?", (table,)).fetchone()
            return int(row[0])
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {self.at.main(table)}").fetchone()[0])

    def _merge(self, target: Target) -> Counts:
        staged = self.staging.counts[target.table]
        counts = Counts()
        if not staged:
            return counts
        sql = _upsert_from_stage(target, self.at)
        keep_undo = _undo_sql(target, self.at)
        self.conn.execute(
            f"CREATE TABLE IF NOT EXISTS {self.at.undo(target.table)} AS "
            f"SELECT * FROM {self.at.main(target.table)} WHERE FALSE"
        )
        self.staging.undo.append(target)
        before, changed, merged = self._count(target.table), 0, 0
        # into an empty table (the first import) nothing can be changed: no undo rows to keep
        # until a give-way lets another writer add some
        keeping = before > 0
        while merged < staged:
            high = min(merged + SUB_BATCH, staged)
            if keeping:
                self.conn.execute(keep_undo, (merged, high))
            changed += self.conn.execute(sql, (merged, high)).rowcount
            self.done += high - merged
            merged = high
            self._merged[target.table] = merged
            if self.rows is not None:
                self.rows("writing", self.done, self.total)  # may raise ImportCancelled
            if merged < staged and self._someone_waits():
                after = self._count(target.table)
                _tally(counts, after - before, changed)
                self._give_way()
                before, changed, keeping = self._count(target.table), 0, True
        _tally(counts, self._count(target.table) - before, changed)
        counts.unchanged = staged - counts.added - counts.updated
        return counts

    def _undo(self, targets: Sequence[Target]) -> None:
        """Takes committed rows out again: rows the import added are deleted, rows it changed
        get their earlier values back (in transactions that give way, like the merge)."""
        for target in targets:
            if target not in self.staging.undo:
                continue
            merged = max((n for t, n in self.committed if t is target), default=0)
            if not merged:
                continue
            key = ", ".join(target.key)
            at = self.at
            for low in range(0, merged, SUB_BATCH):
                with self.mirror.transaction() as conn:
                    conn.execute(
                        f"DELETE FROM {at.main(target.table)} WHERE ({key}) IN (SELECT {key} "
                        f"FROM {at.stage(target.table)} WHERE {at.seq} > ? AND {at.seq} <= ?)",
                        (low, min(low + SUB_BATCH, merged)),
                    )
            with self.mirror.transaction() as conn:
                conn.execute(
                    f"INSERT INTO {at.main(target.table)} SELECT * FROM "
                    f"{at.undo(target.table)} WHERE TRUE ON CONFLICT DO NOTHING"
                )


def _undo_sql(target: Target, at: Places) -> str:
    """Keeps the rows a batch is about to change, as they were (only existing ones)."""
    key = ", ".join(target.key)
    return (
        f"INSERT INTO {at.undo(target.table)} SELECT m.* FROM {at.main(target.table)} AS m "
        f"WHERE ({', '.join('m.' + k for k in target.key)}) IN (SELECT {key} FROM "
        f"{at.stage(target.table)} WHERE {at.seq} > ? AND {at.seq} <= ?)"
    )


def _tally(counts: Counts, added: int, changed: int) -> None:
    counts.added += added
    counts.updated += changed - added
