"""The money dialogs of the guide: title = verb + object, the exact effect in coins and yuan, the
balance before and after, the operator's limit and what is left today, a required reason (recent
ones offered), a confirm button that repeats action and amount, is not the default, is disabled
until the form is valid and while the action runs; Esc cancels, Ctrl+Enter confirms.

Every action that changes something at WeChat goes through one (gift, deduct, cancel a deduction,
refund, coin clawback, mark delivered). The form is checked as the operator types: what is wrong
is said beside the field it concerns and beside the disabled confirm button, before any click
(the operator's limits too). Tab goes amount → reason → optional fields, the masked session key
last. WeChat's refusals are said in the operator's language with their likely cause.

Opened with open() (window-modal, non-blocking), never exec() from inside a coroutine."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, QSettings, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core import validation
from core.errors import ValidationError, XPayDeskError
from dashboard import fmt, theme
from dashboard.connection import ended_reason, is_login_required, is_offline, paused_reason
from dashboard.context import AppContext
from dashboard.i18n import N_, tr
from dashboard.vocabulary import kind_and_quantity, word
from dashboard.widgets import Busy, Inline, button, muted

if TYPE_CHECKING:
    from core.operations import OpResult

ACTIONS = {
    "gift": (N_("Gift coins"), N_("Confirm gift of {amount}")),
    "deduct": (N_("Deduct coins"), N_("Confirm deduction of {amount}")),
    "cancel": (N_("Cancel deduction"), N_("Confirm cancelling {amount}")),
    "refund": (N_("Refund order"), N_("Confirm refund of {amount}")),
    "deliver": (N_("Mark delivered"), N_("Confirm delivery")),
    "clawback": (N_("Coin clawback"), N_("Confirm clawback of {amount}")),
}
POLICY_ACTION = {"cancel": "cancel_deduction"}  # the policy's name of a dialog's action
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
    "refunding": N_("Refund started; it is followed until it ends, then the coins come back"),
    "waiting_refund": N_("Waiting for the refund"),
    "unknown": N_(
        "Outcome unknown: nothing was retried with a new id. Resolve it from the pending list."
    ),
    "failed": N_("Failed"),
    "needs_login": N_("Waiting for the user to log in"),
    "prepared": N_("WeChat was busy; it will be retried with the same id"),
}
# a refund that takes no coins back (an item, or the clawback unticked)
REFUNDING_WITHOUT_COINS = N_("Refund started; it is followed until it ends")
# the likely cause of a WeChat refusal, said beside its meaning
LIKELY_CAUSE = {
    268490003: N_(
        "Likely cause: the session key is not this user's latest one (a pasted key, or one "
        "from before the user last opened the mini program), or this profile's AppKey does not "
        "match its environment. Leave the session key empty to use the stored one, or check "
        "the request in the Signature debugger."
    ),
    268490009: N_(
        "Likely cause: the user's session key has expired. It works again once the user opens "
        "the mini program."
    ),
    268490016: N_(
        "Likely cause: another refund of this order changed what is refundable. The dialog now "
        "shows the new amount."
    ),
}


def explain_error(errcode: int | None, fallback: str) -> str:
    """A WeChat refusal in the operator's language: errcode, meaning, what to do, likely cause."""
    if errcode is None:
        return fallback
    from core.errors import describe

    text = f"{errcode}: {describe(errcode).text(fmt.lang())}"
    cause = LIKELY_CAUSE.get(errcode)
    return f"{text}\n{tr(cause)}" if cause else text


def error_text(exc: BaseException) -> str:
    """Any error for the dialog's banner: the operator's language first (WeChat's errcodes with
    their likely cause), the other language below for whoever reads the copied details."""
    errcode = getattr(exc, "errcode", None)
    message = getattr(exc, "message", None)
    if errcode is not None:
        return explain_error(int(errcode), "") + "\n" + str(getattr(exc, "errmsg", ""))
    if callable(message):
        own = message(fmt.lang())
        other = message("zh_CN" if fmt.lang() == "en" else "en")
        return f"{own}\n{other}"
    return f"{type(exc).__name__}: {exc}"


