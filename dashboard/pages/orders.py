"""Orders: the whole mirror in a lazy table (sorting and filtering in SQL), filters, a column
chooser, and a detail pane with history, raw record, refunds, ledger rows and actions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.beijing import beijing_day_bounds, beijing_today
from dashboard import fmt, theme
from dashboard.dialogs import MoneyDialog
from dashboard.i18n import N_, tr
from dashboard.lifetimes import retire
from dashboard.models import ORDER_COLUMNS, Col, OrdersModel, RowsModel
from dashboard.pages.base import Page
from dashboard.vocabulary import kind_and_quantity, word
from dashboard.widgets import Badge, IdLabel, Table, button, muted

if TYPE_CHECKING:
    from core.mirror.queries import OrderFilter

STATUS_FILTERS = [
    (N_("All statuses"), ()),
    (N_("Paid, not delivered"), (2, 3)),
    (N_("Delivered"), (4,)),
    (N_("Refunded"), (5, 8)),
    (N_("Refund failed"), (7,)),
    (N_("Awaiting payment"), (0, 1)),
    (N_("Closed"), (6,)),
]
KIND_FILTERS = [(N_("All kinds"), None), (N_("Coin top-up"), "coin"), (N_("Item purchase"), "item")]
REFUND_COLS = [
    Col("refund_order_id", "Refund id", "id", 150),
    Col("refund_fee", "Refund", "fen", 90),
    Col("status", "Status", "word", 90, vocab="refund_status"),
    Col("finished_at", "Finished", "time", 150),
]
LEDGER_COLS = [
    Col("kind", "Kind", "word", 100, vocab="action"),
    Col("order_id", "Id sent to WeChat", "id", 150),
    Col("amount", "Coins", "coins", 80),
    Col("status", "Status", "word", 80, vocab="state"),
]


class OrdersPage(Page):
    name = "orders"
    heading = N_("Orders")
    watches = frozenset({"orders", "refunds"})

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        bar = QHBoxLayout()
        self.status = QComboBox()
        for label, _codes in STATUS_FILTERS:
            self.status.addItem(tr(label))
        self.status.setAccessibleName(tr("Status"))
        self.kind = QComboBox()
        for label, _kind in KIND_FILTERS:
            self.kind.addItem(tr(label))
        self.kind.setAccessibleName(tr("Kind"))
        self.use_dates = QCheckBox(tr("From"))
        self._today = beijing_today(ctx.clock())  # WeChat's day, whatever this computer's zone
        self.since = QDateEdit(QDate(self._today).addMonths(-1))
        self.until = QDateEdit(QDate(self._today))
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.openid = QLineEdit()
        self.openid.setPlaceholderText(tr("openid"))
        self.openid.setAccessibleName(tr("openid"))
        apply = button(tr("Apply"), kind="primary")
        apply.clicked.connect(self.apply_filters)
        self.openid.returnPressed.connect(self.apply_filters)
        self.columns_button = QToolButton()
        self.columns_button.setText(tr("Columns"))
        self.columns_button.setAccessibleName(tr("Columns"))
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # the menu arrow takes room of its own: the word stays whole beside it (列 / Columns)
        self.columns_button.setMinimumWidth(
            self.columns_button.fontMetrics().horizontalAdvance(self.columns_button.text()) + 36
        )
        for widget in (
            self.status,
            self.kind,
            self.use_dates,
            self.since,
            QLabel(tr("to")),
            self.until,
            self.openid,
        ):
            bar.addWidget(widget)
        bar.addWidget(apply)
        bar.addStretch(1)
        self.count = muted("")
        bar.addWidget(self.count)
        bar.addWidget(self.columns_button)
        self.root.addLayout(bar)

        split = QSplitter()
        self.table = Table("orders")
        self.table.setSortingEnabled(True)
        split.addWidget(self.table)
        self.detail = self._detail_pane()
        split.addWidget(self.detail)
        split.setSizes([760, 380])
        self.root.addWidget(split, 1)
        self.empty = muted(tr("No orders yet. Import a vk-pay export or refresh from WeChat."))
        self.root.addWidget(self.empty)
        self.model: OrdersModel | None = None
        self.current: dict[str, Any] | None = None

    def _detail_pane(self) -> QWidget:
        pane = QWidget()
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.detail_status = Badge()
        self.detail_kind = QLabel()
        head.addWidget(self.detail_status)
        head.addWidget(self.detail_kind)
        head.addStretch(1)
        layout.addLayout(head)
        self.detail_note = QLabel()  # why no order is shown (e.g. the team server is away)
        self.detail_note.setWordWrap(True)
        self.detail_note.setStyleSheet(f"color: {theme.ORANGE}; font-weight: 600;")
        self.detail_note.hide()
        layout.addWidget(self.detail_note)
        self.form = QFormLayout()
        # the ids an operator compares with what a user sent: whole, with a copy button
        self.detail_id = IdLabel()
        self.detail_openid = IdLabel()
        self.detail_wx = IdLabel()
        self.form.addRow(tr("Merchant order id"), self.detail_id)
        self.form.addRow(tr("WeChat order id"), self.detail_wx)
        self.form.addRow(tr("openid"), self.detail_openid)
        self.user_link = QLabel(f'<a href="user">{tr("Open this user")} →</a>')
        self.user_link.setAccessibleName(tr("Open this user"))
        self.user_link.linkActivated.connect(lambda _link: self.open_user())
        self.form.addRow("", self.user_link)
        self.form_labels: dict[str, QLabel] = {}
        for key, label in (
            ("quantity", N_("Coins or items")),
            ("paid_fee", N_("Paid")),
            ("left_fee", N_("Refundable")),
            ("paid_time", N_("Paid at")),
            ("source", N_("Source")),
        ):
            value = QLabel("—")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(tr(label), value)
            self.form_labels[key] = value
        layout.addLayout(self.form)
        actions = QHBoxLayout()
        self.refresh_button = button(tr("Refresh from WeChat"), shortcut="F5")
        self.deliver_button = button(tr("Mark delivered"))
        self.refund_button = button(tr("Refund"), kind="danger")
        self.refresh_button.clicked.connect(self.refresh_current)
        self.deliver_button.clicked.connect(self.deliver_current)
        self.refund_button.clicked.connect(self.refund_current)
        for widget in (self.refresh_button, self.deliver_button, self.refund_button):
            actions.addWidget(widget)
        layout.addLayout(actions)
        # what reconciliation found about this order, and the action above that fixes it
        self.fix_hint = QLabel()
        self.fix_hint.setWordWrap(True)
        self.fix_hint.setStyleSheet(f"color: {theme.ORANGE}; font-weight: 600;")
        self.fix_hint.hide()
        self._hint_for = ""
        layout.addWidget(self.fix_hint)
        tabs = self.tabs = QTabWidget()
        self.history = QPlainTextEdit()
        self.history.setReadOnly(True)
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.refunds_model = RowsModel(REFUND_COLS, parent=self)
        self.ledger_model = RowsModel(LEDGER_COLS, parent=self)
        refunds = Table("order_refunds")
        refunds.setModel(self.refunds_model)
        ledger = Table("order_ledger")
        ledger.setModel(self.ledger_model)
        tabs.addTab(self.history, tr("History"))
        tabs.addTab(refunds, tr("Refunds"))
        tabs.addTab(ledger, tr("Ledger"))
        tabs.addTab(self.raw, tr("Raw record"))
        layout.addWidget(tabs, 1)
        pane.setEnabled(False)
        return pane

    # ---- data ---------------------------------------------------------------------------------

    def on_ready(self) -> None:
        desk = self.ctx.desk
        assert desk is not None
        retire(self.model)  # a second ready (another Desk): the old model goes, on this thread
        self.model = OrdersModel(desk.order_pager, background=self._in_background, parent=self)
        self.model.preparing.connect(self._preparing)
        self.model.failed.connect(self.inline.error)
        old_selection = self.table.selectionModel()
        self.table.setModel(self.model)
        if old_selection is not None:  # setModel() leaves the old one to its owner, the view
            retire(old_selection)
        for n, col in enumerate(ORDER_COLUMNS):
            self.table.setColumnWidth(n, col.width)
        self.table.sortByColumn(7, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().currentRowChanged.connect(self._select)
        self._column_menu()
        self._user_menu()
        self.table.restore_layout()
        self._counts()

    def _column_menu(self) -> None:
        menu = QMenu(self)
        hidden = QSettings().value(
            "orders/hidden_columns", ["channel_order_id", "wxpay_order_id", "env"]
        )
        hidden = hidden if isinstance(hidden, list) else []
        for n, col in enumerate(ORDER_COLUMNS):
            action = menu.addAction(tr(col.title))
            action.setCheckable(True)
            action.setChecked(col.key not in hidden)
            self.table.setColumnHidden(n, col.key in hidden)
            action.toggled.connect(lambda on, n=n: self._toggle_column(n, on))
        self.columns_button.setMenu(menu)
        retire(getattr(self, "column_menu", None))
        self.column_menu = menu

    def _user_menu(self) -> None:
        """From an order to its user: double-click, or the row's context menu."""
        if self.table.property("opens_users"):
            return
        self.table.setProperty("opens_users", True)
        self.table.doubleClicked.connect(lambda _index: self.open_user())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.table.setToolTip(tr("Double-click an order to open its user."))

    def _row_menu(self, pos: Any) -> None:
        menu = self.row_menu_at(pos)
        if menu is not None:
            menu.popup(self.table.viewport().mapToGlobal(pos))

    def row_menu_at(self, pos: Any) -> QMenu | None:
        """The row's context menu: its user, a refresh from WeChat."""
        index = self.table.indexAt(pos)
        if not index.isValid():
            return None
        self.table.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction(tr("Open this user"), self.open_user)
        menu.addAction(tr("Refresh from WeChat"), self.refresh_current)
        retire(getattr(self, "row_menu", None))
        self.row_menu = menu
        return menu

    def open_user(self) -> None:
        if self.current:
            self.ctx.navigate.emit("users", self.current["order"]["openid"])

    def select_order(self, order_id: str, openid: str) -> None:
        """A search hit: the user's orders listed, the found one selected and shown."""
        self.show_user_orders(openid)
        if self.model is None:
            return
        for row in range(self.model.rowCount()):
            if self.model.row_dict(row).get("order_id") == order_id:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
                break
        self.show_order(order_id)

    def carry(self) -> dict[str, str]:
        order = (self.current or {}).get("order") or {}
        return {"openid": self.openid.text(), "order_id": order.get("order_id", "")}

    def restore(self, kept: dict[str, str]) -> None:
        if kept.get("openid"):
            self.show_user_orders(kept["openid"])
        if kept.get("order_id"):
            self.show_order(kept["order_id"])

    def show_user_orders(self, openid: str) -> None:
        """A user's orders (from the user card): the openid filter, the newest selected."""
        self.openid.setText(openid)
        self.apply_filters()
        if self.model is not None and self.model.rowCount():
            self.table.selectRow(0)

    def _toggle_column(self, column: int, visible: bool) -> None:
        self.table.setColumnHidden(column, not visible)
        QSettings().setValue(
            "orders/hidden_columns",
            [c.key for n, c in enumerate(ORDER_COLUMNS) if self.table.isColumnHidden(n)],
        )

    def current_filter(self) -> OrderFilter:
        from core.mirror.queries import OrderFilter

        since = until = None
        today = beijing_today(self.ctx.clock())
        if today != self._today:  # a window left open past Beijing midnight
            if self.until.date().toPython() == self._today:  # "to" still says today: keep it so
                self.until.setDate(QDate(today))
            self._today = today
        if self.use_dates.isChecked():
            since = beijing_day_bounds(self.since.date().toPython())[0]
            until = beijing_day_bounds(self.until.date().toPython())[1]
        return OrderFilter(
            statuses=STATUS_FILTERS[self.status.currentIndex()][1],
            kind=KIND_FILTERS[self.kind.currentIndex()][1],
            since=since,
            until=until,
            openid=self.openid.text().strip() or None,
        )

    def apply_filters(self) -> None:
        if self.model is not None:
            self.model.reload(filt=self.current_filter())
            self._counts()

    def refresh(self) -> None:
        from dashboard.connection import is_offline

        if is_offline(self.ctx.desk):
            # a team server away: the table keeps the rows it holds (a new list could not be
            # opened; the banner says from when they are) until the server is back
            return
        if self.model is not None:
            self.model.reload()
            self._counts()
            if self.current:
                self.show_order(self.current["order"]["order_id"])

    def _in_background(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        import asyncio

        self.ctx.runner.run(asyncio.to_thread(work), on_done=done, on_error=failed)

    def _preparing(self, busy: bool) -> None:
        # the rows show empty until the pass ends; the busy bar says why
        if busy:
            self.busy.start()
        else:
            self.busy.stop()

    def _counts(self) -> None:
        assert self.model is not None
        total = self.model.rowCount()
        self.count.setText(tr("{n} orders").format(n=f"{total:,}"))
        self.empty.setVisible(total == 0)

    def _select(self) -> None:
        index = self.table.currentIndex()
        if index.isValid() and self.model is not None:
            self.show_order(self.model.row_dict(index.row()).get("order_id", ""))

    def show_order(self, order_id: str) -> None:
        from dashboard.offline import ServerUnreachable, cannot_load

        desk = self.ctx.desk
        try:
            detail = desk.order_detail(order_id) if desk else None
        except ServerUnreachable:
            # a team server away and this order never read: its detail is not there, and the
            # previous order's must not stay beside a Refund button
            self._no_detail(cannot_load(tr("Order {order}").format(order=order_id)))
            return
        self.detail_note.hide()
        self.current = detail
        self.detail.setEnabled(detail is not None)
        if detail is None:
            self._offer_fix(order_id, None)
            return
        order = detail["order"]
        self.detail_id.set(order["order_id"])
        self.detail_openid.set(order["openid"])
        self.detail_wx.set(order.get("wx_order_id") or "")
        text, colour = fmt.status_text(order["status"])
        self.detail_status.set(text, colour)
        product = order["product_id"] if order["kind"] == "item" else ""
        self.detail_kind.setText(
            " · ".join(x for x in (word("order_kind", order["kind"]), product) if x)
        )
        for key, label in self.form_labels.items():
            value = order.get(key)
            if key in ("paid_fee", "left_fee"):
                shown = fmt.fen(value)
            elif key == "paid_time":
                shown = fmt.when(value)
            elif key == "quantity":
                shown = kind_and_quantity(order["kind"], value)
            else:
                shown = word("source", value) if value else "—"
            label.setText(shown)
        events = [
            (order["create_time"], tr("Created")),
            (order["paid_time"], tr("Payment received")),
            (order["provide_time"], tr("Delivered")),
        ]
        events += [
            (r["started_at"], tr("Refund started") + f" {fmt.fen(r['refund_fee'])}")
            for r in detail["refunds"]
        ]
        events += [
            (r["finished_at"], tr("Refund finished") + f" ({word('refund_status', r['status'])})")
            for r in detail["refunds"]
            if r["finished_at"]
        ]
        events += [
            (
                p["create_time"],
                f"{word('push_event', p['event'])} · {word('push_verdict', p['verdict'])}",
            )
            for p in detail["pushes"]
        ]
        self.history.setPlainText(
            # the same second: in the order things happen (paid, then delivered), not by name
            "\n".join(
                f"{fmt.when(at)}  {what}"
                for at, what in sorted((e for e in events if e[0]), key=lambda e: e[0])
            )
        )
        self.raw.setPlainText(json.dumps(order["raw"], ensure_ascii=False, indent=2))
        self.refunds_model.set_rows(detail["refunds"])
        self.ledger_model.set_rows(detail["ledger"])
        self._deliverable(order)
        self.refund_button.setEnabled(order["left_fee"] > 0 and order["status"] in (2, 3, 4))
        self.refund_button.setToolTip("")
        self._unproven(order)
        self._offer_fix(order_id, detail)

    def _no_detail(self, note: str) -> None:
        """No order in the detail pane: nothing of the last one left, no action offered."""
        self.current = None
        for label in (self.detail_id, self.detail_openid, self.detail_wx):
            label.set("")
        self.detail_status.set("", "")
        self.detail_kind.setText("")
        for value in self.form_labels.values():
            value.setText("—")
        self.history.setPlainText("")
        self.raw.setPlainText("")
        self.refunds_model.set_rows([])
        self.ledger_model.set_rows([])
        self.refund_button.setEnabled(False)
        self.deliver_button.setEnabled(False)
        self.detail.setEnabled(False)
        self.detail_note.setText(note)
        self.detail_note.show()

    def _offer_fix(self, order_id: str, detail: dict[str, Any] | None) -> None:
        """An order opened from a reconciliation discrepancy says what was found and points at
        the action that fixes it. An order the mirror lacks (WeChat has it, the push never came)
        is first asked of WeChat, then shown."""
        wanted = self.ctx.suggestion
        if not wanted or wanted["order_id"] != order_id:
            if order_id != self._hint_for:
                self.fix_hint.hide()
            return
        desk = self.ctx.desk
        if detail is None:
            asked = wanted.get("asked")
            if wanted["fix"] == "refresh" and wanted["openid"] and desk and not asked:
                wanted["asked"] = "yes"  # once
                self.busy.start()
                self.ctx.runner.run(
                    desk.refresh_order(order_id, openid=wanted["openid"]),
                    on_done=lambda _r: (self.busy.stop(), self.show_order(order_id)),
                    on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
                    changes={"orders"},
                )
            return
        self.ctx.suggestion = None
        self._hint_for = order_id
        self.select_order(order_id, detail["order"]["openid"])  # its row selected in the list
        action = {"deliver": self.deliver_button, "refresh": self.refresh_button}.get(wanted["fix"])
        why = wanted["why_en"] if fmt.lang() == "en" else wanted["why_zh"]
        self.fix_hint.setText(
            tr("Reconciliation: {why}. Suggested fix: {fix}").format(
                why=why, fix=action.text() if action is not None else "—"
            )
        )
        self.fix_hint.show()
        self._hint_for = order_id
        if action is not None and action.isEnabled():
            action.setFocus()

    # ---- actions --------------------------------------------------------------------------------

    def refresh_current(self) -> None:
        if self.current and self.ctx.desk:
            order_id = self.current["order"]["order_id"]
            self.busy.start()
            self.ctx.runner.run(
                self.ctx.desk.refresh_order(order_id),
                on_done=lambda _r: (self.busy.stop(), self.show_order(order_id)),
                on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
                changes={"orders"},
            )

    def deliver_current(self) -> None:
        """Mark delivered changes something at WeChat: it goes through the confirm dialog, with
        the operator's reason, like every other such action."""
        if not (self.current and self.ctx.desk):
            return
        order = self.current["order"]
        dialog = MoneyDialog(
            self.ctx,
            "deliver",
            order["openid"],
            parent=self,
            orders=[order],
            order_id=order["order_id"],
            on_done=lambda _r: self.show_order(order["order_id"]),
        )
        self.deliver_button.setEnabled(False)
        dialog.finished.connect(
            lambda _r: self.current is not None and self._deliverable(self.current["order"])
        )
        dialog.open()
        retire(getattr(self, "dialog", None))  # the last one, closed: one dialog at a time
        self.dialog = dialog

    def _unproven(self, order: dict[str, Any]) -> None:
        """An order only a push vouches for (an old pasted one, or one WeChat says it does not
        have): no refund, no delivery, and the buttons say why."""
        from core.mirror.pushes import UNPROVEN

        said = UNPROVEN.get(str(order.get("source") or ""))
        if said is None:
            return
        why = said[1] if fmt.lang() == "en" else said[0]
        for widget in (self.refund_button, self.deliver_button):
            widget.setEnabled(False)
            widget.setToolTip(why)

    def _deliverable(self, order: dict[str, Any]) -> None:
        """Mark delivered is offered for a paid order not yet delivered; otherwise the button
        says why it cannot be pressed (it looked clickable and did nothing)."""
        status = int(order["status"])
        ok = status in (2, 3)
        self.deliver_button.setEnabled(ok)
        self.deliver_button.setText(
            tr("Already delivered") if status == 4 else tr("Mark delivered")
        )
        self.deliver_button.setToolTip(
            ""
            if ok
            else tr("Nothing to deliver: this order is “{status}”.").format(
                status=fmt.status_text(status)[0]
            )
        )

    def refund_current(self) -> None:
        if not (self.current and self.ctx.desk):
            return
        order = self.current["order"]
        dialog = MoneyDialog(
            self.ctx,
            "refund",
            order["openid"],
            parent=self,
            orders=[order],
            order_id=order["order_id"],
        )
        dialog.open()
        retire(getattr(self, "dialog", None))  # the last one, closed: one dialog at a time
        self.dialog = dialog

    def closeEvent(self, event: Any) -> None:
        self.table.save_layout()
        super().closeEvent(event)
