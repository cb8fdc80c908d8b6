"""Field rules the simulated WeChat enforces on request bodies; a violation is 268490002 with an
errmsg that names the field (WeChat's own errmsgs are terse; ours say what to fix)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from core.simulator.state import SimError

ID = re.compile(r"[A-Za-z0-9_-]{8,32}")
OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")
Rule = tuple[str, type, bool, Callable[[Any], bool] | None]  # field, type, required, extra check


def _id(value: Any) -> bool:
    return bool(ID.fullmatch(value))


def _positive(value: Any) -> bool:
    return bool(value > 0)


def _openid(value: Any) -> bool:
    return bool(OPENID.fullmatch(value))


def _yyyymmdd(value: Any) -> bool:
    return bool(19700101 <= value <= 29991231)


def _choice(*options: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return value in options

    return check


def _max_len(n: int) -> Callable[[Any], bool]:
    return lambda value: len(value) <= n


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
        ("withdraw_amount", str, False, None),
    ],
    "query_withdraw_order": [("withdraw_no", str, True, _id)],
    "start_upload_goods": [("upload_item", list, True, lambda v: len(v) == 1)],
    "query_upload_goods": [],
    "start_publish_goods": [("publish_item", list, True, lambda v: len(v) == 1)],
    "query_publish_goods": [],
    "get_complaint_list": [
        ("begin_date", str, True, None),
        ("end_date", str, True, None),
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
        ("response_images", list, False, None),
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


def check(api: str, body: dict[str, Any]) -> None:
    for name, kind, required, extra in SCHEMAS[api]:
        if name not in body:
            if required:
                raise SimError(268490002, f"请求参数字段错误：缺少 {name} (missing field {name})")
            continue
        value = body[name]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise SimError(
                268490002,
                f"请求参数字段错误：{name} 应为 int (field {name} must be an "
                f"int, got {type(value).__name__})",
            )
        if kind is not int and not isinstance(value, kind):
            raise SimError(
                268490002,
                f"请求参数字段错误：{name} 应为 {TYPE_NAMES[kind]} "
                f"(field {name} must be {TYPE_NAMES[kind]})",
            )
        if extra is not None and not extra(value):
            raise SimError(
                268490002,
                f"请求参数字段错误：{name} 取值不合法 (invalid {name}: {str(value)[:40]})",
            )
    if api in ("query_order", "refund_order", "notify_provide_goods") and ("order_id" in body) == (
        "wx_order_id" in body
    ):
        raise SimError(
            268490002,
            "请求参数字段错误：order_id 与 wx_order_id 须且只能填一个 "
            "(give exactly one of order_id and wx_order_id)",
        )
