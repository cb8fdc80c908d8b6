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
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from core.beijing import beijing_today
from core.vocabulary import word
from dashboard import fmt, theme
from dashboard.i18n import N_, last_folder, remember_folder, tr
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.widgets import Figure, Table, button, muted

if TYPE_CHECKING:
    from core.desk import ReconView
    from core.reconcile import Period

RUN_FIRST = N_("Choose a period and run the report")
CUSTOM = 3  # the index of "Custom" among the period presets
KIND_OF = {
    "fen": "fen",
    "coins": "coins",
    "time": "time",
    "int": "int",
    "date": "text",
    "text": "text",
}
# a day's payments and refunds, ids whole (never elided) and the time not stretched over half
# the table: the last column (the payer) takes what is left
DRILL_COLUMNS = [
    Col("what", "Record", "text", 90),
    Col("id", "Order or refund id", "text", 220),
    Col("amount", "Amount", "fen", 100),
    Col("state", "Status", "text", 130),
    Col("at", "Time", "time", 150),
    Col("openid", "openid", "text", 240),
]
# the cards that count things say what they count
CARD_UNITS = {
    "needs_login": (N_("1 refund"), N_("{n} refunds")),
    "discrepancies": (N_("1 discrepancy"), N_("{n} discrepancies")),
    "open_items": (N_("1 open item"), N_("{n} open items")),
}


def counted(key: str, n: int) -> str:
    one, many = CARD_UNITS[key]
    return tr(one) if n == 1 else tr(many).format(n=f"{n:,}")


