"""vk-pay / uni-pay order exports (uniCloud `vk-pay-orders` / `uni-pay-orders`, JSON lines or a
JSON array) and WeChat bill / order-export files (format undocumented: detected, not assumed)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from core.beijing import beijing_day_of
from core.mirror.db import Mirror
from core.mirror.importing.common import (
    BATCH,
    ImportFailed,
    ImportReport,
    Lines,
    Progress,
    Rejection,
    RowError,
    iter_json_documents,
    open_lines,
    to_int,
    to_unix,
    yuan_to_fen,
)
from core.mirror.records import (
    UpsertCounts,
    bill_days_from_name,
    record_statement_days,
    upsert,
    upsert_orders,
    upsert_refunds,
)

# vk-pay status -> query_order status (reference §2.2.1)
VK_STATUS = {-1: 6, 0: 1, 1: 4, 2: 4, 3: 5}
VK_MODES = {"short_series_coin": "coin", "short_series_goods": "item"}


class _Batches:
    """Collects rows and writes them in batches inside the import's transaction."""

    def __init__(self, mirror: Mirror, report: ImportReport) -> None:
        self.mirror = mirror
        self.report = report
        self.orders: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []

    def add(self, order: dict[str, Any] | None, refunds: list[dict[str, Any]]) -> None:
        if order is not None:
            self.orders.append(order)
        self.refunds.extend(refunds)
        if len(self.orders) >= BATCH or len(self.refunds) >= BATCH:
            self.flush()

    def flush(self) -> None:
        counts = UpsertCounts()
        for rows, write in ((self.orders, upsert_orders), (self.refunds, upsert_refunds)):
            # one source can yield rows with different key sets: group them
            groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in rows:
                groups.setdefault(tuple(row), []).append(row)
            for group in groups.values():
                counts += write(self.mirror, group)
            rows.clear()
        self.report.added += counts.added
        self.report.updated += counts.updated
        self.report.unchanged += counts.unchanged


