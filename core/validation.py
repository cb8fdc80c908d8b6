"""Checks that run before anything is sent: bad input never reaches WeChat (reference §11.12)."""

from __future__ import annotations

import base64
import ipaddress
import re
from datetime import date

from core.errors import ValidationError

ID_RE = re.compile(r"[A-Za-z0-9_-]{8,32}")
OPENID_RE = re.compile(r"[A-Za-z0-9_-]{6,64}")
WX_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
ITEM_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
BIZ_META_MAX = 1024
REFUND_REASONS = {
    "0": "暂无描述",
    "1": "产品问题",
    "2": "售后问题",
    "3": "意愿问题",
    "4": "价格问题",
    "5": "其他原因",
}
REQ_FROM = {"1": "人工客服退款", "2": "用户自己发起", "3": "其它"}


def order_id(field: str, value: object) -> str:
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise ValidationError(
            field, "须为 8–32 位字母、数字、_ 或 -", "must be 8 to 32 characters of A-Z a-z 0-9 _ -"
        )
    return value


def openid(value: object, field: str = "openid") -> str:
    if not isinstance(value, str) or not OPENID_RE.fullmatch(value):
        raise ValidationError(
            field,
            "格式不正确（应为 6–64 位字母、数字、_ 或 -，无空格）",
            "malformed (6 to 64 characters of A-Z a-z 0-9 _ -, no spaces)",
        )
    return value


SESSION_KEY_RE = re.compile(r"[A-Za-z0-9+/]{22}==")


def session_key(value: str) -> str:
    """A session key an operator pasted: WeChat's are the base64 of 16 bytes (24 characters).
    The message never repeats what was pasted (it may be a key)."""
    if not SESSION_KEY_RE.fullmatch(value) or len(base64.b64decode(value)) != 16:
        raise ValidationError(
            "session_key",
            "粘贴的会话密钥格式不对（微信的会话密钥是 24 个字符的 base64，如 "
            "“AbCd…==”）；请重新复制，或留空以使用已保存的密钥。没有向微信发送任何请求",
            "the pasted session key is malformed (WeChat session keys are 24 characters of "
            "base64, like “AbCd…==”); copy it again, or leave it empty to use the stored key. "
            "Nothing was sent to WeChat",
        )
    return value


def wx_order_id(value: object, field: str = "wx_order_id") -> str:
    if not isinstance(value, str) or not WX_ID_RE.fullmatch(value):
        raise ValidationError(field, "格式不正确", "malformed")
    return value


def positive_int(field: str, value: object, *, maximum: int = 2**31 - 1) -> int:
    # bool is an int subclass; True coins is a bug, not 1 coin
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "须为正整数", "must be a positive integer")
    if not 0 < value <= maximum:
        raise ValidationError(
            field, f"须在 1 到 {maximum} 之间", f"must be between 1 and {maximum}"
        )
    return value


def non_negative_int(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, "须为非负整数", "must be a non-negative integer")
    return value


def refund_fee(refund: object, left: object) -> tuple[int, int]:
    left_fee = non_negative_int("left_fee", left)
    fee = positive_int("refund_fee", refund)
    if fee > left_fee:
        raise ValidationError(
            "refund_fee",
            f"不能超过可退金额 left_fee（{left_fee} 分）",
            f"must not exceed left_fee ({left_fee} fen)",
        )
    return fee, left_fee


def biz_meta(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError("biz_meta", "须为字符串", "must be a string")
    if len(value) > BIZ_META_MAX:
        raise ValidationError(
            "biz_meta",
            f"不能超过 {BIZ_META_MAX} 个字符",
            f"must be at most {BIZ_META_MAX} characters",
        )
    return value


def choice(field: str, value: object, allowed: dict[str, str]) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or text not in allowed:
        options = "、".join(f"{k}={v}" for k, v in allowed.items())
        raise ValidationError(field, f"须为 {options}", f"must be one of {', '.join(allowed)}")
    return text


def user_ip(value: object) -> str:
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        raise ValidationError(
            "user_ip", "不是合法的 IP 地址", "is not a valid IP address"
        ) from None


def exactly_one_order_ref(
    order_id_value: str | None, wx_order_id_value: str | None
) -> dict[str, str]:
    """query_order, refund_order and notify_provide_goods take one of the two ids, never both (C4)."""
    if bool(order_id_value) == bool(wx_order_id_value):
        raise ValidationError(
            "order_id / wx_order_id", "必须且只能填写其中一个", "give exactly one of the two"
        )
    if order_id_value:
        return {"order_id": order_id("order_id", order_id_value)}
    return {"wx_order_id": wx_order_id(wx_order_id_value)}


def day(field: str, value: object) -> int:
    """yyyymmdd integers for download_bill and start_download_order."""
    if isinstance(value, date):
        return int(value.strftime("%Y%m%d"))
    text = str(value)
    try:
        parsed = date(int(text[0:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 else None
    except ValueError:
        parsed = None
    if parsed is None or not text.isdigit():
        raise ValidationError(field, "须为 YYYYMMDD 格式的日期", "must be a date as YYYYMMDD")
    return int(text)


def item_id(value: object) -> str:
    if not isinstance(value, str) or not ITEM_ID_RE.fullmatch(value):
        raise ValidationError(
            "id", "须为 1–64 位字母、数字、_ 或 -", "must be 1 to 64 of A-Z a-z 0-9 _ -"
        )
    return value


def text(field: str, value: object, *, maximum: int, minimum: int = 1) -> str:
    if not isinstance(value, str) or not minimum <= len(value) <= maximum:
        raise ValidationError(
            field, f"长度须在 {minimum}–{maximum} 之间", f"length must be {minimum} to {maximum}"
        )
    return value
