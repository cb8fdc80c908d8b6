"""Copying a SQLite mirror into a PostgreSQL database: one desktop's history becomes a team's
shared store. Every table is copied whole (COPY, in one transaction under the writer lock),
the audit rows with their hashes as they are, so the chain verifies on the copy; the counters
kept by triggers follow the rows; the id sequences continue after the highest id copied."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.errors import ConfigError
from core.mirror import audit
from core.mirror.db import Mirror
from core.mirror.schema import COUNTED_TABLES
from core.store.bulk import postgres_load

# tables whose id the store assigns (SQLite's INTEGER PRIMARY KEY, PostgreSQL's identity)
ID_TABLES = ("ledger", "pushes", "audit", "intents")
# rows read and written at a time
CHUNK = 20_000


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)
    audit: audit.ChainReport | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": dict(self.rows),
            "audit": None if self.audit is None else self.audit.as_dict(),
        }


def copy_mirror(
    source: Mirror, target: Mirror, *, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    if source.is_postgres or not target.is_postgres:
        raise ConfigError(
            "只能把 SQLite 镜像复制到 PostgreSQL", "a mirror is copied from SQLite to PostgreSQL"
        )
    if source.version != target.version:
        raise ConfigError(
            f"两个镜像的版本不同（{source.version} / {target.version}）",
            f"the two mirrors are at different versions ({source.version} / {target.version})",
        )
    tables = [
        str(r[0])
        for r in source.all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'row_counts' ORDER BY name"
        )
    ]
    report = CopyReport()
    with target.transaction() as conn:
        for table in tables:
            if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                raise ConfigError(
                    f"目标数据库 {target.where} 的 {table} 表不是空的，未复制任何内容",
                    f"the table {table} of {target.where} is not empty; nothing was copied",
                )
        for table in tables:
            columns = [str(r[1]) for r in source.all(f"PRAGMA table_info({table})")]
            rows = source.conn.execute(f"SELECT {', '.join(columns)} FROM {table}")
            copied = 0
            while chunk := rows.fetchmany(CHUNK):
                copied += postgres_load(conn, table, columns, (tuple(r) for r in chunk))
                if progress is not None:
                    progress(table, copied)
            report.rows[table] = copied
        for table in ID_TABLES:
            if table in tables:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
        for table in COUNTED_TABLES:
            if table in tables:  # the triggers counted the rows COPY added; say it plainly
                conn.execute(
                    "UPDATE row_counts SET n = (SELECT COUNT(*) FROM " + table + ") WHERE tbl = ?",
                    (table,),
                )
    report.audit = audit.verify(target)
    return report
