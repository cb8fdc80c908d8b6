"""The intent journal: every money-moving action is written here, with the exact WeChat id it
will use, and committed before anything is sent. A retry reuses the id; it is never regenerated."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from core.beijing import beijing_day_bounds, beijing_today
from core.errors import XPayDeskError
from core.mirror.db import Mirror

OPEN_STATES = ("prepared", "sending", "unknown", "refunding", "waiting_refund", "needs_login")
FINAL_STATES = ("done", "failed")
ID_PREFIX = {
    "gift": "XG",
    "deduct": "XD",
    "cancel_deduction": "XC",
    "refund": "XR",
    "clawback": "XK",
    "deliver": "XV",
}


def wechat_id(action: str, appid: str, request_key: str) -> str:
    """Deterministic: the same request always maps to the same WeChat order id (26 characters
    of [A-Za-z0-9], inside WeChat's 8..32)."""
    digest = hashlib.sha256(f"{appid}|{action}|{request_key}".encode()).digest()
    return ID_PREFIX[action] + base64.b32encode(digest).decode()[:24]


@dataclass
class Intent:
    id: int
    action: str
    request_key: str
    wechat_id: str
    openid: str
    target: str
    amount: int
    params: dict[str, Any]
    state: str
    outcome: dict[str, Any]
    errcode: int | None
    message: str
    operator: str
    reason: str
    parent_id: int | None
    batch_id: str | None
    attempts: int
    created_at: int
    updated_at: int
    next_try_at: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "extra"}


def _intent(row: sqlite3.Row) -> Intent:
    data = dict(row)
    data["params"] = json.loads(data["params"])
    data["outcome"] = json.loads(data["outcome"])
    return Intent(**data)


class Journal:
    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror

    def create(
        self,
        action: str,
        request_key: str,
        *,
        appid: str,
        openid: str,
        target: str,
        amount: int,
        params: dict[str, Any],
        operator: str,
        reason: str,
        parent_id: int | None = None,
        batch_id: str | None = None,
        state: str = "prepared",
        wechat_id_override: str | None = None,
    ) -> tuple[Intent, bool]:
        """(intent, created). The same request_key returns the intent already written, so a
        double click or a retried command is one intent."""
        now = self.mirror.now()
        wid = wechat_id_override or wechat_id(action, appid, request_key)
        with self.mirror.transaction() as conn:
            existing = conn.execute(
                "SELECT * FROM intents WHERE request_key = ?", (request_key,)
            ).fetchone()
            if existing is not None:
                return _intent(existing), False
            if conn.execute("SELECT 1 FROM intents WHERE wechat_id = ?", (wid,)).fetchone():
                raise XPayDeskError(
                    f"单号 {wid} 已被另一操作使用", f"id {wid} is already used by another operation"
                )
            cursor = conn.execute(
                "INSERT INTO intents (action, request_key, wechat_id, openid, target, amount, "
                "params, state, operator, reason, parent_id, batch_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    action,
                    request_key,
                    wid,
                    openid,
                    target,
                    amount,
                    json.dumps(params, ensure_ascii=False, sort_keys=True),
                    state,
                    operator,
                    reason,
                    parent_id,
                    batch_id,
                    now,
                    now,
                ),
            )
            intent_id = int(cursor.fetchone()[0])
        found = self.get(intent_id)
        assert found is not None
        return found, True

    def get(self, intent_id: int) -> Intent | None:
        row = self.mirror.one("SELECT * FROM intents WHERE id = ?", intent_id)
        return None if row is None else _intent(row)

    def by_wechat_id(self, wid: str) -> Intent | None:
        row = self.mirror.one("SELECT * FROM intents WHERE wechat_id = ?", wid)
        return None if row is None else _intent(row)

    def children(self, parent_id: int) -> list[Intent]:
        return [
            _intent(r)
            for r in self.mirror.all(
                "SELECT * FROM intents WHERE parent_id = ? ORDER BY id", parent_id
            )
        ]

    def update(
        self,
        intent_id: int,
        *,
        state: str | None = None,
        outcome: dict[str, Any] | None = None,
        errcode: int | None = None,
        message: str | None = None,
        attempt: bool = False,
        next_try_at: int | None = None,
        amount: int | None = None,
    ) -> None:
        sets: list[str] = ["updated_at = ?"]
        params: list[Any] = [self.mirror.now()]
        for column, value in (
            ("state", state),
            ("errcode", errcode),
            ("message", message),
            ("next_try_at", next_try_at),
            ("amount", amount),
        ):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(value)
        if outcome is not None:
            sets.append("outcome = ?")
            params.append(json.dumps(outcome, ensure_ascii=False, sort_keys=True, default=str))
        if attempt:
            sets.append("attempts = attempts + 1")
        with self.mirror.transaction() as conn:
            conn.execute(f"UPDATE intents SET {', '.join(sets)} WHERE id = ?", (*params, intent_id))

    def clawbacks(self, refund_order_id: str | None = None) -> dict[str, list[Intent]]:
        """Clawback intents by the refund they belong to, oldest first (one refund, or all)."""
        out: dict[str, list[Intent]] = {}
        for r in self.mirror.all(
            "SELECT * FROM intents WHERE action = 'clawback' AND (CAST(? AS TEXT) IS NULL OR target = ?) "
            "ORDER BY id",
            refund_order_id,
            refund_order_id,
        ):
            intent = _intent(r)
            out.setdefault(intent.target, []).append(intent)
        return out

    def open_intents(self) -> list[Intent]:
        marks = ", ".join("?" * len(OPEN_STATES))
        return [
            _intent(r)
            for r in self.mirror.all(
                f"SELECT * FROM intents WHERE state IN ({marks}) ORDER BY id", *OPEN_STATES
            )
        ]

    def spent_today(self, operator: str, action: str) -> int:
        """What this operator moved today (Asia/Shanghai), counting everything not failed."""
        start, end = beijing_day_bounds(beijing_today(self.mirror.now()))
        row = self.mirror.one(
            "SELECT COALESCE(SUM(amount), 0) FROM intents WHERE operator = ? "
            "AND action = ? AND state != 'failed' AND created_at >= ? AND "
            "created_at < ?",
            operator,
            action,
            start,
            end,
        )
        return int(row[0]) if row else 0