# amounts read and shown with "," grouping and "." decimals in both languages, whatever the
# system's locale (a German one showed 100001 coins as "100.001" and read "1.5" as 15)
MONEY_LOCALE = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
GROUPED = re.compile(r"\d{1,3}(,\d{3})+|\d+")


class CoinSpinBox(QSpinBox):
    """Whole coins. A decimal (or a misplaced ",") typed stays on screen as typed and is
    refused, the value then being 0 (nothing to confirm): never silently 15 or 1."""

    def __init__(self) -> None:
        super().__init__()
        self.setLocale(MONEY_LOCALE)
        self.setGroupSeparatorShown(True)
        self.refused = ""  # the text typed that is not a whole number of coins

    def validate(self, text: str, pos: int) -> object:
        typed = text.strip()
        if typed and ("." in typed or ("," in typed and not GROUPED.fullmatch(typed))):
            self.refused = typed
            return QValidator.State.Acceptable, text, pos  # shown, and refused by the dialog
        self.refused = ""
        return super().validate(text, pos)

    def valueFromText(self, text: str) -> int:
        return 0 if self.refused else super().valueFromText(text)


def reasons_key(desk: Any) -> str:
    """Where the recent reasons are kept: one list per profile and operator (two operators
    sharing a computer, or one with two profiles, never see each other's)."""
    profile = getattr(desk, "profile", None)
    parts = (getattr(profile, "name", "") or "", getattr(profile, "operator", "") or "")
    clean = ["".join(c if c.isalnum() or c in "-_." else "_" for c in p) or "_" for p in parts]
    return "recent_reasons/{}/{}".format(*clean)


