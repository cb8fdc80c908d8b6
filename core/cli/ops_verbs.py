"""Money-moving verbs through core.operations (intent journal, locks, policy, audit), plus
pending, resolve, refund-with-clawback and bulk."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.cli import exits
from core.cli.desks import CliDesk, run_desk
from core.cli.output import Output
from core.operations import OpResult
from core.operations.bulk import plan_bulk
from core.validation import REFUND_REASONS, REQ_FROM
from core.vocabulary import own_half, word

Verbs = Any
# refund-with-clawback: the refund is done, its coin clawback is not (waiting for the user's login,
# for WeChat, or to be retried): coins are still outstanding
EXIT_CLAWBACK_OPEN = exits.CLAWBACK_OPEN
EXIT_BY_STATE = {
    "done": exits.OK,
    "refunding": exits.OK,
    "waiting_refund": exits.OK,
    "unknown": exits.OUTCOME_UNKNOWN,
    "sending": exits.OUTCOME_UNKNOWN,
    "failed": exits.FAILED,
    "needs_login": exits.FAILED,
    "prepared": exits.FAILED,
    "awaiting_approval": exits.AWAITING_APPROVAL,  # team mode: nothing done yet
}
STATE_WORDS = {
    "done": "完成 done",
    "refunding": "退款中 refunding (poll with resolve)",
    "waiting_refund": "等待退款完成 waiting for the refund",
    "unknown": "结果未知 outcome unknown: run `xpaydesk-cli resolve`",
    "failed": "失败 failed",
    "needs_login": "等待用户登录 needs user login",
    "prepared": "待重试 will retry: run `xpaydesk-cli resolve`",
}


# what the operator is told to do next, after the glossary's word for the state
NEXT_STEP = {
    "unknown": ("请运行 xpaydesk-cli resolve", "run xpaydesk-cli resolve"),
    "prepared": ("请运行 xpaydesk-cli resolve", "run xpaydesk-cli resolve"),
    "refunding": ("用 xpaydesk-cli resolve 查询结果", "poll with xpaydesk-cli resolve"),
}


def outcome_words(action: str, state: str, out: Output) -> str:
    """`赠送代币 · 已完成` / `Gift coins · Done (…)`: the glossary's words, never the codes."""
    text = f"{word('action', action, out.lang)} · {word('state', state, out.lang)}"
    step = NEXT_STEP.get(state)
    if step:
        text += out.say(f"（{step[0]}）", f" ({step[1]})")
    return text