def drill_rows(orders: list[dict[str, Any]], refunds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A day's payments and refunds in one list, by time."""
    rows = [
        {
            "what": tr("Payment"),
            "id": o["order_id"],
            "amount": o["paid_fee"],
            "state": fmt.status_text(int(o["status"]))[0],
            "at": o["paid_time"],
            "openid": o["openid"],
        }
        for o in orders
    ]
    rows += [
        {
            "what": tr("Refund"),
            "id": r["refund_order_id"],
            "amount": r["refund_fee"],
            "state": word("refund_status", r["status"]),
            "at": r["finished_at"],
            "openid": r["openid"],
        }
        for r in refunds
    ]
    return sorted(rows, key=lambda r: (r["at"] or 0, r["id"]))


# columns that hold a sentence (a discrepancy's type and explanation, a state): sized to the text
READ_WHOLE = frozenset({"check_zh", "check_en", "detail", "reason_zh", "reason_en", "note_zh"})


def capital(title: str) -> str:
    """The report's English column titles are lower case (file headers); on screen they start
    with a capital, like every other header."""
    if title.startswith(("openid", "appid")):  # names WeChat spells in lower case
        return title
    return title[:1].upper() + title[1:]


NOTHING_TO_EXPORT = N_("Run a report first: there is nothing to export yet.")


class DailyChart(QWidget):
    """Refunded money (red) against clawed-back coins valued at the coin rate (green), per day:
    a y axis in yuan, the first, middle and last day under the x axis, the day's figures on
    hover; a day with any clawback gets a bar at least 3 px high, so none is invisible."""

    LEFT, TOP, RIGHT, BOTTOM = 64, 22, 8, 20

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(150)
        self.setMouseTracking(True)
        self.days: list[dict[str, Any]] = []
        self.rate = 100
        self.ran = False  # no report asked for yet: nothing to say about the period
        self.refused = ""  # why the operator's role may not reconcile (team mode), or ""
        self.setAccessibleName(tr("Daily refunds against clawbacks"))

    def set_days(self, days: list[dict[str, Any]], rate: int) -> None:
        self.days, self.rate = days, rate
        self.update()

    def plot(self) -> QRectF:
        return QRectF(self.rect()).adjusted(self.LEFT, self.TOP, -self.RIGHT, -self.BOTTOM)

    def values(self) -> list[tuple[int, int]]:
        """(refunded fen, clawed-back coins in fen at the coin rate) per day."""
        return [
            (d["refunded"], d["coins_clawed_back"] * 100 // max(self.rate, 1)) for d in self.days
        ]

    def empty_text(self) -> str:
        if self.refused:
            return self.refused
        return tr("No data for this period") if self.ran else tr(RUN_FIRST)

    def day_at(self, x: float) -> int | None:
        rect = self.plot()
        if not self.days or not rect.left() <= x <= rect.right():
            return None
        return min(int((x - rect.left()) / (rect.width() / len(self.days))), len(self.days) - 1)

    def tip(self, n: int) -> str:
        day = self.days[n]
        refunded, clawed = self.values()[n]
        return tr("{day}: refunded {refunded}; clawed back {coins} (≈ {value})").format(
            day=day["day"],
            refunded=fmt.fen(refunded),
            coins=fmt.coins(day["coins_clawed_back"]),
            value=fmt.fen(clawed),
        )

    def mouseMoveEvent(self, event: Any) -> None:
        n = self.day_at(event.position().x())
        if n is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), self.tip(n), self)
        super().mouseMoveEvent(event)

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.plot()
        grey = QColor(theme.GREY)
        painter.setPen(grey)
        painter.drawText(
            8, 14, tr("Per day: refunded (red), coins clawed back at the coin rate (green)")
        )
        if not self.days:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.empty_text())
            return
        values = self.values()
        if not any(clawed for _refunded, clawed in values):
            painter.setPen(QColor(theme.ORANGE))
            painter.drawText(
                QRectF(0, 2, self.width() - 8, 16),
                Qt.AlignmentFlag.AlignRight,
                tr("No coins were clawed back in this period"),
            )
            painter.setPen(grey)
        top = max(max(a, b) for a, b in values) or 1
        # the y axis: 0, half and the top, in yuan
        for share in (0.0, 0.5, 1.0):
            y = rect.bottom() - rect.height() * share
            painter.setPen(QColor(0, 0, 0, 26))
            painter.drawLine(int(rect.left()), int(y), int(rect.right()), int(y))
            painter.setPen(grey)
            painter.drawText(
                QRectF(0, y - 8, self.LEFT - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                fmt.fen(int(top * share)),
            )
        width = rect.width() / len(values)
        for n, (refunded, clawed) in enumerate(values):
            x = rect.left() + n * width
            for offset, value, colour in ((0.1, refunded, theme.RED), (0.5, clawed, theme.GREEN)):
                if value <= 0:
                    continue
                height = max(rect.height() * value / top, 3.0)
                painter.fillRect(
                    QRectF(
                        x + width * offset, rect.bottom() - height, max(width * 0.38, 2), height
                    ),
                    QColor(colour),
                )
        painter.setPen(grey)
        painter.drawLine(
            int(rect.left()), int(rect.bottom()), int(rect.right()), int(rect.bottom())
        )
        under = QRectF(rect.left(), rect.bottom() + 2, rect.width(), 16)
        painter.drawText(under, Qt.AlignmentFlag.AlignLeft, self.days[0]["day"])
        if len(self.days) > 2:
            painter.drawText(
                under, Qt.AlignmentFlag.AlignHCenter, self.days[len(self.days) // 2]["day"]
            )
        painter.drawText(under, Qt.AlignmentFlag.AlignRight, self.days[-1]["day"])


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
        self.export.setToolTip(tr(NOTHING_TO_EXPORT))
        for widget in (self.preset, self.since, QLabel(tr("to")), self.until, run):
            bar.addWidget(widget)
        self.run = run
        bar.addStretch(1)
        bar.addWidget(self.export)
        self.root.addLayout(bar)
        cards = QHBoxLayout()
        self.figures: dict[str, Figure] = {}
        for key, label in (
            ("gross_paid", N_("Gross paid")),
            ("refunded", N_("Refunded")),
            ("coins_outstanding", N_("Coins not clawed back")),
            ("needs_login", N_("Needs user login")),
            ("discrepancies", N_("Discrepancies")),
            ("open_items", N_("Open items")),
        ):
            self.figures[key] = Figure(tr(label))
            cards.addWidget(self.figures[key])
        self.root.addLayout(cards)
        # the days no imported WeChat bill covers yet: their refunds were not compared
        self.coverage = QLabel()
        self.coverage.setWordWrap(True)
        self.coverage.setStyleSheet(f"color: {theme.ORANGE}; font-weight: 600;")
        self.coverage.setAccessibleName(tr("Days no WeChat bill covers"))
        self.coverage.hide()
        self.root.addWidget(self.coverage)
        self.chart = DailyChart()
        self.root.addWidget(self.chart)
        split = QSplitter(Qt.Orientation.Vertical)
        self.tabs = QTabWidget()
        self.tables: dict[str, tuple[Table, RowsModel]] = {}
        split.addWidget(self.tabs)
        drill = QWidget()
        drill_layout = QVBoxLayout(drill)
        drill_layout.setContentsMargins(0, 0, 0, 0)
        self.drill_title = muted(
            tr("Double-click a day to see the payments and refunds behind its figures.")
        )
        drill_layout.addWidget(self.drill_title)
        self.drill_model = RowsModel(DRILL_COLUMNS, parent=self)
        self.drill_table = Table("recon_drill")
        self.drill_table.setModel(self.drill_model)
        drill_layout.addWidget(self.drill_table)
        split.addWidget(drill)
        split.setSizes([300, 160])
        self.root.addWidget(split, 1)
        self.view: ReconView | None = None
        self._presetting = False
        self._preset()
        for edit in (self.since, self.until):  # a date chosen by hand makes the period custom
            edit.dateChanged.connect(self._dates_edited)

    def on_ready(self) -> None:
        """A team role that may not reconcile: every control says why, and the chart too
        (not "choose a period"). The server refuses anyway; this only says so first."""
        from dashboard.roles import block, refused_page

        why = refused_page(self.ctx.desk, "reconciliation")
        block((self.preset, self.since, self.until, self.run), why)
        self.chart.refused = why
        self.chart.update()
        if why:
            self.export.setEnabled(False)
            self.export.setToolTip(why)
            self.inline.show_message("warn", why)
        elif self.view is None:
            self.export.setToolTip(tr(NOTHING_TO_EXPORT))

    def _dates_edited(self) -> None:
        if not self._presetting and self.preset.currentIndex() != CUSTOM:
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(CUSTOM)
            self.preset.blockSignals(False)

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
        self._presetting = True
        try:
            self.since.setDate(QDate(start.year, start.month, start.day))
            self.until.setDate(QDate(end.year, end.month, end.day))
        finally:
            self._presetting = False

    def period(self) -> Period:
        from core.reconcile import Period

        return Period(self.since.date().toPython(), self.until.date().toPython())

    def run_report(self) -> None:
        self._preset()  # "this month" is Beijing's now, also in a window left open overnight
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
        self.figures["needs_login"].set(counted("needs_login", s["needs_login"]))
        self.figures["discrepancies"].set(
            counted("discrepancies", s["discrepancies"]), "red" if s["discrepancies"] else "green"
        )
        self.figures["open_items"].set(
            counted("open_items", s["open_items"]), "orange" if s["open_items"] else "green"
        )
        assert self.ctx.desk is not None
        self.chart.ran = True
        self.chart.set_days(view.sections.get("daily", []), self.ctx.desk.profile.coin_rate)
        english = fmt.lang() == "en"
        current = self.tabs.currentIndex()
        # one table and one model per section, kept from report to report (a new table per
        # report, with QTabWidget.clear() keeping the old ones, grew ~1.15 MB a report); the
        # table of a section this report lacks is deleted, on the GUI thread
        for name in [n for n in self.tables if n not in view.sections]:
            gone, _model = self.tables.pop(name)
            self.tabs.removeTab(self.tabs.indexOf(gone))
            gone.deleteLater()
        for position, (name, rows) in enumerate(view.sections.items()):
            columns = [
                Col(
                    c.key_for("en" if english else "zh_CN"),
                    capital(c.title("en" if english else "zh_CN")),
                    "word" if getattr(c, "vocab", "") else KIND_OF.get(c.kind, "text"),
                    120,
                    vocab=getattr(c, "vocab", ""),
                )
                for c in view.columns[name]
            ]
            table, model = self._section_table(name)
            model.set_table(columns, rows)
            for n, col in enumerate(columns):
                wide = col.key.endswith(("_id", "openid")) or col.key in (
                    "id",
                    "check_zh",
                    "check_en",
                )
                table.setColumnWidth(
                    n, 190 if wide else {"time": 150, "text": 140}.get(col.kind, 105)
                )
                if col.key in READ_WHOLE:  # a sentence: as wide as its longest, never clipped
                    table.resizeColumnToContents(n)
            zh, en = view.titles[name]
            label = f"{en if english else zh} ({len(rows)})"
            index = self.tabs.indexOf(table)
            if index != position:
                if index >= 0:
                    self.tabs.removeTab(index)
                self.tabs.insertTab(position, table, label)
            else:
                self.tabs.setTabText(position, label)
        self.tabs.setCurrentIndex(max(current, 0))
        self.export.setEnabled(True)
        self.export.setToolTip(tr("Export this report (Excel, CSV or JSON)"))
        self._link_discrepancies()
        note = view.coverage_note.get("en" if english else "zh_CN", "")
        self.coverage.setText(note)
        self.coverage.setVisible(bool(note))

    def _section_table(self, name: str) -> tuple[Table, RowsModel]:
        """The section's table, made on its first report; its model is owned by it."""
        if name not in self.tables:
            table = Table(f"recon_{name}")
            model = RowsModel([], parent=table)
            table.setModel(model)
            if name == "daily":
                table.doubleClicked.connect(self._drill_day)
            self.tables[name] = (table, model)
        return self.tables[name]

    def _drill_day(self) -> None:
        table, model = self.tables["daily"]
        index = table.currentIndex()
        if not index.isValid() or self.view is None or self.ctx.desk is None:
            return
        day = model.row_dict(index.row())["day"]
        self.drill_title.setText(tr("Payments and refunds on {day}").format(day=day))
        desk, period = self.ctx.desk, self.view.period

        async def both() -> list[dict[str, Any]]:
            orders = await desk.drill(period, "orders", day)
            return drill_rows(orders, await desk.drill(period, "refunds", day))

        self.ctx.runner.run(both(), on_done=self.drill_model.set_rows, on_error=self.inline.error)

    def export_report(self) -> None:
        # a plain slot, not a coroutine: the file dialog's exec() never runs inside a task
        if self.view is None or self.ctx.desk is None:
            return
        name = f"xpaydesk-{self.view.period.start}-{self.view.period.end}.xlsx"
        path, _filter = QFileDialog.getSaveFileName(
            self,
            tr("Export report"),
            str(Path(last_folder()) / name),
            "Excel (*.xlsx);;CSV (*.csv);;JSON (*.json)",
        )
        if path:
            remember_folder(path)
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        assert self.view is not None and self.ctx.desk is not None
        self.busy.start()
        self.ctx.runner.run(
            self.ctx.desk.export_report(self.view.period, path, lang=fmt.lang()),
            on_done=self._exported,
            on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
        )

    def _exported(self, paths: list[Path]) -> None:
        """Says where the files are, on the page (it stays) and in the status bar."""
        self.busy.stop()
        written = "\n".join(str(p) for p in paths)
        self.inline.show_message("ok", tr("Exported to {path}").format(path=written))
        self.ctx.notify.emit("ok", tr("Exported to {path}").format(path=paths[0]))

    # ---- a discrepancy opens its order, with the fix offered there ----------------------------

    def _link_discrepancies(self) -> None:
        found = self.tables.get("discrepancies")
        if found is None or found[0].property("opens_orders"):
            return
        found[0].setProperty("opens_orders", True)
        found[0].setToolTip(tr("Double-click a discrepancy to open its order."))
        found[0].doubleClicked.connect(self.open_discrepancy)

    def open_discrepancy(self) -> None:
        """The Orders page with the order the row is about and the fix the check suggests
        (refresh from WeChat, mark delivered); a row about a user opens the user."""
        table, model = self.tables["discrepancies"]
        index = table.currentIndex()
        if not index.isValid():
            return
        row = model.row_dict(index.row())
        if row.get("order_id"):
            self.ctx.suggestion = {
                "order_id": row["order_id"],
                "fix": row.get("fix", ""),
                "why_zh": row.get("check_zh", ""),
                "why_en": row.get("check_en", ""),
                "openid": row.get("openid", ""),
            }
            self.ctx.navigate.emit("orders", row["order_id"])
        elif row.get("openid"):
            self.ctx.navigate.emit("users", row["openid"])
