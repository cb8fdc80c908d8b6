"""The API verbs: sign, balance, deduct, cancel-deduction, gift, order, refund, deliver, bill,
check-session, profiles."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import signing
from core.cli.desks import CliDesk, run_desk
from core.cli.ops_verbs import report
from core.cli.output import Output
from core.errors import ConfigError, Handling, XPayDeskError, describe
from core.money import format_coins, format_fen
from core.profiles import TeamProfile, load_profiles
from core.secret import Secret
from core.validation import REFUND_REASONS, REQ_FROM
from core.vocabulary import word

Verbs = Any  # argparse's private _SubParsersAction


def session_key_arg(value: str) -> Secret:
    """`-` reads the key from stdin, so it never shows in the process list or shell history."""
    if value == "-":
        value = sys.stdin.readline().strip()
    if not value:
        raise argparse.ArgumentTypeError("empty session key")
    return Secret(value)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("须为正整数 / must be a positive integer") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("须为正整数 / must be a positive integer")
    return number


def _order_ref(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--order-id", help="merchant order id (商户订单号)")
    group.add_argument("--wx-order-id", help="WeChat order id (微信订单号)")


def _money_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--note",
        required=True,
        help="why (required for every money-moving action; kept in the audit log)",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="confirm doing it again within a minute (the same gift or deduction to a user, "
        "or a second refund of an order)",
    )


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    def add(
        name: str, help_text: str, run: Callable[[argparse.Namespace, Output], int]
    ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = verbs.add_parser(name, help=help_text, parents=[common])
        parser.set_defaults(run=run)
        return parser

    p = add("sign", "signature debugger: pay_sig and signature for a uri and body", cmd_sign)
    p.add_argument("--uri", required=True, help="path only, e.g. /xpay/query_user_balance")
    body = p.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="the exact POST body")
    body.add_argument("--body-file", type=Path, help="file holding the exact POST body")
    p.add_argument("--app-key", type=Secret, help="AppKey (default: the profile's key for its env)")
    p.add_argument("--session-key", type=session_key_arg, help="session_key text ('-' = stdin)")
    p.add_argument("--compare", help="a pay_sig or signature to compare with the computed one")

    p = add("balance", "query_user_balance", cmd_balance)
    p.add_argument("openid")
    p.add_argument(
        "--session-key",
        type=session_key_arg,
        help="default: the stored key (on a team profile, the one the team server keeps)",
    )
    p.add_argument("--user-ip", default="127.0.0.1")

    p = add("deduct", "currency_pay: deduct coins", cmd_deduct)
    p.add_argument("openid")
    p.add_argument("amount", type=_positive)
    p.add_argument(
        "--session-key",
        type=session_key_arg,
        help="default: the mirror's stored key or the backend's",
    )
    p.add_argument("--order-id", required=True)
    p.add_argument("--payitem", help='JSON, e.g. [{"productid":"p1","unit_price":10,"quantity":1}]')
    p.add_argument("--remark", default="")
    p.add_argument("--user-ip", default="127.0.0.1")
    _money_options(p)

    p = add("cancel-deduction", "cancel_currency_pay: give a deduction's coins back", cmd_cancel)
    p.add_argument("openid")
    p.add_argument("amount", type=_positive)
    p.add_argument(
        "--session-key",
        type=session_key_arg,
        help="default: the mirror's stored key or the backend's",
    )
    p.add_argument("--pay-order-id", required=True, help="the order_id of the deduction")
    p.add_argument("--order-id", required=True, help="a new id for this cancellation")
    p.add_argument("--user-ip", default="127.0.0.1")
    _money_options(p)

    p = add("gift", "present_currency: gift coins (268490004 counts as success)", cmd_gift)
    p.add_argument("openid")
    p.add_argument("amount", type=_positive)
    p.add_argument("--order-id", required=True)
    _money_options(p)

    p = add("order", "query_order", cmd_order)
    _order_ref(p)
    p.add_argument("--openid", required=True)

    p = add("refund", "refund_order: start a refund task", cmd_refund)
    p.add_argument("--openid", required=True)
    _order_ref(p)
    p.add_argument("--refund-order-id", required=True)
    p.add_argument("--left-fee", type=int, required=True, help="refundable amount now, fen")
    p.add_argument("--refund-fee", type=int, required=True, help="amount to refund, fen")
    p.add_argument(
        "--reason",
        required=True,
        choices=sorted(REFUND_REASONS),
        help=", ".join(f"{k}={v}" for k, v in REFUND_REASONS.items()),
    )
    p.add_argument(
        "--req-from",
        default="1",
        choices=sorted(REQ_FROM),
        help=", ".join(f"{k}={v}" for k, v in REQ_FROM.items()),
    )
    p.add_argument(
        "--biz-meta",
        help="sent to WeChat as biz_meta (default: the first 200 characters of --note)",
    )
    _money_options(p)

    p = add("deliver", "notify_provide_goods: mark an order delivered", cmd_deliver)
    _order_ref(p)
    p.add_argument(
        "--openid", help="the payer: needed with --wx-order-id for an order not in the mirror"
    )
    _money_options(p)

    p = add("bill", "download_bill: print the bill URL (polls while it is generated)", cmd_bill)
    p.add_argument("--from", dest="begin", required=True, help="YYYYMMDD")
    p.add_argument("--to", dest="end", required=True, help="YYYYMMDD")
    p.add_argument("--poll-interval", type=float, default=3.0)
    p.add_argument("--max-wait", type=float, default=180.0)

    p = add("check-session", "checksession: is the stored session key still valid?", cmd_check)
    p.add_argument("openid")
    p.add_argument("--session-key", type=session_key_arg, required=True)

    add("profiles", "list the configured profiles (never their secrets)", cmd_profiles)


# ---- verbs -------------------------------------------------------------------------------------


def cmd_sign(args: argparse.Namespace, out: Output) -> int:
    if args.body is not None:
        body = args.body
    else:
        try:
            body = args.body_file.read_bytes().decode("utf-8")
        except OSError as exc:
            raise ConfigError(
                f"无法读取 {args.body_file}：{exc.strerror}",
                f"cannot read {args.body_file}: {exc.strerror}",
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(
                f"{args.body_file} 不是 UTF-8", f"{args.body_file} is not UTF-8"
            ) from None
    app_key: Secret | None = args.app_key
    session_key: Secret | None = args.session_key
    if app_key is None and session_key is None:  # the profile's AppKey: the desk signs

        async def with_profile_key(desk: CliDesk) -> int:
            return _sign_report(args, out, desk.sign(args.uri, body))

        return run_desk(args, out, with_profile_key)
    # a key the operator holds: signing needs no desk (and no merchant secret)
    explained = signing.explain(
        args.uri,
        body,
        app_key=app_key.reveal() if app_key else None,
        session_key=session_key.reveal() if session_key else None,
    )
    return _sign_report(args, out, explained)


def _sign_report(args: argparse.Namespace, out: Output, report: signing.SignatureReport) -> int:
    data = report.as_dict()
    verdict = None
    if args.compare:
        candidates = [s for s in (report.pay_sig, report.signature) if s]
        matched = [s for s in candidates if signing.signatures_match(s, args.compare.strip())]
        verdict = (
            "match"
            if matched
            else (
                signing.compare_signature(candidates[0], args.compare)
                if candidates
                else "no key given"
            )
        )
        data["compare"] = verdict
    lines = [f"signed message (pay_sig): {data['signed_message_visible']}"]
    if report.pay_sig:
        lines.append(f"pay_sig:   {report.pay_sig}")
    if report.signature:
        lines.append(f"signature: {report.signature}   (HMAC over the body only)")
    lines += [f"warning: {w}" for w in report.warnings]
    if verdict:
        lines.append(f"compare: {verdict}")
    out.result(data, "\n".join(lines))
    return 0 if verdict in (None, "match") else 1


def _key(value: Secret | None) -> str:
    """A pasted session key as the desk takes it ("" = the stored one)."""
    return value.reveal() if value is not None else ""


def cmd_balance(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        b = await desk.user_balance(args.openid, _key(args.session_key), user_ip=args.user_ip)
        out.result(
            {"openid": args.openid, **b.to_dict()},
            out.say(
                f"{args.openid}：{format_coins(b.balance, out.lang)}（其中赠送 "
                f"{b.present_balance:,}；累计充值 {b.sum_save:,}，累计消耗 {b.sum_cost:,}，"
                f"首充优惠{'可用' if b.first_save_flag else '不可用'}）",
                f"{args.openid}: {format_coins(b.balance, out.lang)} "
                f"(gifted {b.present_balance:,}; saved {b.sum_save:,}, cost {b.sum_cost:,}, "
                f"first top-up offer {'yes' if b.first_save_flag else 'no'})",
            ),
        )
        return 0

    return run_desk(args, out, action)


def cmd_deduct(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        result = await desk.deduct(
            args.openid,
            args.amount,
            reason=args.note,
            request_key=f"cli:deduct:{args.order_id}",
            order_id=args.order_id,
            session_key=_key(args.session_key),
            remark=args.remark,
            allow_repeat=args.again,
        )
        return report(out, result)

    return run_desk(args, out, action)


def cmd_cancel(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        result = await desk.cancel_deduction(
            args.openid,
            args.pay_order_id,
            args.amount,
            reason=args.note,
            request_key=f"cli:cancel:{args.order_id}",
            order_id=args.order_id,
            session_key=_key(args.session_key),
        )
        return report(out, result)

    return run_desk(args, out, action)


def cmd_gift(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        result = await desk.gift(
            args.openid,
            args.amount,
            reason=args.note,
            request_key=f"cli:gift:{args.order_id}",
            order_id=args.order_id,
            allow_repeat=args.again,
        )
        return report(out, result)

    return run_desk(args, out, action)


def cmd_order(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        o = await desk.query_order(
            openid=args.openid, order_id=args.order_id, wx_order_id=args.wx_order_id
        )
        out.result(
            o.to_dict(),
            out.say(
                f"订单 {o.order_id}（{o.wx_order_id}）：{word('order_status', o.status)}，"
                f"实付 {format_fen(o.paid_fee)}，可退 {format_fen(o.left_fee)}",
                f"order {o.order_id} ({o.wx_order_id}): {word('order_status', o.status, 'en')}, "
                f"paid {format_fen(o.paid_fee)}, refundable {format_fen(o.left_fee)}",
            ),
        )
        return 0

    return run_desk(args, out, action)


def cmd_refund(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        order_id = args.order_id or await desk.find_order(args.wx_order_id, openid=args.openid)
        result = await desk.refund(
            order_id,
            args.refund_fee,
            reason=args.note,
            left_fee=args.left_fee,
            request_key=f"cli:refund:{args.refund_order_id}",
            refund_reason=args.reason,
            req_from=args.req_from,
            openid=args.openid,
            refund_order_id=args.refund_order_id,
            biz_meta=args.biz_meta,
            allow_repeat=args.again,
        )
        return report(out, result)

    return run_desk(args, out, action)


def cmd_deliver(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        # --wx-order-id: the mirror's order, else WeChat's (query_order), recorded first
        order_id = args.order_id or await desk.find_order(args.wx_order_id, openid=args.openid)
        result = await desk.deliver(
            order_id, reason=args.note, request_key=f"cli:deliver:{order_id}:{desk.now()}"
        )
        return report(out, result)

    return run_desk(args, out, action)


def _still_generating(exc: XPayDeskError) -> bool:
    """WeChat is still writing the bill: ask again in a few seconds. Read from WeChat's errcode,
    which a team server's refusal carries as well as a solo desk's XPayError."""
    errcode = getattr(exc, "errcode", None)
    return isinstance(errcode, int) and describe(errcode).handling is Handling.POLL


def cmd_bill(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        deadline = time.monotonic() + args.max_wait
        while True:
            try:
                bill = await desk.download_bill(args.begin, args.end)
            except XPayDeskError as exc:
                if not _still_generating(exc) or time.monotonic() > deadline:
                    raise
                out.progress(
                    out.say(
                        f"微信正在生成账单，{args.poll_interval:g} 秒后再查询",
                        f"WeChat is still generating the bill; asking again in "
                        f"{args.poll_interval:g} s",
                    )
                )
                await asyncio.sleep(args.poll_interval)
                continue
            out.result({"url": bill.url}, bill.url)
            return 0

    return run_desk(args, out, action)


def cmd_check(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        valid = bool(await desk.check_session(args.openid, _key(args.session_key)))
        out.result(
            {"openid": args.openid, "valid": valid},
            out.say("会话密钥有效", "session key valid")
            if valid
            else out.say(
                "会话密钥已过期：需要用户重新打开小程序（87009）",
                "session key stale: the user must reopen the mini program (87009)",
            ),
        )
        return 0 if valid else 1

    return run_desk(args, out, action)


def cmd_profiles(args: argparse.Namespace, out: Output) -> int:
    loaded = load_profiles(Path(args.config) if args.config else None)
    rows: dict[str, dict[str, Any]] = {}
    for name in loaded.names:  # solo and team profiles, in the file's order
        p = loaded.get_any(name)
        if isinstance(p, TeamProfile):  # the server holds the keys; it says appid, env, role
            rows[name] = {"kind": "team", "server": p.server, "operator": p.operator}
        else:
            rows[name] = {
                "kind": "solo",
                "appid": p.appid,
                "env": p.env.name.lower(),
                "api_base": p.api_base,
                "coin_rate": p.coin_rate,
                "operator": p.operator,
                "secrets": {k: s.source for k, s in p.secrets.items()},
            }
        rows[name]["default"] = name == loaded.default
    out.result({"config": str(loaded.path), "profiles": rows})
    return 0
