"""Upserts: `INSERT … ON CONFLICT (key) DO UPDATE SET c = excluded.c` and `ON CONFLICT DO NOTHING`
are the same on both stores. What differs: comparing a row value that may hold NULLs (SQLite's
`IS NOT`, PostgreSQL's `IS DISTINCT FROM`), and how many rows a statement changed (SQLite's
total_changes counts rows a trigger touched too; PostgreSQL's rowcount does not)."""

from __future__ import annotations


def sqlite_differs(ours: str, theirs: str) -> str:
    return f"({ours}) IS NOT ({theirs})"


def postgres_differs(ours: str, theirs: str) -> str:
    return f"ROW({ours}) IS DISTINCT FROM ROW({theirs})"
