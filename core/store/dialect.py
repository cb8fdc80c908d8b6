"""The two stores' differences gathered in one value, chosen once when a mirror opens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.store import dates, jsonfields, upserts


@dataclass(frozen=True)
class Dialect:
    name: str
    beijing_day: Callable[[str], str]
    json_field: Callable[[str, str], str]
    differs: Callable[[str, str], str]
    json_object: Callable[[str], str]
    # a value as text where SQLite's loose typing lets a UNION mix integers and text
    as_text: Callable[[str], str]
    # SQLite's unary `+column` keeps the planner off an index; PostgreSQL has no such hint
    index_hints: bool
    # rows a trigger touches count in sqlite3's total_changes, not in psycopg's rowcount
    triggers_count_as_changes: bool


SQLITE = Dialect(
    name="sqlite",
    beijing_day=dates.sqlite_beijing_day,
    json_field=jsonfields.sqlite_json_field,
    differs=upserts.sqlite_differs,
    json_object=jsonfields.sqlite_json_object,
    as_text=lambda expr: expr,
    index_hints=True,
    triggers_count_as_changes=True,
)
POSTGRES = Dialect(
    name="postgresql",
    beijing_day=dates.postgres_beijing_day,
    json_field=jsonfields.postgres_json_field,
    differs=upserts.postgres_differs,
    json_object=jsonfields.postgres_json_object,
    as_text=lambda expr: f"CAST({expr} AS TEXT)",
    index_hints=False,
    triggers_count_as_changes=False,
)


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))
