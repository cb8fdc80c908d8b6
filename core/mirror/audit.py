"""The append-only audit log with a hash chain: each row's hash covers the previous row's hash and
its own content, and the head (last hash and row count) is kept in `meta`, so an edited, deleted
or reordered row is detected. It guards against accidents and casual edits on one desktop; whoever
can rewrite the whole file can rewrite the chain too."""

from __future__ import annotations

import csv
import hashlib
import json
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from core.mirror.db import Mirror

GENESIS = "0" * 64
SECRET_PARAM_NAMES = frozenset(
    {
        "session_key",
        "app_key",
        "sandbox_app_key",
        "secret",
        "access_token",
        "token",
        "encoding_aes_key",
        "appsecret",
        "previous_encoding_aes_key",
        "signature",
        "pay_sig",
        "bearer_token",
    }
)
CHAINED = (
    "id",
    "at",
    "operator",
    "host",
    "profile",
    "env",
    "action",
    "openid",
    "params",
    "result",
    "errcode",
)


def redact(params: Mapping[str, Any]) -> dict[str, Any]:
    """Secrets never reach the audit log; signatures keep a prefix for debugging (reference §11)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in ("signature", "pay_sig") and isinstance(value, str):
            out[key] = value[:8] + "…"
        elif key in SECRET_PARAM_NAMES:
            out[key] = "***"
        elif isinstance(value, Mapping):
            out[key] = redact(value)
        else:
            out[key] = value
    return out


def _row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    canonical = json.dumps([row[c] for c in CHAINED], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    problems: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "problems": list(self.problems)}


class AuditLog:
    def __init__(
        self, mirror: Mirror, *, operator: str, profile: str, env: int, host: str | None = None
    ) -> None:
        self._mirror = mirror
        self.operator = operator
        self.profile = profile
        self.env = env
        self.host = host or socket.gethostname()

    def append(
        self,
        action: str,
        params: Mapping[str, Any],
        *,
        result: str,
        errcode: int | None = None,
        openid: str = "",
    ) -> int:
        with self._mirror.transaction() as conn:
            head = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            prev_hash, next_id = (head["hash"], head["id"] + 1) if head else (GENESIS, 1)
            row = {
                "id": next_id,
                "at": self._mirror.now(),
                "operator": self.operator,
                "host": self.host,
                "profile": self.profile,
                "env": self.env,
                "action": action,
                "openid": openid,
                "params": json.dumps(redact(params), ensure_ascii=False, sort_keys=True),
                "result": result,
                "errcode": errcode,
            }
            digest = _row_hash(prev_hash, row)
            conn.execute(
                "INSERT INTO audit (id, at, operator, host, profile, env, action, openid,"
                " params, result, errcode, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?, ?, ?, ?)",
                (*[row[c] for c in CHAINED], prev_hash, digest),
            )
            conn.execute(
                "INSERT INTO meta VALUES ('audit_head', ?) ON CONFLICT(key) DO UPDATE "
                "SET value = excluded.value",
                (f"{next_id}:{digest}",),
            )
        return next_id

    def check_writable(self) -> None:
        """Proves a row can be appended now (a damaged page, a missing table or a failing
        trigger raises sqlite3.DatabaseError): appends one inside a savepoint and rolls it back.
        Called before a request that moves money leaves, in the transaction that marks it sent."""
        with self._mirror.transaction() as conn:
            conn.execute("SAVEPOINT audit_probe")
            try:
                self.append("probe", {}, result="probe")
            finally:
                conn.execute("ROLLBACK TO audit_probe")
                conn.execute("RELEASE audit_probe")


def verify(mirror: Mirror) -> ChainReport:
    problems: list[str] = []
    prev_hash, expected_id, rows = GENESIS, 1, 0
    for row in mirror.conn.execute("SELECT * FROM audit ORDER BY id"):
        rows += 1
        if row["id"] != expected_id:
            problems.append(
                f"row {expected_id} is missing (next is {row['id']}) / 第 {expected_id} 行缺失"
            )
        if row["prev_hash"] != prev_hash:
            problems.append(
                f"row {row['id']}: chain broken before it (deleted or reordered) / "
                f"第 {row['id']} 行之前的链断开（删除或重排）"
            )
        if _row_hash(row["prev_hash"], row) != row["hash"]:
            problems.append(f"row {row['id']}: content was edited / 第 {row['id']} 行内容被修改")
        prev_hash, expected_id = row["hash"], row["id"] + 1
    head = mirror.meta("audit_head")
    if head is not None:
        last_id, last_hash = head.split(":", 1)
        if int(last_id) != expected_id - 1 or last_hash != prev_hash:
            problems.append(
                f"the last rows were removed (log ends at {expected_id - 1}, head says "
                f"{last_id}) / 末尾的记录被删除"
            )
    elif rows:
        problems.append("the chain head is missing / 链头缺失")
    return ChainReport(ok=not problems, rows=rows, problems=tuple(problems))


def iter_rows(
    mirror: Mirror,
    *,
    openid: str | None = None,
    action: str | None = None,
    since: int | None = None,
    until: int | None = None,
) -> Iterator[dict[str, Any]]:
    where, params = ["1"], []
    for clause, value in (
        ("openid = ?", openid),
        ("action = ?", action),
        ("at >= ?", since),
        ("at < ?", until),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    for row in mirror.conn.execute(
        f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY id", params
    ):
        yield dict(row)


def export_csv(mirror: Mirror, out: TextIO, **filters: Any) -> int:
    """UTF-8 CSV (the caller writes the BOM for Excel); returns rows written."""
    writer = csv.writer(out)
    columns = [*CHAINED, "prev_hash", "hash"]
    writer.writerow(columns)
    count = 0
    for row in iter_rows(mirror, **filters):
        writer.writerow([row[c] for c in columns])
        count += 1
    return count
