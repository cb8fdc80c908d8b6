"""The PostgreSQL connection, shaped like the part of sqlite3.Connection the mirror uses: execute
and executemany with `?` placeholders, rows readable by position and by column name, explicit
transactions (autocommit, then BEGIN … COMMIT as with sqlite3's isolation_level=None),
`in_transaction` and `total_changes`. numeric results (SUM of a bigint column) come back as int
when whole: money stays integers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import Loader

from core.store.placeholders import named_to_pyformat, qmark_to_format

_CHANGES = ("INSERT", "UPDATE", "DELETE")


class Row:
    """A row readable as row[0] and row["name"], with keys(): what sqlite3.Row offers."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = tuple(values)
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self._values == other._values and self._index == other._index
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._index, self._values, strict=True))!r})"


def _rows(cursor: Any) -> Any:
    description = cursor.description or ()
    index = {column.name: n for n, column in enumerate(description)}

    def make(values: Sequence[Any]) -> Row:
        return Row(values, index)

    return make


class _WholeNumeric(Loader):
    def load(self, data: Any) -> int | Decimal:
        text = bytes(data).decode()
        if "." in text or "e" in text.lower() or text in ("NaN", "Infinity", "-Infinity"):
            return Decimal(text)
        return int(text)


class PgConnection:
    def __init__(self, url: str) -> None:
        self.raw: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True, row_factory=_rows)
        self.raw.adapters.register_loader("numeric", _WholeNumeric)
        self.total_changes = 0

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        if isinstance(params, Mapping):
            cursor = self.raw.execute(named_to_pyformat(sql), params)
        elif params:
            cursor = self.raw.execute(qmark_to_format(sql), tuple(params))
        else:
            cursor = self.raw.execute(sql)
        status = cursor.statusmessage or ""
        if status.startswith(_CHANGES) and cursor.rowcount > 0:
            self.total_changes += cursor.rowcount
        return cursor

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(qmark_to_format(sql), [tuple(p) for p in seq])
        if cursor.rowcount > 0:
            self.total_changes += cursor.rowcount
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()

    def __del__(self) -> None:
        # as sqlite3 does: a connection no one holds any more is closed, without a warning
        raw = getattr(self, "raw", None)
        if raw is not None and not raw.closed:
            raw.close()
