"""What differs between the two stores, one small module per concern; everything above it (the
mirror, the operations journal and locks, the audit chain, the reports) is written once.

- `placeholders`: `?` in the one SQL text, `%s` for psycopg
- `upserts`: "changed" comparisons (`IS NOT` / `IS DISTINCT FROM`) and counting changed rows
- `locks`: the writer lock (BEGIN IMMEDIATE / an advisory transaction lock)
- `dates`: Beijing's calendar day of a unix time in SQL
- `jsonfields`: one field of a JSON text column
- `migrations`: the schema version and the PostgreSQL form of each migration
- `bulk`: loading many rows (executemany / COPY)
- `pg`: the PostgreSQL connection, shaped like sqlite3's
"""

from core.store.dialect import POSTGRES, SQLITE, Dialect, is_postgres_url

__all__ = ["POSTGRES", "SQLITE", "Dialect", "is_postgres_url"]
