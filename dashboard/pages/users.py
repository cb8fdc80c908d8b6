"""Users: look up an openid; the card with the live balance and session-key state; the timeline
with the raw record behind each entry; the money actions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.operations.policy import AMOUNT_UNIT
from core.vocabulary import said_with
from dashboard import fmt
from dashboard.i18n import N_, tr
from dashboard.lifetimes import retire
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.vocabulary import kind_and_quantity, word
from dashboard.widgets import Badge, Card, IdLabel, Table, button, muted

TIMELINE = [
    Col("at", "When", "rel", 110),
    Col("kind_label", "Event", "text", 170),
    Col("signed_amount", "Yuan or coins", "signed", 120),
    Col("ref", "Reference", "id", 180),
    Col("status_label", "Status", "text", 130),
    Col("summary", "Details", "text", 260),
]
ATTENTION_COLUMNS = [  # the long words last: they take what is left, Since always in view
    Col("openid", "openid", "id", 170),
    Col("at", "Since", "rel", 110),
    Col("why_label", "Needs", "text", 260),
]
RECENT_COLUMNS = [
    Col("openid", "openid", "id", 170),
    Col("last_label", "Last activity", "text", 150),
    Col("at", "When", "rel", 110),
]
if TYPE_CHECKING:
    from core.desk import UserView
    from core.mirror.queries import TimelineEntry

# query_user_balance's sum_cost: WeChat counts every currency_pay, a clawback's included
WECHAT_SUM_COST = N_("Spent in total as WeChat reports it, clawbacks included")
KEY_COLOURS = {"fresh": "green", "stale": "red", "unknown": "grey", "missing": "grey"}


def push_facts(e: TimelineEntry) -> tuple[int | None, str]:
    """A saved push's money (fen; negative for a refund) and what it says, from the message
    WeChat sent: the push row itself keeps only ids. A rejected push says nothing."""
    if e.status != "accept":
        return None, tr("Not trusted: failed the checks")
    try:
        message = json.loads(json.loads(e.raw).get("message") or "{}")
    except (ValueError, AttributeError):
        return None, ""
    if not isinstance(message, dict):
        return None, ""
    bought = message.get("CoinInfo") or message.get("GoodsInfo")
    if isinstance(bought, dict) and str(bought.get("ActualPrice", "")).isdigit():
        kind = "coin" if "CoinInfo" in message else "item"
        quantity = str(bought.get("Quantity", ""))
        words = kind_and_quantity(kind, int(quantity)) if quantity.isdigit() else ""
        product = str(bought.get("ProductId") or "") if kind == "item" else ""
        return int(bought["ActualPrice"]), " · ".join(x for x in (product, words) if x)
    fee = str(message.get("RefundFee", ""))
    if fee.isdigit():
        outcome = tr("succeeded") if str(message.get("RetCode", "0")) == "0" else tr("failed")
        order = tr("Order {id}").format(id=message.get("MchOrderId", ""))
        return -int(fee), f"{order} · {outcome}"
    return None, ""


def entry_words(e: TimelineEntry) -> tuple[str, str, str]:
    """(event, status, details) of a timeline entry, in the glossary's words."""
    info = e.info
    if e.kind == "order":
        event = word("order_kind", info.get("order_kind", "coin"))
        status = fmt.status_text(int(e.status))[0] if e.status.isdigit() else e.status
        quantity = kind_and_quantity(str(info.get("order_kind")), info.get("quantity"))
        # an item's product id says what was bought; a top-up's says nothing its coins don't
        product = str(info.get("product_id") or "") if info.get("order_kind") == "item" else ""
        details = f"{product} · {quantity}" if product else quantity
    elif e.kind == "refund":
        event, status = word("action", "refund"), word("refund_status", e.status)
        details = tr("Order {id}").format(id=info.get("order_id", ""))
    elif e.kind == "push":
        event = word("push_event", info.get("event", ""))
        status = word("push_verdict", e.status)
        details = push_facts(e)[1]
    elif e.kind == "audit" and info.get("approval"):
        return approval_words(e)
    elif e.kind == "audit" and info.get("action") == "refused":
        return refused_words(e)
    elif e.kind == "audit":
        event = word("action", info.get("action", ""))
        status = word("audit_result", e.status)
        details = " · ".join(x for x in (str(info.get("operator") or ""), e.summary) if x)
    else:  # a ledger row: gift, deduct, cancel, clawback
        event, status = word("action", e.kind), word("state", e.status)
        # a clawback's reason is the desk's own "中文 / English": the operator's half
        reason = fmt.own_language(e.summary) if e.kind == "clawback" else e.summary
        details = " · ".join(x for x in (str(info.get("operator") or ""), reason) if x)
    return event, status, details


