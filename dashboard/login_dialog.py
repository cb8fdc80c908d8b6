"""Logging in to the team server: the operator's name (from the team profile), the password and
the 6-digit code of their authenticator app, the server's address shown so nobody types a
password into the wrong one. What is wrong is said under the field it concerns, in both
languages; the server's refusals (wrong password or code, too many tries, no answer) above the
buttons. Enter submits. The session goes to the OS keyring (core.remote.session), never a file.

Opened with open() (window-modal, non-blocking), never exec() from inside a coroutine:
`await ensure_login(parent, team_profile)` opens it only when no stored session is usable."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.errors import ValidationError, XPayDeskError
from core.profiles import TeamProfile
from core.remote.errors import ServerUnreachable
from core.remote.session import TokenKeeper
from dashboard import theme
from dashboard.fmt import two
from dashboard.i18n import tr
from dashboard.widgets import Busy, Inline, muted


def _note() -> QLabel:
    label = QLabel()
    label.setStyleSheet(f"color: {theme.RED};")
    label.setWordWrap(True)
    label.hide()
    return label


class LoginDialog(QDialog):
    """`logged_in` carries the TokenKeeper that holds the new session (pass it to
    core.desks.open_desk as `auth`: it works even where the OS keyring is missing)."""

    logged_in = Signal(object)

    def __init__(
        self,
        profile: TeamProfile,
        *,
        parent: QWidget | None = None,
        transport: Any = None,
        async_transport: Any = None,
        reason: str = "",
        fixed_name: bool = False,
    ) -> None:
        super().__init__(parent)
        self.profile = profile
        self.transport = transport
        self.async_transport = async_transport
        self.keeper: TokenKeeper | None = None
        self._task: asyncio.Task[Any] | None = None  # a strong reference while it runs
        self.setWindowTitle(tr("Log in to the team server"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        if reason:
            layout.addWidget(muted(reason))
        form = QFormLayout()
        self.server = QLabel(profile.server)
        self.server.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.server.setAccessibleName(tr("Team server"))
        form.addRow(tr("Team server"), self.server)
        self.name = QLineEdit(profile.operator)
        self.name.setAccessibleName(tr("Operator name"))
        # logging in again on an open window: the same operator (the window shows their role)
        self.name.setReadOnly(fixed_name)
        self.name_note = _note()
        form.addRow(tr("Operator name"), self.name)
        form.addRow("", self.name_note)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("Password"))
        self.password_note = _note()
        form.addRow(tr("Password"), self.password)
        form.addRow("", self.password_note)
        self.totp = QLineEdit()
        self.totp.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,6}"), self))
        self.totp.setPlaceholderText(tr("6 digits from your authenticator app"))
        self.totp.setAccessibleName(tr("One-time code"))
        self.totp_note = _note()
        form.addRow(tr("One-time code"), self.totp)
        form.addRow("", self.totp_note)
        layout.addLayout(form)
        for warning in profile.warnings:
            layout.addWidget(muted(warning))
        self.inline = Inline()
        layout.addWidget(self.inline)
        self.busy = Busy()
        layout.addWidget(self.busy)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.submit = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.submit.setText(tr("Log in"))
        self.submit.setDefault(True)  # Enter in any field submits
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        self.buttons.accepted.connect(self.log_in)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.password if profile.operator else self.name).setFocus(Qt.FocusReason.OtherFocusReason)

    def _notes(self) -> dict[str, QLabel]:
        return {"name": self.name_note, "password": self.password_note, "totp": self.totp_note}

    def _say(self, field: str, zh: str, en: str) -> None:
        note = self._notes()[field]
        note.setText(two(zh, en))
        note.show()

    def _clear(self) -> None:
        for note in self._notes().values():
            note.clear()
            note.hide()
        self.inline.hide()

    def _checked(self) -> bool:
        """What can be said before anything is sent, under its field."""
        ok = True
        if not self.name.text().strip():
            self._say("name", "请输入操作员名称", "enter the operator's name")
            ok = False
        if not self.password.text():
            self._say("password", "请输入密码", "enter the password")
            ok = False
        if len(self.totp.text()) != 6:
            self._say(
                "totp",
                "动态码须为 6 位数字（验证器 App 中显示）",
                "the one-time code is the 6 digits your authenticator app shows",
            )
            ok = False
        return ok

    def log_in(self) -> None:
        if self._task is not None and not self._task.done():
            return  # Enter pressed again while the server checks
        self._clear()
        if not self._checked():
            return
        name = self.name.text().strip()
        profile = (
            self.profile if name == self.profile.operator else replace(self.profile, operator=name)
        )
        keeper = TokenKeeper(profile, transport=self.transport)
        self.submit.setEnabled(False)
        self.busy.start()
        self._task = asyncio.ensure_future(
            keeper.alogin(self.password.text(), self.totp.text(), transport=self.async_transport)
        )
        self._task.add_done_callback(lambda task: self._done(task, keeper))

    def _done(self, task: asyncio.Task[Any], keeper: TokenKeeper) -> None:
        self.busy.stop()
        self.submit.setEnabled(True)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            self.password.clear()  # not kept in the widget once the server has answered
            self.totp.clear()
            self.keeper = keeper
            self.logged_in.emit(keeper)
            self.accept()
            return
        self.totp.clear()  # a code is spent once: the next try needs the next one
        if isinstance(exc, ValidationError) and exc.field in self._notes():
            zh, en = exc.message_zh, exc.message_en
            self._say(exc.field, zh.split("：", 1)[-1], en.split(": ", 1)[-1])
            return
        self.inline.error(exc)
        (self.password if getattr(exc, "kind", "") == "login_failed" else self.totp).setFocus()

    def reject(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().reject()


def stored_session_usable(keeper: TokenKeeper) -> bool:
    """A session in the keyring that the server still accepts (one GET /api/v1/me, renewing it
    first if it is about to expire: an admin may have ended it meanwhile). A server that does
    not answer leaves it standing (the window opens offline and says so)."""
    if not keeper.has_session():
        return False
    try:
        keeper.whoami()
    except ServerUnreachable:
        return True
    except XPayDeskError:  # LoginRequired, or the server refused the renewal some other way
        return False
    return True


async def ensure_login(
    parent: QWidget | None,
    profile: TeamProfile,
    *,
    transport: Any = None,
    async_transport: Any = None,
) -> TokenKeeper | None:
    """The session to open `profile` with: the stored one when it is usable, else the login
    dialog's. None when the operator cancels. The keeper is the `auth` for open_desk; its
    `.profile` names the operator who logged in (the name field may have been changed)."""
    keeper = TokenKeeper(profile, transport=transport)
    if stored_session_usable(keeper):
        return keeper
    dialog = LoginDialog(
        profile, parent=parent, transport=transport, async_transport=async_transport
    )
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not done.done():
            done.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()  # window-modal without a nested event loop
    await done
    chosen = dialog.keeper  # set only when the server accepted the login
    dialog.deleteLater()
    return chosen