class Busy(XPayDeskError):
    kind = "busy"
    exit_code = 1


def _holder_is_dead(owner: str) -> bool:
    """A lock left by a process of this machine that no longer runs (killed, crashed) is free;
    one from another machine waits for its expiry."""
    host, _, rest = owner.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Locks:
    """Per-order and per-user locks in the database, so two windows or two processes on one
    mirror never act on the same order at once. They expire, so a crashed holder frees them."""

    def __init__(self, mirror: Mirror, *, owner: str | None = None, ttl: int = 300) -> None:
        self.mirror = mirror
        self.owner = owner or process_owner()
        self.ttl = ttl

    @contextmanager
    def hold(self, *keys: str, operator: str = "") -> Iterator[None]:
        now = self.mirror.now()
        # unique per acquisition: two coroutines of one process must not share a lock
        owner = f"{self.owner}:{uuid.uuid4().hex[:12]}:{operator}"
        with self.mirror.transaction() as conn:
            for key in keys:
                row = conn.execute(
                    "SELECT owner, expires_at FROM locks WHERE key = ?", (key,)
                ).fetchone()
                if (
                    row is not None
                    and row["expires_at"] > now
                    and not _holder_is_dead(row["owner"])
                ):
                    holder = row["owner"].rsplit(":", 1)[-1] or row["owner"]
                    raise Busy(
                        f"{key} 正由 {holder} 处理中，请稍后再试",
                        f"{key} is being handled by {holder}; try again shortly",
                    )
            for key in keys:
                conn.execute(
                    "INSERT INTO locks VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                    "owner = excluded.owner, expires_at = excluded.expires_at",
                    (key, owner, now + self.ttl),
                )
        try:
            yield
        finally:
            with self.mirror.transaction() as conn:
                conn.executemany(
                    "DELETE FROM locks WHERE key = ? AND owner = ?", [(key, owner) for key in keys]
                )
