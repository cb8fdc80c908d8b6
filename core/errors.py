"""The error catalogue (reference §4.3, §5) and the exceptions the core raises.

Every operator-facing message exists in Chinese and English. Nothing here ever formats a secret:
exceptions carry errcodes, errmsgs and API names, never tokens, keys or URLs with query strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Handling(StrEnum):
    """What a caller should do with an errcode."""

    SUCCESS_ON_DUPLICATE = "success_on_duplicate"  # 268490004: the earlier identical call succeeded
    RETRYABLE = "retryable"  # same request, same ids, after a back-off
    REFRESH_TOKEN = "refresh_token"  # refresh access_token once and repeat
    NEEDS_NEW_SESSION_KEY = "needs_new_session_key"  # the user must open the mini program again
    POLL = "poll"  # result is being produced: ask again later
    REQUERY = "requery"  # re-read state (left_fee) and ask again
    FINAL = "final"


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    errcode: int
    zh: str
    en: str
    handling: Handling
    advice_zh: str = ""
    advice_en: str = ""

    def text(self, lang: str = "zh_CN") -> str:
        english = lang.startswith("en")
        base, advice = (self.en, self.advice_en) if english else (self.zh, self.advice_zh)
        if not advice:
            return base
        return f"{base}. {advice}" if english else f"{base}。{advice}"


def _e(
    code: int,
    zh: str,
    en: str,
    handling: Handling = Handling.FINAL,
    advice_zh: str = "",
    advice_en: str = "",
) -> tuple[int, ErrorInfo]:
    return code, ErrorInfo(code, zh, en, handling, advice_zh, advice_en)


H = Handling

#: Server errcodes of the /xpay/* APIs, access tokens and checksession (reference §4.3, §5.1).
SERVER_ERRORS: dict[int, ErrorInfo] = dict(
    [
        _e(0, "成功", "Success"),
        _e(
            -1,
            "系统错误",
            "System error",
            H.RETRYABLE,
            "稍后用同一单号重试",
            "Retry later with the same order id",
        ),
        _e(
            268490001,
            "openid错误",
            "Invalid openid",
            H.FINAL,
            "检查 openid 是否属于本小程序",
            "Check that the openid belongs to this mini program",
        ),
        _e(
            268490002,
            "请求参数字段错误，具体看errmsg",
            "Request parameter error, see errmsg",
            H.FINAL,
            "数据不存在时检查 order_id 与 wx_order_id 是否填反或同时填写",
            "If it says the data does not exist, check order_id vs wx_order_id (never both)",
        ),
        _e(
            268490003,
            "签名错误",
            "Signature error",
            H.FINAL,
            "用签名调试检查 env 与 AppKey 是否对应、uri 是否以 / 开头、body 是否与签名一致、会话密钥是否最新",
            "Use the signature debugger: env vs AppKey, leading / in the uri, signed body = sent body, "
            "latest session key",
        ),
        _e(
            268490004,
            "重复操作（之前的操作已经成功）",
            "Duplicate operation (the earlier call succeeded)",
            H.SUCCESS_ON_DUPLICATE,
        ),
        _e(
            268490005,
            "订单已经通过cancel_currency_pay接口退款，不支持再退款",
            "Already refunded through cancel_currency_pay; cannot refund again",
        ),
        _e(
            268490006,
            "代币的退款/支付操作金额不足",
            "Insufficient coins for this deduction or refund",
            H.FINAL,
            "先查询用户余额",
            "Look up the user's balance first",
        ),
        _e(
            268490007,
            "图片或文字存在敏感内容，禁止使用",
            "Image or text contains sensitive content",
        ),
        _e(
            268490008,
            "代币未发布，不允许进行代币操作",
            "Coins are not published; coin operations refused",
        ),
        _e(
            268490009,
            "用户session_key不存在或已过期，请重新登录",
            "User session key missing or expired",
            H.NEEDS_NEW_SESSION_KEY,
            "请用户重新打开小程序后再试",
            "Ask the user to reopen the mini program",
        ),
        _e(
            268490011,
            "数据生成中，请稍后调用本接口获取",
            "Data is being generated; ask again later",
            H.POLL,
        ),
        _e(
            268490012,
            "批量任务运行中，请等待完成后才能再次运行",
            "A batch task is running; wait for it",
            H.POLL,
        ),
        _e(268490013, "禁止对核销状态的单进行退款", "Refunds are forbidden for written-off orders"),
        _e(
            268490014,
            "退款操作进行中，稍后可以使用相同参数重试",
            "Refund in progress; retry later with the same parameters",
            H.RETRYABLE,
        ),
        _e(268490015, "频率限制", "Rate limited", H.RETRYABLE, "稍后再试", "Back off and retry"),
        _e(
            268490016,
            "退款的left_fee字段与实际不符，请通过query_order接口查询确认",
            "left_fee does not match the order; re-read it with query_order",
            H.REQUERY,
        ),
        _e(268490018, "广告金充值帐户行业 id 不匹配", "Ad-funds account industry id mismatch"),
        _e(
            268490019,
            "广告金充值帐户 id已绑定其他 appid",
            "Ad-funds account already bound to another appid",
        ),
        _e(268490020, "广告金充值帐户主体名称错误", "Wrong entity name for the ad-funds account"),
        _e(268490021, "账户未完成进件", "Account onboarding not completed"),
        _e(268490022, "广告金充值账户无效", "Invalid ad-funds account"),
        _e(268490023, "广告金余额不足", "Insufficient ad funds"),
        _e(268490024, "广告金充值金额必须大于 0", "Ad-funds top-up amount must be greater than 0"),
        _e(
            674690001,
            "道具类型不支持或扣款金额无效",
            "Product type not supported or deduct_price invalid",
        ),
        _e(690000000, "用户未订阅", "User not subscribed"),
        _e(
            690000001,
            "当前时间不允许发起预扣款通知",
            "Pre-payment notice not allowed at this time",
            H.RETRYABLE,
        ),
        # access token and global codes (reference §4.3)
        _e(
            40001,
            "access_token无效或不是最新",
            "access_token invalid or not the latest",
            H.REFRESH_TOKEN,
        ),
        _e(40014, "access_token格式错误", "Malformed access_token", H.REFRESH_TOKEN),
        _e(42001, "access_token已过期", "access_token expired", H.REFRESH_TOKEN),
        _e(41001, "缺少access_token", "access_token missing"),
        _e(40002, "grant_type错误", "Invalid grant_type"),
        _e(
            40013,
            "appid无效",
            "Invalid appid",
            H.FINAL,
            "检查配置中的 appid",
            "Check the profile's appid",
        ),
        _e(
            40125,
            "AppSecret无效",
            "Invalid AppSecret",
            H.FINAL,
            "检查配置中的 secret",
            "Check the profile's secret",
        ),
        _e(
            40164,
            "调用IP不在白名单中",
            "Caller IP not in the API IP whitelist",
            H.FINAL,
            "在小程序后台添加本机出口 IP，或经由后台代理调用",
            "Whitelist this IP or call through the backend",
        ),
        _e(
            61004,
            "调用IP未登记",
            "Client IP not registered",
            H.FINAL,
            "在小程序后台添加本机出口 IP",
            "Whitelist this IP in the mp console",
        ),
        _e(
            40243,
            "AppSecret已被冻结",
            "AppSecret is frozen",
            H.FINAL,
            "在小程序后台解冻",
            "Unfreeze it in the mp console",
        ),
        _e(45009, "接口调用超过每日限额", "Daily API quota reached", H.RETRYABLE),
        _e(45011, "接口调用频率超限", "Per-minute API limit reached", H.RETRYABLE),
        _e(
            48001,
            "接口未授权",
            "API unauthorized",
            H.FINAL,
            "检查虚拟支付是否开通及第三方权限集",
            "Check enablement and third-party permission set 157",
        ),
        _e(
            87009,
            "会话密钥无效（签名错误）",
            "Session key invalid (signature mismatch)",
            H.NEEDS_NEW_SESSION_KEY,
            "请用户重新打开小程序",
            "Ask the user to reopen the mini program",
        ),
    ]
)

#: Codes the mini program's wx.requestVirtualPayment reports (reference §5.2). Support sees these in
#: user reports; no server API returns them.
CLIENT_ERRORS: dict[int, ErrorInfo] = dict(
    [
        _e(1001, "参数错误", "Parameter error"),
        _e(-1, "支付失败", "Payment failed"),
        _e(-2, "支付取消", "User cancelled"),
        _e(-4, "风控拦截", "Blocked by risk control"),
        _e(-5, "开通签约结果未知", "Subscription signing result unknown"),
        _e(-15001, "参数错误,具体原因见err_msg", "Parameter error; see err_msg"),
        _e(
            -15002,
            "outTradeNo重复使用,请换新单号重试",
            "outTradeNo reused; retry with a new number",
        ),
        _e(-15003, "系统错误", "System error", H.RETRYABLE),
        _e(-15004, "currencyType错误,目前只能填CNY", "currencyType wrong; only CNY"),
        _e(-15005, "用户态签名signature错误", "User-state signature wrong"),
        _e(-15006, "支付签名paySig错误", "paySig wrong"),
        _e(-15007, "session_key过期", "session_key expired", H.NEEDS_NEW_SESSION_KEY),
        _e(-15008, "二级商户进件未完成", "Sub-merchant onboarding not completed"),
        _e(-15009, "代币未发布", "Coins not published"),
        _e(-15010, "道具productId未发布", "Item productId not published"),
        _e(
            -15011,
            "现网版本的env只能是0,不能填1(沙盒环境)",
            "Released version must use env 0, not 1",
        ),
        _e(
            -15012,
            "调用米大师失败导致关单,请换新单号重试",
            "Midas call failed and the order was closed; retry with a new number",
        ),
        _e(-15013, "goodsPrice道具价格错误", "goodsPrice wrong"),
        _e(
            -15014,
            "道具/代币发布未生效，禁止下单，大概10分钟后生效",
            "Publication not effective yet; takes about 10 minutes",
            H.RETRYABLE,
        ),
        _e(-15016, "signData格式有问题", "signData malformed"),
        _e(
            -15017,
            "此商家涉嫌违规，收款功能已被限制，暂无法支付",
            "Merchant restricted for suspected violations",
        ),
        _e(-15018, "代币或者道具productId审核不通过", "Coin or item productId failed review"),
        _e(-15019, "调微信报商户受限", "WeChat reports the merchant as restricted"),
        _e(-15020, "操作过快，请稍候再试", "Too fast; try later", H.RETRYABLE),
        _e(-15021, "小程序被限频交易", "Mini program transactions are rate-limited", H.RETRYABLE),
    ]
)

TOKEN_ERRCODES = frozenset(c for c, i in SERVER_ERRORS.items() if i.handling is H.REFRESH_TOKEN)


def describe(errcode: int) -> ErrorInfo:
    """The catalogue entry for a server errcode; unknown codes are final and say so."""
    info = SERVER_ERRORS.get(errcode)
    if info is not None:
        return info
    return ErrorInfo(
        errcode,
        f"未知错误码 {errcode}",
        f"Unknown errcode {errcode}",
        H.FINAL,
        "请查看 errmsg",
        "See errmsg",
    )


class XPayDeskError(Exception):
    """Base of every error the core raises on purpose. `kind` is stable for --json output."""

    kind = "error"
    exit_code = 1

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh_CN") -> str:
        return self.message_en if lang.startswith("en") else self.message_zh


class ConfigError(XPayDeskError):
    kind = "config"
    exit_code = 2


class ValidationError(XPayDeskError):
    """Bad input, raised before anything is sent."""

    kind = "validation"
    exit_code = 2

    def __init__(self, field: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{field}：{message_zh}", f"{field}: {message_en}")
        self.field = field


class XPayError(XPayDeskError):
    """WeChat answered with a non-zero errcode."""

    kind = "xpay"
    exit_code = 1

    def __init__(self, api: str, errcode: int, errmsg: str) -> None:
        self.api = api
        self.errcode = errcode
        self.errmsg = errmsg
        self.info = describe(errcode)
        super().__init__(
            f"{api} 返回 {errcode}：{self.info.text('zh_CN')}（errmsg: {errmsg}）",
            f"{api} returned {errcode}: {self.info.text('en')} (errmsg: {errmsg})",
        )

    @property
    def handling(self) -> Handling:
        return self.info.handling


class NetworkError(XPayDeskError):
    """A read-only call could not reach WeChat (after its safe retries)."""

    kind = "network"
    exit_code = 1

    def __init__(self, api: str, reason: str) -> None:
        self.api = api
        self.reason = reason
        super().__init__(f"{api} 网络错误：{reason}", f"{api} network error: {reason}")


class OutcomeUnknownError(XPayDeskError):
    """A money-moving request may or may not have been applied. Never retried with a new id."""

    kind = "outcome_unknown"
    exit_code = 3

    def __init__(self, api: str, reason: str) -> None:
        self.api = api
        self.reason = reason
        super().__init__(
            f"{api} 结果未知（{reason}）。没有用新单号重试；请用同一单号重试或查询后再处理。",
            f"{api} outcome unknown ({reason}). Nothing was retried with a new id; retry with the "
            "same id or query before acting again.",
        )
