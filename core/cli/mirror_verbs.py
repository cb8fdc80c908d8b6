"""Mirror verbs: import {orders,bill,pushes,session-keys} PATH..., refresh ORDER_ID...,
audit verify, audit export."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.cli.api_verbs import load_profile
from core.cli.output import Output
from core.connect import callback_keys, open_client
from core.errors import ValidationError
from core.mirror import audit, health
from core.mirror.db import Mirror
from core.mirror.importing import (
    ImportReport,
    import_bill,
    import_pushes,
    import_session_keys,
    import_vk_orders,
)
from core.mirror.refresh import order_by_wx_id, refresh_orders
from core.mirror.vault import SessionKeyVault, vault_key
from core.profiles import Profile
from core.store.errors import DATABASE_ERRORS

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


def open_mirror(profile: Profile) -> Mirror:
    return Mirror(profile.mirror_path)


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
    profile = load_profile(args, out)
    reports: list[ImportReport] = []
    with open_mirror(profile) as mirror:
        for path in args.paths:
            progress = _progress_bar(out, str(path))
            if args.what == "orders":
                report = import_vk_orders(
                    mirror, path, env=int(profile.env), strict=args.strict, progress=progress
                )
            elif args.what == "bill":
                report = import_bill(
                    mirror, path, env=int(profile.env), strict=args.strict, progress=progress
                )
            elif args.what == "pushes":
                report = import_pushes(mirror, path, keys=callback_keys(profile), progress=progress)
            else:
                vault = SessionKeyVault(mirror, vault_key(profile))
                report = import_session_keys(mirror, path, vault=vault, progress=progress)
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
                    f"  未导入的未知列：{unknown}", f"  unknown columns (not imported): {unknown}"
                )
            )
    out.result({"imports": [r.as_dict() for r in reports]}, "\n".join(lines))
    return 0


def cmd_refresh(args: argparse.Namespace, out: Output) -> int:
    if not args.order_ids and not args.wx_order_id:
        raise ValidationError(
            "ORDER_ID", "请给出订单号或 --wx-order-id", "give order ids or --wx-order-id"
        )
    profile = load_profile(args, out)

    async def go() -> int:
        with open_mirror(profile) as mirror:
            async with open_client(profile) as client:
                order_ids = list(args.order_ids)
                if args.wx_order_id:  # asked of WeChat and recorded when the mirror lacks it
                    order_ids.append(
                        await order_by_wx_id(client, mirror, args.wx_order_id, openid=args.openid)
                    )
                report = await refresh_orders(client, mirror, order_ids)
        lines = [out.say(f"已刷新 {o}", f"refreshed {o}") for o in report.refreshed]
        lines += [
            out.say(f"失败 {o}：{why}", f"FAILED {o}: {why}") for o, why in report.failed.items()
        ]
        out.result({"refreshed": report.refreshed, "failed": report.failed}, "\n".join(lines))
        return 1 if report.failed else 0

    return asyncio.run(go())


def cmd_audit_verify(args: argparse.Namespace, out: Output) -> int:
    profile = load_profile(args, out)
    # a missing, empty or foreign file is refused by the open (MirrorDamaged, exit 2, with the
    # path); an openable one also gets the full page check, whatever its size
    with open_mirror(profile) as mirror:
        try:
            report = audit.verify(mirror)
        except DATABASE_ERRORS as exc:
            report = audit.ChainReport(False, 0, (f"the audit table cannot be read: {exc}",))
        where = mirror.where
        postgres = mirror.is_postgres
    if postgres:  # the page check is SQLite's; PostgreSQL checks its own pages (amcheck)
        state: dict[str, Any] = {"path": where, "state": "ok", "store": "postgresql"}
    else:
        pages = health.check(Path(profile.mirror_path))
        state = pages.as_dict()
        if not pages.ok:
            problems = [f"mirror {pages.path}: {pages.state}: {p}" for p in pages.problems[:20]]
            report = audit.ChainReport(False, report.rows, (*report.problems, *problems))
    human = (
        out.say(
            f"审计链完整：{report.rows:,} 条记录",
            f"audit chain intact: {out.count(report.rows, '', 'row', 'rows')}",
        )
        if report.ok
        else "AUDIT CHAIN BROKEN:\n" + "\n".join(f"  {p}" for p in report.problems)
    )
    out.result({**report.as_dict(), "mirror": state}, human)
    return 0 if report.ok else 1


def cmd_audit_export(args: argparse.Namespace, out: Output) -> int:
    profile = load_profile(args, out)
    with open_mirror(profile) as mirror:
        json_rows = args.format == "json"
        if args.out:
            encoding = "utf-8" if json_rows else "utf-8-sig"
            with args.out.open("w", encoding=encoding, newline="") as handle:
                if json_rows:
                    rows = audit.export_json(mirror, handle, openid=args.openid)
                else:
                    rows = audit.export_csv(mirror, handle, lang=out.lang, openid=args.openid)
            out.note(
                f"{rows} audit rows written to {args.out}"
                if out.lang.startswith("en")
                else f"已写入 {rows} 条审计记录：{args.out}"
            )
        elif json_rows:
            audit.export_json(mirror, sys.stdout, openid=args.openid)
        else:
            audit.export_csv(mirror, sys.stdout, lang=out.lang, openid=args.openid)
    return 0
