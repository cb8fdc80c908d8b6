"""Team mode's connection banner: while the team server cannot be reached, a warning strip at the
top of the window says so, says from when the data shown is, and that money actions are paused;
the buttons that open a money dialog are disabled with that reason meanwhile. It goes away by
itself when the server is back (the desk's event stream notices both). A solo desk never shows
it: it has no server to lose.

When the server says the session is over (an admin disabled the operator or ended their
sessions, or they logged out elsewhere: a refused renewal, seen by the desk's TokenKeeper from
any call or from the event stream), the strip says so at once, in red, with a "Log in again"
button: the login dialog opens over this window and, once the server accepts, the same window
goes on with the new session. Money buttons are held disabled meanwhile."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QLabel, QPushButton, QWidget

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
ENDED_STYLE = "background: #E5484D; color: white; font-weight: 600; padding: 5px;"


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


def ended_text() -> str:
    return tr("Session ended (an admin may have disabled you, or you logged out)")


def ended_reason() -> str:
    return tr("The session with the team server has ended: log in again to continue.")


def is_login_required(exc: BaseException) -> bool:
    return getattr(exc, "kind", "") == "login_required"


class ConnectionBanner(QLabel):
    """The strip, and the money buttons held disabled while it shows."""

    lost = Signal()  # the session ended (emitted from whichever thread the desk noticed it on)

    def __init__(self, ctx: AppContext, window: MainWindow) -> None:
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.ended = False  # the server ended this operator's session
        self.login_dialog: Any = None  # the open "log in again" dialog (a strong reference)
        self._watched: Any = None  # the auth whose end is followed
        self.setObjectName("connectionBanner")
        self.setAccessibleName(tr("Connection to the team server"))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet(STYLE)
        self.login_again = QPushButton(tr("Log in again"))
        self.login_again.setObjectName("loginAgain")
        self.login_again.setAccessibleName(tr("Log in again"))
        self.login_again.clicked.connect(self.open_login)
        self.login_again.hide()
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 6, 0)
        row.addStretch(1)
        row.addWidget(self.login_again)
        self.hide()
        self.gate = MoneyGate(self)
        self.lost.connect(self.session_ended, Qt.ConnectionType.QueuedConnection)
        ctx.ready.connect(self._watch)
        # the time shown follows reads that fall back to older answers meanwhile
        self._tick = QTimer(self)
        self._tick.setInterval(5_000)
        self._tick.timeout.connect(self.update_state)
        ctx.ready.connect(self.update_state)
        ctx.changes.connect(self._changed)
        window.stack.currentChanged.connect(lambda _i: self.update_state())

    @property
    def offline(self) -> bool:
        return is_offline(self.ctx.desk)

    def _changed(self, _what: set[str]) -> None:
        self.update_state()

    def _watch(self) -> None:
        """Follows the end of the desk's session (a TokenKeeper says when the server refused
        to renew it; other auths, and a solo desk, have none to follow)."""
        auth = getattr(self.ctx.desk, "auth", None)
        on_end = getattr(auth, "on_end", None)
        if auth is None or auth is self._watched or on_end is None:
            return
        self._watched = auth
        on_end(self.lost.emit)

    def session_ended(self) -> None:
        """The server said the session is over: said at once, money held, a way back in."""
        desk = self.ctx.desk
        if desk is None or not getattr(desk, "team", False):
            return
        self.ended = True
        self.update_state()

    def update_state(self) -> None:
        if self.ended:
            self._tick.stop()
            self.setStyleSheet(ENDED_STYLE)
            self.setText("⛔ " + ended_text() + " · " + tr("Log in again"))
            self.setToolTip(ended_reason())
            self.setContentsMargins(0, 0, self.login_again.sizeHint().width() + 12, 0)
            self.login_again.show()
            self.show()
            self.gate.apply(True, ended_reason())
            return
        self.login_again.hide()
        self.setContentsMargins(0, 0, 0, 0)
        self.setStyleSheet(STYLE)
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

    def open_login(self) -> None:
        """The login dialog over this window (window-modal, never exec()); the same operator,
        and once the server accepts, this window goes on with the new session."""
        from dashboard.login_dialog import LoginDialog

        desk = self.ctx.desk
        if desk is None or (self.login_dialog is not None and self.login_dialog.isVisible()):
            return
        dialog = LoginDialog(
            desk.profile,
            parent=self.window_,
            reason=ended_text(),
            fixed_name=True,
            transport=getattr(self._watched, "_transport", None),
        )
        dialog.logged_in.connect(self.resumed)
        self.login_dialog = dialog
        dialog.open()

    def resumed(self, keeper: Any) -> None:
        """Logged in again: the desk goes on with the new session; pages read afresh."""
        desk = self.ctx.desk
        if desk is None:
            return
        desk.auth = keeper
        self._watched = None
        self._watch()
        self.ended = False
        self.update_state()
        self.ctx.changes.emit(
            {"pending", "ledger", "refunds", "orders", "audit", "approvals", "complaints"}
        )
        self.ctx.notify.emit("ok", tr("Logged in again: the session goes on."))


class MoneyGate(QObject):
    """Holds the money buttons of the pages built so far disabled while offline (a page that
    enables one meanwhile is overruled), and gives each back the state its page last wanted."""

    def __init__(self, banner: ConnectionBanner) -> None:
        super().__init__(banner)
        self.banner = banner
        self.paused = False
        self.reason = paused_reason()
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

    def apply(self, paused: bool, reason: str = "") -> None:
        self.paused = paused
        self.reason = reason or paused_reason()
        for widget in self.buttons():
            if paused and widget in self._wanted:
                self._force(widget, False, self.reason)  # the reason may have changed
            elif paused and widget not in self._wanted:
                self._wanted[widget] = (widget.isEnabled(), widget.toolTip())
                widget.installEventFilter(self)
                self._force(widget, False, self.reason)
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
                self._force(watched, False, self.reason)
        return False


def _attribute(page: QWidget, path: str) -> Any:
    name, _, key = path.partition(".")
    value = getattr(page, name, None)
    if key and isinstance(value, dict):
        return value.get(key)
    return value