def report(
    out: Output, result: OpResult, extra: dict[str, Any] | None = None, *, human_extra: str = ""
) -> int:
    data = {
        "intent_id": result.intent_id,
        "action": result.action,
        "wechat_id": result.wechat_id,
        "state": result.state,
        "message": result.message,
        "outcome": result.outcome,
        **(extra or {}),
    }
    human = (
        f"#{result.intent_id} {outcome_words(result.action, result.state, out)} "
        f"{result.wechat_id}"
        + (f" — {result.message}" if result.message else "")
        + (f"\n{human_extra}" if human_extra else "")
    )
    if result.state == "awaiting_approval":  # team mode: a request, no intent yet; its words
        human = (
            f"{outcome_words(result.action, result.state, out)} — "
            f"{own_half(result.message, out.lang)}"
        )
    out.result(data, human)
    return EXIT_BY_STATE.get(result.state, 1)


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser("pending", parents=[common], help="operations not finished yet")
    p.set_defaults(run=cmd_pending)

    p = verbs.add_parser(
        "resolve", parents=[common], help="settle unknown, unsent and in-flight operations safely"
    )
    p.add_argument("intent_id", nargs="?", type=int)
    p.set_defaults(run=cmd_resolve)

    p = verbs.add_parser(
        "abandon",
        parents=[common],
        help="close an operation that provably never reached WeChat (audited)",
    )
    p.add_argument("intent_id", type=int, help="the # shown by `pending`")
    p.add_argument("--note", required=True, help="why (required; kept in the audit log)")
    p.set_defaults(run=cmd_abandon)

    p = verbs.add_parser(
        "refund-with-clawback",
        parents=[common],
        help="refund a coin top-up and take back the refunded coins",
    )
    p.add_argument("--order-id", required=True)
    p.add_argument("--openid", help="the payer (default: the mirror's record of the order)")
    p.add_argument("--refund-fee", type=int, required=True, help="fen")
    p.add_argument(
        "--left-fee",
        type=int,
        required=True,
        help="the refundable amount you saw, fen (WeChat refuses the refund if it changed)",
    )
    p.add_argument("--reason", default="0", choices=sorted(REFUND_REASONS))
    p.add_argument("--req-from", default="1", choices=sorted(REQ_FROM))
    p.add_argument("--note", required=True, help="why (required; kept in the audit log)")
    p.add_argument("--refund-order-id", help="default: derived from this request")
    p.add_argument(
        "--biz-meta",
        help="sent to WeChat with the refund (default: the first 200 characters of --note)",
    )
    p.add_argument(
        "--again",
        action="store_true",
        help="confirm a second refund of the same order within a minute",
    )
    p.add_argument(
        "--coins",
        type=int,
        help="coins the order granted (default: the mirror's "
        "record of the order, else the profile's coin rate)",
    )
    p.add_argument("--wait", type=float, default=0, help="seconds to wait for the refund to end")
    p.set_defaults(run=cmd_refund_with_clawback)

    p = verbs.add_parser(
        "clawback",
        parents=[common],
        help="take back the coins a finished refund still owes (any refund, imported ones too)",
    )
    p.add_argument("refund_id", metavar="REFUND_ID", help="the refund's refund_order_id")
    p.add_argument("--note", required=True, help="why (required; kept in the audit log)")
    p.add_argument(
        "--session-key",
        type=_session_key,
        help="the user's session key for this clawback ('-' = stdin; default: the stored one)",
    )
    p.add_argument(
        "--coins",
        type=int,
        help="coins the order granted (default: the mirror's record of the order, else the "
        "profile's coin rate)",
    )
    p.set_defaults(run=cmd_clawback)

    p = verbs.add_parser("bulk", parents=[common], help="gift or deduct from a CSV")
    p.add_argument("action", choices=["gift", "deduct"])
    p.add_argument("file", type=Path, help="CSV: openid,amount,reason")
    p.add_argument("--dry-run", action="store_true", help="show what would happen, send nothing")
    p.add_argument(
        "--allow-duplicates",
        action="store_true",
        help="identical rows (same openid, amount, reason) are each meant: do every one",
    )
    p.set_defaults(run=cmd_bulk)