def _obj(doc: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def _text(doc: Mapping[str, Any], key: str) -> str:
    value = doc.get(key)
    return "" if value is None else str(value)


def vk_order(doc: Any, *, env: int, now: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """One vk-pay order document -> (order row, refund rows). (None, []) = not ours, skipped."""
    if not isinstance(doc, dict):
        raise RowError("不是 JSON 对象 / not a JSON object")
    pay_type = _text(doc, "pay_type") + _text(doc, "provider")
    virtual = doc.get("wxpay_virtual")
    if "virtual" not in pay_type and not isinstance(virtual, dict):
        return None, []  # another payment method (wxpay, alipay...): not a virtual-payment order
    order_id = _text(doc, "out_trade_no")
    if not order_id or len(order_id) > 64 or any(c.isspace() for c in order_id):
        raise RowError("out_trade_no 缺失或格式不正确 / out_trade_no missing or malformed")
    openid = _text(doc, "openid")
    if not openid:
        raise RowError("openid 缺失 / openid missing")
    status = doc.get("status")
    if status not in VK_STATUS or isinstance(status, bool):
        raise RowError(f"未知的 status {status!r} / unknown status")
    total_fee = to_int(doc.get("total_fee"), field_name="total_fee")
    refunded = to_int(doc.get("refund_fee") or 0, field_name="refund_fee")
    if refunded > total_fee:
        raise RowError("refund_fee 大于 total_fee / refund_fee exceeds total_fee")
    virtual = _obj(doc, "wxpay_virtual")
    kind = VK_MODES.get(_text(virtual, "mode"), "coin")
    original: dict[str, Any] = _obj(doc, "original_data")
    pay_info: dict[str, Any] = _obj(original, "WeChatPayInfo")
    transaction_id = _text(doc, "transaction_id")
    paid = status in (1, 2, 3)
    paid_time = (
        to_unix(
            doc.get("pay_date") or doc.get("notify_time") or doc.get("pay_time"),
            field_name="pay_date",
        )
        if paid
        else 0
    )
    wx_status = VK_STATUS[status]
    if status == 1 and kind == "item" and doc.get("user_order_success") is False:
        wx_status = 2  # paid, but the merchant's delivery did not succeed
    order = {
        "order_id": order_id,
        "openid": openid,
        "kind": kind,
        "product_id": _text(virtual, "product_id") or ("coin" if kind == "coin" else ""),
        "quantity": to_int(virtual.get("buy_quantity") or 0, field_name="buy_quantity"),
        "order_fee": total_fee,
        "paid_fee": total_fee if paid else 0,
        "left_fee": total_fee - refunded if paid else 0,
        "status": wx_status,
        "env": to_int(original.get("Env", env), field_name="Env"),
        "create_time": to_unix(
            doc.get("_add_time") or doc.get("create_date"), field_name="_add_time"
        ),
        "paid_time": paid_time,
        "provide_time": paid_time if wx_status == 4 else 0,
        "wx_order_id": transaction_id if transaction_id.startswith("VPO") else "",
        "wxpay_order_id": _text(pay_info, "TransactionId")
        or (transaction_id if transaction_id.isdigit() else ""),
        "channel_order_id": _text(pay_info, "MchOrderNo"),
        "source": "vk-pay",
        "refreshed_at": now,
        "raw": json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str),
    }
    refunds = []
    for n, item in enumerate(doc.get("refund_list") or []):
        if not isinstance(item, dict):
            raise RowError(f"refund_list[{n}] 不是对象 / is not an object")
        refund_id = _text(item, "out_refund_no") or _text(item, "refund_order_id")
        if not refund_id:
            raise RowError(f"refund_list[{n}] 缺少 out_refund_no / has no out_refund_no")
        at = to_unix(item.get("refund_time") or item.get("_add_time"), field_name="refund_time")
        refunds.append(
            {
                "refund_order_id": refund_id,
                "order_id": order_id,
                "openid": openid,
                "refund_fee": to_int(item.get("refund_fee"), field_name="refund_fee", minimum=1),
                "refund_reason": "0",
                "req_from": "1",
                "refund_wx_order_id": _text(item, "refund_id"),
                "status": "refunded",
                "started_at": at,
                "finished_at": at,
                "operator": _text(item, "operator"),
                "source": "vk-pay",
                "raw": json.dumps(item, ensure_ascii=False, sort_keys=True, default=str),
            }
        )
    return order, refunds


def _run(
    mirror: Mirror, report: ImportReport, path: Path, rows: Iterator[tuple[int, Any]], strict: bool
) -> None:
    batches = _Batches(mirror, report)
    for line, item in rows:
        if isinstance(item, RowError):
            if strict:
                raise ImportFailed(path, line, str(item), str(item))
            report.rejected.append(Rejection(line, str(item)))
            continue
        order, refunds = item
        if order is None and not refunds:
            report.skipped += 1
            continue
        batches.add(order, refunds)
    batches.flush()


def guarded(
    mirror: Mirror,
    report: ImportReport,
    path: Path,
    progress: Progress | None,
    body: Callable[[Lines], None],
) -> None:
    """Runs an import in one transaction: any file-level failure rolls everything back."""
    with open_lines(path, progress) as (lines, encoding, compression):
        report.encoding, report.compression = encoding, compression
        try:
            with mirror.transaction():
                body(lines)
            mirror.optimize()
        except RowError as exc:  # a JSON array that never closes, etc.
            raise ImportFailed(path, lines.line, str(exc), str(exc)) from None


def import_vk_orders(
    mirror: Mirror,
    path: Path,
    *,
    env: int = 0,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport("orders", str(path))
    now = mirror.now()

    def rows(lines: Lines) -> Iterator[tuple[int, Any]]:
        for line, doc in iter_json_documents(lines):
            if isinstance(doc, RowError):
                yield line, doc
                continue
            try:
                yield line, vk_order(doc, env=env, now=now)
            except RowError as exc:
                yield line, exc

    guarded(
        mirror,
        report,
        path,
        progress,
        lambda lines: _run(mirror, report, path, rows(lines), strict),
    )
    return report


# ---- WeChat bills and order exports ----------------------------------------------------------

#: known column names (as WeChat, vk-pay exports and our simulator write them) -> our field
BILL_COLUMNS = {
    "交易时间": "time",
    "支付时间": "time",
    "time": "time",
    "paid_time": "time",
    "商户订单号": "order_id",
    "业务订单号": "order_id",
    "order_id": "order_id",
    "out_trade_no": "order_id",
    "微信订单号": "wx_order_id",
    "wx_order_id": "wx_order_id",
    "微信支付单号": "wxpay_order_id",
    "微信支付订单号": "wxpay_order_id",
    "transaction_id": "wxpay_order_id",
    "wxpay_order_id": "wxpay_order_id",
    "用户openid": "openid",
    "用户标识": "openid",
    "openid": "openid",
    "交易类型": "type",
    "type": "type",
    "道具id": "product_id",
    "道具ID": "product_id",
    "product_id": "product_id",
    "数量": "quantity",
    "quantity": "quantity",
    "订单金额(元)": "amount",
    "订单金额": "amount",
    "应结订单金额": "amount",
    "amount": "amount",
    "退款金额(元)": "refund",
    "退款金额": "refund",
    "refund": "refund",
    "手续费(元)": "fee",
    "手续费": "fee",
    "fee": "fee",
    "交易状态": "status",
    "status": "status",
    "关联订单号": "pay_order_id",
    "原订单号": "pay_order_id",
    "pay_order_id": "pay_order_id",
    "环境": "env",
    "env": "env",
}
REQUIRED_BILL_FIELDS = ("time", "order_id", "amount")
SUMMARY_MARKERS = ("总交易单数", "总计", "合计", "#")


def _header(row: list[str]) -> dict[int, str]:
    return {
        i: BILL_COLUMNS[c.strip().lstrip("\ufeff")]
        for i, c in enumerate(row)
        if c.strip().lstrip("\ufeff") in BILL_COLUMNS
    }


STATEMENT_COLUMNS = (
    "line_type",
    "id",
    "order_id",
    "openid",
    "amount",
    "fee",
    "at",
    "wx_order_id",
    "wxpay_order_id",
    "kind",
    "quantity",
    "status",
    "env",
    "source",
    "raw",
)


def bill_row(cells: dict[str, str], *, default_env: int, source: str) -> dict[str, Any]:
    """One line of WeChat's statement. It goes to `statement_lines`, never over our own orders:
    reconciliation compares the two."""
    order_id = cells.get("order_id", "").strip().lstrip("`")
    if not order_id:
        raise RowError("商户订单号为空 / empty order id")
    at = to_unix(cells["time"].strip().lstrip("`"), field_name="time")
    env_text = cells.get("env", "").strip()
    env = (
        {"沙箱": 1, "sandbox": 1, "1": 1, "现网": 0, "production": 0, "0": 0}.get(
            env_text, default_env
        )
        if env_text
        else default_env
    )
    kind_text = cells.get("type", "").strip()
    refund = kind_text in ("退款", "refund")
    status_text = cells.get("status", "").strip()
    amount_text = (cells.get("refund") or cells["amount"]) if refund else cells["amount"]
    return {
        "line_type": "refund" if refund else "payment",
        "id": order_id,
        "order_id": cells.get("pay_order_id", "").strip().lstrip("`") if refund else order_id,
        "openid": cells.get("openid", "").strip().lstrip("`"),
        "amount": yuan_to_fen(amount_text, field_name="amount"),
        "fee": yuan_to_fen(cells["fee"], field_name="fee") if cells.get("fee") else 0,
        "at": at,
        "wx_order_id": cells.get("wx_order_id", "").strip().lstrip("`"),
        "wxpay_order_id": cells.get("wxpay_order_id", "").strip().lstrip("`"),
        "kind": "item" if kind_text in ("道具直购", "item") else ("coin" if not refund else ""),
        "quantity": to_int(cells.get("quantity") or 0, field_name="quantity"),
        "status": to_int(status_text, field_name="status") if status_text else None,
        "env": env,
        "source": source,
        "raw": json.dumps(cells, ensure_ascii=False, sort_keys=True),
    }


class _StatementBatches:
    def __init__(self, mirror: Mirror, report: ImportReport) -> None:
        self.mirror = mirror
        self.report = report
        self.rows: list[dict[str, Any]] = []
        self.days: set[date] = set()  # the Beijing days the lines fall on

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.days.add(beijing_day_of(row["at"]))
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            counts = upsert(
                self.mirror,
                "statement_lines",
                "line_type, id",
                STATEMENT_COLUMNS,
                [tuple(r[c] for c in STATEMENT_COLUMNS) for r in self.rows],
            )
            self.report.added += counts.added
            self.report.updated += counts.updated
            self.report.unchanged += counts.unchanged
            self.rows.clear()


def import_bill(
    mirror: Mirror,
    path: Path,
    *,
    env: int = 0,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """download_bill / start_download_order files: CSV, maybe gzip or zip, UTF-8 or GBK, with
    title lines before the header and summary lines after it."""
    report = ImportReport("bill", str(path))

    def rows(lines: Lines) -> Iterator[tuple[int, Any]]:
        reader = csv.reader(lines)
        columns: dict[int, str] | None = None
        width = 0
        for cells in reader:
            line = reader.line_num
            if columns is None:
                found = _header(cells)
                if len(set(found.values())) >= 3:
                    missing = [f for f in REQUIRED_BILL_FIELDS if f not in found.values()]
                    if missing:
                        raise ImportFailed(
                            path,
                            line,
                            f"表头缺少必需的列：{', '.join(missing)}",
                            f"the header lacks required columns: {', '.join(missing)}",
                        )
                    columns, width = found, len(cells)
                    report.unknown_columns = [c for i, c in enumerate(cells) if i not in found]
                elif line > 20:
                    raise ImportFailed(
                        path,
                        line,
                        "前 20 行中没有可识别的表头",
                        "no recognisable header row in the first 20 lines",
                    )
                continue
            if not any(c.strip() for c in cells):
                continue
            if cells[0].strip().lstrip("`").startswith(SUMMARY_MARKERS):
                break
            if len(cells) != width:
                yield (
                    line,
                    RowError(
                        f"应有 {width} 列，实际 {len(cells)} 列 / expected {width} "
                        f"columns, found {len(cells)}"
                    ),
                )
                continue
            named = {field: cells[i] for i, field in columns.items()}
            try:
                yield line, bill_row(named, default_env=env, source=path.name)
            except RowError as exc:
                yield line, exc
        if columns is None:
            raise ImportFailed(path, None, "找不到可识别的表头", "no recognisable header row")

    def write(lines: Lines) -> None:
        batches = _StatementBatches(mirror, report)
        for line, item in rows(lines):
            if isinstance(item, RowError):
                if strict:
                    raise ImportFailed(path, line, str(item), str(item))
                report.rejected.append(Rejection(line, str(item)))
            else:
                batches.add(item)
        batches.flush()
        # the days this bill covers (its name's range, else the days of its lines), so that
        # reconciliation compares our refunds with WeChat's only where WeChat's are known
        days = batches.days | set(bill_days_from_name(path.name))
        record_statement_days(mirror, days, source=path.name)

    guarded(mirror, report, path, progress, write)
    return report
