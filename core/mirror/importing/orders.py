"""vk-pay / uni-pay order exports (uniCloud `vk-pay-orders` / `uni-pay-orders`, JSON lines or a
JSON array) and WeChat bill / order-export files (format undocumented: detected, not assumed)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from core.beijing import beijing_day_of
from core.mirror.db import Mirror
from core.mirror.importing.common import (
    BATCH,
    BadFile,
    ImportFailed,
    ImportReport,
    Lines,
    Progress,
    RowError,
    iter_json_documents,
    open_lines,
    to_int,
    to_unix,
    yuan_to_fen,
)
from core.mirror.importing.staging import Merger, RowsProgress, Staging, Target
from core.mirror.records import REFUND_COLUMNS, bill_days_from_name, record_statement_days

# vk-pay status -> query_order status (reference §2.2.1)
VK_STATUS = {-1: 6, 0: 1, 1: 4, 2: 4, 3: 5}
VK_MODES = {"short_series_coin": "coin", "short_series_goods": "item"}


ORDER_TARGET = Target(
    "orders",
    ("order_id",),
    (
        "order_id",
        "openid",
        "kind",
        "product_id",
        "quantity",
        "order_fee",
        "paid_fee",
        "left_fee",
        "status",
        "env",
        "create_time",
        "paid_time",
        "provide_time",
        "wx_order_id",
        "wxpay_order_id",
        "channel_order_id",
        "source",
        "refreshed_at",
        "raw",
    ),
)
REFUND_TARGET = Target("refunds", ("refund_order_id",), REFUND_COLUMNS)
_SPACE = re.compile(r"\s")
_EMPTY: dict[str, Any] = {}


def _str(value: Any) -> str:
    return value if type(value) is str else ("" if value is None else str(value))


def _seconds(value: Any, field_name: str) -> int:
    """Unix seconds; the common case (an int of milliseconds or seconds) without a call."""
    if type(value) is int:
        return value // 1000 if value > 10**11 else value
    return to_unix(value, field_name=field_name)


def _count(value: Any, field_name: str, minimum: int = 0) -> int:
    if type(value) is int and value >= minimum:
        return value
    return to_int(value, field_name=field_name, minimum=minimum)


def vk_order(
    doc: Any, *, env: int, now: int, raw: str = ""
) -> tuple[tuple[Any, ...] | None, list[tuple[Any, ...]]]:
    """One vk-pay order document -> (order row, refund rows) in ORDER_TARGET / REFUND_TARGET
    column order. (None, []) = not ours, skipped. `raw` is the document's text in the file
    (kept as the raw record; re-serialising a million documents cost more than parsing them)."""
    if type(doc) is not dict:
        raise RowError("不是 JSON 对象 / not a JSON object")
    get = doc.get
    virtual = get("wxpay_virtual")
    if type(virtual) is not dict:
        if "virtual" not in _str(get("pay_type")) + _str(get("provider")):
            return None, []  # another payment method (wxpay, alipay...): not virtual payment
        virtual = _EMPTY
    order_id = get("out_trade_no")
    if type(order_id) is not str:
        order_id = _str(order_id)
    if not order_id or len(order_id) > 64 or _SPACE.search(order_id):
        raise RowError("out_trade_no 缺失或格式不正确 / out_trade_no missing or malformed")
    openid = get("openid")
    if type(openid) is not str:
        openid = _str(openid)
    if not openid:
        raise RowError("openid 缺失 / openid missing")
    status = get("status")
    if type(status) is not int or status not in VK_STATUS:
        raise RowError(f"未知的 status {str(status)[:20]!r} / unknown status")
    total_fee = _count(get("total_fee"), "total_fee")
    refunded = get("refund_fee") or 0
    if refunded:
        refunded = _count(refunded, "refund_fee")
        if refunded > total_fee:
            raise RowError("refund_fee 大于 total_fee / refund_fee exceeds total_fee")
    mode = virtual.get("mode")
    kind = VK_MODES.get(mode, "coin") if type(mode) is str else "coin"
    original = get("original_data")
    if type(original) is not dict:
        original = _EMPTY
    pay_info = original.get("WeChatPayInfo")
    if type(pay_info) is not dict:
        pay_info = _EMPTY
    transaction_id = get("transaction_id") or ""
    if type(transaction_id) is not str:
        transaction_id = _str(transaction_id)
    paid = status in (1, 2, 3)
    paid_time = (
        _seconds(get("pay_date") or get("notify_time") or get("pay_time"), "pay_date")
        if paid
        else 0
    )
    wx_status = VK_STATUS[status]
    if status == 1 and kind == "item" and get("user_order_success") is False:
        wx_status = 2  # paid, but the merchant's delivery did not succeed
    order_env = original.get("Env", env)
    if type(order_env) is not int or order_env < 0:
        order_env = to_int(order_env, field_name="Env")
    quantity = virtual.get("buy_quantity") or 0
    order = (
        order_id,
        openid,
        kind,
        _str(virtual.get("product_id")) or ("coin" if kind == "coin" else ""),
        quantity if type(quantity) is int and quantity >= 0 else _count(quantity, "buy_quantity"),
        total_fee,
        total_fee if paid else 0,
        total_fee - refunded if paid else 0,
        wx_status,
        order_env,
        _seconds(get("_add_time") or get("create_date"), "_add_time"),
        paid_time,
        paid_time if wx_status == 4 else 0,
        transaction_id if transaction_id.startswith("VPO") else "",
        _str(pay_info.get("TransactionId")) or (transaction_id if transaction_id.isdigit() else ""),
        _str(pay_info.get("MchOrderNo")),
        "vk-pay",
        now,
        raw or json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str),
    )
    listed = get("refund_list")
    if not listed:
        return order, []
    if type(listed) is not list:
        raise RowError("refund_list 不是数组 / refund_list is not an array")
    refunds = []
    for n, item in enumerate(listed):
        if type(item) is not dict:
            raise RowError(f"refund_list[{n}] 不是对象 / is not an object")
        refund_id = _str(item.get("out_refund_no")) or _str(item.get("refund_order_id"))
        if not refund_id:
            raise RowError(f"refund_list[{n}] 缺少 out_refund_no / has no out_refund_no")
        at = _seconds(item.get("refund_time") or item.get("_add_time"), "refund_time")
        refunds.append(
            (
                refund_id,
                order_id,
                openid,
                _count(item.get("refund_fee"), "refund_fee", 1),
                "0",
                "1",
                _str(item.get("refund_id")),
                "refunded",
                at,
                at,
                _str(item.get("operator")),
                "vk-pay",
                json.dumps(item, ensure_ascii=False, sort_keys=True, default=str),
            )
        )
    return order, refunds


def _guarded(lines: Lines, path: Path, work: Callable[[], None]) -> None:
    """File-level failures (BadFile, a row error under --strict) become ImportFailed."""
    try:
        work()
    except BadFile as exc:
        raise ImportFailed(path, exc.line, exc.zh, exc.en) from None
    except RowError as exc:
        raise ImportFailed(path, lines.line, str(exc), str(exc)) from None


def staged_import(
    mirror: Mirror,
    report: ImportReport,
    path: Path,
    progress: Progress | None,
    rows: RowsProgress | None,
    targets: Sequence[Target],
    stage_rows: Callable[[Lines, Staging], None],
    finish: Callable[[], None] | None = None,
) -> None:
    """Reads the file into `stage` (the mirror unlocked), then merges (see staging.py)."""
    with open_lines(path, progress) as (lines, encoding, compression):
        report.encoding, report.compression = encoding, compression
        staging = Staging(mirror)
        try:
            for target in targets:
                staging.create(target)
            _guarded(lines, path, lambda: stage_rows(lines, staging))
            staging.read_all()
            results = Merger(staging, rows).run(targets, finish)
        finally:
            staging.close()
    for counts in results.values():
        report.added += counts.added
        report.updated += counts.updated
        report.unchanged += counts.unchanged
    mirror.optimize()


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
        with mirror.transaction():
            _guarded(lines, path, lambda: body(lines))
        mirror.optimize()


def import_vk_orders(
    mirror: Mirror,
    path: Path,
    *,
    env: int = 0,
    strict: bool = False,
    progress: Progress | None = None,
    rows: RowsProgress | None = None,
) -> ImportReport:
    report = ImportReport("orders", str(path))
    now = mirror.now()

    def stage_rows(lines: Lines, staging: Staging) -> None:
        orders: list[tuple[Any, ...]] = []
        refunds: list[tuple[Any, ...]] = []
        read = 0
        for line, doc, text in iter_json_documents(lines):
            read += 1
            if isinstance(doc, RowError):
                if strict:
                    raise ImportFailed(path, line, str(doc), str(doc))
                report.reject(line, str(doc))
                continue
            try:
                order, more = vk_order(doc, env=env, now=now, raw=text)
            except RowError as exc:
                if strict:
                    raise ImportFailed(path, line, str(exc), str(exc)) from None
                report.reject(line, str(exc))
                continue
            if order is None:
                report.skipped += 1
                continue
            orders.append(order)
            if more:
                refunds.extend(more)
            if len(orders) >= BATCH:
                staging.add(ORDER_TARGET, orders)
                staging.add(REFUND_TARGET, refunds)
                orders.clear()
                refunds.clear()
                if rows is not None:
                    rows("reading", read, 0)
        staging.add(ORDER_TARGET, orders)
        staging.add(REFUND_TARGET, refunds)

    staged_import(mirror, report, path, progress, rows, (ORDER_TARGET, REFUND_TARGET), stage_rows)
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
STATEMENT_TARGET = Target("statement_lines", ("line_type", "id"), STATEMENT_COLUMNS)


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
    amount = yuan_to_fen(amount_text, field_name="amount")
    fee = yuan_to_fen(cells["fee"], field_name="fee") if cells.get("fee") else 0
    if amount < 0 or fee < 0:
        raise RowError("金额不能为负数 / an amount cannot be negative")
    return {
        "line_type": "refund" if refund else "payment",
        "id": order_id,
        "order_id": cells.get("pay_order_id", "").strip().lstrip("`") if refund else order_id,
        "openid": cells.get("openid", "").strip().lstrip("`"),
        "amount": amount,
        "fee": fee,
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


def csv_rows(lines: Lines, report: ImportReport) -> Iterator[tuple[int, list[str] | RowError]]:
    """(line, cells) of a CSV stream. A row the csv module refuses (a field over its 128 KB
    limit, a NUL byte, a line over MAX_LINE) is (line, RowError) and reading goes on."""
    held: list[tuple[int, RowError]] = []

    def texts() -> Iterator[str]:
        for text in lines:
            if isinstance(text, RowError):
                held.append((lines.line, text))
                yield "\n"
            else:
                yield text

    reader = csv.reader(texts())
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield lines.line, RowError(f"CSV 行无法解析 / unreadable CSV row: {str(exc)[:60]}")
            continue
        while held:
            yield held.pop(0)
        yield lines.line, cells
    while held:
        yield held.pop(0)


def import_bill(
    mirror: Mirror,
    path: Path,
    *,
    env: int = 0,
    strict: bool = False,
    progress: Progress | None = None,
    rows: RowsProgress | None = None,
) -> ImportReport:
    """download_bill / start_download_order files: CSV, maybe gzip or zip, UTF-8 or GBK, with
    title lines before the header and summary lines after it."""
    report = ImportReport("bill", str(path))
    covered: set[date] = set()

    def finish() -> None:
        # the days this bill covers (its name's range, else the days of its lines), so that
        # reconciliation compares our refunds with WeChat's only where WeChat's are known;
        # in the merge's last transaction
        record_statement_days(
            mirror, covered | set(bill_days_from_name(path.name)), source=path.name
        )

    def stage_rows(lines: Lines, staging: Staging) -> None:
        columns: dict[int, str] | None = None
        width = 0
        batch: list[tuple[Any, ...]] = []
        read = 0
        days = covered  # the Beijing days the lines fall on

        def reject(line: int, reason: str) -> None:
            if strict:
                raise ImportFailed(path, line, reason, reason)
            report.reject(line, reason)

        for line, cells in csv_rows(lines, report):
            read += 1
            if isinstance(cells, RowError):
                if columns is None and line > 20:
                    break
                reject(line, str(cells))
                continue
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
                    report.unknown_columns = [
                        c[:60] for i, c in enumerate(cells) if i not in found
                    ][:50]
                elif line > 20:
                    break
                continue
            if not any(c.strip() for c in cells):
                continue
            if cells[0].strip().lstrip("`").startswith(SUMMARY_MARKERS):
                break
            if len(cells) != width:
                reject(
                    line,
                    f"应有 {width} 列，实际 {len(cells)} 列 / expected {width} columns, found "
                    f"{len(cells)}",
                )
                continue
            try:
                row = bill_row(
                    {field: cells[i] for i, field in columns.items()},
                    default_env=env,
                    source=path.name,
                )
            except RowError as exc:
                reject(line, str(exc))
                continue
            batch.append(tuple(row[c] for c in STATEMENT_COLUMNS))
            if len(days) < 1000:  # a real bill covers a few hundred days at most
                days.add(beijing_day_of(row["at"]))
            if len(batch) >= BATCH:
                staging.add(STATEMENT_TARGET, batch)
                batch.clear()
                if rows is not None:
                    rows("reading", read, 0)
        if columns is None:
            raise ImportFailed(
                path,
                None,
                "前 20 行中没有可识别的表头",
                "no recognisable header row in the first 20 lines",
            )
        staging.add(STATEMENT_TARGET, batch)

    staged_import(mirror, report, path, progress, rows, (STATEMENT_TARGET,), stage_rows, finish)
    return report