def cmd_pending(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        rows = [i.as_dict() for i in desk.pending()]
        human = (
            "\n".join(
                f"#{r['id']} {outcome_words(r['action'], r['state'], out)} {r['wechat_id']} "
                f"{r['openid']} {r['amount']:,} {r['message']}"
                for r in rows
            )
            or "没有未完成的操作 / nothing pending"
        )
        out.result({"pending": rows}, human)
        return 0

    return run_desk(args, out, action)


def cmd_resolve(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        results = await desk.resolve(only=args.intent_id)
        rows = [
            {
                "intent_id": r.intent_id,
                "action": r.action,
                "wechat_id": r.wechat_id,
                "state": r.state,
                "message": r.message,
            }
            for r in results
        ]
        left = [i.id for i in desk.pending()]
        human = (
            "\n".join(
                f"#{r['intent_id']} {outcome_words(str(r['action']), str(r['state']), out)} "
                f"{r['wechat_id']}"
                for r in rows
            )
            or "没有需要处理的操作 / nothing to resolve"
        )
        out.result({"resolved": rows, "still_open": left}, human)
        return 0

    return run_desk(args, out, action)


def cmd_abandon(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        report(out, await desk.abandon(args.intent_id, note=args.note), {"abandoned": True})
        return 0  # closed as asked; refusals raise NotAbandonable (exit 2)

    return run_desk(args, out, action)


def cmd_refund_with_clawback(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        key = f"cli:refund:{args.refund_order_id or args.order_id}:{args.refund_fee}"
        result = await desk.refund(
            args.order_id,
            args.refund_fee,
            left_fee=args.left_fee,
            reason=args.note,
            request_key=key,
            refund_reason=args.reason,
            req_from=args.req_from,
            openid=args.openid,
            clawback=True,
            refund_order_id=args.refund_order_id,
            coins=args.coins,
            biz_meta=args.biz_meta,
            allow_repeat=args.again,
        )
        if args.wait and result.state == "refunding":
            result = await desk.wait_for_refund(result.intent_id, timeout=args.wait)
        children = desk.intent_children(result.intent_id)
        clawbacks = [c.as_dict() for c in children]
        extra: dict[str, Any] = {
            "clawbacks": [
                {k: c[k] for k in ("id", "wechat_id", "amount", "state", "message", "outcome")}
                for c in clawbacks
            ]
        }
        still_open = [c for c in children if c.state != "done"]
        if result.state != "done" or not still_open:
            return report(out, result, extra)
        # the refund went through, the coins have not come back: never "done" / exit 0
        status = desk.clawback_status(result.wechat_id)
        claw = still_open[-1]
        extra.update(
            clawback_open=True,
            coins_due=status.due,
            coins_taken=status.taken,
            coins_outstanding=status.outstanding,
        )
        report(
            out,
            result,
            extra,
            human_extra=(
                f"#{claw.id} {outcome_words('clawback', claw.state, out)}"
                + (f" — {claw.message}" if claw.message else "")
                + out.say(
                    f"\n代币回收未完成：应回收 {status.due:,} 代币，已回收 {status.taken:,}，"
                    f"未回收 {status.outstanding:,} 代币；用户重新登录后运行 xpaydesk-cli resolve"
                    f"（或 xpaydesk-cli clawback {result.wechat_id} --session-key -）",
                    f"\nthe coin clawback is not finished: {status.due:,} coins due, "
                    f"{status.taken:,} taken, {status.outstanding:,} coins outstanding; once the "
                    f"user has logged in again, run xpaydesk-cli resolve (or xpaydesk-cli "
                    f"clawback {result.wechat_id} --session-key -)",
                )
            ),
        )
        return EXIT_CLAWBACK_OPEN

    return run_desk(args, out, action)


def _session_key(value: str) -> Any:
    from core.cli.api_verbs import session_key_arg

    return session_key_arg(value)


def cmd_clawback(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        before = desk.clawback_status(args.refund_id, coins=args.coins)
        result = await desk.start_clawback(
            args.refund_id,
            reason=args.note,
            session_key=args.session_key.reveal() if args.session_key is not None else "",
            coins=args.coins,
        )
        after = desk.clawback_status(args.refund_id, coins=args.coins)
        return report(
            out,
            result,
            {
                "refund_order_id": args.refund_id,
                "coins_due": after.due,
                "coins_taken": after.taken,
                "coins_outstanding": after.outstanding,
                "taken_now": after.taken - before.taken,
            },
            human_extra=f"应回收 {after.due:,} 代币，已回收 {after.taken:,}，未回收 "
            f"{after.outstanding:,} / coins due {after.due:,}, taken {after.taken:,}, "
            f"outstanding {after.outstanding:,}",
        )

    return run_desk(args, out, action)


def cmd_bulk(args: argparse.Namespace, out: Output) -> int:
    plan = plan_bulk(args.file, args.action)
    if args.dry_run:
        data = plan.as_dict()
        lines = [
            out.say(
                f"批次 {plan.batch_id}：{len(plan.rows):,} 行，共 {plan.total:,} 代币，"
                f"{data['users']:,} 位用户（试运行：未发送）",
                f"batch {plan.batch_id}: {out.count(len(plan.rows), '', 'row', 'rows')}, "
                f"{out.count(plan.total, '', 'coin', 'coins')} to "
                f"{out.count(data['users'], '', 'user', 'users')} (dry run: nothing sent)",
            )
        ]
        lines += [
            out.say(f"  第 {r.line} 行：{r.reason}", f"  line {r.line}: {r.reason}")
            for r in plan.rejected
        ]
        duplicates = plan.duplicates
        if duplicates:
            lines.append(
                "identical rows (each would be done; confirm with --allow-duplicates):"
                if not args.allow_duplicates
                else "identical rows (confirmed with --allow-duplicates):"
            )
            lines += [f"  {d.describe(plan.action)}" for d in duplicates]
        out.result({**data, "dry_run": True}, "\n".join(lines))
        return 2 if plan.rejected or (duplicates and not args.allow_duplicates) else 0

    async def action(desk: CliDesk) -> int:
        result = await desk.run_bulk(plan, allow_duplicates=args.allow_duplicates)
        data = result.as_dict()
        counts = " · ".join(f"{word('state', k, out.lang)} {n}" for k, n in data["states"].items())
        out.result(data, out.say(f"批次 {plan.batch_id}：", f"batch {plan.batch_id}: ") + counts)
        states = set(data["states"])
        if states <= {"done"}:
            return exits.OK
        return exits.AWAITING_APPROVAL if states == {"awaiting_approval"} else exits.FAILED

    return run_desk(args, out, action)
