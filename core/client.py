"""The async client for every /xpay/* endpoint (reference §2) over a caller-supplied
httpx.AsyncClient, so tests inject transports and the app shares one connection pool.

Retry policy: read-only calls retry transport errors, 5xx, -1 and rate limits a few times with the
same bytes. Mutating calls never retry after the request may have left: a timeout, reset or 5xx is
OutcomeUnknownError, and the caller resolves it with the same ids (core.operations).
Token errors (40001/40014/42001) are rejected before WeChat applies anything, so every call refreshes
the token once and repeats.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from core import validation as v
from core.endpoints import ENDPOINTS, Endpoint
from core.environment import AppKeys, Env
from core.errors import (
    TOKEN_ERRCODES,
    Handling,
    NetworkError,
    OutcomeUnknownError,
    ValidationError,
    XPayError,
    describe,
)
from core.models import (
    Balance,
    BillUrl,
    BizBalance,
    CancelCurrencyPayResult,
    ComplaintDetail,
    ComplaintList,
    CurrencyPayResult,
    DownloadTask,
    DownloadTaskStatus,
    Model,
    NegotiationHistory,
    Order,
    PresentCurrencyResult,
    PublishStatus,
    RefundStarted,
    ResponseFormatError,
    UploadedFile,
    UploadFileSign,
    UploadStatus,
    Withdraw,
    WithdrawCreated,
)
from core.secret import Secret
from core.signing import (
    calc_checksession_signature,
    calc_pay_sig,
    calc_user_signature,
    serialize_body,
)
from core.tokens import TokenSource

M = TypeVar("M", bound=Model)
JSON_HEADERS = {"Content-Type": "application/json"}
CHECKSESSION_PATH = "/wxa/checksession"


def _reveal(session_key: Secret | str) -> str:
    key = session_key.reveal() if isinstance(session_key, Secret) else session_key
    if not key:
        raise ValidationError("session_key", "不能为空", "must not be empty")
    return key


class XPayClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        tokens: TokenSource,
        app_keys: AppKeys,
        env: Env,
        api_base: str = "https://api.weixin.qq.com",
        bill_env: Env = Env.PRODUCTION,
        endpoints: Mapping[str, Endpoint] = ENDPOINTS,
        read_retries: int = 2,
        retry_backoff: float = 0.5,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self._keys = app_keys
        self.env = env
        self._base = api_base.rstrip("/")
        # download_bill has no env field; the production key is the reference's reading (§3.3)
        self._bill_env = bill_env
        self._endpoints = endpoints
        self._read_retries = read_retries
        self._retry_backoff = retry_backoff
        # how many mutating requests were handed to the network: a caller that sees it unchanged
        # after an error knows its request never left (core.operations ends such an intent)
        self.mutations_started = 0

    def __repr__(self) -> str:
        return f"XPayClient(env={self.env.name}, api_base={self._base!r})"

    def require_app_key(self) -> None:
        """ConfigError unless the AppKey of this client's env is configured: checked before a
        money-moving intent is written, so a missing key never strands one."""
        self._keys.for_env(self.env)

    # ---- the one request path ------------------------------------------------------------

    async def call(
        self, api: str, payload: Mapping[str, Any], *, session_key: Secret | str | None = None
    ) -> dict[str, Any]:
        """POST one signed request; returns the decoded answer (errcode 0 or a tolerated duplicate)."""
        spec = self._endpoints[api]
        if spec.has_env:
            payload = {**payload, "env": int(self.env)}
        body = serialize_body(payload)  # signed and sent as these exact bytes
        params: dict[str, str] = {}
        if spec.pay_sig:
            key_env = self.env if spec.has_env else self._bill_env
            params["pay_sig"] = calc_pay_sig(spec.path, body, self._keys.for_env(key_env))
        if spec.user_sig:
            if session_key is None:
                raise ValidationError(
                    "session_key",
                    f"{api} 需要用户的会话密钥",
                    f"{api} needs the user's session key",
                )
            params["signature"] = calc_user_signature(body, _reveal(session_key))
        return await self._send(spec, body, params)

    async def _send(self, spec: Endpoint, body: bytes, params: dict[str, str]) -> dict[str, Any]:
        attempt = 0
        token_refreshed = False
        while True:
            token = await self._tokens.get()
            failure: str | None = None
            data: dict[str, Any] | None = None
            if spec.mutating:
                self.mutations_started += 1
            try:
                response = await self._http.post(
                    self._base + spec.path,
                    params={"access_token": token, **params},
                    content=body,
                    headers=JSON_HEADERS,
                )
            except httpx.TransportError as exc:
                failure = _transport_reason(exc)
            else:
                data, failure = _decode(response)
            if failure is not None:
                if spec.mutating:
                    raise OutcomeUnknownError(spec.name, failure)
                if attempt < self._read_retries:
                    attempt += 1
                    await asyncio.sleep(self._retry_backoff * 2 ** (attempt - 1))
                    continue
                raise NetworkError(spec.name, failure)
            assert data is not None
            errcode = _errcode(spec.name, data)
            if errcode == 0:
                return data
            if errcode in TOKEN_ERRCODES and not token_refreshed:
                token_refreshed = True
                self._tokens.invalidate(token)
                continue
            handling = describe(errcode).handling
            if handling is Handling.SUCCESS_ON_DUPLICATE and spec.duplicate_is_success:
                return data
            if (
                handling is Handling.RETRYABLE
                and not spec.mutating
                and attempt < self._read_retries
            ):
                attempt += 1
                await asyncio.sleep(self._retry_backoff * 2 ** (attempt - 1))
                continue
            raise XPayError(spec.name, errcode, str(data.get("errmsg", "")))

    async def _model(
        self,
        cls: type[M],
        api: str,
        payload: Mapping[str, Any],
        *,
        session_key: Secret | str | None = None,
    ) -> M:
        data = await self.call(api, payload, session_key=session_key)
        return cls.from_response(api, data)

    # ---- user coins (§2.1) ---------------------------------------------------------------

    async def query_user_balance(
        self, openid: str, *, session_key: Secret | str, user_ip: str = "127.0.0.1"
    ) -> Balance:
        payload = {"openid": v.openid(openid), "user_ip": v.user_ip(user_ip)}
        return await self._model(Balance, "query_user_balance", payload, session_key=session_key)

    async def currency_pay(
        self,
        openid: str,
        amount: int,
        *,
        order_id: str,
        session_key: Secret | str,
        user_ip: str = "127.0.0.1",
        payitem: str | Sequence[Mapping[str, Any]] | None = None,
        remark: str = "",
        device_type: int | None = None,
    ) -> CurrencyPayResult:
        payload: dict[str, Any] = {
            "openid": v.openid(openid),
            "user_ip": v.user_ip(user_ip),
            "amount": v.positive_int("amount", amount),
            "order_id": v.order_id("order_id", order_id),
            "payitem": _payitem(payitem),
            "remark": v.text("remark", remark, minimum=0, maximum=256),
        }
        if device_type is not None:
            payload["device_type"] = v.positive_int("device_type", device_type, maximum=2)
        data = await self.call("currency_pay", payload, session_key=session_key)
        result = CurrencyPayResult.from_response("currency_pay", data)
        result.duplicate = _is_duplicate(data)
        result.order_id = result.order_id or order_id
        return result

    async def cancel_currency_pay(
        self,
        openid: str,
        amount: int,
        *,
        pay_order_id: str,
        order_id: str,
        session_key: Secret | str,
        user_ip: str = "127.0.0.1",
        device_type: int | None = None,
    ) -> CancelCurrencyPayResult:
        if pay_order_id == order_id:
            raise ValidationError(
                "order_id",
                "撤销扣减需要新的单号，不能与原扣减单号相同",
                "a cancellation needs a new order id, not the deduction's",
            )
        payload: dict[str, Any] = {
            "openid": v.openid(openid),
            "user_ip": v.user_ip(user_ip),
            "pay_order_id": v.order_id("pay_order_id", pay_order_id),
            "order_id": v.order_id("order_id", order_id),
            "amount": v.positive_int("amount", amount),
        }
        if device_type is not None:
            payload["device_type"] = v.positive_int("device_type", device_type, maximum=2)
        return await self._model(
            CancelCurrencyPayResult, "cancel_currency_pay", payload, session_key=session_key
        )

    async def present_currency(
        self, openid: str, amount: int, *, order_id: str, device_type: int | None = None
    ) -> PresentCurrencyResult:
        payload: dict[str, Any] = {
            "openid": v.openid(openid),
            "order_id": v.order_id("order_id", order_id),
            "amount": v.positive_int("amount", amount),
        }
        if device_type is not None:
            payload["device_type"] = v.positive_int("device_type", device_type, maximum=2)
        data = await self.call("present_currency", payload)
        result = PresentCurrencyResult.from_response("present_currency", data)
        result.duplicate = _is_duplicate(data)
        result.order_id = result.order_id or order_id
        return result

    # ---- cash orders (§2.2) --------------------------------------------------------------

    async def query_order(
        self, openid: str, *, order_id: str | None = None, wx_order_id: str | None = None
    ) -> Order:
        payload = {"openid": v.openid(openid), **v.exactly_one_order_ref(order_id, wx_order_id)}
        data = await self.call("query_order", payload)
        order = data.get("order")
        if not isinstance(order, Mapping):
            raise ResponseFormatError("query_order", "no 'order' object")
        return Order.from_response("query_order", order)

    async def refund_order(
        self,
        openid: str,
        *,
        refund_order_id: str,
        left_fee: int,
        refund_fee: int,
        order_id: str | None = None,
        wx_order_id: str | None = None,
        refund_reason: str | int = "0",
        req_from: str | int = "1",
        biz_meta: str = "",
    ) -> RefundStarted:
        fee, left = v.refund_fee(refund_fee, left_fee)
        payload = {
            "openid": v.openid(openid),
            **v.exactly_one_order_ref(order_id, wx_order_id),
            "refund_order_id": v.order_id("refund_order_id", refund_order_id),
            "left_fee": left,
            "refund_fee": fee,
            "biz_meta": v.biz_meta(biz_meta),
            "refund_reason": v.choice("refund_reason", refund_reason, v.REFUND_REASONS),
            "req_from": v.choice("req_from", req_from, v.REQ_FROM),
        }
        return await self._model(RefundStarted, "refund_order", payload)

    async def notify_provide_goods(
        self, *, order_id: str | None = None, wx_order_id: str | None = None
    ) -> None:
        await self.call("notify_provide_goods", v.exactly_one_order_ref(order_id, wx_order_id))

    # ---- bills and exports (§2.3) --------------------------------------------------------

    async def download_bill(self, begin_ds: int | str | date, end_ds: int | str | date) -> BillUrl:
        begin, end = v.day("begin_ds", begin_ds), v.day("end_ds", end_ds)
        if begin > end:
            raise ValidationError("end_ds", "不能早于 begin_ds", "must not be before begin_ds")
        return await self._model(BillUrl, "download_bill", {"begin_ds": begin, "end_ds": end})

    async def start_download_order(
        self,
        begin_ds: int | str | date,
        end_ds: int | str | date,
        *,
        order_type: int,
        order_info: str = "",
        is_provided: bool = True,
        refund_status: int = 0,
        pay_channel: int = 1,
    ) -> DownloadTask:
        begin, end = v.day("begin_ds", begin_ds), v.day("end_ds", end_ds)
        v.choice("order_type", order_type, {"1": "代币", "2": "道具直购", "3": "订阅", "4": "退款"})
        payload: dict[str, Any] = {
            "begin_ds": begin,
            "end_ds": end,
            "order_type": order_type,
            "pay_channel": pay_channel,
        }
        if order_info:
            payload["order_info"] = order_info
        if order_type in (2, 3):
            payload["is_provided"] = is_provided
        if order_type == 4:
            payload["refund_status"] = refund_status
        return await self._model(DownloadTask, "start_download_order", payload)

    async def query_download_order(self, task_id: str) -> DownloadTaskStatus:
        payload = {"task_id": v.text("task_id", task_id, maximum=128)}
        return await self._model(DownloadTaskStatus, "query_download_order", payload)

    # ---- merchant funds (§2.4) -----------------------------------------------------------

    async def query_biz_balance(self) -> BizBalance:
        return await self._model(BizBalance, "query_biz_balance", {})

    async def create_withdraw_order(
        self, withdraw_no: str, withdraw_amount: Decimal | None = None
    ) -> WithdrawCreated:
        payload: dict[str, Any] = {"withdraw_no": v.order_id("withdraw_no", withdraw_no)}
        if withdraw_amount is not None:  # absent means "withdraw everything"
            if withdraw_amount <= 0 or withdraw_amount != withdraw_amount.quantize(Decimal("0.01")):
                raise ValidationError(
                    "withdraw_amount",
                    "须为正数，最多两位小数（元）",
                    "must be positive yuan with at most two decimals",
                )
            payload["withdraw_amount"] = str(withdraw_amount.quantize(Decimal("0.01")))
        return await self._model(WithdrawCreated, "create_withdraw_order", payload)

    async def query_withdraw_order(self, withdraw_no: str) -> Withdraw:
        payload = {"withdraw_no": v.order_id("withdraw_no", withdraw_no)}
        return await self._model(Withdraw, "query_withdraw_order", payload)

    # ---- items (§2.5) --------------------------------------------------------------------

    async def start_upload_goods(
        self, *, id: str, name: str, price: int, remark: str, item_url: str
    ) -> None:
        item = {
            "id": v.item_id(id),
            "name": v.text("name", name, maximum=20),
            "price": v.positive_int("price", price),
            "remark": v.text("remark", remark, maximum=1024),
            "item_url": v.text("item_url", item_url, maximum=2048),
        }
        await self.call("start_upload_goods", {"upload_item": [item]})

    async def query_upload_goods(self) -> UploadStatus:
        return await self._model(UploadStatus, "query_upload_goods", {})

    async def start_publish_goods(self, item_id: str) -> None:
        await self.call("start_publish_goods", {"publish_item": [{"id": v.item_id(item_id)}]})

    async def query_publish_goods(self) -> PublishStatus:
        return await self._model(PublishStatus, "query_publish_goods", {})

    # ---- complaints (§2.7) ---------------------------------------------------------------

    async def get_complaint_list(
        self, begin_date: date, end_date: date, *, offset: int = 0, limit: int = 100
    ) -> ComplaintList:
        payload = {
            "begin_date": begin_date.isoformat(),
            "end_date": end_date.isoformat(),
            "offset": v.non_negative_int("offset", offset),
            "limit": v.positive_int("limit", limit, maximum=1000),
        }
        return await self._model(ComplaintList, "get_complaint_list", payload)

    async def get_complaint_detail(self, complaint_id: str) -> ComplaintDetail:
        payload = {"complaint_id": v.text("complaint_id", complaint_id, maximum=64)}
        return await self._model(ComplaintDetail, "get_complaint_detail", payload)

    async def get_negotiation_history(
        self, complaint_id: str, *, offset: int = 0, limit: int = 100
    ) -> NegotiationHistory:
        payload = {
            "complaint_id": v.text("complaint_id", complaint_id, maximum=64),
            "offset": v.non_negative_int("offset", offset),
            "limit": v.positive_int("limit", limit, maximum=1000),
        }
        return await self._model(NegotiationHistory, "get_negotiation_history", payload)

    async def response_complaint(
        self, complaint_id: str, response_content: str, *, response_images: Sequence[str] = ()
    ) -> None:
        payload = {
            "complaint_id": v.text("complaint_id", complaint_id, maximum=64),
            "response_content": v.text("response_content", response_content, maximum=200),
            "response_images": list(response_images),
        }
        await self.call("response_complaint", payload)

    async def complete_complaint(self, complaint_id: str) -> None:
        await self.call(
            "complete_complaint", {"complaint_id": v.text("complaint_id", complaint_id, maximum=64)}
        )

    async def upload_vp_file(
        self, *, file_name: str, base64_img: str | None = None, img_url: str | None = None
    ) -> UploadedFile:
        if (base64_img is None) == (img_url is None):
            raise ValidationError(
                "base64_img / img_url", "必须且只能填写其中一个", "give exactly one of the two"
            )
        payload: dict[str, Any] = {"file_name": v.text("file_name", file_name, maximum=128)}
        if base64_img is not None:
            if len(base64_img) * 3 // 4 > 1024 * 1024:
                raise ValidationError(
                    "base64_img", "图片不能超过 1 MB", "image must be at most 1 MB"
                )
            payload["base64_img"] = base64_img
        else:
            payload["img_url"] = img_url
        return await self._model(UploadedFile, "upload_vp_file", payload)

    async def get_upload_file_sign(
        self, wxpay_url: str, complaint_id: str, *, convert_cos: bool = False
    ) -> UploadFileSign:
        payload = {
            "wxpay_url": v.text("wxpay_url", wxpay_url, maximum=2048),
            "convert_cos": convert_cos,
            "complaint_id": v.text("complaint_id", complaint_id, maximum=64),
        }
        return await self._model(UploadFileSign, "get_upload_file_sign", payload)

    # ---- session keys (§4.5) -------------------------------------------------------------

    async def check_session(self, openid: str, *, session_key: Secret | str) -> bool:
        """True when WeChat still accepts the session key, False on 87009 (stale)."""
        params = {
            "openid": v.openid(openid),
            "sig_method": "hmac_sha256",
            "signature": calc_checksession_signature(_reveal(session_key)),
        }
        token_refreshed = False
        while True:
            token = await self._tokens.get()
            try:
                response = await self._http.get(
                    self._base + CHECKSESSION_PATH, params={"access_token": token, **params}
                )
            except httpx.TransportError as exc:
                raise NetworkError("checksession", _transport_reason(exc)) from None
            data, failure = _decode(response)
            if failure is not None or data is None:
                raise NetworkError("checksession", failure or "no answer")
            errcode = _errcode("checksession", data)
            if errcode in TOKEN_ERRCODES and not token_refreshed:
                token_refreshed = True
                self._tokens.invalidate(token)
                continue
            if errcode == 87009:
                return False
            if errcode:
                raise XPayError("checksession", errcode, str(data.get("errmsg", "")))
            return True


def _payitem(payitem: str | Sequence[Mapping[str, Any]] | None) -> str:
    """payitem is a JSON *string* inside the JSON body (reference §3.5)."""
    if payitem is None:
        return ""
    if isinstance(payitem, str):
        try:
            json.loads(payitem)
        except ValueError:
            raise ValidationError("payitem", "须为 JSON 字符串", "must be a JSON string") from None
        return payitem
    return json.dumps(list(payitem), separators=(",", ":"), ensure_ascii=False)


def _is_duplicate(data: Mapping[str, Any]) -> bool:
    return int(data.get("errcode") or 0) == 268490004


def _transport_reason(exc: httpx.TransportError) -> str:
    # the exception text may carry the URL with access_token in it: only the class name leaves
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    return type(exc).__name__


def _decode(response: httpx.Response) -> tuple[dict[str, Any] | None, str | None]:
    if response.status_code >= 500:
        return None, f"HTTP {response.status_code}"
    try:
        data = response.json()
    except ValueError:
        return None, f"HTTP {response.status_code}, answer is not JSON"
    if not isinstance(data, dict):
        return None, "answer is not a JSON object"
    return data, None


def _errcode(api: str, data: Mapping[str, Any]) -> int:
    raw = data.get("errcode", 0)  # a missing errcode means success (reference §1.2)
    try:
        return int(raw or 0)
    except (TypeError, ValueError):
        raise ResponseFormatError(api, f"errcode {raw!r}") from None
