"""Create or edit a profile: the plain fields go to the profiles file (comments kept), the keys to
the OS keyring; a key field left empty keeps what is stored. Nothing is written until the whole
form is valid; errors name the field in both languages and leave the dialog open.

Two kinds: solo (单机: the merchant's keys on this desktop) or team (团队: the team server's
address and the operator's login name, no keys; the server decides appid, environment and role).
A new profile chooses its kind; an existing one keeps it.

Opened with open() (window-modal, non-blocking), never exec() from inside a coroutine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dashboard.context import AppContext
from dashboard.i18n import N_, tr
from dashboard.vocabulary import word
from dashboard.widgets import Busy, Inline, muted

TEXT_FIELDS = [
    ("appid", N_("appid (wx + 16 characters)")),
    ("mch_id", N_("Merchant id (mch_id)")),
    ("offer_id", N_("Offer id (offer_id)")),
    ("api_base", N_("API address")),
    ("operator", N_("Operator")),
    ("callback_appid", N_("Push receiver appid (optional)")),
    ("session_key_url", N_("Session key endpoint (optional)")),
]
# the keys an operator enters here; the rest of SECRET_FIELDS stay for the CLI and the env
KEY_FIELDS = [
    ("app_key", N_("AppKey (production)")),
    ("sandbox_app_key", N_("AppKey (sandbox)")),
    ("secret", N_("AppSecret")),
    ("token", N_("Push token")),
    ("encoding_aes_key", N_("EncodingAESKey")),
]
ROLES = ["viewer", "support", "finance", "admin"]
KINDS = [("solo", N_("Solo: the keys on this desktop")), ("team", N_("Team: a team server"))]


class ProfileDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        *,
        parent: QWidget,
        name: str | None = None,
        table: dict[str, Any] | None = None,
        on_saved: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.creating = name is None
        self.on_saved = on_saved
        table = table or {}
        self.setWindowTitle(tr("New profile") if self.creating else tr("Edit profile"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        self.inline = Inline()
        layout.addWidget(self.inline)
        form = QFormLayout()
        self.name = QLineEdit(name or "")
        self.name.setReadOnly(not self.creating)
        self.name.setPlaceholderText("shop-sandbox")
        self.name.setAccessibleName(tr("Profile name"))
        form.addRow(tr("Profile name"), self.name)
        self.kind = QComboBox()
        for kind, label in KINDS:
            self.kind.addItem(tr(label), kind)
        self.kind.setCurrentIndex(1 if "server" in table else 0)
        self.kind.setEnabled(self.creating)  # an existing profile keeps its kind
        self.kind.setAccessibleName(tr("Kind"))
        form.addRow(tr("Kind"), self.kind)
        self.server = QLineEdit(str(table.get("server", "")))
        self.server.setPlaceholderText("https://xpay.example.com")
        self.server.setAccessibleName(tr("Team server address"))
        form.addRow(tr("Team server address"), self.server)
        self.team_operator = QLineEdit(str(table.get("operator", "")))
        self.team_operator.setAccessibleName(tr("Your login name on the team server"))
        form.addRow(tr("Your login name on the team server"), self.team_operator)
        self.env = QComboBox()
        self.env.addItem(tr("Sandbox"), "sandbox")
        self.env.addItem(tr("Production"), "production")
        self.env.setCurrentIndex(max(self.env.findData(table.get("env", "sandbox")), 0))
        self.env.setAccessibleName(tr("Environment"))
        form.addRow(tr("Environment"), self.env)
        self.texts: dict[str, QLineEdit] = {}
        for key, label in TEXT_FIELDS:
            edit = QLineEdit(str(table.get(key, "")))
            edit.setAccessibleName(tr(label))
            self.texts[key] = edit
            form.addRow(tr(label), edit)
        self.texts["api_base"].setPlaceholderText("https://api.weixin.qq.com")
        self.coin_rate = QSpinBox()
        self.coin_rate.setRange(1, 1_000_000)
        rate = table.get("coin_rate", 100)
        self.coin_rate.setValue(rate if isinstance(rate, int) and rate > 0 else 100)
        self.coin_rate.setAccessibleName(tr("Coins per yuan"))
        form.addRow(tr("Coins per yuan"), self.coin_rate)
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(word("role", role), role)
        self.role.setCurrentIndex(max(self.role.findData(str(table.get("role", "support"))), 0))
        self.role.setAccessibleName(tr("Role"))
        form.addRow(tr("Role"), self.role)
        self.keys: dict[str, QLineEdit] = {}
        for key, label in KEY_FIELDS:
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(
                tr("stored in the OS keyring") if self.creating else tr("empty: keep the stored")
            )
            edit.setAccessibleName(tr(label))
            self.keys[key] = edit
            form.addRow(tr(label), edit)
        self.make_default = QCheckBox(tr("Open this profile when XPay Desk starts"))
        form.addRow("", self.make_default)
        self.form = form
        layout.addLayout(form)
        self.keys_note = muted(
            tr("Keys go to the OS keyring and are never shown again, not even here.")
        )
        layout.addWidget(self.keys_note)
        self.team_note = muted(
            tr(
                "A team desktop holds no key: the team server keeps them and decides the "
                "environment and your role. You log in when the profile opens."
            )
        )
        layout.addWidget(self.team_note)
        self.busy = Busy()
        layout.addWidget(self.busy)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)
        self.kind.currentIndexChanged.connect(self._show_kind)
        self._show_kind()
        first = self.server if self.team else self.texts["appid"]
        (self.name if self.creating else first).setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def team(self) -> bool:
        return self.kind.currentData() == "team"

    def _show_kind(self) -> None:
        """A team profile asks for the server and the login name only."""
        team = self.team
        solo_rows: list[QWidget] = [
            self.env,
            *self.texts.values(),
            self.coin_rate,
            self.role,
            *self.keys.values(),
        ]
        for widget in solo_rows:
            self.form.setRowVisible(widget, not team)
        for widget in (self.server, self.team_operator):
            self.form.setRowVisible(widget, team)
        self.keys_note.setVisible(not team)
        self.team_note.setVisible(team)

    def fields(self) -> dict[str, str | int]:
        if self.team:
            return {
                "server": self.server.text().strip(),
                "operator": self.team_operator.text().strip(),
            }
        values: dict[str, str | int] = {k: e.text().strip() for k, e in self.texts.items()}
        values["env"] = str(self.env.currentData())
        values["coin_rate"] = self.coin_rate.value()
        values["role"] = str(self.role.currentData())
        return values

    def save(self) -> None:
        from core.profile_store import save_profile

        save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if not save_button.isEnabled():
            return  # Ctrl+Enter while a save runs
        name = self.name.text().strip()
        secrets = {} if self.team else {k: e.text() for k, e in self.keys.items() if e.text()}
        path: Path | None = self.ctx.config_path
        save_button.setEnabled(False)
        self.busy.start()

        def done(_profile: object) -> None:
            self.busy.stop()
            for edit in self.keys.values():
                edit.clear()  # never kept in the widget after the keyring has it
            if self.on_saved is not None:
                self.on_saved(name)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.busy.stop()
            save_button.setEnabled(True)
            self.inline.error(exc)

        # the keyring may ask the OS (and the user) for access: off the UI thread
        self.ctx.runner.run(
            asyncio.to_thread(
                save_profile,
                name,
                self.fields(),
                path=path,
                secrets=secrets,
                create=self.creating,
                make_default=self.make_default.isChecked(),
            ),
            on_done=done,
            on_error=failed,
        )