def red(label: QLabel) -> QLabel:
    label.setStyleSheet(f"color: {theme.RED};")
    label.setWordWrap(True)
    return label


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
        refund: dict[str, Any] | None = None,
        on_done: Callable[[OpResult], None] | None = None,
    ) -> None:
        super().__init__(parent)
        assert ctx.desk is not None
        self.ctx, self.desk, self.action, self.openid = ctx, ctx.desk, action, openid
        self.balance = balance
        self.refund_row = refund or {}
        self.order_id = order_id
        self.on_done = on_done
        self.request_key = f"ui:{action}:{uuid.uuid4()}"  # one dialog, one intent
        verb, _confirm = ACTIONS[action]
        subject = openid or order_id or str(self.refund_row.get("refund_order_id", ""))
        if action == "deliver":
            subject = order_id or ""
        self.setWindowTitle(f"{tr(verb)} — {fmt.elide(subject)}")
        self.setMinimumWidth(560)
        self.deductions = list(deductions or [])
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.amount = CoinSpinBox()
        self.amount.setRange(0, 10_000_000)
        self.amount.setAccessibleName(tr("Coins"))
        self.yuan = QDoubleSpinBox()
        self.yuan.setRange(0, 1_000_000)
        self.yuan.setDecimals(2)
        self.yuan.setPrefix("¥")
        self.yuan.setLocale(MONEY_LOCALE)
        self.yuan.setGroupSeparatorShown(True)
        self.yuan.setAccessibleName(tr("Refund amount"))
        self.amount_note = red(QLabel())  # what is wrong with the amount, beside it
        self.amount_note.setAccessibleName(tr("Amount problem"))
        self.order = QComboBox()
        self.order.setAccessibleName(tr("Order"))
        # closed, it shows the chosen order whole (its id is compared by eye): as wide as it
        self.order.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.order.setPlaceholderText(tr("Choose the order to refund"))
        self.deduction = QComboBox()
        self.deduction.setAccessibleName(tr("Deduction"))
        self.refund_reason = QComboBox()
        self.refund_reason.setAccessibleName(tr("WeChat refund reason"))
        for code, label in REFUND_REASONS:
            self.refund_reason.addItem(tr(label), code)
        self.clawback = QCheckBox(tr("Also take back the refunded coins (clawback)"))
        self.clawback.setChecked(True)
        self.clawback_note = muted("")
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.setAccessibleName(tr("Reason"))
        self.reason.setMinimumWidth(280)  # as wide in Chinese as in English, whatever is recent
        self.reason.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.reason.lineEdit().setPlaceholderText(tr("Required: why (kept in the audit log)"))
        self.reason.addItems(self._recent_reasons())
        self.reason.setCurrentText("")
        self.reason_note = red(QLabel())
        self.reason_note.setAccessibleName(tr("Reason problem"))
        self.session_key = QLineEdit()
        self.session_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.session_key.setPlaceholderText(tr("Optional: paste a session key for this action"))
        self.session_key.setAccessibleName(tr("Session key"))
        self.key_note = red(QLabel())  # what is wrong with a pasted key (never the key itself)
        self.key_note.setAccessibleName(tr("Session key problem"))
        self.subject = QLabel()  # what the action is about (deliver, clawback)
        self.subject.setWordWrap(True)
        self.subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        def beside(field: QWidget, note: QLabel) -> QWidget:
            row = QWidget()
            box = QHBoxLayout(row)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(field, 2 if field in (self.reason, self.session_key) else 0)
            box.addWidget(note, 1)
            return row

        # rows in the order Tab follows: what it is about, amount, reason, optional fields
        chain: list[QWidget] = []
        # team mode: this amount waits for a second operator (said before the click)
        self.approval_note = QLabel()
        self.approval_note.setObjectName("approvalNote")
        self.approval_note.setWordWrap(True)
        self.approval_note.setStyleSheet(f"color: {theme.ORANGE}; font-weight: 600;")
        self.approval_note.setAccessibleName(tr("Needs approval"))
        self.approval_note.hide()
        if action in ("gift", "deduct"):
            form.addRow(tr("Coins"), beside(self.amount, self.amount_note))
            form.addRow("", self.approval_note)
            chain.append(self.amount)
        elif action == "cancel" and self.deductions:
            for d in self.deductions:
                self.deduction.addItem(f"{d['wechat_id']} — {fmt.coins(d['amount'])}", d)
            form.addRow(tr("Deduction"), self.deduction)
            form.addRow(tr("Coins"), beside(self.amount, self.amount_note))
            chain += [self.deduction, self.amount]
            self.deduction.currentIndexChanged.connect(self._pick_deduction)
            self._pick_deduction()
        elif action == "cancel":  # nothing to cancel: said, not an empty form
            form.addRow("", self.amount_note)
        elif action == "refund":
            for o in orders or []:
                if o["left_fee"] > 0:
                    self.order.addItem(self._order_text(o), o)
            form.addRow(tr("Order"), self.order)
            form.addRow(tr("Refund amount"), beside(self.yuan, self.amount_note))
            form.addRow("", self.approval_note)
            chain += [self.order, self.yuan]
        elif action in ("deliver", "clawback"):
            form.addRow(tr("Order") if action == "deliver" else tr("Refund"), self.subject)
            if action == "clawback":
                self.amount.setValue(int(self.refund_row.get("coins_outstanding") or 0))
                self.amount.setReadOnly(True)  # what is still owed: not the operator's choice
                self.amount.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                form.addRow(tr("Coins"), beside(self.amount, self.amount_note))
        form.addRow(tr("Reason"), beside(self.reason, self.reason_note))
        chain.append(self.reason)
        if action == "refund":
            form.addRow(tr("WeChat refund reason"), self.refund_reason)
            form.addRow("", self.clawback)
            form.addRow("", self.clawback_note)
            chain += [self.refund_reason, self.clawback]
        if action in ("deduct", "clawback"):
            form.addRow(tr("Session key"), beside(self.session_key, self.key_note))  # optional
            chain.append(self.session_key)
        for widget in (
            self.amount,
            self.amount_note,
            self.yuan,
            self.order,
            self.deduction,
            self.refund_reason,
            self.clawback,
            self.clawback_note,
            self.session_key,
            self.key_note,
            self.subject,
            self.approval_note,
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
        bottom = QHBoxLayout()
        self.why = red(QLabel())  # why confirm is disabled, where the operator looks for it
        self.why.setAccessibleName(tr("Why confirm is disabled"))
        bottom.addWidget(self.why, 1)
        buttons = QDialogButtonBox()
        self.confirm = button(
            "", kind="danger" if action in ("deduct", "refund", "clawback") else "primary"
        )
        cancel = button(tr("Cancel"))
        buttons.addButton(self.confirm, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        for widget in (self.confirm, cancel):  # Enter in a field must never move money
            widget.setAutoDefault(False)
            widget.setDefault(False)
        chain += [self.confirm, cancel]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.first_field = chain[0]
        if action == "cancel":  # the deduction and its amount are filled in: the reason is next
            self.first_field = self.reason
        cancel.clicked.connect(self.reject)
        self.confirm.clicked.connect(self._confirm)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._confirm)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self._confirm)
        # a field's problem is said in grey until the operator has typed in it, then in red:
        # nothing is wrong yet when the dialog opens (connected first: known before _update)
        self._touched: set[str] = set()
        for signal, touched in (
            (self.amount.lineEdit().textEdited, "amount"),
            (self.yuan.lineEdit().textEdited, "amount"),
            (self.session_key.textEdited, "key"),
            (self.reason.lineEdit().textEdited, "reason"),
            (self.reason.activated, "reason"),
        ):
            signal.connect(lambda *_args, field=touched: self._touched.add(field))
        for signal in (
            self.amount.valueChanged,
            self.amount.lineEdit().textChanged,  # a refused text leaves the value as it was
            self.yuan.valueChanged,
            self.session_key.textChanged,
            self.reason.currentTextChanged,
            self.clawback.toggled,
        ):
            signal.connect(self._update)
        self._running = False
        self.allow_repeat = False
        self.sent_for_approval: dict[str, Any] | None = None  # the request this dialog sent
        self.cancel_button = cancel
        ctx.changes.connect(self._connection_changed)  # the team server went away or came back
        if action == "refund":
            self.order.currentIndexChanged.connect(self._pick_order)
            index = next(
                (
                    i
                    for i in range(self.order.count())
                    if self.order.itemData(i)["order_id"] == order_id
                ),
                -1,
            )
            if index < 0 and self.order.count() == 1:
                index = 0  # the user's only refundable order
            # the order the operator came from; none is chosen for them otherwise
            self.order.setCurrentIndex(index)
            self._pick_order()
            if index >= 0:  # the order is chosen: the amount is the first thing to look at
                self.first_field = self.yuan
        self._describe_subject(orders or [])
        if action != "deliver" and self.balance is None and self.openid:
            self._ask_balance()  # before and after, wherever the dialog was opened from
        if action == "refund":  # as wide as the chosen order's whole line: its id is never cut
            self.order.setMinimumWidth(self.order.sizeHint().width())
            self.setMinimumWidth(max(560, layout.minimumSize().width()))
        self._update()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.confirm.setDefault(False)  # QDialog picks a default on show; never this one
        self.first_field.setFocus()

    # ---- form state -----------------------------------------------------------------------

    def _recent_reasons(self) -> list[str]:
        value = QSettings().value(reasons_key(self.desk), [])
        return [str(v) for v in value] if isinstance(value, list) else []

    def _remember_reason(self, reason: str) -> None:
        recent = [reason, *[r for r in self._recent_reasons() if r != reason]][:10]
        QSettings().setValue(reasons_key(self.desk), recent)

    @staticmethod
    def _order_text(o: dict[str, Any]) -> str:
        """Kind, date, paid, refundable and what it granted: enough to pick the right one."""
        kind = str(o.get("kind") or "coin")
        return " · ".join(
            [
                fmt.when(o.get("paid_time"))[:16],
                word("order_kind", kind),
                tr("paid {amount}").format(amount=fmt.fen(o.get("paid_fee"))),
                tr("refundable {amount}").format(amount=fmt.fen(o["left_fee"])),
                kind_and_quantity(kind, o.get("quantity")),
                str(o["order_id"]),
            ]
        )

    def _describe_subject(self, orders: list[dict[str, Any]]) -> None:
        if self.action == "deliver":
            o = orders[0] if orders else {}
            kind = str(o.get("kind") or "item")
            self.subject.setText(
                f"{self.order_id}\n"
                + " · ".join(
                    [
                        word("order_kind", kind),
                        kind_and_quantity(kind, o.get("quantity")),
                        tr("paid {amount}").format(amount=fmt.fen(o.get("paid_fee"))),
                        fmt.status_text(int(o.get("status", 2)))[0],
                    ]
                )
            )
        elif self.action == "clawback":
            r = self.refund_row
            self.subject.setText(
                f"{r.get('refund_order_id', '')}\n"
                + tr("Order {order} · refunded {fee}").format(
                    order=r.get("order_id", ""), fee=fmt.fen(r.get("refund_fee"))
                )
                + "\n"
                + tr("Coins due {due} · taken {taken} · outstanding {left}").format(
                    due=fmt.coins(r.get("coins_due")),
                    taken=fmt.coins(r.get("coins_taken")),
                    left=fmt.coins(r.get("coins_outstanding")),
                )
            )

    def _ask_balance(self) -> None:
        """A clawback takes what the user still has: the balance now, asked in the background
        (no session key stored: the effect says the balance is unknown)."""

        def got(balance: int | None) -> None:
            try:
                self.balance = balance
                self._update()
            except RuntimeError:  # the dialog was closed and deleted meanwhile
                pass

        self.ctx.runner.run(
            self.desk.live_balance(self.openid), on_done=got, on_error=lambda e: None
        )

    def _pick_deduction(self) -> None:
        data = self.deduction.currentData()
        if data:
            self.amount.setValue(int(data["amount"]))

    def _pick_order(self) -> None:
        data = self.order.currentData()
        if not data:
            self.clawback.setEnabled(False)
            return
        self.yuan.setValue(data["left_fee"] / 100)
        coin = data.get("kind", "coin") == "coin"
        self.clawback.setEnabled(coin)
        self.clawback.setChecked(coin)  # items have no coins to take back
        self.clawback_note.setText("" if coin else tr("An item purchase: no coins to take back."))
        self._update()

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
        self.order.setItemText(index, self._order_text(data))
        self.yuan.setValue(min(self.value(), left) / 100)

    def value(self) -> int:
        if self.action == "refund":
            return round(self.yuan.value() * 100)  # fen; the spin box holds two decimals
        if self.action == "deliver":
            return 0
        return int(self.amount.value())

    def _policy_problem(self) -> str:
        action = POLICY_ACTION.get(self.action, self.action)
        amount = self.value() if action in ("gift", "deduct", "refund") else 0
        problem = self.desk.policy_problem(action, amount)
        if problem is None:
            return ""
        return problem[1] if fmt.lang() == "en" else problem[0]

    def _problems(self) -> tuple[str, str]:
        """(what is wrong with the amount or the subject, what is wrong with the reason)."""
        amount = ""
        took = self._took()
        if self.action == "cancel" and not self.deduction.currentData():
            amount = tr("This user has no deduction to cancel.")
        elif self.action in ("gift", "deduct", "cancel") and self.amount.refused:
            amount = tr("Whole coins only: “{typed}” is not a number of coins.").format(
                typed=self.amount.refused
            )
        elif self.action in ("gift", "deduct", "cancel") and self.value() <= 0:
            amount = tr("Enter a number of coins.")
        elif took is not None and self.value() > took:
            amount = tr("More than the {took} this deduction took.").format(took=fmt.coins(took))
        elif self.action == "refund":
            data = self.order.currentData()
            if self.order.count() == 0:
                amount = tr("This user has no refundable order.")
            elif not data:
                amount = tr("Choose the order to refund.")
            elif self.value() <= 0:
                amount = tr("Enter an amount more than ¥0.")
            elif self.value() > data["left_fee"]:
                amount = tr("More than the refundable {left} of this order.").format(
                    left=fmt.fen(data["left_fee"])
                )
        elif self.action == "clawback":
            why = self.refund_row.get(
                "clawback_why_not_en" if fmt.lang() == "en" else "clawback_why_not_zh"
            )
            if why:
                amount = str(why)
            elif self.value() <= 0:
                amount = tr("No coins are outstanding.")
        if not amount:
            amount = self._policy_problem()
        if not amount and is_offline(self.desk):  # nothing is queued: refused until it is back
            amount = paused_reason()
        reason = "" if self.reason.currentText().strip() else tr("A reason is required.")
        return amount, reason

    def _took(self) -> int | None:
        """What the chosen deduction took: a cancellation gives back at most that."""
        data = self.deduction.currentData() if self.action == "cancel" else None
        return int(data["amount"]) if data else None

    def _key_problem(self) -> str:
        """A pasted session key must look like one (checked again in core before the intent)."""
        pasted = self.session_key.text().strip()
        if self.action not in ("deduct", "clawback") or not pasted:
            return ""
        try:
            validation.session_key(pasted)
        except ValidationError:
            return tr(
                "The pasted session key is malformed: WeChat's are 24 characters of base64. "
                "Copy it again, or leave it empty to use the stored key."
            )
        return ""

    def _valid(self) -> str:
        amount, reason = self._problems()
        return amount or reason or self._key_problem()

    def _balance_words(self) -> str:
        """An amount that needs approval moves nothing on click: its balance is "after
        approval", never said as what the click does."""
        if self._needs_approval():
            return tr("Balance after approval {before} → {after} (nothing moves until then)")
        return tr("Balance {before} → {after}")

    def _effect(self, problem: str) -> str:
        rate = self.desk.profile.coin_rate
        amount = self.value()
        if self.action == "deliver":
            return tr(
                "Tell WeChat that order {order} has been delivered; the order becomes "
                "“Delivered”. No money moves."
            ).format(order=self.order_id)
        if self.action == "clawback":
            if self.balance is None:
                balance = tr("The user's balance is unknown (no usable session key stored).")
            else:
                take = min(amount, self.balance)
                balance = tr("Balance {before} → {after}").format(
                    before=fmt.coins(self.balance), after=fmt.coins(self.balance - take)
                )
                if take < amount:
                    balance += " · " + tr("{left} stay outstanding (already spent).").format(
                        left=fmt.coins(amount - take)
                    )
            return (
                tr(
                    "Take back {coins} from the user (the refunded share of the order's coins)."
                ).format(coins=fmt.coins_value(amount, rate))
                + "\n"
                + balance
            )
        if self.action == "refund":
            data = self.order.currentData()
            if problem or not data:  # never promise what cannot happen
                if data:
                    return tr("At most {left} of this order can be refunded.").format(
                        left=fmt.fen(data["left_fee"])
                    )
                return tr("Choose the order to refund.")
            effect = tr("Refund {amount} to the user.").format(amount=fmt.fen(amount))
            if self.clawback.isChecked() and self.clawback.isEnabled() and data.get("paid_fee"):
                from core.operations import coins_to_claw_back

                granted = int(data.get("quantity") or data["paid_fee"] * rate // 100)
                due = coins_to_claw_back(granted, int(data["paid_fee"]), amount)
                effect += "\n" + tr(
                    "Then take back {coins} (the refunded share, rounded up), "
                    "once the refund has gone through."
                ).format(coins=fmt.coins(due))
                if self.balance is None:
                    effect += "\n" + tr(
                        "The user's balance is unknown (no usable session key stored)."
                    )
                else:
                    take = min(due, self.balance)
                    effect += "\n" + self._balance_words().format(
                        before=fmt.coins(self.balance), after=fmt.coins(self.balance - take)
                    )
                    if take < due:
                        effect += " · " + tr("{left} stay outstanding (already spent).").format(
                            left=fmt.coins(due - take)
                        )
            return effect
        if self.action == "cancel" and self._took() is None:
            return ""  # nothing to cancel: the note says so
        verb, _confirm = ACTIONS[self.action]
        effect = tr(verb) + " " + fmt.coins_value(amount, rate)
        if problem:  # never promise a balance that cannot be reached
            return effect
        if self.balance is not None:
            sign = 1 if self.action in ("gift", "cancel") else -1
            effect += "\n" + self._balance_words().format(
                before=fmt.coins(self.balance), after=fmt.coins(self.balance + sign * amount)
            )
        return effect

    def _update(self) -> None:
        """The form as it is now. A session the server has ended (LoginRequired from any read
        here) is said in the dialog and to the window (its banner offers to log in again),
        never as an unexpected error: confirm stays disabled."""
        try:
            self._refresh()
        except XPayDeskError as exc:
            if not is_login_required(exc):
                raise
            self._session_ended(exc)

    def _session_ended(self, exc: XPayDeskError) -> None:
        text = ended_reason()
        self.confirm.setEnabled(False)
        self.confirm.setToolTip(text)
        self.why.setText(text)
        self.why.setStyleSheet(f"color: {theme.RED};")
        self._fit()
        self.ctx.runner.failed.emit(exc)  # the window's banner: session ended, log in again

    def _refresh(self) -> None:
        amount = self.value()
        amount_problem, reason_problem = self._problems()
        key_problem = self._key_problem()
        problem = amount_problem or reason_problem or key_problem
        self.amount_note.setText(amount_problem)
        self.reason_note.setText(reason_problem)
        self.key_note.setText(key_problem)
        touched = getattr(self, "_touched", set())
        for note, field in (
            (self.amount_note, "amount"),
            (self.reason_note, "reason"),
            (self.key_note, "key"),
        ):
            note.setStyleSheet(f"color: {theme.RED if field in touched else theme.GREY};")
        self.effect.setText(self._effect(amount_problem))
        _verb, confirm = ACTIONS[self.action]
        shown = fmt.fen(amount) if self.action == "refund" else fmt.coins(amount)
        policy_action = POLICY_ACTION.get(self.action, self.action)
        per_action, left = self.desk.limit_left(policy_action)
        unit = fmt.fen if self.action == "refund" else fmt.coins
        parts = []
        if per_action is not None:
            parts.append(tr("Your limit per action: {limit}").format(limit=unit(per_action)))
        if left is not None:
            parts.append(tr("left today: {left}").format(left=unit(left)))
        if self.action == "clawback":
            parts.append(tr("A clawback takes back what a refund gave: no coin limit applies."))
        took = self._took()
        if took is not None:
            parts.append(tr("At most the {took} this deduction took").format(took=fmt.coins(took)))
        self.limits.setText(" · ".join(parts))
        confirm_text = tr(confirm).format(amount=shown)
        waits = not amount_problem and self._needs_approval()
        self.approval_note.setVisible(waits)
        if waits:
            self.approval_note.setText(
                tr(
                    "This amount needs approval: confirming sends a request, and nothing "
                    "moves until another finance or admin operator approves it."
                )
            )
            confirm_text = tr("Request approval: {action}").format(action=confirm_text)
        self.confirm.setText(confirm_text)
        sent = self.sent_for_approval is not None
        if sent:  # sent: pressing again would ask twice (a notice, not an error)
            problem = tr("Sent for approval.")
        self.confirm.setEnabled(not problem and not self._running)
        self.confirm.setToolTip(problem)
        self.why.setText(problem)
        colour = theme.ORANGE if sent else theme.RED if touched else theme.GREY
        self.why.setStyleSheet(f"color: {colour};")
        self._fit()

    def _fit(self) -> None:
        """Grows the dialog to show every wrapped line (notes, banner): a top-level window does
        not follow its labels' height for its width by itself, so long texts were clipped."""
        layout = self.layout()
        for _round in range(3):  # a taller note may narrow nothing, but widths settle in rounds
            layout.invalidate()
            layout.activate()
            grown = False
            # a wrapped note beside its field (the form's row takes the field's one-line
            # height): each is given the height its text needs at the width it has
            for label in self.findChildren(QLabel):
                if not label.wordWrap() or label.isHidden() or not label.text():
                    continue
                need = label.heightForWidth(label.width())
                if need > label.minimumHeight() or need < label.minimumHeight() - 1:
                    label.setMinimumHeight(max(need, 0))
                    grown = True
            needed = layout.totalHeightForWidth(self.width())
            if needed > self.height():
                self.resize(self.width(), needed)
            if not grown:
                break

    # ---- commit -----------------------------------------------------------------------------

    def _confirm(self) -> None:
        if self._valid() or self._running:
            return
        self._running = True
        self.confirm.setEnabled(False)
        self.busy.start()
        self.message.hide()
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
        if self.action == "deliver":
            assert self.order_id is not None
            return d.deliver(self.order_id, reason=reason, request_key=key)
        if self.action == "clawback":
            return d.start_clawback(
                str(self.refund_row["refund_order_id"]),
                reason=reason,
                request_key=key,
                session_key=self.session_key.text().strip(),
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

    def _success_text(self, result: OpResult) -> str:
        if self.action == "deliver":
            return tr("Order {order} marked as delivered").format(order=self.order_id)
        verb, _confirm = ACTIONS[self.action]
        amount = fmt.fen(self.value()) if self.action == "refund" else fmt.coins(self.value())
        if self.action == "clawback":
            amount = fmt.coins(int(result.outcome.get("take", self.value())))
        state = tr(STATE_TEXT.get(result.state, result.state))
        if self.action == "refund" and result.state == "refunding" and not self._clawing_back():
            state = tr(REFUNDING_WITHOUT_COINS)  # an item, or the clawback unticked: no coins
        return f"{tr(verb)} {amount}: {state}"

    def _clawing_back(self) -> bool:
        return self.clawback.isChecked() and self.clawback.isEnabled()

    def _finished(self, result: OpResult) -> None:
        self._running = False
        self.busy.stop()
        if result.state == "failed":  # that intent is closed: pressing again is a new one
            self.request_key = f"ui:{self.action}:{uuid.uuid4()}"
        if result.state == "awaiting_approval":
            self._awaiting_approval(result)
            return
        if result.state in ("done", "refunding", "waiting_refund"):
            self.ctx.notify.emit("ok", self._success_text(result))
            if self.on_done:
                self.on_done(result)
            self.accept()
            return
        state = word("state", result.state)
        detail = explain_error(result.errcode, tr(STATE_TEXT.get(result.state, result.state)))
        self.message.show_message(
            "warn" if result.state in ("unknown", "prepared", "needs_login") else "error",
            f"{state}\n{detail}\n{result.message}",
        )
        self._update()

    def _needs_approval(self) -> bool:
        """Will the team server keep this as a request for a second operator? (A solo desk:
        never.) Asked with the amount as it is now, before the click."""
        check = getattr(self.desk, "needs_approval", None)
        action = POLICY_ACTION.get(self.action, self.action)
        if check is None or self.action not in ("gift", "deduct", "refund") or self.value() <= 0:
            return False
        try:
            return bool(check(action, self.value()))
        except XPayDeskError:  # the thresholds could not be read: the server says it after
            return False

    def _awaiting_approval(self, result: OpResult) -> None:
        """Not done and not an error: a request now waits for another operator. The dialog
        says so, and stays until closed (pressing again would ask a second time)."""
        approval = result.outcome.get("approval") if isinstance(result.outcome, dict) else None
        self.sent_for_approval = approval or {}
        ident = str((approval or {}).get("id") or "")
        text = tr(
            "Sent for approval (request {id}): nothing has moved yet. It runs when another "
            "finance or admin operator approves it; follow it on the Approvals page."
        ).format(id=ident)
        self.message.show_message("warn", text)
        self.ctx.notify.emit("warn", text)
        self.ctx.changes.emit({"approvals", "pending"})
        self.cancel_button.setText(tr("Close"))
        self._update()

    def _connection_changed(self, what: set[str]) -> None:
        if "connection" in what:
            self._update()
        if "approvals" in what and self.sent_for_approval:
            self._follow_approval()

    def _follow_approval(self) -> None:
        """The request this dialog sent, as it is now (the server's `approval` events): decided,
        and then its action's own state, until it ends (an approved refund: done)."""
        ident = str((self.sent_for_approval or {}).get("id") or "")
        try:
            found = [a for a in self.desk.approvals(mine=True, waiting=False) if a.id == ident]
        except XPayDeskError:
            return
        if not found or found[0].waiting:
            return
        approval = found[0]
        said = word("approval_state", approval.state)
        failure = approval.failure(fmt.lang())
        state = (approval.result or {}).get("state")
        if failure:
            said += f" · {failure}"
        elif state:
            said += f" · {word('state', state)}"
        text = tr("Request {id}: {state}").format(id=ident, state=said)
        kind = {"approved": "ok", "failed": "error"}.get(approval.state, "warn")
        self.message.show_message(kind, text)

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.busy.stop()
        if getattr(exc, "kind", "") == "repeat":
            self.allow_repeat = True  # the operator confirms by pressing again
            self.message.show_message(
                "warn",
                error_text(exc) + "\n" + tr("Press the button again to do it anyway."),
            )
        elif self.action == "refund" and getattr(exc, "field", "") == "left_fee":
            self._show_new_left_fee()
            self.message.show_message("error", error_text(exc))
        else:
            self.message.show_message("error", error_text(exc))
        self._update()
