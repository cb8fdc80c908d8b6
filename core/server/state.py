"""The team server's state: its config, the one desk over the store and WeChat, and the client
that relays pushes to the merchant's backend."""

from __future__ import annotations

from typing import Any

import httpx

from core.desk import Desk
from core.mirror import audit as audit_log
from core.operations import OpResult
from core.server.config import ServerConfig
from core.server.deps import ApiError
from core.server.store import Operator

RELAY_TIMEOUT = 4.0  # WeChat waits 5 s for an answer: the relay gives the backend 4


class Server:
    def __init__(self, config: ServerConfig, desk: Desk) -> None:
        self.config = config
        self.desk = desk
        self.mirror = desk.mirror
        self.relay = httpx.AsyncClient(timeout=RELAY_TIMEOUT)

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
        and the limits are the operator's."""
        return self.desk.acting_as(op.name, op.role, self.config.policy(op.role))

    def desk_named(self, name: str, role: str) -> Desk:
        return self.desk.acting_as(name, role, self.config.policy(role))

    async def run(self, action: str, desk: Desk, req: dict[str, Any]) -> OpResult:
        """The one path money moves by: checks, intent, WeChat, audit and mirror (core.operations),
        as the operator `desk` acts for."""
        if action in ("gift", "deduct"):  # the same request shape: openid, amount, reason
            coins = desk.gift if action == "gift" else desk.deduct
            return await coins(
                req["openid"],
                req["amount"],
                reason=req["reason"],
                request_key=req["request_key"],
                allow_repeat=req["allow_repeat"],
            )
        if action == "refund":
            return await desk.refund(
                req["order_id"],
                req["refund_fee"],
                left_fee=req["left_fee"],
                reason=req["reason"],
                request_key=req["request_key"],
                refund_reason=req["refund_reason"],
                clawback=req["clawback"],
                allow_repeat=req["allow_repeat"],
            )
        raise ApiError(400, "unknown_action", f"未知操作 {action}", f"unknown action {action}")