def refused_words(e: TimelineEntry) -> tuple[str, str, str]:
    """An attempt the team server refused: what was tried (the action and its amount, said
    once; nothing moved, so the amount column stays empty) and why, in the operator's words."""
    try:
        params = json.loads(e.raw or "{}")
    except ValueError:
        params = {}
    tried = str(params.get("endpoint") or "")
    event = word("action", tried) if tried else word("action", "refused")
    amount = params.get("amount")
    said = ""
    if isinstance(amount, int) and amount > 0:
        said = fmt.fen(amount) if AMOUNT_UNIT.get(tried) == "fen" else fmt.coins(amount)
    details = " · ".join(x for x in (str(e.info.get("operator") or ""), said) if x)
    return event, word("audit_result", e.status), details


def approval_words(e: TimelineEntry) -> tuple[str, str, str]:
    """An approval request (team mode) as it is now: its state, who asked, who decided and why
    (core.mirror.queries folds the decision rows into the request's entry)."""
    info = e.info
    event = word("action", info.get("action", ""))
    if info.get("endpoint"):
        event += f" · {word('action', info['endpoint'])}"
    if info.get("action") == "approval_requested":
        failure = info.get("failure") or {}
        why = str(failure.get("en" if fmt.lang() == "en" else "zh_CN") or "")
        status = said_with(word("approval_state", e.status), why, fmt.lang())
    else:
        status = word("audit_result", e.status)
    parts = [tr("asked by {who}").format(who=info.get("operator") or "—")]
    if info.get("decided_by"):
        parts.append(tr("decided by {who}").format(who=info["decided_by"]))
    if info.get("decision_reason"):
        parts.append(str(info["decision_reason"]))
    if info.get("clawback_coins"):
        parts.append(tr("then take back {coins}").format(coins=fmt.coins(info["clawback_coins"])))
    return event, status, " · ".join(parts)


