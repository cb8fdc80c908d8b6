"""Loading many rows into one table, and where an import stages its rows before merging them.
SQLite: executemany of a prepared INSERT (core.mirror.importing.staging); the stage is a
temporary database attached to the import's connection, rows in `rowid` order.
PostgreSQL: `COPY … FROM STDIN` through psycopg's copy (several times faster than INSERTs);
the stage is temporary tables of the import's session (`pg_temp`), rows numbered by an
identity column `seq`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def postgres_load(
    conn: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    count = 0
    with (
        conn.raw.cursor() as cur,
        cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def sqlite_stage_table(table: str) -> str:
    return f"stage.{table}"


def postgres_stage_table(table: str) -> str:
    return f"pg_temp.stage_{table}"
