"""The team server's state: its config, the one desk over the store and WeChat, the client that
relays pushes to the merchant's backend, and the events desktops follow (what each money action
and each refund followed by the server changed)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import Any

import httpx
from Crypto.Cipher import AES

from core.desk import Desk
from core.errors import ValidationError
from core.mirror import audit as audit_log
from core.mirror.vault import vault_key
from core.operations import Intent, OpResult
from core.operations.bulk import BulkPlan, BulkReport, BulkRow
from core.server import store
from core.server.config import ServerConfig
from core.server.deps import ApiError
from core.server.store import Operator

RELAY_TIMEOUT = 4.0  # WeChat waits 5 s for an answer: the relay gives the backend 4
SEALED = "gcm1:"


class Server:
    def __init__(self, config: ServerConfig, desk: Desk) -> None:
        self.config = config
        self.desk = desk
        self.mirror = desk.mirror
        self.relay = httpx.AsyncClient(timeout=RELAY_TIMEOUT)
        self._told: dict[int, str] = {}  # the last state told of each intent (no repeats)
        self._seal_key: bytes | None = None

    def audit(
        self, operator: str, action: str, params: dict[str, Any], *, result: str, host: str = ""
    ) -> None:
        audit_log.AuditLog(
            self.mirror,
            operator=operator,
            profile=self.desk.profile.name,
            env=int(self.desk.ops.client.env),
            host=host or None,
        ).append(action, params, result=result, openid=str(params.get("openid", "")))

    def desk_for(self, op: Operator) -> Desk:
        """The desk as this operator: every write runs through it, so the intent, the audit row
        and the limits (the role's, and the operator's own where stricter) are the operator's."""
        return self.desk_named(op.name, op.role)

    def desk_named(self, name: str, role: str) -> Desk:
        policy = store.policy_for(self.mirror, self.config, name, role)
        return self.desk.acting_as(name, role, policy)

    # ---- the one path money moves by ------------------------------------------------------------

    async def run(self, action: str, desk: Desk, req: dict[str, Any]) -> OpResult:
        """Checks, intent, WeChat, audit and mirror (core.operations), as the operator `desk`
        acts for; then the event desktops follow (`ledger`, and `refund` or `clawback`)."""
        result = await self._run(action, desk, req)
        self.tell([result])
        return result

    async def _run(self, action: str, desk: Desk, req: dict[str, Any]) -> OpResult:
        if action == "gift":
            return await desk.gift(
                req["openid"],
                req["amount"],
                reason=req["reason"],
                request_key=req["request_key"],
                order_id=req.get("order_id"),
                allow_repeat=req.get("allow_repeat", False),
            )
        if action == "deduct":
            return await desk.deduct(
                req["openid"],
                req["amount"],
                reason=req["reason"],
                request_key=req["request_key"],
                session_key=self.session_key_of(req),
                order_id=req.get("order_id"),
                remark=req.get("remark", ""),
                allow_repeat=req.get("allow_repeat", False),
            )
        if action == "cancel_deduction":
            return await desk.cancel_deduction(
                req["openid"],
                req["pay_order_id"],
                req["amount"],
                reason=req["reason"],
                request_key=req["request_key"],
                session_key=self.session_key_of(req),
                order_id=req.get("order_id"),
            )
        if action == "refund":
            return await desk.refund(
                req["order_id"],
                req["refund_fee"],
                left_fee=req["left_fee"],
                reason=req["reason"],
                request_key=req["request_key"],
                refund_reason=req.get("refund_reason", "0"),
                clawback=req.get("clawback", False),
                req_from=req.get("req_from", "1"),
                openid=req.get("openid"),
                refund_order_id=req.get("refund_order_id"),
                coins=req.get("coins"),
                biz_meta=req.get("biz_meta"),
                allow_repeat=req.get("allow_repeat", False),
            )
        if action == "deliver":
            return await desk.deliver(
                req["order_id"], reason=req["reason"], request_key=req["request_key"]
            )
        if action == "clawback":
            return await desk.start_clawback(
                req["refund_order_id"],
                reason=req["reason"],
                request_key=req.get("request_key"),
                session_key=self.session_key_of(req),
                coins=req.get("coins"),
            )
        if action == "retry_clawback":
            return await desk.retry_clawback(req["intent_id"])
        if action == "abandon":
            return await desk.abandon(req["intent_id"], note=req["note"])
        raise ApiError(400, "unknown_action", f"未知操作 {action}", f"unknown action {action}")

    async def run_bulk(self, desk: Desk, req: dict[str, Any]) -> BulkReport:
        """A bulk request (the rows of the CLI's bulk CSV), row by row through the same path,
        as the operator `desk` acts for."""
        report = await desk.run_bulk(plan_of(req), allow_duplicates=req["allow_duplicates"])
        self.tell(result for _row, result in report.results)
        return report

    # ---- a session key pasted into a request that waits for approval ----------------------------

    def _key(self) -> bytes:
        if self._seal_key is None:
            self._seal_key = hmac.new(
                vault_key(self.desk.profile), b"xpaydesk/server/approval-key/v1", "sha256"
            ).digest()
        return self._seal_key

    def seal(self, openid: str, session_key: str) -> str:
        """A pasted session key kept with a request waiting for approval: AES-GCM under a key
        derived from the mirror key (never in the database), bound to the user."""
        nonce = os.urandom(12)
        cipher = AES.new(self._key(), AES.MODE_GCM, nonce=nonce)
        cipher.update(openid.encode())
        sealed, tag = cipher.encrypt_and_digest(session_key.encode())
        return SEALED + base64.b64encode(nonce + sealed + tag).decode()

    def session_key_of(self, req: dict[str, Any]) -> str:
        """The pasted key of a request: as sent, or unsealed from a request that waited."""
        sealed = str(req.get("session_key_sealed") or "")
        if not sealed:
            return str(req.get("session_key") or "")
        try:
            blob = base64.b64decode(sealed[len(SEALED) :], validate=True)
            cipher = AES.new(self._key(), AES.MODE_GCM, nonce=blob[:12])
            cipher.update(str(req.get("openid", "")).encode())
            return cipher.decrypt_and_verify(blob[12:-16], blob[-16:]).decode()
        except (ValueError, binascii.Error):
            raise ValidationError(
                "session_key",
                "审批请求中的会话密钥无法解密（服务器的镜像密钥已更换？）",
                "the session key kept with the request does not decrypt (another mirror key?)",
            ) from None

    # ---- events for desktops --------------------------------------------------------------------

    def tell(self, results: Iterable[OpResult]) -> None:
        """Each result whose state is new becomes events: `ledger` (a money action finished or
        moved: action, openid, intent id, state) and, for refunds and clawbacks, `refund`
        (refund_order_id, order_id, openid, state) or `clawback` (intent id, refund_order_id,
        openid, state). A clawback's refund is looked at too: settling the clawback may have
        settled its refund on the way. Each is told once, whichever server process saw it move.
        Runs on the server's loop (the tracker's thread hands results over)."""
        journal = self.desk.ops.journal
        for result in results:
            intent = journal.get(result.intent_id) if result.intent_id else None
            if intent is None:
                continue
            parent = journal.get(intent.parent_id) if intent.parent_id else None
            for moved in (parent, intent) if parent is not None else (intent,):
                if self._told.get(moved.id) != moved.state:
                    self._told[moved.id] = moved.state
                    self._tell_one(moved)

    def _tell_one(self, intent: Intent) -> None:
        """The intent's move as events; `updated_at` makes each move its own event, so two
        server processes that both saw the same move tell it once (store.add_event's `once`),
        while a later move to a state seen before is told again."""
        moved = {"openid": intent.openid, "state": intent.state, "updated_at": intent.updated_at}
        ledger = {"action": intent.action, "intent_id": intent.id, **moved}
        store.add_event(self.mirror, "ledger", ledger, once=True)
        store.follow(self.mirror, intent.id, intent.state)  # an approved request's banner
        if intent.action == "refund":
            refund = {
                "refund_order_id": intent.wechat_id,
                "order_id": intent.target,
                "intent_id": intent.id,
                **moved,
            }
            store.add_event(self.mirror, "refund", refund, once=True)
        elif intent.action == "clawback":
            clawback = {"intent_id": intent.id, "refund_order_id": intent.target, **moved}
            store.add_event(self.mirror, "clawback", clawback, once=True)


def plan_of(req: dict[str, Any]) -> BulkPlan:
    """The batch of a bulk request: its id is the digest of its action and rows (the same rows
    sent again resume the same batch, never repeat it), as a CSV file's bytes are for the CLI."""
    rows = [BulkRow(r["line"], r["openid"], r["amount"], r["reason"]) for r in req["rows"]]
    canonical = repr((req["action"], [(r.line, r.openid, r.amount, r.reason) for r in rows]))
    batch_id = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return BulkPlan(batch_id, req["action"], str(req.get("source") or "team server"), rows)
