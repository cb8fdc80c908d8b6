"""Typed records for the xpay push events (reference §7.5), from JSON or XML alike.

Amounts stay integer fen (prices, refund fees) or coins (quantities); times become aware datetimes.
Fields we do not know are kept in `fields`, never dropped; unknown events still decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Documented Number fields: XML carries them as text, JSON as numbers.
NUMBER_FIELDS = frozenset(
    {
        "CreateTime",
        "Env",
        "PaidTime",
        "Quantity",
        "OrigPrice",
        "ActualPrice",
        "TeamType",
        "TeamAction",
        "RefundFee",
        "RetCode",
        "RefundStartTimestamp",
        "RefundSuccTimestamp",
        "RetryTimes",
        "ComplaintTime",
        "AutoRenewStatus",
        "RenewalDate",
        "SubscribePeriodDays",
    }
)
TIME_FIELDS = frozenset(
    {
        "CreateTime",
        "PaidTime",
        "RefundStartTimestamp",
        "RefundSuccTimestamp",
        "ComplaintTime",
        "RenewalDate",
    }
)

EVENT_TITLES: dict[str, tuple[str, str]] = {
    "xpay_goods_deliver_notify": ("道具发货推送", "Item delivery"),
    "xpay_coin_pay_notify": ("代币支付推送", "Coin top-up paid"),
    "xpay_refund_notify": ("退款推送", "Refund result"),
    "xpay_complaint_notify": ("用户投诉推送", "User complaint"),
    "xpay_subscribe_ios_refund_query_notify": ("iOS 退款问询", "iOS refund inquiry"),
    "xpay_wxpay_callback_notify": ("微信支付风控通知", "WeChat Pay risk notice"),
    "xpay_subscribe_signing_result_notify": ("订阅签约结果", "Subscription signing result"),
    "xpay_subscribe_pay_fail_notify": ("订阅扣款失败", "Subscription charge failed"),
    "xpay_apple_subscribe_signing_result_notify": (
        "苹果订阅签约结果",
        "Apple subscription signing",
    ),
}


def _coerce(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, dict):
            out[key] = _coerce(value)
        elif (
            key in NUMBER_FIELDS and isinstance(value, str) and value.strip().lstrip("-").isdigit()
        ):
            out[key] = int(value.strip())
        else:
            out[key] = value
    return out


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _time(data: dict[str, Any], key: str) -> datetime | None:
    seconds = _int(data, key)
    return datetime.fromtimestamp(seconds, SHANGHAI) if seconds and seconds > 0 else None


def _obj(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Purchase:
    """GoodsInfo or CoinInfo: what was bought, in fen and units."""

    product_id: str
    quantity: int | None
    orig_price: int | None
    actual_price: int | None
    attach: str


@dataclass(frozen=True)
class WeChatPayInfo:
    mch_order_no: str
    transaction_id: str
    paid_time: datetime | None


@dataclass(frozen=True)
class PushEvent:
    event: str
    format: str
    fields: dict[str, Any]
    to_user_name: str
    from_user_name: str
    create_time: datetime | None
    openid: str
    env: int | None
    out_trade_no: str  # merchant order id (OutTradeNo, or MchOrderId on refunds/complaints)
    wx_order_id: str
    mch_refund_id: str
    wx_refund_id: str
    purchase: Purchase | None
    wechat_pay: WeChatPayInfo | None
    refund_fee: int | None
    ret_code: int | None
    ret_msg: str
    retry_times: int | None

    @property
    def known(self) -> bool:
        return self.event in EVENT_TITLES

    def title(self, lang: str = "zh_CN") -> str:
        zh, en = EVENT_TITLES.get(self.event, (self.event or "未知事件", self.event or "unknown"))
        return en if lang.startswith("en") else zh

    @property
    def amount_fen(self) -> int | None:
        """The money this push is about: paid price or refund fee."""
        if self.refund_fee is not None:
            return self.refund_fee
        return self.purchase.actual_price if self.purchase else None

    @property
    def succeeded(self) -> bool | None:
        """For refund results: RetCode 0 is success; other events carry no outcome."""
        return None if self.ret_code is None else self.ret_code == 0

    @property
    def links(self) -> dict[str, str]:
        """Ids this push concerns, keyed by the mirror's column names."""
        pairs = {
            "openid": self.openid,
            "order_id": self.out_trade_no,
            "wx_order_id": self.wx_order_id,
            "refund_order_id": self.mch_refund_id,
            "refund_wx_order_id": self.wx_refund_id,
            "wxpay_order_id": self.wechat_pay.transaction_id if self.wechat_pay else "",
        }
        return {k: v for k, v in pairs.items() if v}


def parse_event(raw: dict[str, Any], fmt: str) -> PushEvent:
    fields = _coerce(raw)
    purchase_src = _obj(fields, "GoodsInfo") or _obj(fields, "CoinInfo")
    purchase = (
        Purchase(
            _str(purchase_src, "ProductId"),
            _int(purchase_src, "Quantity"),
            _int(purchase_src, "OrigPrice"),
            _int(purchase_src, "ActualPrice"),
            _str(purchase_src, "Attach"),
        )
        if purchase_src
        else None
    )
    pay_src = _obj(fields, "WeChatPayInfo")
    wechat_pay = (
        WeChatPayInfo(
            _str(pay_src, "MchOrderNo"), _str(pay_src, "TransactionId"), _time(pay_src, "PaidTime")
        )
        if pay_src
        else None
    )
    openid = _str(fields, "OpenId") or _str(fields, "openid")
    return PushEvent(
        event=_str(fields, "Event"),
        format=fmt,
        fields=fields,
        to_user_name=_str(fields, "ToUserName"),
        from_user_name=_str(fields, "FromUserName"),
        create_time=_time(fields, "CreateTime"),
        openid=openid,
        env=_int(fields, "Env"),
        out_trade_no=(
            _str(fields, "OutTradeNo") or _str(fields, "MchOrderId") or _str(fields, "pay_order_id")
        ),
        wx_order_id=_str(fields, "WxOrderId"),
        mch_refund_id=_str(fields, "MchRefundId"),
        wx_refund_id=_str(fields, "WxRefundId"),
        purchase=purchase,
        wechat_pay=wechat_pay,
        refund_fee=_int(fields, "RefundFee"),
        ret_code=_int(fields, "RetCode"),
        ret_msg=_str(fields, "RetMsg"),
        retry_times=_int(fields, "RetryTimes"),
    )
