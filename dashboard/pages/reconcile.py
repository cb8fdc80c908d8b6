"""Reconciliation: a period, summary cards, a daily chart of refunds against clawbacks, the
report tables with drill-down to the rows behind each figure, and export."""

from __future__ import annotations

import calendar
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.beijing import beijing_today
from dashboard import fmt, theme
from dashboard.i18n import N_, tr
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.widgets import Figure, Table, button, muted

if TYPE_CHECKING:
    from core.desk import ReconView
    from core.reconcile import Period

KIND_OF = {
    "fen": "fen",
    "coins": "coins",
    "time": "time",
    "int": "int",
    "date": "text",
    "text": "text",
}
DRILL_COLUMNS = [
    Col("order_id", "Merchant order id", "id", 160),
    Col("openid", "openid", "id"),
    Col("paid_fee", "Paid", "fen", 90),
    Col("status", "Status", "status", 120),
    Col("paid_time", "Paid at", "time", 150),
]


class DailyChart(QWidget):
    """Refunded fen (red) against clawed-back coins in fen at the coin rate (green), per day."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(130)
        self.days: list[dict[str, Any]] = []
        self.rate = 100
        self.setAccessibleName(tr("Daily refunds against clawbacks"))

    def set_days(self, days: list[dict[str, Any]], rate: int) -> None:
        self.days, self.rate = days, rate
        self.update()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(8, 20, -8, -18)
        painter.setPen(QColor(theme.GREY))
        painter.drawText(
            8,
            14,
            tr("Refunded (red) and coins clawed back, valued at the coin rate (green), per day"),
        )
        if not self.days:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, tr("No data for this period"))
            return
        values = [
            (d["refunded"], d["coins_clawed_back"] * 100 // max(self.rate, 1)) for d in self.days
        ]
        top = max(max(a, b) for a, b in values) or 1
        width = rect.width() / len(values)
        for n, (refunded, clawed) in enumerate(values):
            x = rect.left() + n * width
            for offset, value, colour in ((0.1, refunded, theme.RED), (0.5, clawed, theme.GREEN)):
                height = rect.height() * value / top
                painter.fillRect(
                    QRectF(
                        x + width * offset, rect.bottom() - height, max(width * 0.38, 1), height
                    ),
                    QColor(colour),
                )
        painter.setPen(QColor(theme.GREY))
        painter.drawText(
            QRectF(rect.left(), rect.bottom() + 2, rect.width(), 16),
            Qt.AlignmentFlag.AlignLeft,
            self.days[0]["day"],
        )
        painter.drawText(
            QRectF(rect.left(), rect.bottom() + 2, rect.width(), 16),
            Qt.AlignmentFlag.AlignRight,
            self.days[-1]["day"],
        )


class ReconPage(Page):
    name = "reconcile"
    heading = N_("Reconciliation")
    watches = frozenset()

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        bar = QHBoxLayout()
        self.preset = QComboBox()
        for label in (N_("This month"), N_("Last month"), N_("Last 90 days"), N_("Custom")):
            self.preset.addItem(tr(label))
        self.preset.currentIndexChanged.connect(self._preset)
        self.since = QDateEdit()
        self.until = QDateEdit()
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        run = button(tr("Run report"), kind="primary", shortcut="Ctrl+R")
        run.clicked.connect(self.run_report)
        self.export = button(tr("Export…"))
        self.export.clicked.connect(self.export_report)
        self.export.setEnabled(False)
        for widget in (self.preset, self.since, QLabel(tr("to")), self.until, run):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.export)
        self.root.addLayout(bar)
        cards = QHBoxLayout()
        self.figures: dict[str, Figure] = {}
        for key, label in (
            ("gross_paid", N_("Gross paid")),
            ("refunded", N_("Refunded")),
            ("coins_outstanding", N_("Coins not clawed back")),
            ("needs_login", N_("Waiting for user login")),
            ("discrepancies", N_("Discrepancies")),
            ("open_items", N_("Open items")),
        ):
            self.figures[key] = Figure(tr(label))
            cards.addWidget(self.figures[key])
        self.root.addLayout(cards)
        self.chart = DailyChart()
        self.root.addWidget(self.chart)
        split = QSplitter(Qt.Orientation.Vertical)
        self.tabs = QTabWidget()
        self.tables: dict[str, tuple[Table, RowsModel]] = {}
        split.addWidget(self.tabs)
        drill = QWidget()
        drill_layout = QVBoxLayout(drill)
        drill_layout.setContentsMargins(0, 0, 0, 0)
        self.drill_title = muted(tr("Double-click a day to see the orders behind its figures."))
        drill_layout.addWidget(self.drill_title)
        self.drill_model = RowsModel(DRILL_COLUMNS)
        self.drill_table = Table("recon_drill")
        self.drill_table.setModel(self.drill_model)
        drill_layout.addWidget(self.drill_table)
        split.addWidget(drill)
        split.setSizes([300, 160])
        self.root.addWidget(split, 1)
        self.view: ReconView | None = None
        self._preset()

    def _preset(self) -> None:
        today = beijing_today(self.ctx.clock())  # WeChat's day, whatever this computer's zone
        index = self.preset.currentIndex()
        if index == 0:
            start, end = today.replace(day=1), today
        elif index == 1:
            last = today.replace(day=1) - timedelta(days=1)
            start, end = (
                last.replace(day=1),
                last.replace(day=calendar.monthrange(last.year, last.month)[1]),
            )
        elif index == 2:
            start, end = today - timedelta(days=89), today
        else:
            return
        self.since.setDate(QDate(start.year, start.month, start.day))
        self.until.setDate(QDate(end.year, end.month, end.day))

    def period(self) -> Period:
        from core.reconcile import Period

        return Period(self.since.date().toPython(), self.until.date().toPython())

    def run_report(self) -> None:
        if self.ctx.desk is None:
            return
        period = self.period()
        if period.end < period.start:
            self.inline.show_message("error", tr("The end date is before the start date."))
            return
        self.busy.start()
        self.ctx.runner.run(
            self.ctx.desk.reconcile(period),
            on_done=self._show,
            on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
        )

    def _show(self, view: ReconView) -> None:
        self.busy.stop()
        self.inline.hide()
        self.view = view
        s = view.summary
        self.figures["gross_paid"].set(fmt.fen(s["gross_paid"]))
        self.figures["refunded"].set(fmt.fen(s["refunded"]), "red" if s["refunded"] else None)
        self.figures["coins_outstanding"].set(
            fmt.coins(s["coins_outstanding"]), "orange" if s["coins_outstanding"] else "green"
        )
        self.figures["needs_login"].set(str(s["needs_login"]))
        self.figures["discrepancies"].set(
            str(s["discrepancies"]), "red" if s["discrepancies"] else "green"
        )
        self.figures["open_items"].set(
            str(s["open_items"]), "orange" if s["open_items"] else "green"
        )
        assert self.ctx.desk is not None
        self.chart.set_days(view.sections.get("daily", []), self.ctx.desk.profile.coin_rate)
        english = fmt.lang() == "en"
        current = self.tabs.currentIndex()
        self.tabs.clear()
        for name, rows in view.sections.items():
            columns = [
                Col(
                    c.key_for("en" if english else "zh_CN"),
                    c.title("en" if english else "zh_CN"),
                    KIND_OF.get(c.kind, "text"),
                    120,
                )
                for c in view.columns[name]
            ]
            table = Table(f"recon_{name}")
            model = RowsModel(columns, rows)
            table.setModel(model)
            for n, col in enumerate(columns):
                wide = col.key.endswith(("_id", "openid")) or col.key in (
                    "id",
                    "check_zh",
                    "check_en",
                )
                table.setColumnWidth(
                    n, 190 if wide else {"time": 150, "text": 140}.get(col.kind, 105)
                )
            if name == "daily":
                table.doubleClicked.connect(self._drill_day)
            zh, en = view.titles[name]
            self.tabs.addTab(table, f"{en if english else zh} ({len(rows)})")
            self.tables[name] = (table, model)
        self.tabs.setCurrentIndex(max(current, 0))
        self.export.setEnabled(True)

    def _drill_day(self) -> None:
        table, model = self.tables["daily"]
        index = table.currentIndex()
        if not index.isValid() or self.view is None or self.ctx.desk is None:
            return
        day = model.row_dict(index.row())["day"]
        self.drill_title.setText(tr("Orders paid on {day}").format(day=day))
        self.ctx.runner.run(
            self.ctx.desk.drill(self.view.period, "orders", day),
            on_done=self.drill_model.set_rows,
            on_error=self.inline.error,
        )

    def export_report(self) -> None:
        # a plain slot, not a coroutine: the file dialog's exec() never runs inside a task
        if self.view is None or self.ctx.desk is None:
            return
        name = f"xpaydesk-{self.view.period.start}-{self.view.period.end}.xlsx"
        path, _filter = QFileDialog.getSaveFileName(
            self, tr("Export report"), name, "Excel (*.xlsx);;CSV (*.csv);;JSON (*.json)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        assert self.view is not None and self.ctx.desk is not None
        self.busy.start()
        self.ctx.runner.run(
            self.ctx.desk.export_report(self.view.period, path, lang=fmt.lang()),
            on_done=lambda paths: (
                self.busy.stop(),
                self.ctx.notify.emit("ok", tr("Exported to {path}").format(path=paths[0])),
            ),
            on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
        )
