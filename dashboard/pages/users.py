"""Users: look up an openid; the card with the live balance and session-key state; the timeline
with the raw record behind each entry; the money actions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QWidget,
)

from dashboard import fmt
from dashboard.i18n import N_, tr
from dashboard.lifetimes import retire
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.widgets import Badge, Card, IdLabel, Table, button, muted

TIMELINE = [
    Col("at", "When", "rel", 110),
    Col("kind_label", "Event", "text", 110),
    Col("signed_amount", "Amount", "signed", 110),
    Col("ref", "Reference", "id", 180),
    Col("status_label", "Status", "text", 120),
    Col("summary", "Details", "text", 260),
]
if TYPE_CHECKING:
    from core.desk import UserView

KINDS = {
    "order": N_("Order"),
    "refund": N_("Refund"),
    "deduct": N_("Deduction"),
    "cancel": N_("Deduction cancelled"),
    "gift": N_("Gift"),
    "clawback": N_("Clawback"),
    "push": N_("Push"),
    "audit": N_("Audit"),
}
ENTRY_STATES = {
    "done": N_("Done"),
    "ok": N_("Succeeded"),
    "intent": N_("Intent written"),
    "error": N_("Error"),
    "unknown": N_("Outcome unknown"),
    "failed": N_("Failed"),
    "pending": N_("Pending"),
    "accept": N_("Genuine"),
    "reject": N_("Rejected"),
    "refunded": N_("Refunded"),
    "refunding": N_("Refunding"),
    "started": N_("Started"),
    "needs_login": N_("Waiting for user login"),
    "prepared": N_("To be retried"),
    "refund_order": N_("Refund order"),
}
KEY_STATES = {
    "fresh": (N_("Fresh"), "green"),
    "stale": (N_("Stale"), "red"),
    "unknown": (N_("Unknown"), "grey"),
}


class UsersPage(Page):
    name = "users"
    heading = N_("Users")
    watches = frozenset({"ledger", "refunds", "orders", "audit", "pushes"})

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        bar = QHBoxLayout()
        self.openid = QLineEdit()
        self.openid.setPlaceholderText(tr("openid, e.g. oXpd12…"))
        self.openid.setAccessibleName(tr("openid"))
        self.openid.returnPressed.connect(self.look_up)
        self.lookup = button(tr("Look up"), kind="primary")
        self.lookup.clicked.connect(self.look_up)
        bar.addWidget(self.openid, 1)
        bar.addWidget(self.lookup)
        self.root.addLayout(bar)
        self.empty = muted(
            tr(
                "Enter an openid to see the user's balance, session key and "
                "everything that happened to them."
            )
        )
        # until a lookup, the hint takes the spare height so the bar stays at the top
        self.root.addWidget(self.empty, 1, Qt.AlignmentFlag.AlignTop)

        self.body = QWidget()
        body = QHBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        self.card = Card(tr("User"))
        grid = QGridLayout()
        self.card.body.addLayout(grid)
        self.id_label = IdLabel()
        self.balance = QLabel("—")
        self.balance.setObjectName("figure")
        self.fields: dict[str, QLabel] = {}
        grid.addWidget(self.id_label, 0, 0, 1, 2)
        grid.addWidget(muted(tr("Balance")), 1, 0)
        grid.addWidget(self.balance, 1, 1)
        for row, (key, label) in enumerate(
            [
                ("present_balance", N_("Gifted")),
                ("sum_save", N_("Bought in total")),
                ("sum_present", N_("Gifted in total")),
                ("sum_cost", N_("Spent in total")),
                ("first_save_flag", N_("First top-up offer")),
            ],
            start=2,
        ):
            grid.addWidget(muted(tr(label)), row, 0)
            self.fields[key] = QLabel("—")
            grid.addWidget(self.fields[key], row, 1)
        grid.addWidget(muted(tr("Session key")), 7, 0)
        self.key_badge = Badge()
        grid.addWidget(self.key_badge, 7, 1, Qt.AlignmentFlag.AlignLeft)
        self.key_detail = muted("")
        grid.addWidget(self.key_detail, 8, 0, 1, 2)
        self.balance_note = muted("")
        grid.addWidget(self.balance_note, 9, 0, 1, 2)
        self.actions: dict[str, Any] = {}
        for key, label, kind, shortcut in (
            ("gift", N_("Gift coins"), "primary", "Ctrl+G"),
            ("deduct", N_("Deduct coins"), "danger", "Ctrl+D"),
            ("cancel", N_("Cancel deduction"), "", None),
            ("refund", N_("Refund order"), "danger", None),
            ("check", N_("Check session key"), "", None),
        ):
            widget = button(tr(label), kind=kind, shortcut=shortcut)
            widget.clicked.connect(lambda _=False, k=key: self.act(k))
            self.card.body.addWidget(widget)
            self.actions[key] = widget
        self.card.body.addStretch(1)
        self.card.setFixedWidth(330)
        body.addWidget(self.card)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = Table("timeline")
        self.model = RowsModel(TIMELINE, parent=self)
        self.table.setModel(self.model)
        for n, col in enumerate(TIMELINE):
            self.table.setColumnWidth(n, col.width)
        self.table.selectionModel().currentRowChanged.connect(self._show_raw)
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setAccessibleName(tr("Raw record"))
        self.raw.setPlaceholderText(tr("Select an entry to see the record behind it."))
        split.addWidget(self.table)
        split.addWidget(self.raw)
        split.setSizes([420, 160])
        body.addWidget(split, 1)
        self.root.addWidget(self.body, 1)
        self.body.hide()
        self.view: UserView | None = None

    def show_user(self, openid: str) -> None:
        self.openid.setText(openid)
        self.look_up()

    def look_up(self) -> None:
        openid = self.openid.text().strip()
        if not openid or self.ctx.desk is None:
            return
        self.lookup.setEnabled(False)
        self.busy.start()
        self.ctx.runner.run(
            self.ctx.desk.lookup_user(openid), on_done=self._show, on_error=self._error
        )

    def refresh(self) -> None:
        if self.view is not None and self.ctx.desk is not None:
            self.ctx.runner.run(
                self.ctx.desk.lookup_user(self.view.openid),
                on_done=self._show,
                on_error=self._error,
            )

    def _error(self, exc: BaseException) -> None:
        self.lookup.setEnabled(True)
        self.busy.stop()
        self.inline.error(exc)

    def _show(self, view: UserView) -> None:
        self.lookup.setEnabled(True)
        self.busy.stop()
        self.inline.hide()
        self.view = view
        self.empty.hide()
        self.body.show()
        self.id_label.set(view.openid)
        b = view.balance
        self.balance.setText(fmt.coins(b.balance) if b else "—")
        for key, label in self.fields.items():
            value = getattr(b, key) if b else None
            if key == "first_save_flag":
                label.setText("—" if b is None else tr("Yes") if value else tr("No"))
            else:
                label.setText(fmt.coins(value))
        state = str(view.session.get("state", "unknown"))
        text, colour = KEY_STATES.get(state, KEY_STATES["unknown"])
        self.key_badge.set(tr(text), colour)
        checked = view.session.get("checked_at") or 0
        self.key_detail.setText(
            tr("{mask}, obtained {obtained}, checked {checked}").format(
                mask=view.session.get("mask", "—"),
                obtained=fmt.relative(int(view.session.get("obtained_at") or 0)),
                checked=fmt.relative(int(checked)),
            )
        )
        self.balance_note.setText(view.balance_error)
        if not view.known and b is None:
            self.inline.show_message("warn", tr("This openid has no orders in the mirror."))
        rows = []
        for e in view.timeline:
            rows.append(
                {
                    "at": e.at,
                    "kind_label": tr(KINDS.get(e.kind, e.kind)),
                    "signed_amount": e.signed_amount,
                    "unit": e.unit,
                    "ref": e.ref,
                    "status_label": fmt.status_text(int(e.status))[0]
                    if e.kind == "order" and e.status.isdigit()
                    else tr(ENTRY_STATES.get(e.status, e.status)),
                    "summary": e.summary,
                    "raw": e.raw,
                    "kind": e.kind,
                }
            )
        self.model.set_rows(rows)

    def _show_raw(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        raw = self.model.row_dict(index.row()).get("raw") or "{}"
        try:
            self.raw.setPlainText(json.dumps(json.loads(raw), ensure_ascii=False, indent=2))
        except ValueError:
            self.raw.setPlainText(raw)

    def act(self, action: str) -> None:
        desk = self.ctx.desk
        if desk is None or self.view is None:
            return
        openid = self.view.openid
        if action == "check":
            self.ctx.runner.run(
                desk.check_session(openid),
                on_done=lambda _r: self.refresh(),
                on_error=self.inline.error,
            )
            return
        balance = self.view.balance.balance if self.view.balance else None
        from dashboard.dialogs import MoneyDialog  # the first page builds without it

        dialog = MoneyDialog(
            self.ctx,
            action,
            openid,
            parent=self,
            balance=balance,
            orders=desk.user_orders(openid) if action == "refund" else None,
            deductions=desk.user_deductions(openid) if action == "cancel" else None,
        )
        self.actions[action].setEnabled(False)
        dialog.finished.connect(lambda _r: self.actions[action].setEnabled(True))
        dialog.open()
        retire(getattr(self, "dialog", None))  # the last one, closed: one dialog at a time
        self.dialog = dialog  # keep it alive while it is open
