"""Bulk gifts and deductions from a CSV of openid, amount, reason: a dry-run preview with totals,
a cap, one intent per row, one audit entry for the batch plus one per row. The batch id comes from
the file's bytes, so running the same file again after a crash resumes it without repeating a row."""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import XPayDeskError
from core.mirror.importing.common import Rejection
from core.operations.engine import AuditUnwritable, Operations, OpResult
from core.validation import OPENID_RE


@dataclass(frozen=True)
class BulkRow:
    line: int
    openid: str
    amount: int
    reason: str


@dataclass
class BulkPlan:
    batch_id: str
    action: str
    source: str
    rows: list[BulkRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.amount for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "action": self.action,
            "rows": len(self.rows),
            "total": self.total,
            "users": len({r.openid for r in self.rows}),
            "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
        }


def plan_bulk(path: Path, action: str) -> BulkPlan:
    if action not in ("gift", "deduct"):
        raise XPayDeskError("批量操作只支持 gift 和 deduct", "bulk supports gift and deduct only")
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise XPayDeskError(
            f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}"
        ) from None
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="strict")
    plan = BulkPlan(hashlib.sha256(data).hexdigest()[:16], action, str(path))
    reader = csv.reader(io.StringIO(text))
    for cells in reader:
        line = reader.line_num
        if not cells or not "".join(cells).strip():
            continue
        if line == 1 and cells[0].strip().lower() in ("openid", "用户openid"):
            continue  # header
        if len(cells) < 3:
            plan.rejected.append(
                Rejection(line, "需要 openid, amount, reason 三列 / needs openid, amount, reason")
            )
            continue
        openid, amount_text, reason = cells[0].strip(), cells[1].strip(), cells[2].strip()
        if not OPENID_RE.fullmatch(openid):
            plan.rejected.append(Rejection(line, "openid 格式不正确 / malformed openid"))
        elif not amount_text.isdigit() or int(amount_text) <= 0:
            plan.rejected.append(
                Rejection(line, "amount 须为正整数 / amount must be a positive integer")
            )
        elif not reason:
            plan.rejected.append(Rejection(line, "缺少原因 / reason missing"))
        else:
            plan.rows.append(BulkRow(line, openid, int(amount_text), reason))
    return plan


@dataclass
class BulkReport:
    plan: BulkPlan
    results: list[tuple[BulkRow, OpResult]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        states: dict[str, int] = {}
        for _row, result in self.results:
            states[result.state] = states.get(result.state, 0) + 1
        return {
            **self.plan.as_dict(),
            "states": states,
            "results": [
                {
                    "line": row.line,
                    "openid": row.openid,
                    "amount": row.amount,
                    "state": r.state,
                    "wechat_id": r.wechat_id,
                    "message": r.message,
                }
                for row, r in self.results
            ],
        }


async def run_bulk(ops: Operations, plan: BulkPlan) -> BulkReport:
    if plan.rejected:
        raise XPayDeskError(
            f"有 {len(plan.rejected)} 行无效，请先修正文件",
            f"{len(plan.rejected)} rows are invalid; fix the file first",
        )
    ops.policy.check_bulk(plan.action, len(plan.rows), plan.total)
    ops.client.require_app_key()  # a missing AppKey stops the batch before it is recorded
    existing = ops.mirror.one("SELECT 1 FROM batches WHERE batch_id = ?", plan.batch_id)
    if existing is None:
        try:
            _record_batch(ops, plan)
        except sqlite3.DatabaseError as exc:
            raise AuditUnwritable(str(exc)) from None
    report = BulkReport(plan)
    for row in plan.rows:
        key = f"bulk:{plan.batch_id}:{row.line}"
        if plan.action == "gift":
            result = await ops.gift(
                row.openid, row.amount, reason=row.reason, request_key=key, batch_id=plan.batch_id
            )
        else:
            result = await ops.deduct(
                row.openid, row.amount, reason=row.reason, request_key=key, batch_id=plan.batch_id
            )
        report.results.append((row, result))
    return report


def _record_batch(ops: Operations, plan: BulkPlan) -> None:
    with ops.mirror.transaction() as conn:
        conn.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                plan.batch_id,
                plan.action,
                plan.source,
                len(plan.rows),
                plan.total,
                ops.operator,
                ops.mirror.now(),
            ),
        )
        ops.audit.append(f"bulk_{plan.action}", plan.as_dict(), result="intent")
