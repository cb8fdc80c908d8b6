"""Team mode's connection banner: while the team server cannot be reached, a warning strip at the
top of the window says so, says from when the data shown is, and that money actions are paused;
the buttons that open a money dialog are disabled with that reason meanwhile. It goes away by
itself when the server is back (the desk's event stream notices both). A solo desk never shows
it: it has no server to lose."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from dashboard import fmt
from dashboard.context import AppContext
from dashboard.i18n import tr

if TYPE_CHECKING:
    from dashboard.main_window import MainWindow

# the buttons of each page that open a money dialog (attribute names; "actions.gift": an entry
# of a dict attribute)
MONEY_BUTTONS: dict[str, tuple[str, ...]] = {
    "users": ("actions.gift", "actions.deduct", "actions.cancel", "actions.refund"),
    "orders": ("deliver_button", "refund_button"),
    "refunds": ("retry",),
    "complaints": ("refund",),
}
STYLE = "background: #FA9D3B; color: white; font-weight: 600; padding: 5px;"


def is_offline(desk: Any) -> bool:
    """A team desk whose server is away; a solo desk is never offline."""
    return desk is not None and bool(getattr(desk, "team", False)) and not desk.online


def data_time(desk: Any) -> float:
    """When what the window shows was fetched: the oldest answer a read fell back to, else the
    moment the server went away."""
    at = getattr(desk, "stale_since", None) or getattr(desk, "offline_since", None)
    return float(at) if at else time.time()


def paused_text(desk: Any) -> str:
    at = datetime.fromtimestamp(data_time(desk), fmt.SHANGHAI).strftime("%H:%M")
    return tr(
        "Team server unreachable · showing data from {time} (Beijing) · money actions paused"
    ).format(time=at)


def paused_reason() -> str:
    return tr("Money actions are paused until the team server can be reached again.")


class ConnectionBanner(QLabel):
    """The strip, and the money buttons held disabled while it shows."""

    def __init__(self, ctx: AppContext, window: MainWindow) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.setObjectName("connectionBanner")
        self.setAccessibleName(tr("Connection to the team server"))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet(STYLE)
        self.hide()
        self.gate = MoneyGate(self)
        # the time shown follows reads that fall back to older answers meanwhile
        self._tick = QTimer(self)
        self._tick.setInterval(5_000)
        self._tick.timeout.connect(self.update_state)
        ctx.ready.connect(self.update_state)
        ctx.changes.connect(self._changed)
        window.stack.currentChanged.connect(lambda _i: self.gate.apply(self.offline))

    @property
    def offline(self) -> bool:
        return is_offline(self.ctx.desk)

    def _changed(self, _what: set[str]) -> None:
        self.update_state()

    def update_state(self) -> None:
        offline = self.offline
        if offline:
            self.setText("⚠ " + paused_text(self.ctx.desk))
            self.setToolTip(paused_reason())
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()
        self.setVisible(offline)
        self.gate.apply(offline)


class MoneyGate(QObject):
    """Holds the money buttons of the pages built so far disabled while offline (a page that
    enables one meanwhile is overruled), and gives each back the state its page last wanted."""

    def __init__(self, banner: ConnectionBanner) -> None:
        super().__init__(banner)
        self.banner = banner
        self.paused = False
        self._wanted: dict[QAbstractButton, tuple[bool, str]] = {}  # enabled, tooltip
        self._forcing = False

    def buttons(self) -> list[QAbstractButton]:
        found: list[QAbstractButton] = []
        pages = self.banner.window_.pages
        for name, paths in MONEY_BUTTONS.items():
            page = dict.get(pages, name)  # only pages already built
            if page is None:
                continue
            for path in paths:
                widget = _attribute(page, path)
                if isinstance(widget, QAbstractButton):
                    found.append(widget)
        return found

    def apply(self, paused: bool) -> None:
        self.paused = paused
        for widget in self.buttons():
            if paused and widget not in self._wanted:
                self._wanted[widget] = (widget.isEnabled(), widget.toolTip())
                widget.installEventFilter(self)
                self._force(widget, False, paused_reason())
            elif not paused and widget in self._wanted:
                enabled, tip = self._wanted.pop(widget)
                widget.removeEventFilter(self)
                self._force(widget, enabled, tip)

    def _force(self, widget: QAbstractButton, enabled: bool, tip: str) -> None:
        self._forcing = True
        try:
            widget.setEnabled(enabled)
            widget.setToolTip(tip)
        finally:
            self._forcing = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if (
            not self._forcing
            and self.paused
            and event.type() == QEvent.Type.EnabledChange
            and isinstance(watched, QAbstractButton)
            and watched in self._wanted
        ):
            # the page changed its mind meanwhile: remembered for later, held disabled now
            self._wanted[watched] = (watched.isEnabled(), self._wanted[watched][1])
            if watched.isEnabled():
                self._force(watched, False, paused_reason())
        return False


def _attribute(page: QWidget, path: str) -> Any:
    name, _, key = path.partition(".")
    value = getattr(page, name, None)
    if key and isinstance(value, dict):
        return value.get(key)
    return value
