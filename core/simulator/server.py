"""The simulated WeChat server on loopback HTTP: /cgi-bin/stable_token, /wxa/checksession, every
/xpay/* API of the client, files for bills and exports, and a small admin API under /sim/admin.

Checks run in WeChat's order: access_token, body, env, pay_sig (key by env), user signature
(current session key), fields, then the business rules in SimState.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import gzip
import hashlib
import hmac
import io
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from core.beijing import beijing_today, yyyymmdd
from core.simulator import pushes, schema
from core.simulator.config import SimConfig
from core.simulator.faults import Fault, FaultPlan
from core.simulator.state import Push, SimError, SimState, complaint_order_info

SHANGHAI = ZoneInfo("Asia/Shanghai")
USER_STATE_APIS = frozenset({"query_user_balance", "currency_pay", "cancel_currency_pay"})
NO_ENV_APIS = schema.NO_ENV_APIS
# the largest body read: a 1 MB complaint image in base64 is ~1.4 MB (reference §2.7)
MAX_BODY = 4 * 1024 * 1024
SYSTEM_ERROR = {"errcode": -1, "errmsg": "system error"}
log = logging.getLogger(__name__)
BILL_COLUMNS = [
    "交易时间",
    "商户订单号",
    "微信订单号",
    "微信支付单号",
    "用户openid",
    "交易类型",
    "道具ID",
    "数量",
    "订单金额(元)",
    "退款金额(元)",
    "手续费(元)",
    "交易状态",
    "关联订单号",
    "环境",
]


class _Dropped(Exception):
    """The fault says: answer nothing."""


class _BadFraming(Exception):
    """The request's body cannot be read as sent (Content-Length); answered, then closed."""


