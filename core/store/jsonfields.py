"""One top-level field of a JSON text column, as text (NULL when absent)."""

from __future__ import annotations


def sqlite_json_field(column: str, name: str) -> str:
    return f"json_extract({column}, '$.{name}')"


def postgres_json_field(column: str, name: str) -> str:
    return f"(({column})::jsonb ->> '{name}')"


def sqlite_json_object(pairs: str) -> str:
    """A JSON object text from `'name', value, …`."""
    return f"json_object({pairs})"


def postgres_json_object(pairs: str) -> str:
    return f"json_build_object({pairs})::text"
