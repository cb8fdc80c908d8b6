"""Small reusable pieces: page title, cards, figures, badges, inline banners, ids with a copy
button, a busy indicator, a table view with the guide's keyboard shortcuts."""

from __future__ import annotations

import dataclasses
import json
import zlib
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dashboard import theme
from dashboard.fmt import elide, two
from dashboard.i18n import tr

COLOURS = {
    "green": theme.GREEN,
    "red": theme.RED,
    "orange": theme.ORANGE,
    "blue": theme.BLUE,
    "grey": theme.GREY,
}


def title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageTitle")
    return label


def muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


class Card(QFrame):
    def __init__(self, heading: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(12, 12, 12, 12)
        self.body.setSpacing(6)
        if heading:
            self.body.addWidget(muted(heading))


class Figure(Card):
    """A summary card: a caption and one big number."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(caption, parent)
        self.value = QLabel("—")
        self.value.setObjectName("figure")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.value)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set(self, text: str, colour: str | None = None) -> None:
        self.value.setText(text)
        self.value.setStyleSheet(f"color: {COLOURS[colour]};" if colour else "")


class Badge(QLabel):
    def __init__(self, text: str = "", colour: str = "grey") -> None:
        super().__init__()
        self.setObjectName("chip")
        self.set(text, colour)

    def set(self, text: str, colour: str) -> None:
        self.setText(text)
        self.setStyleSheet(f"background: {COLOURS.get(colour, theme.GREY)};")


class Inline(QFrame):
    """The guide's inline banner: error (red), ok (green) or warning (orange), never a modal,
    with a "copy details" button (details never contain secrets)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
        self.copy = QToolButton()
        self.copy.setText(tr("Copy details"))
        self.copy.setAccessibleName(tr("Copy details"))
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.text()))
        layout.addWidget(self.copy)
        self.hide()

    def show_message(self, kind: str, text: str) -> None:
        self.setObjectName({"error": "inlineError", "ok": "inlineOk"}.get(kind, "inlineWarn"))
        self.setStyleSheet(self.styleSheet())  # re-polish with the new object name
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(text)
        self.copy.setVisible(kind != "ok")
        self.show()

    def error(self, exc: BaseException) -> None:
        message = getattr(exc, "message_zh", None)
        if message is not None:  # both, as the guide asks; the operator's language first
            text = two(exc.message_zh, exc.message_en)  # type: ignore[attr-defined]
        else:
            text = f"{type(exc).__name__}: {exc}"
        self.show_message("error", text)


class IdLabel(QWidget):
    """An id an operator compares with what a user sent: shown whole (in a detail pane) or
    middle-elided with the whole id in the tooltip (where space is short), always selectable,
    in tabular figures, with a copy button."""

    def __init__(self, value: str = "", *, whole: bool = True) -> None:
        super().__init__()
        self.whole = whole
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setObjectName("id")
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        # one line: a wrapped id broke at its "-" and a pane of fixed height cut it off; the pane
        # gives it the room (its minimum width is the whole id)
        self.label.setWordWrap(False)
        self.button = QToolButton()
        self.button.setText(tr("Copy"))
        self.button.setAccessibleName(tr("Copy"))
        self.button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.value))
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.value = ""
        self.set(value)

    def set(self, value: str) -> None:
        self.value = value
        shown = value if self.whole else elide(value, 10)
        self.label.setText(shown if value else "—")
        self.label.setToolTip(value)
        self.button.setEnabled(bool(value))


class Busy(QProgressBar):
    """Nothing for the first 150 ms, then an indeterminate bar (the guide's loading state)."""

    def __init__(self) -> None:
        super().__init__()
        self.setRange(0, 0)
        self.setMaximumHeight(4)
        self.setTextVisible(False)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.show)

    def start(self) -> None:
        self._timer.start(150)

    def stop(self) -> None:
        self._timer.stop()
        self.hide()


def plain(value: Any) -> Any:
    """A row's record as JSON: a dataclass (a timeline entry) as its fields, never a repr."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


class Table(QTableView):
    """A table with the keyboard of the guide: Ctrl+C copies the focused cell (an id),
    Ctrl+Shift+C copies the row as JSON; its layout persists under `name`."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(28)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.setWordWrap(False)
        QShortcut(QKeySequence.StandardKey.Copy, self, self.copy_cell)
        QShortcut(QKeySequence("Ctrl+Shift+C"), self, self.copy_row)
        # columns widen to their header and to what they show ("Item purch…", a Chinese header
        # cut to one character), once the rows are in; a column is never narrowed
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit_columns)

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        if model is None:
            return
        for n, col in enumerate(getattr(model, "columns", None) or []):
            self.setColumnWidth(n, col.width)
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted):
            signal.connect(self._fit_timer.start)
        self._fit_timer.start()

    def fit_columns(self, widest: int = 320) -> None:
        model, header = self.model(), self.horizontalHeader()
        if model is None:
            return
        for n in range(model.columnCount()):
            if header.isSectionHidden(n):
                continue
            need = max(header.sectionSizeHint(n), min(self.sizeHintForColumn(n), widest))
            if self.columnWidth(n) < need:
                self.setColumnWidth(n, need)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._fit_timer.start()  # the cells' sizes are known once the table is shown

    def copy_cell(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            value = index.data(Qt.ItemDataRole.ToolTipRole) or index.data()
            QGuiApplication.clipboard().setText(str(value))

    def copy_row(self) -> None:
        index = self.currentIndex()
        model = self.model()
        if index.isValid() and hasattr(model, "row_dict"):
            QGuiApplication.clipboard().setText(
                json.dumps(model.row_dict(index.row()), ensure_ascii=False, default=plain)
            )

    def _layout_key(self) -> str:
        """Saved per table and per column set: a layout saved before the columns changed (new
        widths, new kinds) is not applied to the new ones."""
        columns = getattr(self.model(), "columns", None) or []
        shape = ",".join(f"{c.key}:{c.kind}:{c.width}" for c in columns)
        return f"tables/{self.objectName()}/{zlib.crc32(shape.encode()):08x}"

    def save_layout(self) -> None:
        QSettings().setValue(self._layout_key(), self.horizontalHeader().saveState())

    def restore_layout(self) -> None:
        state: Any = QSettings().value(self._layout_key())
        if state is not None:
            self.horizontalHeader().restoreState(state)


def button(text: str, *, kind: str = "", shortcut: str | None = None) -> QPushButton:
    widget = QPushButton(text)
    widget.setAccessibleName(text)
    if kind:
        widget.setObjectName(kind)
    if shortcut:
        widget.setShortcut(QKeySequence(shortcut))
        widget.setToolTip(f"{text} ({shortcut})")
    return widget
