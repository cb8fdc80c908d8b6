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

import shiboken6
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
    "refunds": ("retry", "track"),
    "complaints": ("refund",),
    # the pending list (a dialog of the window): settling or closing an operation at WeChat
    "pending": ("resolve_button", "abandon_button"),
}
# the policy action each of those buttons starts (core.operations.policy.ROLE_ACTIONS)
MONEY_ACTIONS: dict[str, str] = {
    "actions.gift": "gift",
    "actions.deduct": "deduct",
    "actions.cancel": "cancel_deduction",
    "actions.refund": "refund",
    "deliver_button": "deliver",
    "refund_button": "refund",
    "retry": "clawback",
    "refund": "refund",
    "track": "resolve",  # resolve and abandon: not limited actions; any role but viewer
    "resolve_button": "resolve",
    "abandon_button": "abandon",
}
STYLE = "background: #FA9D3B; color: white; font-weight: 600; padding: 5px;"
ENDED_STYLE = "background: #E5484D; color: white; font-weight: 600; padding: 5px;"


def is_offline(desk: Any) -> bool:
    """A team desk whose server is away; a solo desk is never offline."""
    return desk is not None and bool(getattr(desk, "team", False)) and not desk.online


def data_time(desk: Any) -> float:
    """When what the window shows was last brought up to date: the last contact with the server
    (any answer or event: what a page shows may come from an event after its last read), else
    the moment it went away."""
    at = getattr(desk, "last_contact", None) or getattr(desk, "offline_since", None)
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
    """Holds the money buttons of the pages built so far disabled while offline or the session
    has ended (a page that enables one meanwhile is overruled), and on a team desk those whose
    action the operator's role may not do (a finance operator's Gift, every money button of a
    viewer), each with its reason as the tooltip; gives each back the state its page last
    wanted. The server decides; this only spares the operator a dialog that cannot succeed."""

    def __init__(self, banner: ConnectionBanner) -> None:
        super().__init__(banner)
        self.banner = banner
        self.paused = False
        self.reason = paused_reason()
        self._wanted: dict[QAbstractButton, tuple[bool, str]] = {}  # enabled, tooltip
        self._held: dict[QAbstractButton, str] = {}  # the reason each is held with
        self._forcing = False

    def buttons(self) -> list[tuple[QAbstractButton, str]]:
        """(button, the policy action it starts) of the pages built so far."""
        found: list[tuple[QAbstractButton, str]] = []
        for name, paths in MONEY_BUTTONS.items():
            page = _holder(self.banner.window_, name)  # only pages (and dialogs) already built
            if page is None:
                continue
            for path in paths:
                widget = _attribute(page, path)
                if isinstance(widget, QAbstractButton):
                    found.append((widget, MONEY_ACTIONS[path]))
        return found

    def apply(self, paused: bool, reason: str = "") -> None:
        self.paused = paused
        self.reason = reason or paused_reason()
        for widget, action in self.buttons():
            why = self.reason if paused else role_refusal(self.banner.ctx.desk, action)
            if why:
                self._hold(widget, why)
            elif widget in self._wanted:
                enabled, tip = self._wanted.pop(widget)
                self._held.pop(widget, None)
                widget.removeEventFilter(self)
                self._force(widget, enabled, tip)

    def _hold(self, widget: QAbstractButton, why: str) -> None:
        if widget not in self._wanted:
            self._wanted[widget] = (widget.isEnabled(), widget.toolTip())
            widget.installEventFilter(self)
        self._held[widget] = why
        self._force(widget, False, why)

    def _force(self, widget: QAbstractButton, enabled: bool, tip: str) -> None:
        self._forcing = True
        try:
            widget.setEnabled(enabled)
            widget.setToolTip(tip)
        finally:
            self._forcing = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        kind = event.type()
        if (
            not self._forcing
            and kind in (QEvent.Type.EnabledChange, QEvent.Type.ToolTipChange)
            and isinstance(watched, QAbstractButton)
            and watched in self._held
        ):
            # the page changed its mind meanwhile: remembered for later, held disabled now
            enabled, tip = self._wanted[watched]
            if kind == QEvent.Type.EnabledChange:
                enabled = watched.isEnabled()
            else:
                tip = watched.toolTip()
            self._wanted[watched] = (enabled, tip)
            if watched.isEnabled() or watched.toolTip() != self._held[watched]:
                self._force(watched, False, self._held[watched])
        return False


def role_refusal(desk: Any, action: str) -> str:
    """Why the operator's role may not do `action` on a team desk (glossary words, the UI's
    language), or "" when it may (and on a solo desk, whose profile's policy the dialog says)."""
    if desk is None or not getattr(desk, "team", False):
        return ""
    from core.operations.policy import ROLE_ACTIONS, Policy

    role = str(getattr(desk.profile, "role", "") or "")
    if action in ("resolve", "abandon") and role != "viewer":
        return ""  # not a limited action: every role but viewer settles operations
    if role not in ROLE_ACTIONS or action in ROLE_ACTIONS[role]:
        return ""
    problem = Policy.for_profile(role, {}).problem(action, 0, spent_today=0)
    if problem is None:
        return ""
    said = problem[1] if fmt.lang() == "en" else problem[0]
    return said[:1].upper() + said[1:]


def _holder(window: Any, name: str) -> Any:
    """A page already built, or the window's open pending list."""
    if name == "pending":
        dialog = getattr(window, "_pending_dialog", None)
        return dialog if dialog is not None and shiboken6.isValid(dialog) else None
    return dict.get(window.pages, name)


def money_buttons(window: Any) -> list[QAbstractButton]:
    """Every money-moving button of the window built so far: the one list the gate holds."""
    found = []
    for name, paths in MONEY_BUTTONS.items():
        holder = _holder(window, name)
        for path in paths if holder is not None else ():
            widget = _attribute(holder, path)
            if isinstance(widget, QAbstractButton):
                found.append(widget)
    return found


def _attribute(page: QWidget, path: str) -> Any:
    name, _, key = path.partition(".")
    value = getattr(page, name, None)
    if key and isinstance(value, dict):
        return value.get(key)
    return value
