"""Exports for finance: CSV in UTF-8 with a BOM (one file per section; Excel on Chinese Windows
opens them right), XLSX (one sheet per section, frozen header, amounts as yuan numbers, dates as
dates, widths set; written in openpyxl's streaming mode) and JSON for scripts. All stream rows."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.reconcile.reports import SHANGHAI, Column, Reconciliation, Section
from core.vocabulary import word

YUAN_FORMAT = '"¥"#,##0.00'
COINS_FORMAT = "#,##0"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
WIDTHS = {"fen": 14, "coins": 12, "time": 20, "date": 12, "int": 10, "text": 22}
SUMMARY_LABELS = {
    "orders": ("订单数", "orders"),
    "gross_paid": ("实收（元）", "gross paid (yuan)"),
    "refunds": ("退款笔数", "refunds"),
    "refunded": ("退款金额（元）", "refunded (yuan)"),
    "platform_fee": ("平台服务费（元）", "platform fee (yuan)"),
    "cps_fee": ("CPS 费用（元）", "CPS fee (yuan)"),
    "net": ("净收入（元）", "net (yuan)"),
    "fee_days_from_bill": ("服务费取自微信账单的天数", "days whose fee is WeChat's bill"),
    "fee_days_without_data": (
        "无服务费数据的天数（净收入未扣服务费）",
        "days without fee data (net before fees)",
    ),
    "statement_lines": ("微信账单行数", "WeChat statement lines"),
    "clawbacks_open": ("未完成回收的退款", "refunds with coins outstanding"),
    "coins_outstanding": ("未回收代币", "coins outstanding"),
    "needs_login": ("等待用户登录", "Needs user login"),
    "discrepancies": ("对账差异", "discrepancies"),
    "days_not_covered": ("微信账单未覆盖的天数", "days no WeChat bill covers"),
    "open_items": ("待处理事项", "open items"),
}
MONEY_TOTALS = frozenset({"gross_paid", "refunded", "platform_fee", "cps_fee", "net"})
# every export says its unit once, in the header: money in yuan, times on Beijing's clock
UNITS = {
    "fen": ("（元）", " (yuan)"),
    "time": ("（北京时间）", " (Beijing time)"),
}
TIME_ZONE_NOTE = ("时间均为北京时间（UTC+8）", "all times are Beijing time (UTC+8)")


def header(column: Column, lang: str = "zh_CN") -> str:
    """A column's title with its unit: 实收（元）, 退款时间（北京时间）."""
    unit = UNITS.get(column.kind)
    if unit is None:
        return column.title(lang)
    return column.title(lang) + (unit[1] if lang.startswith("en") else unit[0])


def summary_rows(report: Reconciliation, lang: str = "zh_CN") -> list[tuple[str, Any, str]]:
    """The summary as (label, value, kind): period, totals (money in fen, shown in yuan),
    the days no bill covers and the time zone."""
    english = lang.startswith("en")
    rows: list[tuple[str, Any, str]] = [
        ("period" if english else "期间", report.period.label(), "text")
    ]
    for key, value in report.summary().items():
        zh, en = SUMMARY_LABELS.get(key, (key, key))
        rows.append((en if english else zh, value, "fen" if key in MONEY_TOTALS else "int"))
    not_covered = report.uncovered_days()
    if not_covered:
        label = "not covered by a bill" if english else "账单未覆盖"
        rows.append((label, report.coverage_note(lang, not_covered), "text"))
    rows.append(("time zone" if english else "时区", TIME_ZONE_NOTE[1 if english else 0], "text"))
    return rows


def _csv_value(column: Column, value: Any, lang: str = "zh_CN") -> Any:
    if value is None:
        return ""
    if column.vocab:  # people read this file: the glossary's word, never the stored code
        return word(column.vocab, value, lang)
    if column.kind == "fen":
        return f"{Decimal(value) / 100:.2f}"
    if column.kind == "time":
        return (
            datetime.fromtimestamp(value, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if value else ""
        )
    return value


def write_csv(section: Section, out: IO[str], *, lang: str = "zh_CN") -> int:
    """Amounts in yuan with two decimals (exact, from integer fen); the caller opens `out` with
    encoding utf-8-sig so the BOM is written."""
    writer = csv.writer(out)
    writer.writerow([header(c, lang) for c in section.columns])
    count = 0
    for row in section.rows():
        writer.writerow([_csv_value(c, row.get(c.key_for(lang)), lang) for c in section.columns])
        count += 1
    return count


def file_part(name: str) -> str:
    """A section's name as it goes into a file name: words joined by hyphens (not_covered ->
    not-covered), as people type them."""
    return name.replace("_", "-")


def export_csv(report: Reconciliation, out: Path, *, lang: str = "zh_CN") -> list[Path]:
    """One file per section next to `out`: report.csv -> report-clawbacks.csv, ..."""
    written = []
    path = out.with_name(f"{out.stem}-summary{out.suffix or '.csv'}")
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "value"] if lang.startswith("en") else ["项目", "数值"])
        for label, value, kind in summary_rows(report, lang):
            writer.writerow([label, f"{Decimal(value) / 100:.2f}" if kind == "fen" else value])
    written.append(path)
    for section in report.sections():
        path = out.with_name(f"{out.stem}-{file_part(section.name)}{out.suffix or '.csv'}")
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            write_csv(section, handle, lang=lang)
        written.append(path)
    return written


