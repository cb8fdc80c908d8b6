"""Team mode's approvals from the command line: `approvals list [--mine] [--all]`, `approvals
approve ID --reason R`, `approvals reject ID --reason R`, over the team desk (the same calls as
the desktop's Approvals page; the server decides who may). A solo profile has no approvals: said
clearly, exit 2."""

from __future__ import annotations

import argparse
from typing import Any

from core.approvals import Approval
from core.cli import exits
from core.cli.desks import CliDesk, load_any_profile, run_desk
from core.cli.output import Output
from core.errors import ConfigError
from core.profiles import TeamProfile

Verbs = Any  # argparse's private _SubParsersAction


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "approvals",
        parents=[common],
        help="team mode: requests waiting for a second operator (list, approve, reject)",
    )
    sub = p.add_subparsers(dest="approvals_command", required=True, metavar="COMMAND")
    listing = sub.add_parser(
        "list", parents=[common], help="requests waiting for a decision (default), or --all"
    )
    listing.add_argument("--mine", action="store_true", help="only the requests I made")
    listing.add_argument(
        "--all", action="store_true", help="every recent request, decided ones included"
    )
    listing.set_defaults(run=cmd_list)
    for verb, what in (
        ("approve", "approve (it runs now, as the requester's)"),
        ("reject", "reject"),
    ):
        one = sub.add_parser(verb, parents=[common], help=f"{what} another operator's request")
        one.add_argument("approval_id", metavar="ID", help="the id `approvals list` shows")
        one.add_argument("--reason", required=True, help="why (required; kept in the audit log)")
        one.set_defaults(run=cmd_approve if verb == "approve" else cmd_reject)


def _team_only(args: argparse.Namespace, out: Output) -> None:
    profile = load_any_profile(args, out)
    if not isinstance(profile, TeamProfile):
        raise ConfigError(
            f"审批只存在于团队模式；配置 {profile.name} 是单机配置（没有第二位操作员审批）",
            f"approvals exist only in team mode; profile {profile.name} is a solo profile "
            "(there is no second operator to approve)",
        )


def _row(a: Approval) -> dict[str, Any]:
    return {
        "id": a.id,
        "action": a.action,
        "amount": a.amount,
        "unit": a.unit,
        "openid": a.request.get("openid"),
        "order_id": a.request.get("order_id"),
        "requested_by": a.requested_by,
        "requested_at": a.requested_at,
        "state": a.state,
        "decided_by": a.decided_by,
        "decision_reason": a.decision_reason,
    }


def cmd_list(args: argparse.Namespace, out: Output) -> int:
    _team_only(args, out)

    async def action(desk: CliDesk) -> int:
        found = desk.approvals(mine=args.mine, waiting=not args.all)
        lang = "en" if out.english else "zh_CN"
        human = "\n".join(a.describe(lang) for a in found) or out.say(
            "没有等待审批的请求" if not args.all else "没有审批请求",
            "no requests waiting for approval" if not args.all else "no approval requests",
        )
        out.result({"approvals": [_row(a) for a in found]}, human)
        return 0

    return run_desk(args, out, action)


def _decide(args: argparse.Namespace, out: Output, verb: str) -> int:
    _team_only(args, out)

    async def action(desk: CliDesk) -> int:
        decide = getattr(desk, verb)
        decided: Approval = await decide(args.approval_id, args.reason)
        lang = "en" if out.english else "zh_CN"
        out.result({"approval": _row(decided), "result": decided.result}, decided.describe(lang))
        return exits.FAILED if decided.state == "failed" else exits.OK

    return run_desk(args, out, action)


def cmd_approve(args: argparse.Namespace, out: Output) -> int:
    return _decide(args, out, "approve")


def cmd_reject(args: argparse.Namespace, out: Output) -> int:
    return _decide(args, out, "reject")
