"""xpaydesk-cli's exit codes, the same on a solo and a team profile: listed by `--help` and in the
README's command line section (tests/test_cli_e2e.py checks both against this table)."""

from __future__ import annotations

OK = 0
FAILED = 1  # WeChat's error, a failed operation, a check that said no
INVALID = 2  # bad input, configuration, a refusal (core.errors: ValidationError, ConfigError, ...)
OUTCOME_UNKNOWN = 3
OPEN_ITEMS = 4  # reconcile
CLAWBACK_OPEN = 5  # refund-with-clawback
SERVER_UNREACHABLE = 6  # core.remote.errors.ServerUnreachable
LOGIN_REQUIRED = 7  # core.remote.errors.LoginRequired
AWAITING_APPROVAL = 8  # team mode: a money action kept as a request for a second operator
INTERRUPTED = 130

EXIT_CODES: list[tuple[int, str, str]] = [
    (OK, "成功", "success"),
    (
        FAILED,
        "微信返回错误、操作失败或检查未通过",
        "WeChat returned an error, the operation failed or a check said no",
    ),
    (
        INVALID,
        "输入或配置有误，或被拒绝（角色、限额、登录失败）",
        "bad input or configuration, or refused (role, limits, a failed login)",
    ),
    (
        OUTCOME_UNKNOWN,
        "结果未知：资金操作超时或团队服务器仍在处理，没有用新单号重试，请运行 resolve",
        "outcome unknown: a money-moving call timed out or the team server is still working on "
        "it; nothing was retried with a new id: run resolve",
    ),
    (OPEN_ITEMS, "reconcile 发现未结项", "reconcile found open items"),
    (
        CLAWBACK_OPEN,
        "refund-with-clawback：退款已完成，代币回收尚未完成",
        "refund-with-clawback: the refund is done but its coin clawback is not",
    ),
    (
        SERVER_UNREACHABLE,
        "无法连接团队服务器，未做任何操作",
        "the team server cannot be reached; nothing was done",
    ),
    (
        LOGIN_REQUIRED,
        "需要登录团队服务器：运行 xpaydesk-cli login",
        "log in to the team server: run xpaydesk-cli login",
    ),
    (
        AWAITING_APPROVAL,
        "等待审批（团队模式）：须由另一位财务或管理员批准，尚未执行",
        "awaiting approval (team mode): another finance or admin operator must approve it; "
        "nothing was done yet",
    ),
    (INTERRUPTED, "已中断", "interrupted"),
]


def epilog() -> str:
    lines = ["exit codes / 退出码:"]
    lines += [f"  {code:>3} {en}\n      {zh}" for code, zh, en in EXIT_CODES]
    return "\n".join(lines)
