"""The money dialogs of the guide: title = verb + object, the exact effect in coins and yuan, the
balance before and after, the operator's limit and what is left today, a required reason (recent
ones offered), a confirm button that repeats action and amount, is not the default, is disabled
until the form is valid and while the action runs; Esc cancels, Ctrl+Enter confirms.

Opened with open() (window-modal, non-blocking), never exec() from inside a coroutine."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dashboard import fmt
from dashboard.context import AppContext
from dashboard.i18n import N_, tr
from dashboard.widgets import Busy, Inline, button, muted

if TYPE_CHECKING:
    from core.operations import OpResult

ACTIONS = {
    "gift": (N_("Gift coins"), N_("Confirm gift of {amount}")),
    "deduct": (N_("Deduct coins"), N_("Confirm deduction of {amount}")),
    "cancel": (N_("Cancel deduction"), N_("Confirm cancelling {amount}")),
    "refund": (N_("Refund order"), N_("Confirm refund of {amount}")),
    "deliver": (N_("Mark delivered"), N_("Confirm delivery")),
}
REFUND_REASONS = [
    ("0", N_("No description")),
    ("1", N_("Product problem")),
    ("2", N_("After-sales problem")),
    ("3", N_("User changed their mind")),
    ("4", N_("Price problem")),
    ("5", N_("Other")),
]
STATE_TEXT = {
    "done": N_("Done"),
    "refunding": N_("Refund started; tracking it"),
    "waiting_refund": N_("Waiting for the refund"),
    "unknown": N_(
        "Outcome unknown: nothing was retried with a new id. Resolve it from the pending list."
    ),
    "failed": N_("Failed"),
    "needs_login": N_("Waiting for the user to log in"),
    "prepared": N_("WeChat was busy; it will be retried with the same id"),
}


class MoneyDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        action: str,
        openid: str,
        *,
        parent: QWidget,
        balance: int | None = None,
        orders: list[dict[str, Any]] | None = None,
        deductions: list[dict[str, Any]] | None = None,
        order_id: str | None = None,
        on_done: Callable[[OpResult], None] | None = None,
    ) -> None:
        super().__init__(parent)
        assert ctx.desk is not None
        self.ctx, self.desk, self.action, self.openid = ctx, ctx.desk, action, openid
        self.balance = balance
        self.on_done = on_done
        self.request_key = f"ui:{action}:{uuid.uuid4()}"  # one dialog, one intent
        verb, _confirm = ACTIONS[action]
        self.setWindowTitle(f"{tr(verb)} — {fmt.elide(openid or order_id or '')}")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.amount = QSpinBox()
        self.amount.setRange(0, 10_000_000)
        self.amount.setGroupSeparatorShown(True)
        self.amount.setAccessibleName(tr("Amount"))
        self.yuan = QDoubleSpinBox()
        self.yuan.setRange(0, 1_000_000)
        self.yuan.setDecimals(2)
        self.yuan.setPrefix("¥")
        self.yuan.setAccessibleName(tr("Refund amount"))
        self.order = QComboBox()
        self.order.setAccessibleName(tr("Order"))
        self.deduction = QComboBox()
        self.deduction.setAccessibleName(tr("Deduction"))
        self.refund_reason = QComboBox()
        for code, label in REFUND_REASONS:
            self.refund_reason.addItem(f"{code} — {tr(label)}", code)
        self.clawback = QCheckBox(tr("Also take back the refunded coins (clawback)"))
        self.clawback.setChecked(True)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.setAccessibleName(tr("Reason"))
        self.reason.lineEdit().setPlaceholderText(tr("Required: why (kept in the audit log)"))
        self.reason.addItems(self._recent_reasons())
        self.reason.setCurrentText("")
        self.session_key = QLineEdit()
        self.session_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.session_key.setPlaceholderText(tr("Optional: paste a session key for this action"))
        self.session_key.setAccessibleName(tr("Session key"))
        if action in ("gift", "deduct"):
            form.addRow(tr("Coins"), self.amount)
            if action == "deduct":
                form.addRow(tr("Session key"), self.session_key)
        elif action == "cancel":
            for d in deductions or []:
                self.deduction.addItem(f"{d['wechat_id']} — {fmt.coins(d['amount'])}", d)
            form.addRow(tr("Deduction"), self.deduction)
            form.addRow(tr("Coins"), self.amount)
            self.deduction.currentIndexChanged.connect(self._pick_deduction)
            self._pick_deduction()
        elif action == "refund":
            for o in orders or []:
                if o["left_fee"] > 0:
                    self.order.addItem(
                        f"{o['order_id']} — {tr('refundable')} {fmt.fen(o['left_fee'])}", o
                    )
            form.addRow(tr("Order"), self.order)
            form.addRow(tr("Refund amount"), self.yuan)
            form.addRow(tr("WeChat refund reason"), self.refund_reason)
            form.addRow("", self.clawback)
            self.order.currentIndexChanged.connect(self._pick_order)
            self._pick_order()
        form.addRow(tr("Reason"), self.reason)
        for widget in (
            self.amount,
            self.yuan,
            self.order,
            self.deduction,
            self.refund_reason,
            self.clawback,
            self.session_key,
        ):
            if widget.parent() is None:  # not on this action's form: still the dialog's, hidden
                widget.setParent(self)  # (deleted with it on the GUI thread: dashboard.lifetimes)
                widget.hide()
        self.effect = QLabel()
        self.effect.setWordWrap(True)
        self.limits = muted("")
        layout.addWidget(self.effect)
        layout.addWidget(self.limits)
        self.message = Inline()
        layout.addWidget(self.message)
        self.busy = Busy()
        layout.addWidget(self.busy)
        buttons = QDialogButtonBox()
        self.confirm = button("", kind="danger" if action in ("deduct", "refund") else "primary")
        self.confirm.setAutoDefault(False)
        self.confirm.setDefault(False)  # Enter in a field must never move money
        cancel = button(tr("Cancel"))
        buttons.addButton(self.confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)
        for widget in (self.confirm, cancel):  # Enter in a field must never move money
            widget.setAutoDefault(False)
            widget.setDefault(False)
        cancel.clicked.connect(self.reject)
        self.confirm.clicked.connect(self._confirm)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._confirm)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self._confirm)
        for signal in (
            self.amount.valueChanged,
            self.yuan.valueChanged,
            self.reason.currentTextChanged,
            self.clawback.toggled,
        ):
            signal.connect(self._update)
        self._running = False
        self.allow_repeat = False
        if order_id:
            index = self.order.findData(order_id, Qt.ItemDataRole.UserRole)
            for i in range(self.order.count()):
                if self.order.itemData(i)["order_id"] == order_id:
                    index = i
            if index >= 0:
                self.order.setCurrentIndex(index)
        self._update()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.confirm.setDefault(False)  # QDialog picks a default on show; never this one

    # ---- form state -----------------------------------------------------------------------

    def _recent_reasons(self) -> list[str]:
        value = QSettings().value("recent_reasons", [])
        return [str(v) for v in value] if isinstance(value, list) else []

    def _remember_reason(self, reason: str) -> None:
        recent = [reason, *[r for r in self._recent_reasons() if r != reason]][:10]
        QSettings().setValue("recent_reasons", recent)

    def _pick_deduction(self) -> None:
        data = self.deduction.currentData()
        if data:
            self.amount.setValue(int(data["amount"]))

    def _pick_order(self) -> None:
        data = self.order.currentData()
        if data:
            self.yuan.setValue(data["left_fee"] / 100)
            self.clawback.setEnabled(data.get("kind") == "coin")

    def _show_new_left_fee(self) -> None:
        """Another refund changed what is refundable: show the new amount (the desk has just
        read it from WeChat), so pressing again confirms that one, not the stale one."""
        data = self.order.currentData()
        if not data:
            return
        left = self.desk.left_fee(data["order_id"])
        if left is None:
            return
        data = {**data, "left_fee": left}
        index = self.order.currentIndex()
        self.order.setItemData(index, data)
        self.order.setItemText(
            index, f"{data['order_id']} — {tr('refundable')} {fmt.fen(data['left_fee'])}"
        )
        self.yuan.setValue(min(self.value(), left) / 100)

    def value(self) -> int:
        if self.action == "refund":
            return round(self.yuan.value() * 100)  # fen; the spin box holds two decimals
        return int(self.amount.value())

    def _valid(self) -> str:
        if self.action in ("gift", "deduct", "cancel") and self.value() <= 0:
            return tr("Enter a number of coins.")
        if self.action == "refund":
            data = self.order.currentData()
            if not data:
                return tr("This user has no refundable order.")
            if not 0 < self.value() <= data["left_fee"]:
                return tr("The refund must be more than ¥0 and at most the refundable amount.")
        if self.action == "cancel" and not self.deduction.currentData():
            return tr("This user has no deduction to cancel.")
        if not self.reason.currentText().strip():
            return tr("A reason is required.")
        return ""

    def _update(self) -> None:
        rate = self.desk.profile.coin_rate
        amount = self.value()
        verb, confirm = ACTIONS[self.action]
        if self.action == "refund":
            shown = fmt.fen(amount)
            effect = tr("Refund {amount} to the user.").format(amount=shown)
            data = self.order.currentData()
            if (
                data
                and self.clawback.isChecked()
                and data.get("kind") == "coin"
                and data.get("paid_fee")
            ):
                due = -(-data["quantity"] * amount // data["paid_fee"])
                effect += " " + tr(
                    "Then take back {coins} (the refunded share, rounded up), "
                    "once the refund has gone through."
                ).format(coins=fmt.coins(due))
        else:
            shown = fmt.coins(amount)
            effect = tr(verb) + " " + fmt.coins_value(amount, rate)
            if self.balance is not None:
                sign = 1 if self.action in ("gift", "cancel") else -1
                effect += "\n" + tr("Balance {before} → {after}").format(
                    before=fmt.coins(self.balance), after=fmt.coins(self.balance + sign * amount)
                )
        self.effect.setText(effect)
        limit_action = {"cancel": "cancel_deduction"}.get(self.action, self.action)
        per_action, left = self.desk.limit_left(limit_action)
        unit = fmt.fen if self.action == "refund" else fmt.coins
        parts = []
        if per_action is not None:
            parts.append(tr("Your limit per action: {limit}").format(limit=unit(per_action)))
        if left is not None:
            parts.append(tr("left today: {left}").format(left=unit(left)))
        self.limits.setText(" · ".join(parts))
        self.confirm.setText(tr(confirm).format(amount=shown))
        problem = self._valid()
        self.confirm.setEnabled(not problem and not self._running)
        self.confirm.setToolTip(problem)

    # ---- commit -----------------------------------------------------------------------------

    def _confirm(self) -> None:
        if self._valid() or self._running:
            return
        self._running = True
        self.confirm.setEnabled(False)
        self.busy.start()
        reason = self.reason.currentText().strip()
        self._remember_reason(reason)
        self.ctx.runner.run(
            self._call(reason),
            on_done=self._finished,
            on_error=self._failed,
            changes={"ledger", "orders", "refunds", "audit", "pending"},
        )

    def _call(self, reason: str) -> Coroutine[Any, Any, OpResult]:
        d, key = self.desk, self.request_key
        if self.action == "gift":
            return d.gift(
                self.openid,
                self.value(),
                reason=reason,
                request_key=key,
                allow_repeat=self.allow_repeat,
            )
        if self.action == "deduct":
            return d.deduct(
                self.openid,
                self.value(),
                reason=reason,
                request_key=key,
                session_key=self.session_key.text().strip(),
                allow_repeat=self.allow_repeat,
            )
        if self.action == "cancel":
            return d.cancel_deduction(
                self.openid,
                self.deduction.currentData()["wechat_id"],
                self.value(),
                reason=reason,
                request_key=key,
            )
        data = self.order.currentData()
        return d.refund(
            data["order_id"],
            self.value(),
            reason=reason,
            left_fee=int(data["left_fee"]),  # the refundable amount this dialog showed
            request_key=key,
            refund_reason=self.refund_reason.currentData(),
            clawback=self.clawback.isChecked() and self.clawback.isEnabled(),
            allow_repeat=self.allow_repeat,
        )

    def _finished(self, result: OpResult) -> None:
        self._running = False
        self.busy.stop()
        text = tr(STATE_TEXT.get(result.state, result.state))
        if result.state in ("done", "refunding", "waiting_refund"):
            self.ctx.notify.emit("ok", f"{result.wechat_id}: {text}")
            if self.on_done:
                self.on_done(result)
            self.accept()
            return
        self.message.show_message(
            "warn" if result.state in ("unknown", "prepared", "needs_login") else "error",
            f"{text}\n{result.message}",
        )
        self._update()

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.busy.stop()
        if getattr(exc, "kind", "") == "repeat":
            self.allow_repeat = True  # the operator confirms by pressing again
            self.message.show_message(
                "warn",
                f"{exc.message_zh}\n{exc.message_en}\n"  # type: ignore[attr-defined]
                + tr("Press the button again to do it anyway."),
            )
        elif self.action == "refund" and getattr(exc, "field", "") == "left_fee":
            self._show_new_left_fee()
            self.message.error(exc)
        else:
            self.message.error(exc)
        self._update()