def _reject_constant(name: str) -> Any:
    raise SimError(268490002, f"请求参数字段错误：{name} 不是合法的 JSON 数值 ({name} is not JSON)")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """object_pairs_hook: a key given twice is refused, never "last one wins"."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise SimError(
                268490002, f"请求参数字段错误：字段 {key} 重复 (field {key} given more than once)"
            )
        seen[key] = value
    return seen


def _json_content_type(values: list[str]) -> bool:
    """Exactly one Content-Type, application/json, with no charset or charset=utf-8."""
    if len(values) != 1:
        return False
    media, *params = (part.strip() for part in values[0].split(";"))
    if media.lower() != "application/json":
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return False
    return True


def _body_length(h: BaseHTTPRequestHandler) -> int:
    values = h.headers.get_all("Content-Length") or []
    if h.headers.get("Transfer-Encoding"):
        raise _BadFraming("Transfer-Encoding 不受支持，请带 Content-Length")
    if not values:
        return 0
    if len(values) > 1 or not values[0].strip().isdigit():
        raise _BadFraming("Content-Length 不合法")
    length = int(values[0])
    if length > MAX_BODY:
        raise _BadFraming(f"body 超过 {MAX_BODY} 字节")
    return length


def _single_token(lists: dict[str, list[str]]) -> None:
    if len(lists.get("access_token", [])) > 1:
        raise SimError(
            40001,
            "invalid credential, access_token is invalid or not latest "
            "(access_token given more than once)",
        )


def _hmac(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _fen(yuan: str) -> int:
    try:
        amount = Decimal(yuan) * 100
    except InvalidOperation:
        raise SimError(268490002, "withdraw_amount 须为元，例如 0.01") from None
    if amount != amount.to_integral_value() or amount <= 0:
        raise SimError(268490002, "withdraw_amount 最多两位小数且大于 0")
    return int(amount)


def _day_start(ds: int) -> int:
    day = datetime.strptime(str(ds), "%Y%m%d").replace(tzinfo=SHANGHAI)
    return int(day.timestamp())


class Simulator:
    """Start with `with Simulator() as sim:`; `sim.url` is the api_base for a profile."""

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        state_path: Path | None = None,
        seed: int | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or SimConfig()
        self.state = SimState(self.config, path=state_path, seed=seed, clock=clock)
        self.faults = FaultPlan(self.state.rng)
        self.delivered: list[pushes.WirePush] = []
        self.requests = 0
        self._push_lock = threading.Lock()
        self._stop = threading.Event()
        self._files: dict[str, tuple[bytes, str]] = {}
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __repr__(self) -> str:
        return f"Simulator(url={self.url!r})"

    def start(self) -> Simulator:
        serve = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="xpay-simulator",
            daemon=True,
        )
        ticker = threading.Thread(target=self._tick_loop, name="xpay-simulator-tick", daemon=True)
        self._threads = [serve, ticker]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.state.close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _tick_loop(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self.state.tick()
                self.flush_pushes()
            except Exception:
                if self._stop.is_set():
                    return
                raise

    def flush_pushes(self) -> list[pushes.WirePush]:
        with self._push_lock:
            done = []
            for push in self.state.take_pushes():
                wire = pushes.build(push, self.config, self.state.rng)
                done.append(pushes.deliver(wire, self.config.push, len(self.delivered) + 1))
                self.delivered.append(done[-1])
            return done

    # ---- simulated users' activity (Python API; the admin API calls these too) -----------

    def add_user(self, openid: str, *, session_key: str | None = None) -> str:
        return self.state.add_user(openid, session_key=session_key)

    def user_pays(
        self,
        openid: str,
        *,
        kind: str = "coin",
        coins: int = 600,
        fee: int | None = None,
        product_id: str = "",
        env: int = 1,
        order_id: str | None = None,
    ) -> dict[str, Any]:
        """A user buys coins or an item in the mini program; returns the paid order."""
        for name, value in (("coins", coins), ("fee", fee)):
            if value is not None and (type(value) is not int or not 0 < value <= schema.INT32_MAX):
                raise ValueError(f"{name} must be an integer in 1..{schema.INT32_MAX}")
        if self.state.session_key_state(openid)[0] is None:
            self.add_user(openid)
        price = fee if fee is not None else coins  # 100 coins per yuan: 1 coin = 1 fen
        order = self.state.create_order(
            openid=openid,
            env=env,
            kind=kind,
            order_fee=price,
            quantity=coins if kind == "coin" else 1,
            product_id=product_id or ("coin" if kind == "coin" else "item_demo"),
            order_id=order_id,
        )
        paid = self.state.pay_order(order["order_id"])
        self.flush_pushes()
        return paid

    def finish_refunds(self) -> int:
        count = self.state.tick()
        self.flush_pushes()
        return count

    def add_complaint(self, openid: str, order_id: str, *, detail: str = "没有收到代币") -> str:
        order = self.state.order_row(order_id)
        if order is None:
            raise KeyError(order_id)
        complaint_id = f"2000{self.state.rng.randrange(10**14):014d}"
        when = datetime.fromtimestamp(self.state.now(), SHANGHAI).isoformat(timespec="seconds")
        self.state.add_complaint(
            {
                "complaint_id": complaint_id,
                "complaint_time": when,
                "complaint_detail": detail,
                "complaint_state": "PENDING",
                "payer_phone": "",
                "payer_openid": openid,
                "complaint_order_info": complaint_order_info(order),
                "complaint_full_refunded": False,
                "incoming_user_response": False,
                "user_complaint_times": 1,
                "complaint_media_list": [],
                "problem_description": detail,
                "problem_type": "REFUND",
                "apply_refund_amount": order["paid_fee"],
                "user_tag_list": [],
                "service_order_info": [],
            }
        )
        self.state.pending_pushes.append(
            Push(
                "xpay_complaint_notify",
                {
                    "OpenId": openid,
                    "WxOrderId": order["wx_order_id"],
                    "MchOrderId": order_id,
                    "ComplaintTime": int(self.state.now()),
                    "RetryTimes": 0,
                    "RequestId": f"req{complaint_id}",
                    "TransactionId": order["wxpay_order_id"],
                    "ComplaintId": complaint_id,
                    "ComplaintDetail": detail,
                },
                self.state.now(),
            )
        )
        self.flush_pushes()
        return complaint_id

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward: session keys age, refunds come due."""
        self.state.offset += seconds
        self.finish_refunds()

    # ---- request handling ------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "xpay-simulator"
            # headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and
            # the client's delayed ACK add ~40 ms to every answer
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                sim._handle(self, "GET")

            def do_POST(self) -> None:
                sim._handle(self, "POST")

            def do_DELETE(self) -> None:
                sim._handle(self, "DELETE")

        return Handler

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        """Every request gets an answer: odd input a WeChat-shaped error, a bug in the simulator
        `{"errcode": -1, "errmsg": "system error"}` (logged), never a silently closed connection."""
        self.requests += 1
        url = urlsplit(h.path)
        try:
            lists = parse_qs(url.query, keep_blank_values=True)
            length = _body_length(h)
            body = h.rfile.read(length) if length else b""
            if url.path.startswith("/xpay/") and method == "POST":
                self._xpay(h, url.path[len("/xpay/") :], lists, body)
            elif url.path == "/cgi-bin/stable_token" and method == "POST":
                self._stable_token(h, body)
            elif url.path == "/cgi-bin/token":
                # never used by XPay Desk: it would invalidate the production backend's token
                self._json(h, {"errcode": 48001, "errmsg": "use /cgi-bin/stable_token"})
            elif url.path == "/wxa/checksession" and method == "GET":
                self._checksession(h, lists)
            elif url.path.startswith("/sim/files/") and method == "GET":
                self._file(h, url.path.rsplit("/", 1)[-1])
            elif url.path.startswith("/sim/admin/"):
                self._admin(h, method, url.path[len("/sim/admin/") :], body)
            else:
                self._json(h, {"errcode": 404, "errmsg": "no such path"}, status=404)
        except _Dropped:
            return
        except (BrokenPipeError, ConnectionResetError):
            return
        except _BadFraming as exc:
            # the unread body would be taken for the next request: answer, then close
            h.close_connection = True
            message = f"请求参数字段错误：{exc} (the request body cannot be read)"
            self._answer_anyway(h, {"errcode": 268490002, "errmsg": message}, status=400)
        except Exception:
            # the path only: the query carries access_token and signatures
            log.exception("simulator: internal error on %s %s", method, url.path)
            h.close_connection = True
            self._answer_anyway(h, SYSTEM_ERROR)

    def _answer_anyway(
        self, h: BaseHTTPRequestHandler, data: dict[str, Any], *, status: int = 200
    ) -> None:
        with contextlib.suppress(OSError):  # the peer is gone
            self._json(h, data, status=status)

    def _json(self, h: BaseHTTPRequestHandler, data: dict[str, Any], *, status: int = 200) -> None:
        payload = json.dumps(data, ensure_ascii=False).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)

    def _reset(self, h: BaseHTTPRequestHandler) -> None:
        # SO_LINGER 0: close with RST, as a broken middlebox would
        sock: socket.socket = h.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        sock.close()
        raise _Dropped

    def _hold(self, h: BaseHTTPRequestHandler, seconds: float) -> None:
        self._stop.wait(seconds or 30.0)
        h.close_connection = True
        raise _Dropped

    def _apply_fault_before(self, h: BaseHTTPRequestHandler, fault: Fault | None) -> bool:
        """Answers the faults that stop the request before WeChat applies it; True = continue."""
        if fault is None:
            return True
        kind = fault.kind
        if kind == "latency":
            self._stop.wait(fault.delay)
            return True
        if kind == "timeout":
            self._hold(h, fault.delay)
        if kind == "reset":
            self._reset(h)
        if kind == "http_5xx":
            page = b"<html><body>502 Bad Gateway</body></html>"
            h.send_response(fault.status)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(page)))
            h.end_headers()
            h.wfile.write(page)
            return False
        answers = {
            "errcode_-1": (-1, "system error"),
            "rate_limit": (268490015, "频率限制"),
            "token_expired": (42001, "access_token expired"),
        }
        if kind in answers:
            code, msg = answers[kind]
            self._json(h, {"errcode": code, "errmsg": msg})
            return False
        return True  # lost_response: applied first, dropped after

    def _stable_token(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        try:
            data = json.loads(body)
            if data.get("grant_type") != "client_credential":
                raise SimError(40002, "invalid grant_type")
            self._json(
                h,
                self.state.stable_token(
                    str(data.get("appid", "")),
                    str(data.get("secret", "")),
                    bool(data.get("force_refresh", False)),
                ),
            )
        except (ValueError, AttributeError):
            self._json(h, {"errcode": 47001, "errmsg": "data format error"})
        except SimError as exc:
            self._json(h, {"errcode": exc.errcode, "errmsg": exc.errmsg})

    def _checksession(self, h: BaseHTTPRequestHandler, lists: dict[str, list[str]]) -> None:
        query = {k: v[-1] for k, v in lists.items()}
        try:
            _single_token(lists)
            if len(lists.get("signature", [])) > 1 or len(lists.get("openid", [])) > 1:
                raise SimError(87009, "invalid signature (signature or openid given twice)")
            self.state.check_token(query.get("access_token"))
            key, alive, _old = self.state.session_key_state(query.get("openid", ""))
            if query.get("sig_method") != "hmac_sha256":
                raise SimError(87009, "invalid sig_method")
            given = query.get("signature", "")
            if key is None or not alive or not hmac.compare_digest(_hmac(key, b""), given):
                raise SimError(87009, "invalid signature")
            self._json(h, {"errcode": 0, "errmsg": "ok"})
        except SimError as exc:
            self._json(h, {"errcode": exc.errcode, "errmsg": exc.errmsg})

    def _xpay(
        self, h: BaseHTTPRequestHandler, api: str, lists: dict[str, list[str]], raw: bytes
    ) -> None:
        if api not in schema.SCHEMAS:
            self._json(h, {"errcode": 404, "errmsg": f"unknown api {api}"}, status=404)
            return
        fault = self.faults.pick(api)
        if not self._apply_fault_before(h, fault):
            return
        query = {k: v[-1] for k, v in lists.items()}
        try:
            _single_token(lists)
            self.state.check_token(query.get("access_token"))
            for name in ("pay_sig", "signature"):
                if len(lists.get(name, [])) > 1:
                    # never "last one wins": which one would WeChat have checked?
                    raise SimError(268490003, f"签名字段[{name}]重复 ({name} given more than once)")
            if not _json_content_type(h.headers.get_all("Content-Type") or []):
                raise SimError(
                    268490002,
                    "请求参数字段错误：Content-Type 须为 application/json (UTF-8) "
                    "(Content-Type must be application/json)",
                )
            body = self._verified_body(api, query, raw)
            answer = self._dispatch(api, body)
            result = {"errcode": 0, "errmsg": "ok", **answer}
        except SimError as exc:
            result = {"errcode": exc.errcode, "errmsg": exc.errmsg}
        self.flush_pushes()
        if fault is not None and fault.kind == "lost_response":
            if fault.delay:
                self._hold(h, fault.delay)
            self._reset(h)
        self._json(h, result)

    def _verified_body(self, api: str, query: dict[str, str], raw: bytes) -> dict[str, Any]:
        try:
            body = json.loads(
                raw.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_reject_constant
            )
        except (UnicodeDecodeError, ValueError):
            raise SimError(268490002, "请求参数字段错误：body 不是合法的 JSON") from None
        except RecursionError:
            raise SimError(268490002, "请求参数字段错误：body 嵌套过深 (nested too deep)") from None
        if not isinstance(body, dict):
            raise SimError(268490002, "请求参数字段错误：body 必须是 JSON 对象")
        env = 0
        if api not in NO_ENV_APIS:
            given_env = body.get("env")
            if type(given_env) is not int or given_env not in (0, 1):  # not 1.0, not true
                raise SimError(268490002, "请求参数字段错误：env 须为 0 或 1 (env must be 0 or 1)")
            env = int(given_env)
        pay_sig = query.get("pay_sig")
        if not pay_sig:
            raise SimError(268490003, "签名字段[pay_sig]为空")
        key = self.config.sandbox_app_key if env == 1 else self.config.app_key
        expected = _hmac(key, f"/xpay/{api}".encode() + b"&" + raw)
        if not hmac.compare_digest(expected, pay_sig):
            raise SimError(268490003, "支付签名(pay_sig)校验失败")
        if api in USER_STATE_APIS:
            self._check_user_signature(body, query.get("signature"), raw)
        schema.check(api, body)
        return body

    def _check_user_signature(self, body: dict[str, Any], given: str | None, raw: bytes) -> None:
        if not given:
            raise SimError(268490003, "签名字段[signature]为空")
        key, alive, old_keys = self.state.session_key_state(str(body.get("openid", "")))
        if key is None:
            raise SimError(268490001, "openid错误")
        if hmac.compare_digest(_hmac(key, raw), given):
            if not alive:
                raise SimError(268490009, "用户session_key不存在或已过期，请重新登录")
            return
        if any(hmac.compare_digest(_hmac(old, raw), given) for old in old_keys):
            raise SimError(268490009, "用户session_key不存在或已过期，请重新登录")
        raise SimError(268490003, "用户态签名(signature)校验失败")

    def _dispatch(self, api: str, b: dict[str, Any]) -> dict[str, Any]:
        env = int(b.get("env", 0))
        st = self.state
        if api == "query_user_balance":
            return st.query_user_balance(env, b["openid"])
        if api == "currency_pay":
            return st.currency_pay(env, b["openid"], b["amount"], b["order_id"])
        if api == "cancel_currency_pay":
            return st.cancel_currency_pay(
                env, b["openid"], b["pay_order_id"], b["order_id"], b["amount"]
            )
        if api == "present_currency":
            return st.present_currency(env, b["openid"], b["amount"], b["order_id"])
        if api == "query_order":
            return st.query_order(env, b["openid"], b.get("order_id"), b.get("wx_order_id"))
        if api == "refund_order":
            return st.refund_order(env, b)
        if api == "notify_provide_goods":
            st.notify_provide_goods(env, b.get("order_id"), b.get("wx_order_id"))
            return {}
        if api == "download_bill":
            return self._download_bill(b["begin_ds"], b["end_ds"])
        if api == "start_download_order":
            return self._start_export(b)
        if api == "query_download_order":
            return self._query_export(b["task_id"])
        if api == "query_biz_balance":
            return {
                "balance_available": {"amount": _yuan(st.biz_balance_fen()), "currency_code": "CNY"}
            }
        if api == "create_withdraw_order":
            amount = b.get("withdraw_amount")
            fen = None if amount is None else _fen(amount)
            return st.create_withdraw(b["withdraw_no"], fen)
        if api == "query_withdraw_order":
            return st.query_withdraw(b["withdraw_no"])
        if api == "start_upload_goods":
            st.upload_goods(b["upload_item"][0])
            return {}
        if api == "query_upload_goods":
            items = [
                {
                    "id": g["id"],
                    "name": g["name"],
                    "price": g["price"],
                    "remark": g["remark"],
                    "item_url": g["item_url"],
                    "upload_status": 2,
                    "errmsg": "",
                }
                for g in st.goods()
            ]
            return {"upload_item": items, "status": 3 if items else 0}
        if api == "start_publish_goods":
            st.publish_goods(b["publish_item"][0]["id"])
            return {}
        if api == "query_publish_goods":
            items = [
                {"id": g["id"], "publish_status": 2, "errmsg": ""}
                for g in st.goods()
                if g["published"]
            ]
            return {"publish_item": items, "status": 3 if items else 0}
        return self._complaints(api, b)

    def _complaints(self, api: str, b: dict[str, Any]) -> dict[str, Any]:
        st = self.state
        if api == "get_complaint_list":
            found = [
                c
                for c in st.complaints()
                if b["begin_date"] <= c["complaint_time"][:10] <= b["end_date"]
            ]
            return {
                "total": len(found),
                "complaints": found[b["offset"] : b["offset"] + b["limit"]],
            }
        if api == "get_complaint_detail":
            return {"complaint": st.complaint(b["complaint_id"])[0]}
        if api == "get_negotiation_history":
            history = st.complaint(b["complaint_id"])[1]
            return {
                "total": len(history),
                "history": history[b["offset"] : b["offset"] + b["limit"]],
            }
        if api == "response_complaint":
            body, _history = st.complaint(b["complaint_id"])
            if body["complaint_state"] == "PROCESSED":
                raise SimError(268490002, "投诉已处理完成")
            images = b.get("response_images") or []
            for file_id in images:
                if not isinstance(file_id, str) or f"upload-{file_id}" not in self._files:
                    raise SimError(268490002, f"file_id {file_id} 不存在")
            st.update_complaint(
                b["complaint_id"],
                state="PROCESSING",
                entry={
                    "operator": "merchant",
                    "operate_type": "MERCHANT_RESPONSE",
                    "operate_details": b["response_content"],
                    "complaint_media_list": [
                        {"media_type": "OPERATION_IMAGE", "media_url": [_media_url(f)]}
                        for f in images
                    ],
                },
            )
            return {}
        if api == "complete_complaint":
            st.update_complaint(
                b["complaint_id"],
                state="PROCESSED",
                entry={
                    "operator": "merchant",
                    "operate_type": "MERCHANT_CONFIRM_COMPLETE",
                    "operate_details": "",
                    "complaint_media_list": [],
                },
            )
            return {}
        if api == "upload_vp_file":
            if ("base64_img" in b) == ("img_url" in b):
                raise SimError(268490002, "base64_img 与 img_url 须且只能填一个")
            file_id = f"file{st.rng.randrange(10**12):012d}"
            if "base64_img" in b:
                try:
                    data = base64.b64decode(b["base64_img"], validate=True)
                except ValueError:
                    raise SimError(268490002, "base64_img 不是有效的 base64") from None
                if len(data) > 1024 * 1024:
                    raise SimError(268490002, "图片超过 1 MB")
                self._files[f"upload-{file_id}"] = (data, _image_type(data))
            else:
                self._files[f"upload-{file_id}"] = (b"", "application/octet-stream")
            return {"file_id": file_id}
        if api == "get_upload_file_sign":
            st.complaint(b["complaint_id"])
            name = b["wxpay_url"].rsplit("/", 1)[-1]
            cos = ""
            if b.get("convert_cos"):
                if f"upload-{name}" not in self._files:  # a user's evidence: a placeholder image
                    self._files[f"upload-{name}"] = (_placeholder_png(name), "image/png")
                cos = f"{self.url}/sim/files/upload-{name}"
            return {"sign": "WECHATPAY2-SHA256-RSA2048 simulated", "cos_url": cos}
        raise SimError(268490002, f"unsupported api {api}")

    # ---- bills and exports (§2.3) -----------------------------------------------------------

    def _download_bill(self, begin_ds: int, end_ds: int) -> dict[str, Any]:
        if begin_ds > end_ds:
            raise SimError(268490002, "begin_ds 不能晚于 end_ds")
        today = yyyymmdd(beijing_today(self.state.now()))
        if end_ds >= today:
            # a day's bill exists once that Beijing day is over (the errcode is the reference's
            # generic parameter error: WeChat's own for this case is not documented)
            raise SimError(
                268490002,
                f"end_ds {end_ds} 尚未结束（北京时间今天是 {today}），只能下载已结束日期的账单",
            )
        polls, _ = self.state.poll_task(f"bill-{begin_ds}-{end_ds}", "bill", {})
        if polls < self.config.bill_polls:
            raise SimError(268490011, "数据生成中，请稍后调用本接口获取")
        name = f"bill_{begin_ds}_{end_ds}.csv.gz"
        self._files[name] = (self._bill_file(begin_ds, end_ds), "application/gzip")
        return {"url": f"{self.url}/sim/files/{name}"}

    def _bill_file(self, begin_ds: int, end_ds: int, *, order_type: int | None = None) -> bytes:
        """Format undocumented by WeChat: GBK CSV, gzip-compressed, the usual WeChat Pay style."""
        start = _day_start(begin_ds)
        end = int(
            (datetime.fromtimestamp(_day_start(end_ds), SHANGHAI) + timedelta(days=1)).timestamp()
        )
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(BILL_COLUMNS)
        for row in self.state.orders_between(start, end, order_type=order_type):
            refund = row["order_type"] == 1
            when = datetime.fromtimestamp(row["paid_time"], SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
            writer.writerow(
                [
                    when,
                    row["order_id"],
                    row["wx_order_id"],
                    row["wxpay_order_id"],
                    row["openid"],
                    "退款" if refund else ("代币充值" if row["kind"] == "coin" else "道具直购"),
                    row["product_id"],
                    row["quantity"],
                    _yuan(row["refund_fee"] if refund else row["paid_fee"]),
                    _yuan(row["refund_fee"]) if refund else "0.00",
                    _yuan(row["platform_fee_fen"]),
                    str(row["status"]),
                    row["pay_order_id"] or "",
                    "沙箱" if row["env"] == 1 else "现网",
                ]
            )
        return gzip.compress(out.getvalue().encode("gbk", "replace"))

    def _start_export(self, b: dict[str, Any]) -> dict[str, Any]:
        task_id = f"task{self.state.rng.randrange(10**12):012d}"
        self.state.poll_task(task_id, "export", b)
        return {"task_id": task_id}

    def _query_export(self, task_id: str) -> dict[str, Any]:
        task = self.state.task(task_id)
        if task is None:
            raise SimError(268490002, "task_id 不存在")
        polls, _ = self.state.poll_task(task_id, "export", {})
        if polls < self.config.bill_polls:
            return {"task_id": task_id, "status": 1, "download_url": "", "expire_at": 0}
        params = json.loads(task["params"])
        name = f"export_{task_id}.csv.gz"
        order_type = 1 if params.get("order_type") == 4 else 0
        self._files[name] = (
            self._bill_file(params["begin_ds"], params["end_ds"], order_type=order_type),
            "application/gzip",
        )
        return {
            "task_id": task_id,
            "status": 2,
            "download_url": f"{self.url}/sim/files/{name}",
            "expire_at": int(self.state.now()) + 1800,
        }

    def _file(self, h: BaseHTTPRequestHandler, name: str) -> None:
        found = self._files.get(name)
        if found is None:
            self._json(h, {"errcode": 404, "errmsg": "expired"}, status=404)
            return
        data, content_type = found
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    # ---- admin API (training and tests) -----------------------------------------------------

    def _admin(self, h: BaseHTTPRequestHandler, method: str, action: str, raw: bytes) -> None:
        try:
            data = json.loads(raw or b"{}", object_pairs_hook=_unique_keys)
            if not isinstance(data, dict):
                raise TypeError("the body must be a JSON object")
            result = self._admin_action(method, action, data)
        except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as exc:
            self._json(h, {"error": f"{type(exc).__name__}: {exc}"}, status=400)
            return
        except SimError as exc:
            self._json(h, {"error": exc.errmsg, "errcode": exc.errcode}, status=400)
            return
        self._json(h, result)

    def _admin_action(self, method: str, action: str, data: dict[str, Any]) -> dict[str, Any]:
        if action == "faults" and method == "POST":
            self.faults.add(data.pop("endpoint"), data.pop("kind"), **data)
            return {"faults": self.faults.describe()}
        if action == "faults" and method == "DELETE":
            self.faults.clear(data.get("endpoint"))
            return {"faults": self.faults.describe()}
        if action == "faults":
            return {"faults": self.faults.describe(), "hits": self.faults.hits}
        if action == "users" and method == "POST":
            return {
                "openid": data["openid"],
                "session_key": self.add_user(data["openid"], session_key=data.get("session_key")),
            }
        if action == "relogin":
            return {"openid": data["openid"], "session_key": self.state.relogin(data["openid"])}
        if action == "pay":
            return {
                "order": self.user_pays(
                    data["openid"],
                    kind=data.get("kind", "coin"),
                    coins=int(data.get("coins", 600)),
                    fee=data.get("fee"),
                    env=int(data.get("env", 1)),
                    product_id=data.get("product_id", ""),
                )
            }
        if action == "complaint":
            return {
                "complaint_id": self.add_complaint(
                    data["openid"], data["order_id"], detail=data.get("detail", "没有收到代币")
                )
            }
        if action == "advance":
            self.advance(float(data["seconds"]))
            return {"now": self.state.now()}
        if action == "expire-tokens":
            self.state.expire_tokens()
            return {"expired": True}
        if action == "pushes":
            return {"pushes": [p.as_dict() for p in self.delivered]}
        if action == "account":
            return self.state.account(int(data.get("env", 1)), data["openid"])
        raise KeyError(f"unknown admin action {method} {action}")


def _media_url(file_id: str) -> str:
    """Where WeChat Pay keeps an uploaded complaint image (get_upload_file_sign signs it)."""
    return f"https://api.mch.weixin.qq.com/v3/merchant-service/images/{file_id}"


def _image_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"BM"):
        return "image/bmp"
    return "image/jpeg"


def _placeholder_png(seed: str, size: int = 48) -> bytes:
    """A small one-colour PNG standing for a user's evidence photo (colour from the media id)."""
    return solid_png(size, size, hashlib.sha256(seed.encode()).digest()[:3])


def solid_png(width: int, height: int, rgb: bytes) -> bytes:
    """A real PNG of one colour (`rgb`: three bytes), as small as an image file gets."""
    import zlib

    raw = b"".join(b"\x00" + rgb * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
