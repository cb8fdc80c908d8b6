"""Approvals (team mode): the requests waiting for me, each saying exactly what approving it does
(the action, the user, the amount with its unit, who asked and when it expires), approved or
rejected with a reason; and my own requests with their state. A solo desk has no approvals: the
page is not in its navigation. Deciding moves money on the server: refused while it is away."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSplitter, QVBoxLayout, QWidget

from dashboard import fmt
from dashboard.connection import is_offline, paused_reason
from dashboard.i18n import N_, tr
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.vocabulary import word
from dashboard.widgets import Inline, Table, button, muted

APPROVERS = frozenset({"finance", "admin"})
WAITING_COLUMNS = [
    Col("action_label", "Action", "text", 120),
    Col("user", "User", "id", 150),
    Col("amount_label", "Amount", "text", 130),
    Col("requested_by", "Requested by", "text", 100),
    Col("requested_at", "Requested", "time", 150),
    Col("expires_at", "Expires", "time", 150),
]
MINE_COLUMNS = [
    Col("action_label", "Action", "text", 120),
    Col("user", "User", "id", 150),
    Col("amount_label", "Amount", "text", 130),
    Col("state_label", "State", "text", 120),
    Col("requested_at", "Requested", "time", 150),
    Col("decided_by", "Decided by", "text", 100),
    Col("decision_reason", "Decision reason", "text", 220),
    Col("outcome_label", "Result", "text", 320),
]


def amount_text(approval: Any, rate: int | None = None) -> str:
    if approval.unit == "fen":
        return fmt.fen(int(approval.amount))
    if rate:
        return fmt.coins_value(int(approval.amount), rate)
    return fmt.coins(int(approval.amount))


def user_of(approval: Any) -> str:
    request = approval.request or {}
    return str(request.get("openid") or "")


def effect_text(approval: Any, rate: int | None = None) -> str:
    """Exactly what approving does, in the operator's words."""
    request = approval.request or {}
    amount = amount_text(approval, rate)
    user = user_of(approval) or "—"
    rows = request.get("rows")
    if isinstance(rows, list):
        what = tr("{action}: {n} rows, {amount} in total").format(
            action=word("action", approval.action), n=len(rows), amount=amount
        )
    elif approval.action == "gift":
        what = tr("Gift {amount} to user {user}").format(amount=amount, user=user)
    elif approval.action == "deduct":
        what = tr("Deduct {amount} from user {user}").format(amount=amount, user=user)
    elif approval.action == "refund":
        what = tr("Refund {amount} of order {order} to user {user}").format(
            amount=amount, order=request.get("order_id", "—"), user=user
        )
        coins = request.get("clawback_coins")
        if request.get("clawback") and isinstance(coins, int) and coins > 0:
            what += tr(", then take back {coins} (the refunded share of its coins)").format(
                coins=fmt.coins(coins)
            )
        elif request.get("clawback"):
            what += tr(", then take back the refunded share of its coins")
    else:
        what = f"{word('action', approval.action)} {amount} · {user}"
    asked = tr("Asked by {who} at {when} · reason: {reason}").format(
        who=approval.requested_by,
        when=fmt.when(approval.requested_at),
        reason=request.get("reason") or "—",
    )
    expires = tr("Expires {when} (Beijing)").format(when=fmt.when(approval.expires_at))
    runs = tr(
        "Approving runs it now, as {who}'s action, with you named as the approver in the audit log."
    ).format(who=approval.requested_by)
    return "\n".join((what, asked, expires, runs))


def outcome_text(approval: Any) -> str:
    """What an approved request did: a failed one's reason, in the operator's language; else the
    state its action ended in (a bulk's rows counted by state)."""
    failure = approval.failure(fmt.lang())
    if failure:
        return failure
    result = approval.result or {}
    states = result.get("states")
    if isinstance(states, dict):
        return " · ".join(f"{word('state', k)} {v}" for k, v in sorted(states.items()))
    return word("state", result["state"]) if result.get("state") else ""


def row_of(approval: Any) -> dict[str, Any]:
    row = dataclasses.asdict(approval)
    row["action_label"] = word("action", approval.action)
    row["user"] = user_of(approval)
    row["amount_label"] = amount_text(approval)
    coins = (approval.request or {}).get("clawback_coins")
    if (approval.request or {}).get("clawback") and isinstance(coins, int) and coins > 0:
        row["amount_label"] += " · " + tr("then take back {coins}").format(coins=fmt.coins(coins))
    row["state_label"] = word("approval_state", approval.state)
    row["decision_reason"] = approval.decision_reason or ""
    row["outcome_label"] = outcome_text(approval)
    row["approval"] = approval
    return row


