"""Field rules the simulated WeChat enforces on request bodies; a violation is 268490002 with an
errmsg that names the field (WeChat's own errmsgs are terse; ours say what to fix).

The strict readings (README, "Uncertain points"): a field the API's table does not list is refused
(`env` included on download_bill, whose table has none); every int field must be a JSON integer
(not 1.0, not true) in 0..2**31-1, and amounts 1..2**31-1 (int32, the client's own limit); nested
items are checked like top-level fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from core.simulator.state import SimError

ID = re.compile(r"[A-Za-z0-9_-]{8,32}")
OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")
ITEM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
YUAN = re.compile(r"(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?")
INT32_MAX = 2**31 - 1
NO_ENV_APIS = frozenset({"download_bill"})  # its official field table has no env row (§2.3.1)
Rule = tuple[str, type, bool, Callable[[Any], bool] | None]  # field, type, required, extra check


def _id(value: Any) -> bool:
    return bool(ID.fullmatch(value))


def _positive(value: Any) -> bool:
    return bool(value > 0)


def _openid(value: Any) -> bool:
    return bool(OPENID.fullmatch(value))


def _yyyymmdd(value: Any) -> bool:
    try:
        day = datetime.strptime(str(value), "%Y%m%d").date()
    except ValueError:
        return False
    return date(1970, 1, 1) <= day <= date(2999, 12, 31)


def _iso_day(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _yuan(value: Any) -> bool:
    return bool(YUAN.fullmatch(value))


def _strings(value: Any) -> bool:
    return all(isinstance(v, str) for v in value)


def _text(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: low <= len(value) <= high


def _choice(*options: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return value in options

    return check


def _max_len(n: int) -> Callable[[Any], bool]:
    return lambda value: len(value) <= n


# the items inside start_upload_goods / start_publish_goods (reference §2.5)
UPLOAD_ITEM: list[Rule] = [
    ("id", str, True, lambda v: bool(ITEM_ID.fullmatch(v))),
    ("name", str, True, _text(1, 20)),
    ("price", int, True, _positive),
    ("remark", str, True, _text(1, 1024)),
    ("item_url", str, True, _text(1, 2048)),
]
PUBLISH_ITEM: list[Rule] = [("id", str, True, lambda v: bool(ITEM_ID.fullmatch(v)))]
NESTED: dict[tuple[str, str], list[Rule]] = {
    ("start_upload_goods", "upload_item"): UPLOAD_ITEM,
    ("start_publish_goods", "publish_item"): PUBLISH_ITEM,
}


SCHEMAS: dict[str, list[Rule]] = {
    "query_user_balance": [("openid", str, True, _openid), ("user_ip", str, True, None)],
    "currency_pay": [
        ("openid", str, True, _openid),
        ("user_ip", str, True, None),
        ("amount", int, True, _positive),
        ("order_id", str, True, _id),
        ("payitem", str, False, None),
        ("remark", str, False, None),
        ("device_type", int, False, None),
    ],
    "cancel_currency_pay": [
        ("openid", str, True, _openid),
        ("user_ip", str, True, None),
        ("pay_order_id", str, True, _id),
        ("order_id", str, True, _id),
        ("amount", int, True, _positive),
        ("device_type", int, False, None),
    ],
    "present_currency": [
        ("openid", str, True, _openid),
        ("order_id", str, True, _id),
        ("amount", int, True, _positive),
        ("device_type", int, False, None),
    ],
    "query_order": [
        ("openid", str, True, _openid),
        ("order_id", str, False, None),
        ("wx_order_id", str, False, None),
    ],
    "refund_order": [
        ("openid", str, True, _openid),
        ("order_id", str, False, None),
        ("wx_order_id", str, False, None),
        ("refund_order_id", str, True, _id),
        ("left_fee", int, True, None),
        ("refund_fee", int, True, _positive),
        ("biz_meta", str, True, _max_len(1024)),
        ("refund_reason", str, True, _choice("0", "1", "2", "3", "4", "5")),
        ("req_from", str, True, _choice("1", "2", "3")),
    ],
    "notify_provide_goods": [("order_id", str, False, None), ("wx_order_id", str, False, None)],
    "download_bill": [("begin_ds", int, True, _yyyymmdd), ("end_ds", int, True, _yyyymmdd)],
    "start_download_order": [
        ("begin_ds", int, True, _yyyymmdd),
        ("end_ds", int, True, _yyyymmdd),
        ("order_type", int, True, lambda v: v in (1, 2, 3, 4)),
        ("pay_channel", int, False, None),
        ("order_info", str, False, None),
        ("is_provided", bool, False, None),
        ("refund_status", int, False, None),
    ],
    "query_download_order": [("task_id", str, True, None)],
    "query_biz_balance": [],
    "create_withdraw_order": [
        ("withdraw_no", str, True, _id),
        ("withdraw_amount", str, False, _yuan),
    ],
    "query_withdraw_order": [("withdraw_no", str, True, _id)],
    "start_upload_goods": [("upload_item", list, True, lambda v: len(v) == 1)],
    "query_upload_goods": [],
    "start_publish_goods": [("publish_item", list, True, lambda v: len(v) == 1)],
    "query_publish_goods": [],
    "get_complaint_list": [
        ("begin_date", str, True, _iso_day),
        ("end_date", str, True, _iso_day),
        ("offset", int, True, lambda v: v >= 0),
        ("limit", int, True, _positive),
    ],
    "get_complaint_detail": [("complaint_id", str, True, None)],
    "get_negotiation_history": [
        ("complaint_id", str, True, None),
        ("offset", int, True, None),
        ("limit", int, True, _positive),
    ],
    "response_complaint": [
        ("complaint_id", str, True, None),
        ("response_content", str, True, None),
        ("response_images", list, False, _strings),
    ],
    "complete_complaint": [("complaint_id", str, True, None)],
    "upload_vp_file": [
        ("file_name", str, True, None),
        ("base64_img", str, False, None),
        ("img_url", str, False, None),
    ],
    "get_upload_file_sign": [
        ("wxpay_url", str, True, None),
        ("convert_cos", bool, False, None),
        ("complaint_id", str, True, None),
    ],
}

TYPE_NAMES = {str: "string", int: "int", bool: "bool", list: "array"}


def _bad(name: str, zh: str, en: str) -> SimError:
    return SimError(268490002, f"请求参数字段错误：{name} {zh} ({name}: {en})")


def _check_fields(where: str, rules: list[Rule], body: dict[str, Any], allowed: set[str]) -> None:
    for key in body:
        if key not in allowed:
            raise _bad(f"{where}{key}", "不是本接口的字段", "unknown field for this API")
    for name, kind, required, extra in rules:
        label = f"{where}{name}"
        if name not in body:
            if required:
                raise _bad(label, "缺少", "missing field")
            continue
        value = body[name]
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise _bad(
                    label, "应为 JSON 整数", f"must be a JSON integer, got {type(value).__name__}"
                )
            if not 0 <= value <= INT32_MAX:
                raise _bad(label, f"超出范围 0..{INT32_MAX}", f"out of range 0..{INT32_MAX}")
        elif not isinstance(value, kind):
            raise _bad(label, f"应为 {TYPE_NAMES[kind]}", f"must be {TYPE_NAMES[kind]}")
        if extra is not None and not extra(value):
            raise _bad(label, "取值不合法", f"invalid value {str(value)[:40]}")


def check(api: str, body: dict[str, Any]) -> None:
    rules = SCHEMAS[api]
    allowed = {name for name, *_ in rules} | (set() if api in NO_ENV_APIS else {"env"})
    _check_fields("", rules, body, allowed)
    for (nested_api, field), item_rules in NESTED.items():
        if nested_api != api:
            continue
        for i, item in enumerate(body[field]):
            if not isinstance(item, dict):
                raise _bad(f"{field}[{i}]", "应为对象", "must be an object")
            _check_fields(f"{field}[{i}].", item_rules, item, {n for n, *_ in item_rules})
    if api in ("query_order", "refund_order", "notify_provide_goods") and ("order_id" in body) == (
        "wx_order_id" in body
    ):
        raise SimError(
            268490002,
            "请求参数字段错误：order_id 与 wx_order_id 须且只能填一个 "
            "(give exactly one of order_id and wx_order_id)",
        )
