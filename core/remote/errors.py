"""What a remote desk raises: the server's own refusal (its kind and both messages), a login
that has run out, and a server that cannot be reached."""

from __future__ import annotations

from core.errors import XPayDeskError


class RemoteError(XPayDeskError):
    """The team server refused: `kind` and the messages are the server's."""

    def __init__(
        self,
        kind: str,
        message_zh: str,
        message_en: str,
        *,
        status: int,
        errcode: int | None = None,
    ) -> None:
        super().__init__(message_zh, message_en)
        self.kind = kind
        self.status = status
        self.errcode = errcode  # WeChat's, when the server's refusal is WeChat's (kind "xpay")


class RemoteForbidden(RemoteError):
    """403: the operator's role or limits refuse this (the server audited it)."""

    exit_code = 2  # refused, as a solo desk's policy refusal


class LoginRequired(XPayDeskError):
    kind = "login_required"
    exit_code = 7  # core.cli.exits.LOGIN_REQUIRED

    def __init__(
        self,
        message_zh: str = "需要重新登录团队服务器",
        message_en: str = "log in to the team server again",
    ) -> None:
        super().__init__(message_zh, message_en)


#: what went wrong on the way to the server (httpx's exception names, and "offline": it was
#: found away a moment ago), said in words; a name not here is shown as it is
PROBLEM_WORDS: dict[str, tuple[str, str]] = {
    "offline": ("刚才已连接不上", "it could not be reached a moment ago"),
    "ConnectError": ("连接失败", "the connection failed"),
    "ConnectTimeout": ("连接超时", "the connection timed out"),
    "ReadTimeout": ("等待回答超时", "it did not answer in time"),
    "WriteTimeout": ("发送超时", "sending timed out"),
    "PoolTimeout": ("没有空闲连接", "no connection was free in time"),
    "ReadError": ("连接中断", "the connection broke off"),
    "WriteError": ("连接中断", "the connection broke off"),
    "RemoteProtocolError": ("连接中断", "the connection broke off"),
    "ProxyError": ("代理出错", "the proxy failed"),
    "NetworkError": ("网络出错", "a network error"),
    "TransportError": ("网络出错", "a network error"),
}


class ServerUnreachable(XPayDeskError):
    kind = "server_unreachable"
    exit_code = 6  # core.cli.exits.SERVER_UNREACHABLE

    def __init__(self, server: str, problem: str) -> None:
        zh, en = PROBLEM_WORDS.get(problem, (problem, problem))
        super().__init__(
            f"无法连接团队服务器 {server}（{zh}）：显示的是上次取得的数据，资金操作暂不可用",
            f"cannot reach the team server {server} ({en}): what is shown is the last data "
            "fetched, and money actions wait until it is back",
        )
        self.server = server
        self.problem = problem