class ApprovalsPage(Page):
    name = "approvals"
    heading = N_("Approvals")
    watches = frozenset({"approvals", "connection"})

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        split = QSplitter(Qt.Orientation.Vertical)
        waiting = QWidget()
        top = QVBoxLayout(waiting)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(_section(tr("Waiting for me")))
        self.waiting_note = muted("")
        top.addWidget(self.waiting_note)
        self.waiting_model = RowsModel(WAITING_COLUMNS, parent=self)
        self.waiting_table = Table("approvals_waiting")
        self.waiting_table.setAccessibleName(tr("Waiting for me"))
        self.waiting_table.setModel(self.waiting_model)
        self.waiting_table.selectionModel().selectionChanged.connect(self._selected)
        top.addWidget(self.waiting_table, 1)
        self.effect = QLabel()
        self.effect.setObjectName("approvalEffect")
        self.effect.setWordWrap(True)
        self.effect.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.effect.setAccessibleName(tr("What approving does"))
        top.addWidget(self.effect)
        decide = QHBoxLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(
            tr("Required: why you approve or reject (kept in the audit log)")
        )
        self.reason.setAccessibleName(tr("Reason"))
        self.reason.textChanged.connect(self._update_buttons)
        self.approve_button = button(word("decision", "approve"), kind="primary")
        self.approve_button.clicked.connect(lambda: self.decide("approve"))
        self.reject_button = button(word("decision", "reject"), kind="danger")
        self.reject_button.clicked.connect(lambda: self.decide("reject"))
        for widget in (self.approve_button, self.reject_button):
            widget.setAutoDefault(False)
        decide.addWidget(self.reason, 1)
        decide.addWidget(self.approve_button)
        decide.addWidget(self.reject_button)
        top.addLayout(decide)
        self.why = muted("")  # why the buttons are disabled
        self.why.setAccessibleName(tr("Why approve and reject are disabled"))
        top.addWidget(self.why)
        self.outcome = Inline()  # what the last decision did
        top.addWidget(self.outcome)
        split.addWidget(waiting)
        mine = QWidget()
        bottom = QVBoxLayout(mine)
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(_section(tr("My requests")))
        self.mine_model = RowsModel(MINE_COLUMNS, parent=self)
        self.mine_table = Table("approvals_mine")
        self.mine_table.setAccessibleName(tr("My requests"))
        self.mine_table.setModel(self.mine_model)
        bottom.addWidget(self.mine_table, 1)
        self.mine_empty = muted(tr("You have asked for no approval yet."))
        bottom.addWidget(self.mine_empty)
        split.addWidget(mine)
        self.root.addWidget(split, 1)
        self._running = False
        self._decided_id = ""  # the request the outcome banner is about: it follows it
        self._update_buttons()

    # ---- data ---------------------------------------------------------------------------------

    def on_ready(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        desk = self.ctx.desk
        if desk is None or not getattr(desk, "team", False):
            return
        from core.errors import XPayDeskError

        me = desk.profile.operator
        may_approve = desk.profile.role in APPROVERS
        try:
            waiting = [a for a in desk.approvals(waiting=True) if a.requested_by != me]
            mine = desk.approvals(mine=True, waiting=False)
        except XPayDeskError as exc:  # the server away with nothing fetched before
            self.inline.error(exc)
            self._update_buttons()
            return
        self.inline.hide()
        chosen = self.selected()
        self.waiting_model.set_rows([row_of(a) for a in waiting] if may_approve else [])
        self.mine_model.set_rows([row_of(a) for a in mine])
        self.mine_empty.setVisible(not mine)
        if self._decided_id and not self.outcome.isHidden():  # the banner follows its action
            try:
                found = [a for a in desk.approvals(waiting=False) if a.id == self._decided_id]
            except XPayDeskError:
                found = []
            if found:
                self._show_outcome(found[0])
        if not may_approve:
            self.waiting_note.setText(
                tr("Your role ({role}) cannot approve: finance and admin operators can.").format(
                    role=word("role", desk.profile.role)
                )
            )
        elif not waiting:
            self.waiting_note.setText(tr("Nothing is waiting for your approval."))
        else:
            self.waiting_note.setText("")
        if chosen is not None:  # the same request stays selected when the list moves
            for n in range(self.waiting_model.count()):
                if self.waiting_model.row_dict(n)["id"] == chosen.id:
                    self.waiting_table.selectRow(n)
        self._selected()

    def selected(self) -> Any:
        rows = self.waiting_table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.waiting_model.row_dict(rows[0].row())["approval"]

    def _selected(self, *_args: object) -> None:
        approval = self.selected()
        desk = self.ctx.desk
        rate = desk.profile.coin_rate if desk is not None else None
        self.effect.setText(effect_text(approval, rate) if approval is not None else "")
        self._update_buttons()

    def _problem(self) -> str:
        if is_offline(self.ctx.desk):
            return paused_reason()
        if self.selected() is None:
            return tr("Select a request to decide.")
        if not self.reason.text().strip():
            return tr("A reason is required.")
        return ""

    def _update_buttons(self, *_args: object) -> None:
        problem = self._problem()
        for widget in (self.approve_button, self.reject_button):
            widget.setEnabled(not problem and not self._running)
            widget.setToolTip(problem)
        shown = self.selected() is not None or is_offline(self.ctx.desk)
        self.why.setText(problem if shown else "")

    # ---- deciding ------------------------------------------------------------------------------

    def decide(self, verb: str) -> None:
        desk, approval = self.ctx.desk, self.selected()
        if desk is None or approval is None or self._problem() or self._running:
            return
        self._running = True
        self._update_buttons()
        reason = self.reason.text().strip()
        call = desk.approve if verb == "approve" else desk.reject
        self.ctx.runner.run(
            call(approval.id, reason),
            on_done=self._decided,
            on_error=self._refused,
            changes={"approvals", "pending", "ledger", "refunds", "orders", "audit"},
        )

    def _decided(self, approval: Any) -> None:
        self._running = False
        self.reason.clear()
        self._decided_id = approval.id
        self._show_outcome(approval)
        self.refresh()

    def _show_outcome(self, approval: Any) -> None:
        """What the decision did, as it is now: an approved refund says refunding, then done
        when the server tells that it went through (an `approval` event)."""
        state = word("approval_state", approval.state)
        text = f"{word('action', approval.action)} {amount_text(approval)}: {state}"
        outcome = outcome_text(approval)
        if outcome:
            text += f" · {outcome}"
        kind = {"approved": "ok", "failed": "error"}.get(approval.state, "warn")
        self.outcome.show_message(kind, text)

    def _refused(self, exc: BaseException) -> None:
        self._running = False
        self._decided_id = ""
        self.refresh()
        self.outcome.error(exc)


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600;")
    return label
