"""xpaydesk-cli reconcile: exit 0 when everything matches, 4 when there are open items."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from core.cli.desks import CliDesk, run_desk
from core.cli.output import Output
from core.errors import ValidationError
from core.money import format_fen
from core.reconcile import Period

Verbs = Any


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p: argparse.ArgumentParser = verbs.add_parser(
        "reconcile", parents=[common], help="refunds vs clawbacks, three-way match, daily summary"
    )
    p.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD (inclusive)")
    p.add_argument("--format", choices=["csv", "xlsx", "json"], default=None)
    p.add_argument("--out", type=Path, help="file to write (csv: one file per section)")
    p.add_argument(
        "--delivery-delay",
        type=int,
        default=3600,
        help="seconds after payment before an undelivered order is flagged",
    )
    p.set_defaults(run=cmd_reconcile)


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(name, "须为 YYYY-MM-DD", "must be YYYY-MM-DD") from None


def summary_line(out: Output, period: Period, summary: dict[str, int]) -> str:
    """The period in one line, in the operator's language and the glossary's words."""
    net = format_fen(summary["net"])
    fee = format_fen(summary["platform_fee"])
    if out.english:
        return (
            f"{period.label()}: {out.count(summary['orders'], '', 'order', 'orders')}, "
            f"{out.count(summary['refunds'], '', 'refund', 'refunds')}, net {net} after "
            f"{fee} platform fees; "
            f"{out.count(summary['discrepancies'], '', 'discrepancy', 'discrepancies')}, "
            f"{out.count(summary['clawbacks_open'], '', 'refund', 'refunds')} with "
            f"{out.count(summary['coins_outstanding'], '', 'coin', 'coins')} not yet clawed back"
        )
    return (
        f"{period.label()}：订单 {summary['orders']:,} 笔，退款 {summary['refunds']:,} 笔，"
        f"净收入 {net}（已扣平台服务费 {fee}）；对账差异 {summary['discrepancies']:,} 处，"
        f"{summary['clawbacks_open']:,} 笔退款尚有 {summary['coins_outstanding']:,} 代币未回收"
    )


def cmd_reconcile(args: argparse.Namespace, out: Output) -> int:
    period = Period(_day(args.start, "--from"), _day(args.end, "--to"))
    if period.end < period.start:
        raise ValidationError("--to", "不能早于 --from", "must not be before --from")
    fmt = args.format or (args.out.suffix.lstrip(".") if args.out else "")
    if fmt == "xlsx" and not args.out:
        raise ValidationError("--out", "xlsx 需要输出文件", "xlsx needs an output file")
    if fmt == "csv" and not args.out:
        raise ValidationError("--out", "csv 需要输出文件", "csv needs an output file")
    delay = args.delivery_delay

    async def action(desk: CliDesk) -> int:
        view = await desk.reconcile(period, delivery_delay=delay, detail=False)
        summary = view.summary
        if fmt in ("xlsx", "csv"):
            written = await desk.export_report(
                period, args.out, lang=out.lang, fmt=fmt, delivery_delay=delay
            )
            for path in written:
                out.note(out.say(f"已写入 {path}", f"written {path}"))
        elif fmt == "json":
            if args.out:
                await desk.export_report(
                    period, args.out, lang=out.lang, fmt=fmt, delivery_delay=delay
                )
            else:
                await desk.write_report_json(period, sys.stdout, delivery_delay=delay)
                sys.stdout.write("\n")
                return 4 if summary["open_items"] else 0
        lines = [summary_line(out, period, summary)]
        note = view.coverage_note.get("en" if out.english else "zh_CN", "")
        if view.not_covered and note:
            lines.append(note)
        out.result(
            {
                "period": period.label(),
                "summary": summary,
                "not_covered": view.not_covered,
            },
            "\n".join(lines),
        )
        return 4 if summary["open_items"] else 0

    return run_desk(args, out, action)
