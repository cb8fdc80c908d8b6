"""Everything the dashboard does, as one object with no Qt: the dashboard calls these methods and
never touches HTTP or SQL itself. Reads that take a few milliseconds are plain methods; network
calls are coroutines; long jobs (imports, reports, exports) run in a worker thread on their own
database connection, with progress callbacks and cancellation."""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

from core import signing
from core.approvals import Approval, NoApprovals
from core.broadcast import Broadcast
from core.callbacks import CallbackError, DecodeResult, decode, expected_reply
from core.complaints import ComplaintResult, ComplaintRow, Complaints, ComplaintView, SyncReport
from core.connect import DEFAULT_TIMEOUT, callback_keys
from core.errors import ValidationError, XPayDeskError
from core.mirror import audit, health
from core.mirror.db import Mirror
from core.mirror.importing import (
    ImportCancelled,
    ImportReport,
    import_bill,
    import_pushes,
    import_session_keys,
    import_vk_orders,
)
from core.mirror.pushes import push_age, replay_window, save_push
from core.mirror.queries import (
    OrderFilter,
    OrderPager,
    OrderSort,
    SearchHit,
    TimelineEntry,
    attention_users,
    order_detail,
    recent_users,
    search,
    timeline,
)
from core.mirror.refresh import RefreshReport, order_by_wx_id, refresh_order, refresh_orders
from core.mirror.vault import SessionKeyVault, mask, vault_key
from core.models import Balance, BillUrl, Order
from core.operations import Intent, Operations, OpResult, operations_for
from core.operations.bulk import BulkPlan, BulkReport, run_bulk
from core.operations.engine import ClawbackStatus
from core.operations.policy import Policy
from core.operations.tracker import RefundTracker
from core.profiles import Profile
from core.reconcile import Period, Reconciliation, export_csv, export_json, export_xlsx
from core.secret import Secret
from core.store.errors import DATABASE_ERRORS


@dataclass
class UserView:
    openid: str
    balance: Balance | None
    balance_error: str
    session: dict[str, Any]
    timeline: list[TimelineEntry]
    known: bool


@dataclass
class ReconView:
    period: Period
    summary: dict[str, int]
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    columns: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)
    # the days of the period no imported WeChat bill covers yet, and that said for people
    not_covered: list[str] = field(default_factory=list)
    coverage_note: dict[str, str] = field(default_factory=dict)  # zh_CN | en -> text


@dataclass
class AuditCheck:
    """`audit verify`: the hash chain (with the store's page problems added) and the store's
    state."""

    chain: audit.ChainReport
    store: dict[str, Any]