def _xlsx_value(column: Column, value: Any, lang: str = "zh_CN") -> Any:
    if value is None:
        return None
    if column.vocab:
        return word(column.vocab, value, lang)
    if column.kind == "fen":
        return Decimal(value) / 100  # a number in yuan, exact; Excel shows ¥1,234.56
    if column.kind == "time":
        # Excel has no time zones: the Asia/Shanghai wall clock, as finance reads it
        return datetime.fromtimestamp(value, SHANGHAI).replace(tzinfo=None) if value else None
    if column.kind == "date":
        return date.fromisoformat(value)
    return value


FORMATS = {"fen": YUAN_FORMAT, "coins": COINS_FORMAT, "time": TIME_FORMAT, "date": DATE_FORMAT}


def _row_writer(sheet: Any, columns: tuple[Column, ...], lang: str) -> Any:
    """One styled cell per formatted column, reused for every row: write-only sheets serialise
    a row as it is appended, and creating a styled cell per value is what makes openpyxl slow."""
    templates = []
    for column in columns:
        template = None
        if column.kind in FORMATS:
            template = WriteOnlyCell(sheet)
            template.number_format = FORMATS[column.kind]
        templates.append(template)
    keys = [c.key_for(lang) for c in columns]

    def write(row: dict[str, Any]) -> None:
        cells = []
        for column, key, template in zip(columns, keys, templates, strict=True):
            value = _xlsx_value(column, row.get(key), lang)
            if template is None or value is None:
                cells.append(value)
            else:
                template.value = value
                cells.append(template)
        sheet.append(cells)

    return write


def _header(sheet: Any, titles: list[str]) -> list[Any]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F7EE")
        cell.alignment = Alignment(vertical="center")
        cells.append(cell)
    return cells


def sheet_title(text: str) -> str:
    """Excel refuses : \\ / ? * [ ] in sheet names and more than 31 characters."""
    return re.sub(r"[:\\/?*\[\]]", " -", text)[:31]


def export_xlsx(report: Reconciliation, out: Path, *, lang: str = "zh_CN") -> Path:
    book = Workbook(write_only=True)
    summary = book.create_sheet("汇总 Summary")
    summary.freeze_panes = "A2"
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 18
    english = lang.startswith("en")
    summary.append(_header(summary, ["item", "value"] if english else ["项目", "数值"]))
    yuan = WriteOnlyCell(summary)
    yuan.number_format = YUAN_FORMAT
    count = WriteOnlyCell(summary)
    count.number_format = COINS_FORMAT  # 1,195,300: thousands separated, as every count
    for label, value, kind in summary_rows(report, lang):
        if kind == "fen":
            yuan.value = Decimal(value) / 100
            summary.append([label, yuan])
        elif kind == "int":
            count.value = value
            summary.append([label, count])
        else:
            summary.append([label, value])
    for section in report.sections():
        sheet = book.create_sheet(sheet_title(section.title(lang)))
        sheet.freeze_panes = "A2"
        for n, column in enumerate(section.columns, start=1):
            sheet.column_dimensions[get_column_letter(n)].width = max(
                WIDTHS[column.kind], len(header(column, lang)) + 4
            )
        sheet.append(_header(sheet, [header(c, lang) for c in section.columns]))
        write = _row_writer(sheet, section.columns, lang)
        for row in section.rows():
            write(row)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def iter_json(report: Reconciliation) -> Iterator[str]:
    """The report as JSON text in pieces: never the whole month in memory."""
    yield json.dumps(
        {
            "period": {
                "from": report.period.start.isoformat(),
                "to": report.period.end.isoformat(),
            },
            "summary": report.summary(),
            "not_covered": [d.isoformat() for d in report.uncovered_days()],
        },
        ensure_ascii=False,
    )[:-1]
    yield ', "sections": {'
    for n, section in enumerate(report.sections()):
        yield ("" if n == 0 else ", ") + json.dumps(section.name) + ": ["
        for m, row in enumerate(section.rows()):
            yield ("" if m == 0 else ", ") + json.dumps(row, ensure_ascii=False)
        yield "]"
    yield "}}"


def export_json(report: Reconciliation, out: IO[str]) -> None:
    for piece in iter_json(report):
        out.write(piece)
