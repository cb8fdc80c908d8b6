"""Who may move how much. A guard rail against mistakes on one desktop, not access control: anyone
who can edit the profile file can raise their own limits (real access control needs a server)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from core.errors import XPayDeskError
from core.money import format_coins, format_fen
from core.vocabulary import ENDPOINT, word

ACTIONS = ("gift", "deduct", "cancel_deduction", "refund", "clawback", "deliver")
# actions whose amount counts against the operator's limits, and the unit of each
AMOUNT_UNIT = {"gift": "coins", "deduct": "coins", "refund": "fen"}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "support": frozenset({"gift", "deduct", "cancel_deduction", "deliver", "refund", "clawback"}),
    "finance": frozenset({"refund", "clawback", "cancel_deduction", "deliver"}),
    "admin": frozenset(ACTIONS),
}


@dataclass(frozen=True)
class Limits:
    gift: int  # coins per action
    deduct: int
    refund: int  # fen per action
    daily_gift: int  # per operator per day (Asia/Shanghai)
    daily_deduct: int
    daily_refund: int
    bulk_rows: int
    bulk_total: int  # coins per bulk batch

    def per_action(self, action: str) -> int | None:
        return getattr(self, action, None) if action in AMOUNT_UNIT else None

    def daily(self, action: str) -> int | None:
        return getattr(self, f"daily_{action}", None) if action in AMOUNT_UNIT else None


DEFAULT_LIMITS = {
    "viewer": Limits(0, 0, 0, 0, 0, 0, 0, 0),
    "support": Limits(
        gift=2000,
        deduct=2000,
        refund=10_000,
        daily_gift=20_000,
        daily_deduct=20_000,
        daily_refund=50_000,
        bulk_rows=0,
        bulk_total=0,
    ),
    "finance": Limits(
        gift=0,
        deduct=100_000,
        refund=500_000,
        daily_gift=0,
        daily_deduct=500_000,
        daily_refund=5_000_000,
        bulk_rows=1000,
        bulk_total=100_000,
    ),
    "admin": Limits(
        gift=100_000,
        deduct=100_000,
        refund=5_000_000,
        daily_gift=1_000_000,
        daily_deduct=1_000_000,
        daily_refund=50_000_000,
        bulk_rows=10_000,
        bulk_total=1_000_000,
    ),
}

ROLE_NAMES = {
    "viewer": "只读 viewer",
    "support": "客服 support",
    "finance": "财务 finance",
    "admin": "管理员 admin",
}


# the pages a team server lets only some roles read (core.server.deps: APPROVERS, FINANCE)
PAGE_ROLES: dict[str, frozenset[str]] = {
    "audit": frozenset({"finance", "admin"}),
    "reconciliation": frozenset({"finance", "admin"}),
}


def role_refusal(role: str, what: str) -> tuple[str, str]:
    """ "the viewer role may not use the audit log": the role and what it may not use (an API
    endpoint, vocabulary ENDPOINT, or an action) in the glossary's words, both languages."""
    table = "endpoint" if what in ENDPOINT else "action"
    return (
        f"角色「{word('role', role)}」不能使用{word(table, what)}",
        f"the {word('role', role, 'en').lower()} role may not use {word(table, what, 'en')}",
    )


def page_refusal(role: str, page: str) -> tuple[str, str] | None:
    """Why a team operator of `role` cannot use `page` (its buttons say so), or None."""
    if page not in PAGE_ROLES or role in PAGE_ROLES[page]:
        return None
    return role_refusal(role, page)


class PolicyRefused(XPayDeskError):
    kind = "policy"
    exit_code = 2


def _amount(action: str, amount: int, lang: str = "zh_CN") -> str:
    return format_fen(amount) if AMOUNT_UNIT.get(action) == "fen" else format_coins(amount, lang)


def _who_can(action: str, amount: int, role: str = "", lang: str = "zh_CN") -> str:
    """The other roles whose default limits allow it, in the glossary's words of `lang`; never
    the operator's own role."""
    roles = [
        word("role", r, lang)
        for r, acts in ROLE_ACTIONS.items()
        if r != role
        and action in acts
        and (
            DEFAULT_LIMITS[r].per_action(action) is None
            or (DEFAULT_LIMITS[r].per_action(action) or 0) >= amount
        )
    ]
    if lang.startswith("en"):  # mid-sentence: "ask: support agent, administrator"
        return ", ".join(r.lower() for r in roles)
    return "、".join(roles)


def _next_step(action: str, amount: int, role: str) -> tuple[str, str]:
    """What the operator can do about a refusal: ask a role that may, or (when none may, an
    admin over an admin's limit) split the action or raise the limit in the profile."""
    who = _who_can(action, amount, role)
    if who:
        return f"可由{who}执行", f"ask: {_who_can(action, amount, role, 'en')}"
    return (
        "没有角色可以一次完成：请拆成几笔，或请管理本配置的人在配置文件中提高限额"
        "（设置 → 我的限额）",
        "no role may do this in one action: split it, or have whoever manages this profile "
        "raise its limits in the profile file (Settings → Your limits)",
    )


@dataclass(frozen=True)
class Policy:
    role: str
    limits: Limits

    @classmethod
    def for_profile(cls, role: str, overrides: Mapping[str, int]) -> Policy:
        return cls(role, replace(DEFAULT_LIMITS[role], **dict(overrides)))

    def problem(self, action: str, amount: int, *, spent_today: int) -> tuple[str, str] | None:
        """Why this operator may not do this (zh, en), or None: what `check` refuses, for a
        dialog to say beside the field while the operator types."""
        if action not in ROLE_ACTIONS[self.role]:
            zh, en = _next_step(action, amount, self.role)
            return (
                f"角色「{word('role', self.role)}」不能执行{word('action', action)}；{zh}",
                f"the {word('role', self.role, 'en').lower()} role may not "
                f"{word('action', action, 'en').lower()}; {en}",
            )
        per_action = self.limits.per_action(action)
        if per_action is not None and amount > per_action:
            zh, en = _next_step(action, amount, self.role)
            return (
                f"{_amount(action, amount)} 超过单笔限额 {_amount(action, per_action)}；{zh}",
                f"{_amount(action, amount, 'en')} exceeds your per-action limit "
                f"{_amount(action, per_action, 'en')}; {en}",
            )
        daily = self.limits.daily(action)
        if daily is not None and spent_today + amount > daily:
            left = max(daily - spent_today, 0)
            return (
                f"超过今日额度：今日已用 {_amount(action, spent_today)}，剩余 {_amount(action, left)}",
                f"over today's total: used {_amount(action, spent_today, 'en')}, "
                f"{_amount(action, left, 'en')} left",
            )
        return None

    def check(self, action: str, amount: int, *, spent_today: int, reason: str) -> None:
        if not reason.strip():
            raise PolicyRefused(
                "必须填写原因", "a reason is required for every money-moving action"
            )
        problem = self.problem(action, amount, spent_today=spent_today)
        if problem is not None:
            raise PolicyRefused(*problem)

    def check_bulk(self, action: str, rows: int, total: int) -> None:
        if rows > self.limits.bulk_rows or total > self.limits.bulk_total:
            raise PolicyRefused(
                f"批量操作超过上限（{rows} 行 / {total:,}，上限 {self.limits.bulk_rows} 行 / "
                f"{self.limits.bulk_total:,}）",
                f"the batch exceeds the cap ({rows} rows / {total:,}; cap "
                f"{self.limits.bulk_rows} rows / {self.limits.bulk_total:,})",
            )