class Desk(Broadcast):
    team = False  # a solo desk: what team mode adds (login, approvals, the banner) stays hidden

    def __init__(
        self, profile: Profile, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.profile = profile
        self.mirror = Mirror(profile.mirror_path)
        self._transport = transport
        self._init_broadcast()
        self.tracker: RefundTracker | None = None
        self._shared = False  # a view made by acting_as: closes nothing

    # The WeChat client, the session-key vault and complaints are made when first used: a verb
    # that only reads the mirror (audit, reconcile, imports of orders) needs no merchant secret
    # and no keyring, as before the CLI went through the desk.
    @functools.cached_property
    def _http(self) -> httpx.AsyncClient:
        # made when WeChat is first asked: its TLS context costs ~50 ms that a mirror-only verb
        # (audit verify, reconcile) should not pay
        return httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, transport=self._transport)

    @functools.cached_property
    def ops(self) -> Operations:
        return operations_for(self.profile, self.mirror, self._http)

    @functools.cached_property
    def vault(self) -> SessionKeyVault:
        return SessionKeyVault(self.mirror, vault_key(self.profile))

    @functools.cached_property
    def complaints(self) -> Complaints:
        return Complaints(
            self.ops.client,
            self.mirror,
            audit=self.ops.audit,
            locks=self.ops.locks,
            role=self.profile.role,
            operator=self.profile.operator,
            http=self._http,
        )

    def acting_as(self, operator: str, role: str, policy: Policy) -> Desk:
        """This desk as another operator (the team server makes one per request): it shares the
        mirror, the WeChat client, the locks, the session-key vault, the refund tracker and the
        listeners, and acts (intents, audit rows, limits) as `operator` with `policy`."""
        base = self.ops
        self.vault  # noqa: B018 -- made now, so the view shares it
        view = copy.copy(self)
        view._shared = True
        view.ops = Operations(
            base.client,
            base.mirror,
            appid=base.appid,
            profile=self.profile.name,
            operator=operator,
            policy=policy,
            session_keys=base.session_keys,
            locks=base.locks,
            coin_rate=base.coin_rate,
        )
        view.complaints = Complaints(
            base.client,
            self.mirror,
            audit=view.ops.audit,
            locks=base.locks,
            role=role,
            operator=operator,
            http=self._http,
        )
        return view

    def __repr__(self) -> str:
        return f"Desk(profile={self.profile.name!r})"

    async def close(self) -> None:
        if self._shared:
            return
        tracker, self.tracker = self.tracker, None
        if tracker is not None:
            await asyncio.to_thread(tracker.stop)
        if "_http" in self.__dict__:  # made only if WeChat was asked
            await self._http.aclose()
        self.mirror.close()

    # ---- refunds followed by themselves (what changed: core.broadcast) ------------------------

    def start_following(self) -> RefundTracker:
        """While the desk is open every refund in flight is followed to its end, and its coin
        clawback runs as soon as the refund has gone through (a thread of its own: see
        core.operations.tracker). Stopped by close()."""
        if self.tracker is None:
            self.tracker = RefundTracker(
                self.profile, on_change=self.changed, transport=self._transport
            )
        self.tracker.start()
        return self.tracker

    def _wake_tracker(self) -> None:
        if self.tracker is not None:
            self.tracker.wake()

    @property
    def env_label(self) -> str:
        return self.profile.env.name.lower()

    # ---- users ------------------------------------------------------------------------------

    async def lookup_user(self, openid: str, *, live: bool = True) -> UserView:
        """The user card: live balance (when a session key is at hand), key state, timeline."""
        balance: Balance | None = None
        error = ""
        key = self.vault.load(openid)
        if live and key is not None:
            try:
                balance = await self.ops.client.query_user_balance(openid, session_key=key)
                self.vault.record_check(openid, fresh=True)
            except XPayDeskError as exc:
                error = exc.message("zh_CN") + "\n" + exc.message("en")
                if getattr(exc, "errcode", None) == 268490009:
                    self.vault.record_check(openid, fresh=False)
        elif live:
            error = (
                "没有该用户的会话密钥，无法查询实时余额 / no session key: live balance unavailable"
            )
        known = self.mirror.one("SELECT 1 FROM orders WHERE openid = ? LIMIT 1", openid) is not None
        return UserView(
            openid,
            balance,
            error,
            {**self.vault.state(openid), "mask": mask(key.reveal()) if key else "—"},
            timeline(self.mirror, openid, limit=300),
            known,
        )

    async def check_session(self, openid: str, session_key: str | None = None) -> bool | None:
        """Is the user's session key still valid? The stored one (None when there is none; the
        answer is recorded), or `session_key` as given (nothing recorded: it may not be the
        stored one)."""
        if session_key:
            return await self.ops.client.check_session(openid, session_key=Secret(session_key))
        key = self.vault.load(openid)
        if key is None:
            return None
        fresh = await self.ops.client.check_session(openid, session_key=key)
        self.vault.record_check(openid, fresh=fresh)
        return fresh

    async def user_balance(
        self, openid: str, session_key: str | None = None, *, user_ip: str = "127.0.0.1"
    ) -> Balance:
        """WeChat's query_user_balance with `session_key`, else the stored key."""
        key = Secret(session_key) if session_key else self.vault.load(openid)
        if key is None:
            raise ValidationError(
                "session_key",
                "没有该用户的会话密钥，请提供 --session-key",
                "no session key for this user: give --session-key",
            )
        return await self.ops.client.query_user_balance(openid, session_key=key, user_ip=user_ip)

    async def query_order(
        self, *, openid: str, order_id: str | None = None, wx_order_id: str | None = None
    ) -> Order:
        """WeChat's query_order, as WeChat answers it (the mirror is not changed)."""
        return await self.ops.client.query_order(openid, order_id=order_id, wx_order_id=wx_order_id)

    async def find_order(self, wx_order_id: str, *, openid: str | None = None) -> str:
        """The merchant order id of a WeChat order id: the mirror's, else WeChat's (query_order,
        which needs `openid`), recorded in the mirror first."""
        return await order_by_wx_id(self.ops.client, self.mirror, wx_order_id, openid=openid)

    async def refresh_orders(self, order_ids: list[str]) -> RefreshReport:
        return await refresh_orders(self.ops.client, self.mirror, order_ids)

    async def download_bill(self, begin: str, end: str) -> BillUrl:
        """download_bill for days YYYYMMDD..YYYYMMDD; WeChat answers POLL while it is generated
        (an XPayError whose handling is Handling.POLL: ask again a few seconds later)."""
        return await self.ops.client.download_bill(begin, end)

    def now(self) -> int:
        """The desk's clock (seconds): what deadlines and request keys are counted from."""
        return self.mirror.now()

    def limit_left(self, action: str) -> tuple[int | None, int | None]:
        """(per-action limit, what is left of today's total) for the dialogs."""
        limits = self.ops.policy.limits
        per_action = limits.per_action(action)
        daily = limits.daily(action)
        spent = self.ops.journal.spent_today(self.ops.operator, action)
        return per_action, None if daily is None else max(daily - spent, 0)

    def known_balance(self, openid: str) -> int | None:
        row = self.mirror.one(
            "SELECT balance FROM balances WHERE openid = ? ORDER BY refreshed_at DESC LIMIT 1",
            openid,
        )
        return None if row is None else int(row["balance"])

    async def gift(
        self,
        openid: str,
        amount: int,
        *,
        reason: str,
        request_key: str,
        order_id: str | None = None,
        allow_repeat: bool = False,
    ) -> OpResult:
        return await self.ops.gift(
            openid,
            amount,
            reason=reason,
            request_key=request_key,
            order_id=order_id,
            allow_repeat=allow_repeat,
        )

    async def deduct(
        self,
        openid: str,
        amount: int,
        *,
        reason: str,
        request_key: str,
        session_key: str = "",
        order_id: str | None = None,
        remark: str = "",
        allow_repeat: bool = False,
    ) -> OpResult:
        return await self.ops.deduct(
            openid,
            amount,
            reason=reason,
            request_key=request_key,
            session_key=Secret(session_key) if session_key else None,
            order_id=order_id,
            remark=remark,
            allow_repeat=allow_repeat,
        )

    async def cancel_deduction(
        self,
        openid: str,
        pay_order_id: str,
        amount: int,
        *,
        reason: str,
        request_key: str,
        session_key: str = "",
        order_id: str | None = None,
    ) -> OpResult:
        return await self.ops.cancel_deduction(
            openid,
            pay_order_id=pay_order_id,
            amount=amount,
            reason=reason,
            request_key=request_key,
            session_key=Secret(session_key) if session_key else None,
            order_id=order_id,
        )

    async def refund(
        self,
        order_id: str,
        refund_fee: int,
        *,
        reason: str,
        left_fee: int,
        request_key: str,
        refund_reason: str = "0",
        clawback: bool = False,
        req_from: str = "1",
        openid: str | None = None,
        refund_order_id: str | None = None,
        coins: int | None = None,
        biz_meta: str | None = None,
        allow_repeat: bool = False,
    ) -> OpResult:
        """`left_fee` is the refundable amount the operator saw in the dialog: WeChat refuses
        the refund if it has changed since (another refund), so one complaint is refunded once.
        `openid` is needed for an order the mirror lacks; `coins`, what the order granted when
        the operator knows better; `biz_meta` None sends the first 200 characters of `reason`."""
        result = await self.ops.refund(
            order_id,
            refund_fee=refund_fee,
            left_fee=left_fee,
            reason=reason,
            request_key=request_key,
            refund_reason=refund_reason,
            req_from=req_from,
            openid=openid,
            clawback=clawback,
            refund_order_id=refund_order_id,
            coins=coins,
            biz_meta=biz_meta,
            allow_repeat=allow_repeat,
        )
        self._wake_tracker()  # followed from now on, without a click
        return result

    async def deliver(self, order_id: str, *, reason: str, request_key: str) -> OpResult:
        return await self.ops.deliver(order_id, reason=reason, request_key=request_key)

    async def refresh_order(self, order_id: str, *, openid: str | None = None) -> None:
        """`openid` lets WeChat be asked about an order the mirror has never seen."""
        await refresh_order(self.ops.client, self.mirror, order_id, openid)

    # ---- orders, refunds, pending ------------------------------------------------------------

    def order_pager(self, filt: OrderFilter, sort: OrderSort) -> OrderPager:
        return OrderPager(self.mirror, filt, sort)

    def order_detail(self, order_id: str) -> dict[str, Any] | None:
        return order_detail(self.mirror, order_id)

    def user_orders(self, openid: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.mirror.all(
                "SELECT order_id, kind, quantity, paid_fee, left_fee, status, paid_time FROM orders "
                "WHERE openid = ? AND paid_fee > 0 ORDER BY paid_time DESC LIMIT 200",
                openid,
            )
        ]

    def user_deductions(self, openid: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.mirror.all(
                "SELECT wechat_id, amount, created_at FROM intents WHERE action = 'deduct' AND "
                "state = 'done' AND openid = ? AND wechat_id NOT IN (SELECT target FROM intents "
                "WHERE action = 'cancel_deduction' AND state != 'failed') ORDER BY id DESC",
                openid,
            )
        ]

    def refunds(self, *, only_open: bool = False, limit: int = 2000) -> list[dict[str, Any]]:
        """Every refund (made here or imported) with its coin clawback: the coins due, taken
        and outstanding, the guide's clawback state, and why no clawback can start (if so)."""
        rows = self.mirror.all(
            "SELECT r.*, o.kind AS kind, o.quantity AS quantity, o.paid_fee AS paid_fee, "
            "o.openid AS order_openid, s.check_result AS key_state FROM refunds r "
            "LEFT JOIN orders o ON o.order_id = r.order_id "
            "LEFT JOIN session_keys s ON s.openid = r.openid "
            "ORDER BY r.started_at DESC LIMIT ?",
            limit,
        )
        clawbacks = self.ops.journal.clawbacks()
        out = []
        for r in rows:
            row = dict(r)
            order = (
                {
                    "openid": row["order_openid"],
                    "kind": row["kind"],
                    "quantity": row["quantity"],
                    "paid_fee": row["paid_fee"],
                }
                if row["kind"] is not None
                else None
            )
            status = ClawbackStatus.build(
                row,
                order,
                clawbacks.get(row["refund_order_id"], []),
                coin_rate=self.profile.coin_rate,
            )
            row.update(clawback_figures(status))
            if only_open and row["clawback"] in ("not_needed", "recovered"):
                continue
            out.append(row)
        return out

    def clawback_status(self, refund_order_id: str, *, coins: int | None = None) -> ClawbackStatus:
        return self.ops.clawback_status(refund_order_id, coins=coins)

    async def start_clawback(
        self,
        refund_order_id: str,
        *,
        reason: str,
        request_key: str | None = None,
        session_key: str = "",
        coins: int | None = None,
    ) -> OpResult:
        """Takes back what a finished refund still owes in coins (any refund: imported ones
        too); tries an open clawback of it again instead of starting a second. No
        `request_key`: the refund's next clawback."""
        result = await self.ops.start_clawback(
            refund_order_id,
            reason=reason,
            request_key=request_key,
            session_key=Secret(session_key) if session_key else None,
            coins=coins,
        )
        self._wake_tracker()
        return result

    async def retry_clawback(self, intent_id: int) -> OpResult:
        return await self.ops.retry_clawback(intent_id)

    async def live_balance(self, openid: str) -> int | None:
        """The user's balance now (None without a usable session key): dialogs show it before
        and after."""
        key = self.vault.load(openid)
        if key is None:
            return None
        try:
            balance = await self.ops.client.query_user_balance(openid, session_key=key)
        except XPayDeskError:
            return self.known_balance(openid)
        return balance.balance

    def policy_problem(self, action: str, amount: int) -> tuple[str, str] | None:
        """Why the operator's role or limits refuse this amount (zh, en), or None: the dialogs
        say it beside the field while the operator types, before any click."""
        return self.ops.policy.problem(
            action, amount, spent_today=self.ops.journal.spent_today(self.ops.operator, action)
        )

    async def wait_for_refund(self, intent_id: int, *, timeout: float = 60.0) -> OpResult:
        """Asks about one refund until it ends, or `timeout` seconds."""
        return await self.ops.wait_for_refund(intent_id, timeout=timeout)

    def intent_children(self, intent_id: int) -> list[Intent]:
        """The operations a refund started (its coin clawbacks), oldest first."""
        return self.ops.journal.children(intent_id)

    def pending(self) -> list[Intent]:
        return self.ops.pending()

    async def resolve(self, *, only: int | None = None) -> list[OpResult]:
        """Settles what is open now (or only operation `only`)."""
        return await self.ops.resolve(only=only, force=True)

    async def run_bulk(self, plan: BulkPlan, *, allow_duplicates: bool = False) -> BulkReport:
        """A checked CSV plan (core.operations.bulk.plan_bulk), row by row, each row its own
        intent under the batch."""
        return await run_bulk(self.ops, plan, allow_duplicates=allow_duplicates)

    def left_fee(self, order_id: str) -> int | None:
        """The refundable amount the mirror holds (a refund attempt refreshes it from WeChat)."""
        row = self.mirror.one("SELECT left_fee FROM orders WHERE order_id = ?", order_id)
        return None if row is None else int(row["left_fee"])

    async def abandon(self, intent_id: int, *, note: str) -> OpResult:
        """Closes a pending operation that provably never reached WeChat (audited with the
        note); refuses one that may have (NotAbandonable: resolve it instead)."""
        return await self.ops.abandon(intent_id, note=note)

    def search(self, term: str) -> list[SearchHit]:
        return search(self.mirror, term)

    def users_overview(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """What the Users page opens with: (users needing attention, recently active users)."""
        return attention_users(self.mirror), recent_users(self.mirror)

    # ---- complaints (用户投诉) ------------------------------------------------------------------

    def open_complaints(self, *, openid: str | None = None) -> list[ComplaintRow]:
        """Open complaints from the mirror, the one to answer soonest first."""
        return self.complaints.open(openid=openid)

    def open_complaint_count(self) -> int:
        return self.complaints.open_count()

    async def sync_complaints(self) -> SyncReport:
        return await self.complaints.sync()

    async def complaint(self, complaint_id: str) -> ComplaintView:
        return await self.complaints.view(complaint_id)

    async def respond_complaint(
        self, complaint_id: str, text: str, images: list[Path] | None = None
    ) -> ComplaintResult:
        return await self.complaints.respond(complaint_id, text, images or [])

    async def complete_complaint(self, complaint_id: str) -> ComplaintResult:
        return await self.complaints.complete(complaint_id)

    async def complaint_evidence(self, complaint_id: str, url: str) -> bytes:
        return await self.complaints.evidence(complaint_id, url)

    # ---- callbacks and signatures ------------------------------------------------------------

    def decode_push(
        self,
        query: str,
        body: str,
        *,
        method: str | None = None,
        encrypt_reply: bool = False,
        token: str | None = None,
        aes_key: str | None = None,
        previous_aes_key: str | None = None,
        appid: str | None = None,
    ) -> tuple[DecodeResult | None, CallbackError | None, str]:
        """Verifies, decrypts and reads a pasted push with the profile's push keys (values
        pasted by the operator win); the reply WeChat expects, encrypted with `encrypt_reply`."""
        keys = callback_keys(
            self.profile,
            token=token,
            aes_key=aes_key,
            previous_aes_key=previous_aes_key,
            appid=appid,
        )
        try:
            result = decode(query, body, keys=keys, method=method)
        except CallbackError as exc:
            return None, exc, ""
        return result, None, expected_reply(result, keys=keys, encrypt=encrypt_reply)

    def save_push(
        self,
        query: str,
        body: str,
        *,
        method: str | None = None,
        token: str | None = None,
        aes_key: str | None = None,
        previous_aes_key: str | None = None,
        appid: str | None = None,
    ) -> bool:
        """Saves a pasted push (accepted or not) into the mirror; False when it was already
        there."""
        result, error, _reply = self.decode_push(
            query,
            body,
            method=method,
            token=token,
            aes_key=aes_key,
            previous_aes_key=previous_aes_key,
            appid=appid,
        )
        event = result.event if result is not None else None
        # older than WeChat's retries: perhaps a replay; its order is unverified until refreshed
        old = push_age(event, self.now()) > replay_window()
        added = save_push(
            self.mirror,
            query=query,
            body=body,
            result=result,
            error=error,
            source="pasted" if old else "push",
        )
        # the refund push: the refund is asked about now, not at the next backoff step
        if (
            added
            and event is not None
            and event.event == "xpay_refund_notify"
            and self.ops.refund_push_arrived(str(event.links.get("refund_order_id") or ""))
        ):
            self._wake_tracker()
        return added

    def explain_signature(
        self, uri: str, body: str, *, app_key: str | None, session_key: str | None
    ) -> signing.SignatureReport:
        if app_key is None:
            secret = self.profile.app_keys
            try:
                app_key = secret.for_env(self.profile.env)
            except XPayDeskError:
                app_key = None
        return signing.explain(uri, body, app_key=app_key, session_key=session_key)

    def sign(
        self, uri: str, body: str, *, session_key: str | None = None
    ) -> signing.SignatureReport:
        """pay_sig with the profile's AppKey for its environment (a ConfigError when it has
        none), and the signature too when `session_key` is given. Signing with a key the
        operator holds needs no desk: core.signing.explain."""
        app_key = self.profile.app_keys.for_env(self.profile.env)
        return signing.explain(uri, body, app_key=app_key, session_key=session_key)

    @property
    def store_where(self) -> str:
        """Where the desk's records are kept, for messages (the mirror's file or database)."""
        return str(self.profile.mirror_path)

    # ---- long jobs in a worker thread ---------------------------------------------------------

    async def import_file(
        self,
        kind: str,
        path: Path,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None,
        rows: Callable[[str, int, int], None] | None = None,
        strict: bool = False,
    ) -> ImportReport:
        """`kind`: orders, bill, pushes or session-keys (session_keys). `progress(bytes read,
        total)` while the file is read, `rows(phase, done, total)` as rows are read ("reading",
        total 0) and written ("writing"); a set `cancel` stops the import at the next of either
        (well under a second) with nothing written. `strict`: any bad row of an orders or bill
        file fails the whole file."""

        def job() -> ImportReport:
            def tick(done: int, total: int) -> None:
                if cancel is not None and cancel.is_set():
                    raise ImportCancelled
                if progress is not None:
                    progress(done, total)

            def counted(phase: str, done: int, total: int) -> None:
                if cancel is not None and cancel.is_set():
                    raise ImportCancelled
                if rows is not None:
                    rows(phase, done, total)

            with Mirror(self.profile.mirror_path) as mirror:
                env = int(self.profile.env)
                if kind == "orders":
                    return import_vk_orders(
                        mirror, path, env=env, strict=strict, progress=tick, rows=counted
                    )
                if kind == "bill":
                    return import_bill(
                        mirror, path, env=env, strict=strict, progress=tick, rows=counted
                    )
                if kind == "pushes":
                    return import_pushes(
                        mirror, path, keys=callback_keys(self.profile), progress=tick, rows=counted
                    )
                return import_session_keys(
                    mirror,
                    path,
                    vault=SessionKeyVault(mirror, vault_key(self.profile)),
                    progress=tick,
                    rows=counted,
                )

        return await asyncio.to_thread(job)

    def _reconciliation(
        self, mirror: Mirror, period: Period, delivery_delay: int | None
    ) -> Reconciliation:
        if delivery_delay is None:
            return Reconciliation(mirror, period, coin_rate=self.profile.coin_rate)
        return Reconciliation(
            mirror, period, coin_rate=self.profile.coin_rate, delivery_delay=delivery_delay
        )

    async def reconcile(
        self, period: Period, *, delivery_delay: int | None = None, detail: bool = True
    ) -> ReconView:
        """The period's cards and report tables; `detail=False`: the cards and the coverage
        only (what `xpaydesk-cli reconcile` prints). `delivery_delay`: seconds after payment
        before an undelivered order is flagged (default: the report's)."""

        def job() -> ReconView:
            with Mirror(self.profile.mirror_path) as mirror:
                report = self._reconciliation(mirror, period, delivery_delay)
                if detail:
                    summary, tables = report.overview()
                else:
                    summary, tables = report.summary(), {}
                view = ReconView(period, summary, sections=tables)
                not_covered = report.uncovered_days()
                view.not_covered = [d.isoformat() for d in not_covered]
                view.coverage_note = {
                    lang: report.coverage_note(lang, not_covered) for lang in ("zh_CN", "en")
                }
                for section in report.sections():
                    if section.name in tables:  # the detail sheets are drilled into on demand
                        view.columns[section.name] = section.columns
                        view.titles[section.name] = (section.zh, section.en)
                return view

        return await asyncio.to_thread(job)

    async def drill(
        self, period: Period, what: str, day: str | None = None
    ) -> list[dict[str, Any]]:
        def job() -> list[dict[str, Any]]:
            with Mirror(self.profile.mirror_path) as mirror:
                report = Reconciliation(mirror, period, coin_rate=self.profile.coin_rate)
                rows = {
                    "orders": report.order_rows,
                    "refunds": report.refund_rows,
                    "ledger": report.ledger_rows,
                }[what](day)
                return list(rows)

        return await asyncio.to_thread(job)

    async def export_report(
        self,
        period: Period,
        path: Path,
        *,
        lang: str,
        fmt: str | None = None,
        delivery_delay: int | None = None,
    ) -> list[Path]:
        """Writes the report: `fmt` xlsx, json or csv (one file per section), else by the
        file's suffix (csv when it is neither .xlsx nor .json); returns the files written."""
        kind = fmt or {".xlsx": "xlsx", ".json": "json"}.get(path.suffix, "csv")

        def job() -> list[Path]:
            with Mirror(self.profile.mirror_path) as mirror:
                report = self._reconciliation(mirror, period, delivery_delay)
                if kind == "xlsx":
                    return [export_xlsx(report, path, lang=lang)]
                if kind == "json":
                    with path.open("w", encoding="utf-8") as out:
                        export_json(report, out)
                    return [path]
                return export_csv(report, path, lang=lang)

        return await asyncio.to_thread(job)

    async def write_report_json(
        self, period: Period, handle: TextIO, *, delivery_delay: int | None = None
    ) -> None:
        """The report as JSON into an open text stream (the CLI's stdout)."""

        def job() -> None:
            with Mirror(self.profile.mirror_path) as mirror:
                export_json(self._reconciliation(mirror, period, delivery_delay), handle)

        await asyncio.to_thread(job)

    # ---- audit --------------------------------------------------------------------------------

    def audit_rows(
        self, *, openid: str | None = None, action: str | None = None, limit: int = 5000
    ) -> list[dict[str, Any]]:
        rows = self.mirror.all(
            "SELECT * FROM audit WHERE (CAST(? AS TEXT) IS NULL OR openid = ?) AND "
            "(CAST(? AS TEXT) IS NULL OR action = ?) ORDER BY id DESC LIMIT ?",
            openid,
            openid,
            action,
            action,
            limit,
        )
        return [dict(r) for r in rows]

    def verify_audit(self) -> audit.ChainReport:
        return audit.verify(self.mirror)

    def audit_check(self) -> AuditCheck:
        """The hash chain, and the store's own pages (SQLite's full check; PostgreSQL checks
        its own): what `xpaydesk-cli audit verify` reports."""
        try:
            chain = audit.verify(self.mirror)
        except DATABASE_ERRORS as exc:
            chain = audit.ChainReport(False, 0, (f"the audit table cannot be read: {exc}",))
        if self.mirror.is_postgres:
            return AuditCheck(
                chain, {"path": self.mirror.where, "state": "ok", "store": "postgresql"}
            )
        pages = health.check(Path(self.profile.mirror_path))
        if not pages.ok:
            problems = [f"mirror {pages.path}: {pages.state}: {p}" for p in pages.problems[:20]]
            chain = audit.ChainReport(False, chain.rows, (*chain.problems, *problems))
        return AuditCheck(chain, pages.as_dict())

    def write_audit(
        self,
        handle: TextIO,
        *,
        fmt: str = "csv",
        lang: str = "zh_CN",
        openid: str | None = None,
    ) -> int:
        """The audit log into an open text stream: csv for people (words, Beijing times), json
        the rows as stored, one a line. Returns the rows written."""
        if fmt == "json":
            return audit.export_json(self.mirror, handle, openid=openid)
        return audit.export_csv(self.mirror, handle, lang=lang, openid=openid)

    def export_audit(
        self,
        path: Path,
        *,
        fmt: str = "csv",
        lang: str = "zh_CN",
        openid: str | None = None,
    ) -> int:
        encoding = "utf-8" if fmt == "json" else "utf-8-sig"
        with path.open("w", encoding=encoding, newline="") as out:
            return self.write_audit(out, fmt=fmt, lang=lang, openid=openid)

    # ---- settings -----------------------------------------------------------------------------

    async def test_connection(self, openid: str | None = None) -> list[str]:
        """Token, then a checksession round trip when an openid with a stored key is given."""
        steps = []
        await self.ops.client.query_biz_balance()
        steps.append("access_token + pay_sig OK")
        if openid:
            fresh = await self.check_session(openid)
            steps.append(
                f"checksession: {'fresh' if fresh else 'stale' if fresh is False else 'no key'}"
            )
        return steps

    # ---- four-eyes approvals (a team server's; a solo desk has none) ---------------------------

    def approvals(self, *, mine: bool = False, waiting: bool = True) -> list[Approval]:
        return []

    def approvals_waiting_for_me(self) -> int:
        return 0

    def needs_approval(self, action: str, amount: int) -> bool:
        return False

    async def approve(self, approval_id: str, reason: str) -> Approval:
        raise NoApprovals

    async def reject(self, approval_id: str, reason: str) -> Approval:
        raise NoApprovals


def clawback_figures(status: ClawbackStatus) -> dict[str, Any]:
    """A refunds-page row's clawback columns."""
    why = status.why_not()
    intent = status.open_intent
    return {
        "clawback": status.word,
        "coins_due": status.due if status.kind != "item" else 0,
        "coins_taken": status.taken,
        "coins_outstanding": status.outstanding if status.kind != "item" else 0,
        "clawback_intent": intent.id if intent is not None else None,
        "clawback_state": intent.state if intent is not None else status.last_state or None,
        "clawback_why_not_zh": why[0] if why else "",
        "clawback_why_not_en": why[1] if why else "",
    }


def clawback_word(row: dict[str, Any]) -> str:
    """The guide's clawback states: not_needed, due, needs_login, partly, recovered, spent."""
    state = row.get("clawback_state")
    if row.get("kind") == "item":
        return "not_needed"
    if state is None:
        return "due" if row.get("status") == "refunded" else "not_needed"
    if state == "needs_login":
        return "needs_login"
    if state == "done":
        outcome = json.loads(row.get("clawback_outcome") or "{}")
        if not outcome.get("outstanding"):
            return "recovered"
        return "partly" if outcome.get("take") else "spent"
    return "due"
