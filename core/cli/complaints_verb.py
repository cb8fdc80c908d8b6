"""`xpaydesk-cli complaints list|show ID|respond ID --text … [--image FILE]…|complete ID`: user
complaints (用户投诉), the open ones soonest deadline first; answers and completions are audited."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from core.cli.desks import CliDesk, run_desk
from core.cli.output import Output
from core.complaints import BEIJING, ComplaintRow
from core.money import format_fen

Verbs = Any
STATE_WORDS = {
    "PENDING": ("待处理", "pending"),
    "PROCESSING": ("处理中", "in progress"),
    "PROCESSED": ("已处理完成", "complete"),
}
PROBLEM_WORDS = {
    "REFUND": ("申请退款", "refund requested"),
    "SERVICE_NOT_WORK": ("服务权益未生效", "benefit not working"),
    "OTHERS": ("其他", "other"),
}


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "complaints", parents=[common], help="user complaints: list, show, respond, complete"
    )
    sub = p.add_subparsers(dest="complaints_verb", required=True, metavar="ACTION")
    q = sub.add_parser("list", parents=[common], help="open complaints, soonest deadline first")
    q.add_argument(
        "--no-refresh", action="store_true", help="only what the mirror knows (no WeChat call)"
    )
    q.set_defaults(run=cmd_list)
    q = sub.add_parser("show", parents=[common], help="one complaint: user, order, history")
    q.add_argument("complaint_id")
    q.set_defaults(run=cmd_show)
    q = sub.add_parser("respond", parents=[common], help="answer the user (text and images)")
    q.add_argument("complaint_id")
    q.add_argument("--text", required=True, help="the answer the user reads (at most 200 chars)")
    q.add_argument(
        "--image",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="JPEG/PNG/BMP up to 1 MB; repeat for up to 4",
    )
    q.set_defaults(run=cmd_respond)
    q = sub.add_parser("complete", parents=[common], help="mark the complaint handled")
    q.add_argument("complaint_id")
    q.set_defaults(run=cmd_complete)


def _word(words: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    zh, en = words.get(key, (key, key))
    return en if lang == "en" else zh


def time_left(seconds: int, lang: str) -> str:
    late = seconds < 0
    hours, rest = divmod(abs(seconds), 3600)
    span = f"{hours} h {rest // 60:02d} min" if lang == "en" else f"{hours} 小时 {rest // 60} 分"
    if lang == "en":
        return f"overdue by {span}" if late else f"{span} left"
    return f"已超时 {span}" if late else f"还剩 {span}"


def _stamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, BEIJING).strftime("%Y-%m-%d %H:%M:%S") if seconds else ""


def _row(row: ComplaintRow, now: int, lang: str) -> dict[str, Any]:
    return {
        **row.as_dict(),
        "complained": _stamp(row.complained_at),
        "due": _stamp(row.due_at),
        "seconds_left": row.seconds_left(now),
    }


def _line(row: ComplaintRow, now: int, lang: str) -> str:
    due = ("answer", "首次回复") if row.due_for == "answer" else ("complete", "处理完成")
    what = due[0] if lang == "en" else due[1]
    waiting = (
        (" · user wrote again" if lang == "en" else " · 用户有新留言") if row.user_waiting else ""
    )
    return (
        f"{row.complaint_id}  {_word(STATE_WORDS, row.state, lang)}  "
        f"{what}: {time_left(row.seconds_left(now), lang)}{waiting}\n"
        f"    {row.openid}  {row.order_id}  {format_fen(row.amount)}  "
        f"{_word(PROBLEM_WORDS, row.problem_type, lang)}: {row.detail}"
    )


def cmd_list(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        if not args.no_refresh:
            await desk.sync_complaints()
        rows = desk.open_complaints()
        now = desk.now()
        lang = out.lang
        empty = "no open complaints" if lang == "en" else "没有未处理的投诉"
        out.result(
            {"open": [_row(r, now, lang) for r in rows]},
            "\n".join(_line(r, now, lang) for r in rows) or empty,
        )
        return 0

    return run_desk(args, out, action)


def cmd_show(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        view = await desk.complaint(args.complaint_id)
        now, lang = desk.now(), out.lang
        history = [h.to_dict() for h in view.history]
        data = {
            "complaint": _row(view.row, now, lang),
            "order": view.order,
            "order_error": view.order_error,
            "history": history,
            "evidence": view.evidence,
        }
        lines = [_line(view.row, now, lang)]
        if view.order:
            o = view.order
            lines.append(
                ("order" if lang == "en" else "订单")
                + f": {o['order_id']}  {o['kind']}  paid {format_fen(o['paid_fee'])}  "
                f"refundable {format_fen(o['left_fee'])}"
            )
        elif view.order_error:
            lines.append(view.order_error)
        for h in view.history:
            images = sum(len(m.media_url) for m in h.complaint_media_list)
            extra = f"  [{images} image(s)]" if images else ""
            lines.append(f"  {h.operate_time}  {h.operate_type}  {h.operate_details}{extra}")
        lines += [("evidence" if lang == "en" else "证据") + f": {u}" for u in view.evidence]
        out.result(data, "\n".join(lines))
        return 0

    return run_desk(args, out, action)


def cmd_respond(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        result = await desk.respond_complaint(args.complaint_id, args.text, args.image)
        human = (
            f"{result.complaint_id}: "
            + ("answered" if out.lang == "en" else "已回复")
            + f" ({_word(STATE_WORDS, result.state, out.lang)}"
            + (f", {len(result.file_ids)} image(s)" if result.file_ids else "")
            + ")"
        )
        out.result(result.as_dict(), human)
        return 0

    return run_desk(args, out, action)


def cmd_complete(args: argparse.Namespace, out: Output) -> int:
    async def action(desk: CliDesk) -> int:
        result = await desk.complete_complaint(args.complaint_id)
        done = "complete" if out.lang == "en" else "已处理完成"
        out.result(result.as_dict(), f"{result.complaint_id}: {done}")
        return 0

    return run_desk(args, out, action)