class UsersPage(Page):
    name = "users"
    heading = N_("Users")
    watches = frozenset({"ledger", "refunds", "orders", "audit", "pushes", "complaints"})

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        bar = QHBoxLayout()
        self.openid = QLineEdit()
        self.openid.setPlaceholderText(tr("openid, e.g. oXpd12…"))
        self.openid.setAccessibleName(tr("openid"))
        self.openid.returnPressed.connect(self.look_up)
        self.lookup = button(tr("Look up"), kind="primary")
        self.lookup.clicked.connect(self.look_up)
        self.back = button(tr("All users"))
        self.back.clicked.connect(self.show_overview)
        self.back.hide()
        bar.addWidget(self.back)
        bar.addWidget(self.openid, 1)
        bar.addWidget(self.lookup)
        self.root.addLayout(bar)
        self.overview = self._overview()
        self.root.addWidget(self.overview, 1)

        self.body = QWidget()
        body = QHBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        self.card = Card(tr("User"))
        grid = QGridLayout()
        self.card.body.addLayout(grid)
        self.id_label = IdLabel(whole=True)
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
                ("sum_cost", N_("Spent in total (as WeChat reports)")),
                ("first_save_flag", N_("First top-up offer")),
            ],
            start=2,
        ):
            name = muted(tr(label))
            grid.addWidget(name, row, 0)
            self.fields[key] = QLabel("—")
            grid.addWidget(self.fields[key], row, 1)
            if key == "sum_cost":  # WeChat's own figure: a clawback is a payment to it
                for widget in (name, self.fields[key]):
                    widget.setToolTip(tr(WECHAT_SUM_COST))
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
        # back to the orders: this user's orders on the Orders page
        orders_text = tr("This user's orders")  # a plain apostrophe: ’ spaced oddly in CJK fonts
        self.orders_link = QLabel(f'<a href="orders">{orders_text} →</a>')
        self.orders_link.setAccessibleName(tr("This user's orders"))
        self.orders_link.linkActivated.connect(self.open_orders)
        self.card.body.addWidget(self.orders_link)
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
        self.table.doubleClicked.connect(self._open_entry)
        self.table.setToolTip(tr("Double-click an order or refund to open it on its page."))
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setAccessibleName(tr("Raw record"))
        self.raw.setPlaceholderText(
            tr("Select an entry to see the records behind it (the action, its audit rows).")
        )
        split.addWidget(self.table)
        split.addWidget(self.raw)
        split.setSizes([420, 160])
        body.addWidget(split, 1)
        self.root.addWidget(self.body, 1)
        self.body.hide()
        self.view: UserView | None = None
        self.select_when_shown = ""  # an entry a search found: selected once the user shows
        self.wanted = ""  # the openid last asked for

    # ---- the overview: who needs the desk, who was here lately ------------------------------

    def _overview(self) -> QWidget:
        pane = QWidget()
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 0, 0)
        self.empty = muted(
            tr(
                "Enter an openid to see the user's balance, session key and "
                "everything that happened to them; or open one of the users below."
            )
        )
        layout.addWidget(self.empty)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.lists: dict[str, tuple[Table, RowsModel]] = {}
        for key, heading, columns in (
            ("attention", N_("Needs attention"), ATTENTION_COLUMNS),
            ("recent", N_("Recent users"), RECENT_COLUMNS),
        ):
            card = Card(tr(heading))
            table = Table(f"users_{key}")
            model = RowsModel(columns, parent=self)
            table.setModel(model)
            for n, col in enumerate(columns):
                table.setColumnWidth(n, col.width)
            table.doubleClicked.connect(lambda _i, k=key: self._open_listed(k))
            table.activated.connect(lambda _i, k=key: self._open_listed(k))
            card.body.addWidget(table, 1)
            split.addWidget(card)
            self.lists[key] = (table, model)
        layout.addWidget(split, 1)
        return pane

    def on_ready(self) -> None:
        self.refresh_overview()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.view is None:  # the lists are read again each time the page is opened
            self.refresh_overview()

    def refresh_overview(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        from dashboard.offline import ServerUnreachable, unreachable_empty

        try:
            attention, recent = desk.users_overview()
        except ServerUnreachable:  # a team server away, nothing kept: the lists stay as they are
            self.inline.show_message("warn", unreachable_empty())
            return
        for row in attention:
            reasons = [row["why"], *row["also"]]
            row["why_label"] = " · ".join(word("attention", w) for w in reasons)
        looked_up = self._looked_up()
        when = self._looked_up_at()
        listed = {r["openid"] for r in recent}
        recent = [
            {"openid": o, "at": when.get(o, 0), "last_label": tr("Looked up here")}
            for o in looked_up
            if o not in listed
        ] + recent
        for row in recent:
            if "last_label" not in row:
                row["last_label"] = (
                    word("action", "order") if row["last"] == "order" else tr("Operator action")
                )
        self.lists["attention"][1].set_rows(attention)
        self.lists["recent"][1].set_rows(recent[:30])

    def _looked_up(self) -> list[str]:
        value = QSettings().value("users/looked_up", [])
        return [str(v) for v in value] if isinstance(value, list) else []

    @staticmethod
    def _looked_up_at() -> dict[str, int]:
        """When each user was last looked up here (unix seconds)."""
        try:
            value = json.loads(str(QSettings().value("users/looked_up_at", "{}")))
        except ValueError:
            return {}
        if not isinstance(value, dict):
            return {}
        return {str(k): v for k, v in value.items() if isinstance(v, int)}

    def _remember(self, openid: str) -> None:
        recent = [openid, *[o for o in self._looked_up() if o != openid]][:10]
        QSettings().setValue("users/looked_up", recent)
        when = {o: at for o, at in self._looked_up_at().items() if o in recent}
        when[openid] = int(self.ctx.clock())
        QSettings().setValue("users/looked_up_at", json.dumps(when))

    def _open_listed(self, key: str) -> None:
        table, model = self.lists[key]
        index = table.currentIndex()
        if index.isValid():
            self.show_user(str(model.row_dict(index.row())["openid"]))

    def show_overview(self) -> None:
        self.view = None
        self.wanted = ""
        self.body.hide()
        self.back.hide()
        self.overview.show()
        self.refresh_overview()

    # ---- one user -------------------------------------------------------------------------------

    def show_user(self, openid: str) -> None:
        self.openid.setText(openid)
        self.look_up()

    def look_up(self) -> None:
        openid = self.openid.text().strip()
        if not openid or self.ctx.desk is None:
            return
        self.wanted = openid  # an answer about anyone else (an older lookup) is not shown
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
        elif self.ctx.desk is not None:
            self.refresh_overview()

    def _error(self, exc: BaseException) -> None:
        self.lookup.setEnabled(True)
        self.busy.stop()
        self.inline.error(exc)

    def _show(self, view: UserView) -> None:
        if view.openid != self.wanted:
            return  # a refresh of the user shown before, answered after the newer lookup
        self.lookup.setEnabled(True)
        self.busy.stop()
        self.inline.hide()
        self.view = view
        self._remember(view.openid)
        self.overview.hide()
        self.back.show()
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
        if view.session.get("mask", "—") == "—":
            state = "missing"
        self.key_badge.set(word("session_key", state), KEY_COLOURS.get(state, "grey"))
        checked = view.session.get("checked_at") or 0
        self.key_detail.setText(
            tr("{mask}, obtained {obtained}, checked {checked}").format(
                mask=view.session.get("mask", "—"),
                obtained=fmt.relative(int(view.session.get("obtained_at") or 0)),
                checked=fmt.relative(int(checked)),
            )
            if state != "missing"
            else ""
        )
        # the card says it once, in the operator's language; both in the tooltip
        self.balance_note.setText(fmt.own_language(view.balance_error))
        self.balance_note.setToolTip(view.balance_error)
        if not view.known and b is None:
            self.inline.show_message("warn", tr("This openid has no orders in the mirror."))
        rows = []
        for e in view.timeline:
            event, status, details = entry_words(e)
            rows.append(
                {
                    "at": e.at,
                    "kind_label": event
                    + (f"  ({len(e.parts) + 1} {tr('records')})" if e.parts else ""),
                    "signed_amount": push_facts(e)[0] if e.kind == "push" else e.signed_amount,
                    "signed_amount_colour": "grey" if e.status == "failed" else None,
                    "unit": "fen" if e.kind == "push" else e.unit,
                    "ref": e.ref,
                    "status_label": status,
                    "summary": details,
                    "entry": e,
                    "kind": e.kind,
                }
            )
        self.model.set_rows(rows)
        self._show_raw()
        wanted, self.select_when_shown = self.select_when_shown, ""
        for n, row in enumerate(rows):
            if wanted and row["ref"] == wanted:
                self.table.selectRow(n)
                break

    def carry(self) -> dict[str, str]:
        return {"openid": self.view.openid if self.view else "", "typed": self.openid.text()}

    def restore(self, kept: dict[str, str]) -> None:
        if kept.get("openid"):
            self.show_user(kept["openid"])
        else:
            self.openid.setText(kept.get("typed", ""))

    def _current_entry(self) -> TimelineEntry | None:
        """The timeline entry of the selected row, None when no row is selected."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_dict(index.row()).get("entry")

    def _show_raw(self) -> None:
        """The records behind the entry: the action's own record, then its audit rows."""
        entry = self._current_entry()
        if entry is None:
            self.raw.clear()  # never the records of an entry (or a user) no longer shown
            return
        blocks = []
        for n, part in enumerate((entry, *entry.parts)):
            event, status, _details = entry_words(part)
            blocks.append(f"— {fmt.when(part.at)} · {event} · {status} —")
            try:
                blocks.append(json.dumps(json.loads(part.raw), ensure_ascii=False, indent=2))
            except ValueError:
                blocks.append(part.raw)
            if n == 0 and entry.parts:
                blocks.append("")
        self.raw.setPlainText("\n".join(blocks))

    def _open_entry(self) -> None:
        """An order or refund entry opens its order on the Orders page; a push opens in the
        callback inspector (which says what it means and links to its order)."""
        entry = self._current_entry()
        if entry is None:
            return
        if entry.kind == "push":
            self.ctx.navigate.emit("callbacks", entry.raw)
            return
        order_id = entry.ref if entry.kind == "order" else entry.info.get("order_id")
        if order_id:
            self.ctx.navigate.emit("orders", str(order_id))

    def open_orders(self) -> None:
        if self.view is not None:
            self.ctx.navigate.emit("orders", "openid:" + self.view.openid)

    def _selected_order(self) -> str | None:
        """The order the operator came from: the timeline's selected order entry, if any."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        row = self.model.row_dict(index.row())
        return str(row["ref"]) if row.get("kind") == "order" and row.get("ref") else None

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
        from dashboard.offline import ServerUnreachable, unreachable_empty

        try:
            orders = desk.user_orders(openid) if action == "refund" else None
            deductions = desk.user_deductions(openid) if action == "cancel" else None
        except ServerUnreachable:  # the orders or deductions to choose from are not there
            self.inline.show_message("warn", unreachable_empty())
            return
        dialog = MoneyDialog(
            self.ctx,
            action,
            openid,
            parent=self,
            balance=balance,
            orders=orders,
            deductions=deductions,
            order_id=self._selected_order() if action == "refund" else None,
        )
        self.actions[action].setEnabled(False)
        dialog.finished.connect(lambda _r: self.actions[action].setEnabled(True))
        dialog.open()
        retire(getattr(self, "dialog", None))  # the last one, closed: one dialog at a time
        self.dialog = dialog  # keep it alive while it is open
