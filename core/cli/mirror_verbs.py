"""Mirror verbs: import {orders,bill,pushes,session-keys} PATH..., refresh ORDER_ID...,
audit verify, audit export."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.cli.desks import CliDesk, run_desk
from core.cli.output import Output
from core.errors import ValidationError
from core.mirror.importing import ImportReport

Verbs = Any


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p: argparse.ArgumentParser = verbs.add_parser(
        "import", parents=[common], help="import files into the profile's order mirror"
    )
    p.add_argument(
        "what",
        choices=["orders", "bill", "pushes", "session-keys"],
        help="orders = vk-pay/uni-pay export; bill = WeChat bill or order export",
    )
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--strict", action="store_true", help="any bad row fails the whole file")
    p.set_defaults(run=cmd_import)

    p = verbs.add_parser("refresh", parents=[common], help="refresh orders from query_order")
    p.add_argument("order_ids", nargs="*", metavar="ORDER_ID")
    p.add_argument(
        "--wx-order-id", help="a WeChat order id (微信订单号), known to the mirror or not"
    )
    p.add_argument(
        "--openid", help="the payer: needed with --wx-order-id for an order not in the mirror"
    )
    p.set_defaults(run=cmd_refresh)

    p = verbs.add_parser("audit", parents=[common], help="check or export the audit log")
    sub = p.add_subparsers(dest="audit_verb", required=True)
    verify = sub.add_parser("verify", parents=[common], help="check the hash chain")
    verify.set_defaults(run=cmd_audit_verify)
    export = sub.add_parser(
        "export", parents=[common], help="write the audit log: CSV in words, or JSON as stored"
    )
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    export.add_argument(
        "--format",
        choices=["csv", "json"],
        default="csv",
        help="csv: for people (words, Beijing times); json: the rows as stored, one a line",
    )
    export.add_argument("--openid")
    export.set_defaults(run=cmd_audit_export)


def _progress_bar(out: Output, label: str) -> Callable[[int, int], None] | None:
    if out.json_mode or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total:
            share = min(done / total, 1.0)
            bar = "#" * int(share * 30)
            sys.stderr.write(f"\r{label[-40:]:<40} [{bar:<30}] {share:4.0%}")
        else:
            sys.stderr.write(f"\r{label[-40:]:<40} {done:,}")
        sys.stderr.flush()

    return show


def cmd_import(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        reports: list[ImportReport] = []
        for path in args.paths:
            progress = _progress_bar(out, str(path))
            report = await desk.import_file(args.what, path, progress=progress, strict=args.strict)
            if progress is not None:
                sys.stderr.write("\n")
            reports.append(report)
        lines = []
        for report in reports:
            lines.append(report.summary(out.lang))
            lines += report.rejection_lines(50, out.lang)
            if report.unknown_columns:
                unknown = ", ".join(report.unknown_columns)
                lines.append(
                    out.say(
                        f"  未导入的未知列：{unknown}",
                        f"  unknown columns (not imported): {unknown}",
                    )
                )
        out.result({"imports": [r.as_dict() for r in reports]}, "\n".join(lines))
        return 0

    return run_desk(args, out, action)


def cmd_refresh(args: argparse.Namespace, out: Output) -> int:
    if not args.order_ids and not args.wx_order_id:
        raise ValidationError(
            "ORDER_ID", "请给出订单号或 --wx-order-id", "give order ids or --wx-order-id"
        )

    async def action(desk: CliDesk) -> int:
        order_ids = list(args.order_ids)
        if args.wx_order_id:  # asked of WeChat and recorded when the mirror lacks it
            order_ids.append(await desk.find_order(args.wx_order_id, openid=args.openid))
        report = await desk.refresh_orders(order_ids)
        lines = [out.say(f"已刷新 {o}", f"refreshed {o}") for o in report.refreshed]
        lines += [
            out.say(f"失败 {o}：{why}", f"FAILED {o}: {why}") for o, why in report.failed.items()
        ]
        out.result({"refreshed": report.refreshed, "failed": report.failed}, "\n".join(lines))
        return 1 if report.failed else 0

    return run_desk(args, out, action)


def cmd_audit_verify(args: argparse.Namespace, out: Output) -> int:
    # a missing, empty or foreign file is refused by the open (MirrorDamaged, exit 2, with the
    # path); an openable one also gets the full page check, whatever its size
    async def action(desk: CliDesk) -> int:
        check = desk.audit_check()
        report = check.chain
        human = (
            out.say(
                f"审计链完整：{report.rows:,} 条记录",
                f"audit chain intact: {out.count(report.rows, '', 'row', 'rows')}",
            )
            if report.ok
            else "AUDIT CHAIN BROKEN:\n" + "\n".join(f"  {p}" for p in report.problems)
        )
        out.result({**report.as_dict(), "mirror": check.store}, human)
        return 0 if report.ok else 1

    return run_desk(args, out, action)


def cmd_audit_export(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        if args.out:
            rows = desk.export_audit(args.out, fmt=args.format, lang=out.lang, openid=args.openid)
            out.note(
                f"{rows} audit rows written to {args.out}"
                if out.lang.startswith("en")
                else f"已写入 {rows} 条审计记录：{args.out}"
            )
        else:
            desk.write_audit(sys.stdout, fmt=args.format, lang=out.lang, openid=args.openid)
        return 0

    return run_desk(args, out, action)
