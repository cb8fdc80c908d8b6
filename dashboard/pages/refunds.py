"""Refunds and clawbacks: every refund (made here or imported) and its coin clawback: coins due,
taken and outstanding. Refunds in flight are followed by the desk itself and this page refreshes
when they move; any refund with coins due gets "start clawback" (the confirm dialog of every
money action), and when it cannot, the page says why."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QWidget

from dashboard import fmt
from dashboard.i18n import N_, tr
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.vocabulary import word
from dashboard.widgets import IdLabel, Table, button, muted

COLUMNS = [
    Col("refund_order_id", "Refund id", "id", 160),
    Col("order_id", "Order", "id", 150),
    Col("openid", "openid", "id", 140),
    Col("refund_fee", "Refund", "fen", 90),
    Col("status_label", "Refund status", "text", 100),
    Col("clawback_label", "Clawback", "badge", 150),
    Col("coins_due", "Coins due", "coins", 100),
    Col("coins_taken", "Coins taken", "coins", 100),
    Col("coins_outstanding", "Coins outstanding", "coins", 110),
    Col("key_label", "Session key", "text", 90),
    Col("started_at", "Started", "time", 150),
    Col("operator", "Operator", "text", 90),
]


class RefundsPage(Page):
    name = "refunds"
    heading = N_("Refunds & clawbacks")
    watches = frozenset({"refunds", "ledger"})

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        bar = QHBoxLayout()
        self.only_open = QCheckBox(tr("Only refunds whose coins are not back yet"))
        self.only_open.toggled.connect(self.refresh)
        self.retry = button(tr("Start clawback"), kind="primary")
        self.retry.setAccessibleName(tr("Start clawback"))
        self.retry.clicked.connect(self.start_clawback)
        self.retry.setEnabled(False)
        # why "start clawback" is disabled, where the operator sees it (and in its tooltip)
        self.why_not = QLabel()
        self.why_not.setObjectName("muted")
        self.why_not.setWordWrap(True)
        self.why_not.setAccessibleName(tr("Why no clawback can start"))
        self.track = button(tr("Check refunds in flight"))
        self.track.clicked.connect(self.resolve)
        bar.addWidget(self.only_open)
        bar.addStretch(1)
        self.summary = muted("")
        bar.addWidget(self.track)
        bar.addWidget(self.retry)
        self.root.addLayout(bar)
        self.root.addWidget(self.why_not)
        self.root.addWidget(self.summary)
        self.table = Table("refunds")
        self.model = RowsModel(COLUMNS, parent=self)
        self.table.setModel(self.model)
        for n, col in enumerate(COLUMNS):
            self.table.setColumnWidth(n, col.width)
        self.table.selectionModel().currentRowChanged.connect(self._select)
        self.table.doubleClicked.connect(lambda _index: self.open_order())
        self.table.setToolTip(tr("Double-click a refund to open its order."))
        self.root.addWidget(self.table, 1)
        self.root.addWidget(self._detail())
        self.empty_text = tr(
            "No refunds yet. Refunds started here or imported appear in this list."
        )
        self.empty = muted(self.empty_text)
        self.root.addWidget(self.empty)

    def _detail(self) -> QWidget:
        """The selected refund's ids, whole, each with a copy button (what a user sends is
        compared with these), and the way to its order and its user."""
        pane = QWidget()
        form = QFormLayout(pane)
        form.setContentsMargins(0, 0, 0, 0)
        self.ids = {key: IdLabel() for key in ("refund", "refund_wx", "order", "openid")}
        self.order_link = QLabel(f'<a href="order">{tr("Open the order")} →</a>')
        self.order_link.linkActivated.connect(lambda _link: self.open_order())
        self.user_link = QLabel(f'<a href="user">{tr("Open this user")} →</a>')
        self.user_link.linkActivated.connect(lambda _link: self.open_user())
        order_row, user_row = QHBoxLayout(), QHBoxLayout()
        order_row.addWidget(self.ids["order"], 1)
        order_row.addWidget(self.order_link)
        user_row.addWidget(self.ids["openid"], 1)
        user_row.addWidget(self.user_link)
        form.addRow(tr("Refund id"), self.ids["refund"])
        form.addRow(tr("WeChat refund id"), self.ids["refund_wx"])
        form.addRow(tr("Merchant order id"), order_row)
        form.addRow(tr("openid"), user_row)
        return pane

    def open_order(self) -> None:
        row = self._selected()
        if row is not None and row.get("order_id"):
            self.ctx.navigate.emit("orders", str(row["order_id"]))

    def open_user(self) -> None:
        row = self._selected()
        if row is not None and row.get("openid"):
            self.ctx.navigate.emit("users", str(row["openid"]))

    def on_ready(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        if self.ctx.desk is None:
            return
        from dashboard.offline import ServerUnreachable, is_offline, stale_note, unreachable_empty

        kept = self._selected()  # the selection survives a refresh the tracker caused
        try:
            rows = self.ctx.desk.refunds(only_open=self.only_open.isChecked())
        except ServerUnreachable:
            # a team server away with no earlier answer for this list: what is shown stays,
            # marked; with nothing shown, the list is not known to be empty
            held = self.model.rowCount()
            self.empty.setText(unreachable_empty())
            self.empty.setVisible(not held)
            self.summary.setText(stale_note(self.ctx.desk) if held else "")
            return
        self.empty.setText(self.empty_text)
        for row in rows:
            label, colour = fmt.clawback_text(row["clawback"])
            row["clawback_label"] = label
            row["clawback_label_colour"] = colour
            row["status_label"] = word("refund_status", row["status"])
            row["key_label"] = word("session_key", row["key_state"] or "missing")
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        due = sum(1 for r in rows if r["clawback"] in ("due", "needs_login"))
        summary = tr("{n} refunds, {due} with coins still due").format(n=len(rows), due=due)
        if is_offline(self.ctx.desk):  # the last answer, from before the server went away
            summary += " · " + stale_note(self.ctx.desk)
        self.summary.setText(summary)
        if kept is not None:
            for n, row in enumerate(rows):
                if row["refund_order_id"] == kept["refund_order_id"]:
                    self.table.selectRow(n)
                    break
        self._select()

    def select(self, refund_id: str) -> None:
        """A search hit: that refund's row selected (the "only open" filter let go if it hid it)."""
        for attempt in range(2):
            for row in range(self.model.rowCount()):
                if self.model.row_dict(row)["refund_order_id"] == refund_id:
                    self.table.selectRow(row)
                    self.table.scrollTo(self.model.index(row, 0))
                    return
            if attempt == 0 and self.only_open.isChecked():
                self.only_open.setChecked(False)  # refreshes

    def _selected(self) -> dict[str, Any] | None:
        index = self.table.currentIndex()
        return self.model.row_dict(index.row()) if index.isValid() else None

    def _select(self, *_args: object) -> None:
        row = self._selected()
        for key, field in (
            ("refund", "refund_order_id"),
            ("refund_wx", "refund_wx_order_id"),
            ("order", "order_id"),
            ("openid", "openid"),
        ):
            self.ids[key].set(str((row or {}).get(field) or ""))
        self.order_link.setEnabled(row is not None)
        self.user_link.setEnabled(bool(row and row.get("openid")))
        why = ""
        if row is None:
            why = tr("Select a refund to take back its coins.")
        elif row.get("clawback_why_not_zh"):
            why = str(
                row["clawback_why_not_en"] if fmt.lang() == "en" else row["clawback_why_not_zh"]
            )
        self.retry.setEnabled(not why)
        self.retry.setToolTip(why)
        self.why_not.setText(why)
        self.why_not.setVisible(bool(why))

    def start_clawback(self) -> None:
        """The coins a finished refund still owes: through the confirm dialog of every money
        action (effect in coins, balance before and after)."""
        row = self._selected()
        if row is None or self.ctx.desk is None:
            return
        from dashboard.dialogs import MoneyDialog
        from dashboard.lifetimes import retire

        dialog = MoneyDialog(
            self.ctx,
            "clawback",
            str(row["openid"] or row.get("order_openid") or ""),
            parent=self,
            refund=row,
        )
        self.retry.setEnabled(False)
        dialog.finished.connect(lambda _r: self._select())
        dialog.open()
        retire(getattr(self, "dialog", None))  # the last one, closed: one dialog at a time
        self.dialog = dialog

    def resolve(self) -> None:
        if self.ctx.desk is None:
            return
        self.busy.start()
        self.ctx.runner.run(
            self.ctx.desk.resolve(),
            on_done=lambda _r: self.busy.stop(),
            on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
            changes={"refunds", "ledger", "pending", "audit"},
        )
