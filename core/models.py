"""Typed, tolerant response models (reference §2) with WeChat's exact field names.

Tolerant means: missing fields take defaults, unknown fields are kept in `extra`, flags may be bool
or 0/1, numbers may arrive as numeric strings. Money stays in integer fen; yuan strings (withdrawals,
merchant balance) become Decimal, never float.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Self, TypeVar, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo

from core.errors import XPayDeskError

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENVELOPE = frozenset({"errcode", "errmsg"})

M = TypeVar("M", bound="Model")


class ResponseFormatError(XPayDeskError):
    kind = "response_format"

    def __init__(self, api: str, detail: str) -> None:
        super().__init__(
            f"{api} 的应答格式无法识别：{detail}", f"{api} sent an unreadable answer: {detail}"
        )


def unix_to_datetime(seconds: int) -> datetime | None:
    """WeChat's unix seconds as an aware datetime; 0 means "not yet"."""
    return datetime.fromtimestamp(seconds, SHANGHAI) if seconds > 0 else None


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _coerce(inner[0], value, where)
    if origin is list:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list")
        (item_tp,) = get_args(tp)
        return [_coerce(item_tp, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict or tp is Any:
        return value
    if tp is bool:
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1"):
            return bool(int(value))
        if value in ("true", "false"):
            return value == "true"
        raise ValueError(f"{where}: expected a flag, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise ValueError(f"{where}: expected an integer, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float):
            return str(value)
        raise ValueError(f"{where}: expected a string, got {type(value).__name__}")
    if tp is Decimal:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{where}: expected an amount in yuan, got {value!r}") from None
    if isinstance(tp, type) and issubclass(tp, Model):
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: expected an object")
        return tp.parse(value, where=where)
    raise TypeError(f"unsupported field type {tp!r}")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


@dataclass(kw_only=True)
class Model:
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any], *, where: str = "") -> Self:
        hints = _hints(cls)
        known = {f.name for f in fields(cls)} - {"extra"}
        kwargs: dict[str, Any] = {}
        for name in known:
            if name in data and data[name] is not None:
                kwargs[name] = _coerce(
                    hints[name], data[name], f"{where}.{name}" if where else name
                )
        extra = {k: v for k, v in data.items() if k not in known and k not in ENVELOPE}
        return cls(**kwargs, extra=extra)

    @classmethod
    def from_response(cls, api: str, data: Mapping[str, Any]) -> Self:
        try:
            return cls.parse(data)
        except ValueError as exc:
            raise ResponseFormatError(api, str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra":
                continue
            out[f.name] = _plain(value)
        out.update(self.extra)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def field_defaults(cls: type) -> dict[str, Any]:
    """Used by tests and the simulator to list a model's fields."""
    assert is_dataclass(cls)
    return {f.name: (f.default if f.default is not MISSING else None) for f in fields(cls)}


# ---- user coins (§2.1) ---------------------------------------------------------------------


@dataclass(kw_only=True)
class Balance(Model):
    balance: int = 0
    present_balance: int = 0
    sum_save: int = 0
    sum_present: int = 0
    sum_balance: int = 0
    sum_cost: int = 0
    first_save_flag: bool = False


@dataclass(kw_only=True)
class CurrencyPayResult(Model):
    order_id: str = ""
    balance: int | None = None
    used_present_amount: int | None = None
    duplicate: bool = False  # 268490004: this order_id was already applied


@dataclass(kw_only=True)
class CancelCurrencyPayResult(Model):
    order_id: str = ""


@dataclass(kw_only=True)
class PresentCurrencyResult(Model):
    order_id: str = ""
    balance: int | None = None
    present_balance: int | None = None
    duplicate: bool = False


# ---- cash orders (§2.2) --------------------------------------------------------------------


@dataclass(kw_only=True)
class Order(Model):
    order_id: str = ""
    create_time: int = 0
    update_time: int = 0
    status: int = 0
    biz_type: int = 0
    order_fee: int = 0
    coupon_fee: int = 0
    paid_fee: int = 0
    order_type: int = 0
    refund_fee: int = 0
    paid_time: int = 0
    provide_time: int = 0
    biz_meta: str = ""
    env_type: int = 0
    token: str = ""
    left_fee: int = 0
    wx_order_id: str = ""
    channel_order_id: str = ""
    wxpay_order_id: str = ""
    sett_time: int = 0
    sett_state: int = 0
    platform_fee_fen: int = 0
    cps_fee_fen: int = 0
    ext: dict[str, Any] = field(default_factory=dict)

    @property
    def paid_at(self) -> datetime | None:
        return unix_to_datetime(self.paid_time)

    @property
    def created_at(self) -> datetime | None:
        return unix_to_datetime(self.create_time)


@dataclass(kw_only=True)
class RefundStarted(Model):
    refund_order_id: str = ""
    refund_wx_order_id: str = ""
    pay_order_id: str = ""
    pay_wx_order_id: str = ""


@dataclass(kw_only=True)
class Empty(Model):
    """errcode-only answers."""


# ---- bills and exports (§2.3) --------------------------------------------------------------


@dataclass(kw_only=True)
class BillUrl(Model):
    url: str = ""


@dataclass(kw_only=True)
class DownloadTask(Model):
    task_id: str = ""


@dataclass(kw_only=True)
class DownloadTaskStatus(Model):
    task_id: str = ""
    status: int = 0  # 0 initialised, 1 running, 2 success, 3 failed
    download_url: str = ""
    expire_at: int = 0


# ---- merchant funds (§2.4) -----------------------------------------------------------------


@dataclass(kw_only=True)
class BalanceAvailable(Model):
    amount: Decimal = Decimal(0)
    currency_code: str = "CNY"


@dataclass(kw_only=True)
class BizBalance(Model):
    balance_available: BalanceAvailable = field(default_factory=BalanceAvailable)


@dataclass(kw_only=True)
class WithdrawCreated(Model):
    withdraw_no: str = ""
    wx_withdraw_no: str = ""


@dataclass(kw_only=True)
class Withdraw(Model):
    withdraw_no: str = ""
    status: int = 0  # 1 in progress, 2 succeeded, 3 failed
    withdraw_amount: Decimal = Decimal(0)
    wx_withdraw_no: str = ""
    withdraw_success_timestamp: str = ""
    create_time: str = ""
    fail_reason: str = ""


# ---- items (§2.5) --------------------------------------------------------------------------


@dataclass(kw_only=True)
class UploadItem(Model):
    id: str = ""
    name: str = ""
    price: int = 0
    remark: str = ""
    item_url: str = ""
    upload_status: int = 0
    errmsg: str = ""


@dataclass(kw_only=True)
class UploadStatus(Model):
    upload_item: list[UploadItem] = field(default_factory=list)
    status: int = 0


@dataclass(kw_only=True)
class PublishItem(Model):
    id: str = ""
    publish_status: int = 0
    errmsg: str = ""


@dataclass(kw_only=True)
class PublishStatus(Model):
    publish_item: list[PublishItem] = field(default_factory=list)
    status: int = 0


# ---- complaints (§2.7) ---------------------------------------------------------------------


@dataclass(kw_only=True)
class ComplaintOrder(Model):
    transaction_id: str = ""
    out_trade_no: str = ""
    amount: int = 0
    wxa_out_trade_no: str = ""
    wx_order_id: str = ""


@dataclass(kw_only=True)
class ComplaintMedia(Model):
    media_type: str = ""
    media_url: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Complaint(Model):
    complaint_id: str = ""
    complaint_time: str = ""
    complaint_detail: str = ""
    complaint_state: str = ""
    payer_phone: str = ""
    payer_openid: str = ""
    complaint_order_info: list[ComplaintOrder] = field(default_factory=list)
    complaint_full_refunded: bool = False
    incoming_user_response: bool = False
    user_complaint_times: int = 0
    complaint_media_list: list[ComplaintMedia] = field(default_factory=list)
    problem_description: str = ""
    problem_type: str = ""
    apply_refund_amount: int = 0
    user_tag_list: list[str] = field(default_factory=list)
    service_order_info: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complained_at(self) -> datetime | None:
        return datetime.fromisoformat(self.complaint_time) if self.complaint_time else None


@dataclass(kw_only=True)
class ComplaintList(Model):
    total: int = 0
    complaints: list[Complaint] = field(default_factory=list)


@dataclass(kw_only=True)
class ComplaintDetail(Model):
    complaint: Complaint = field(default_factory=Complaint)


@dataclass(kw_only=True)
class NegotiationEntry(Model):
    log_id: str = ""
    operator: str = ""
    operate_time: str = ""
    operate_type: str = ""
    operate_details: str = ""
    complaint_media_list: list[ComplaintMedia] = field(default_factory=list)


@dataclass(kw_only=True)
class NegotiationHistory(Model):
    total: int = 0
    history: list[NegotiationEntry] = field(default_factory=list)


@dataclass(kw_only=True)
class UploadedFile(Model):
    file_id: str = ""


@dataclass(kw_only=True)
class UploadFileSign(Model):
    sign: str = ""
    cos_url: str = ""


# ---- tokens (§4) ---------------------------------------------------------------------------


@dataclass(kw_only=True)
class AccessTokenAnswer(Model):
    access_token: str = ""
    expires_in: int = 0

    def __repr__(self) -> str:  # the token is a secret
        return f"AccessTokenAnswer(expires_in={self.expires_in})"
