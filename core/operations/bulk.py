"""Bulk gifts and deductions from a CSV of openid, amount, reason: a dry-run preview with totals,
a cap, one intent per row, one audit entry for the batch plus one per row. The batch id comes from
the file's bytes, so running the same file again after a crash resumes it without repeating a row."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import XPayDeskError
from core.mirror.importing.common import Rejection
from core.operations.engine import AuditUnwritable, Operations, OpResult
from core.store.errors import DATABASE_ERRORS
from core.validation import OPENID_RE


@dataclass(frozen=True)
class BulkRow:
    line: int
    openid: str
    amount: int
    reason: str


MAX_BULK_BYTES = 20 << 20  # ~200,000 rows; far more than any cap allows
MAX_FIELD_CHARS = 128 * 1024  # the csv module's default limit, said per row instead of raised
MAX_AMOUNT = 2**31 - 1
_AMOUNT_RE = re.compile(r"[0-9]{1,10}")  # ASCII digits only: never '²', '１０', '1e3', '1.0', '-5'


_TOO_LONG = (
    f"有字段超过 {MAX_FIELD_CHARS // 1024} KB / a field is longer than {MAX_FIELD_CHARS // 1024} KB"
)


class BulkFileError(XPayDeskError):
    """The bulk file as a whole cannot be read (rows that cannot be used are rejections)."""

    kind = "bulk_file"
    exit_code = 2


@dataclass(frozen=True)
class Duplicate:
    """Rows that are the same openid, amount and reason: each would be its own gift."""

    lines: tuple[int, ...]
    openid: str
    amount: int
    reason: str

    def describe(self, action: str) -> str:
        lines = ", ".join(str(n) for n in self.lines)
        return (
            f"第 {lines} 行相同（{self.openid}，{self.amount}，{self.reason}）：将执行 "
            f"{len(self.lines)} 次 / lines {lines} are identical: {len(self.lines)} {action}s "
            f"of {self.amount} to {self.openid}"
        )


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

    @property
    def duplicates(self) -> list[Duplicate]:
        groups: dict[tuple[str, int, str], list[int]] = {}
        for row in self.rows:
            groups.setdefault((row.openid, row.amount, row.reason), []).append(row.line)
        return [
            Duplicate(tuple(lines), openid, amount, reason)
            for (openid, amount, reason), lines in groups.items()
            if len(lines) > 1
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "action": self.action,
            "rows": len(self.rows),
            "total": self.total,
            "users": len({r.openid for r in self.rows}),
            "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
            "duplicates": [
                {"lines": list(d.lines), "openid": d.openid, "amount": d.amount, "reason": d.reason}
                for d in self.duplicates
            ],
        }


def _read_text(path: Path) -> tuple[bytes, str]:
    try:
        size = path.stat().st_size
        if size > MAX_BULK_BYTES:
            raise BulkFileError(
                f"{path} 过大（{size:,} 字节，上限 {MAX_BULK_BYTES:,}）",
                f"{path} is too large ({size:,} bytes, at most {MAX_BULK_BYTES:,})",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise BulkFileError(
            f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}"
        ) from None
    except ValueError:  # a NUL in the path
        raise BulkFileError(f"路径不合法：{path!r}", f"not a valid path: {path!r}") from None
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030 (GBK)
        try:
            return data, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BulkFileError(
        f"{path} 不是 UTF-8 或 GBK 编码的 CSV 文本", f"{path} is not CSV text in UTF-8 or GBK"
    )


def _amount(text: str) -> int | None:
    if not _AMOUNT_RE.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_AMOUNT else None


def plan_bulk(path: Path, action: str) -> BulkPlan:
    """Every row is used or rejected with its line number; nothing in the file raises."""
    if action not in ("gift", "deduct"):
        raise BulkFileError("批量操作只支持 gift 和 deduct", "bulk supports gift and deduct only")
    data, text = _read_text(path)
    plan = BulkPlan(hashlib.sha256(data).hexdigest()[:16], action, str(path))
    _read_rows(text, plan)
    return plan


def _read_rows(text: str, plan: BulkPlan) -> None:
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        before = reader.line_num
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = max(reader.line_num, before + 1)
            too_long = "field larger than field limit" in str(exc)
            plan.rejected.append(
                Rejection(
                    line,
                    _TOO_LONG if too_long else f"不是合法的 CSV 行 / not a valid CSV row ({exc})",
                )
            )
            if reader.line_num <= before:  # the reader cannot move on: nothing more to read
                return
            continue
        first = before + 1  # a quoted field may span lines: the row is named by its first
        rejected = len(plan.rejected)
        _read_row(first, cells, plan)
        if len(plan.rejected) > rejected and reader.line_num > first:
            last = plan.rejected[-1]
            plan.rejected[-1] = Rejection(
                last.line,
                f"{last.reason}（第 {first}–{reader.line_num} 行被读作一行：引号未闭合？）/ "
                f"(lines {first}-{reader.line_num} read as one row: an unclosed quote?)",
            )


def _read_row(line: int, cells: list[str], plan: BulkPlan) -> None:
    if not cells or not "".join(cells).strip():
        return
    if any(len(cell) > MAX_FIELD_CHARS for cell in cells):  # whatever the csv module allows
        plan.rejected.append(Rejection(line, _TOO_LONG))
        return
    if line == 1 and cells[0].strip().lstrip("\ufeff").lower() in ("openid", "用户openid"):
        return  # header
    if len(cells) < 3:
        plan.rejected.append(
            Rejection(line, "需要 openid, amount, reason 三列 / needs openid, amount, reason")
        )
        return
    openid, amount_text, reason = cells[0].strip(), cells[1].strip(), cells[2].strip()
    amount = _amount(amount_text)
    if not OPENID_RE.fullmatch(openid):
        plan.rejected.append(Rejection(line, "openid 格式不正确 / malformed openid"))
    elif amount is None:
        plan.rejected.append(
            Rejection(
                line,
                f"amount {amount_text[:20]!r} 须为 1 到 {MAX_AMOUNT} 的整数（仅限 0-9）/ "
                f"amount must be a whole number from 1 to {MAX_AMOUNT} (digits 0-9 only)",
            )
        )
    elif not reason:
        plan.rejected.append(Rejection(line, "缺少原因 / reason missing"))
    else:
        plan.rows.append(BulkRow(line, openid, amount, reason))


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


class DuplicateRows(XPayDeskError):
    """Identical rows need the operator's explicit word that each is meant (--allow-duplicates)."""

    kind = "bulk_duplicates"
    exit_code = 2

    def __init__(self, plan: BulkPlan) -> None:
        self.duplicates = plan.duplicates
        listed = "\n".join(d.describe(plan.action) for d in self.duplicates)
        super().__init__(
            f"文件中有相同的行，未执行任何操作；确认每一行都要执行时加 --allow-duplicates：\n{listed}",
            "the file has identical rows; nothing was done. If each is meant, confirm with "
            f"--allow-duplicates:\n{listed}",
        )


async def run_bulk(
    ops: Operations, plan: BulkPlan, *, allow_duplicates: bool = False
) -> BulkReport:
    if plan.rejected:
        raise BulkFileError(
            f"有 {len(plan.rejected)} 行无效，请先修正文件",
            f"{len(plan.rejected)} rows are invalid; fix the file first",
        )
    if plan.duplicates and not allow_duplicates:
        raise DuplicateRows(plan)
    ops.policy.check_bulk(plan.action, len(plan.rows), plan.total)
    ops.client.require_app_key()  # a missing AppKey stops the batch before it is recorded
    existing = ops.mirror.one("SELECT 1 FROM batches WHERE batch_id = ?", plan.batch_id)
    if existing is None:
        try:
            _record_batch(ops, plan)
        except DATABASE_ERRORS as exc:
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
