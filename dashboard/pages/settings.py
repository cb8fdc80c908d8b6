"""Settings: the profile, secrets written to the OS keyring (never shown back in full), language,
limits, and a connection test (token, then a checksession round trip)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QLineEdit

from dashboard import fmt
from dashboard.i18n import N_, tr
from dashboard.pages.base import Page
from dashboard.widgets import Card, button, muted

SOURCES = {
    "env": N_("environment"),
    "keyring": N_("OS keyring"),
    "file": N_("profile file"),
    "given": N_("given"),
}


class SettingsPage(Page):
    name = "settings"
    heading = N_("Settings")

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        top = QHBoxLayout()
        self.profile_card = Card(tr("Profile"))
        self.profile_form = QFormLayout()
        self.profile_card.body.addLayout(self.profile_form)
        top.addWidget(self.profile_card, 1)
        self.secret_card = Card(tr("Secrets"))
        self.secret_grid = QGridLayout()
        self.secret_card.body.addLayout(self.secret_grid)
        top.addWidget(self.secret_card, 1)
        self.root.addLayout(top)
        bottom = QHBoxLayout()
        prefs = Card(tr("Preferences"))
        form = QFormLayout()
        self.language = QComboBox()
        self.language.addItem("简体中文", "zh_CN")
        self.language.addItem("English", "en")
        self.language.setAccessibleName(tr("Language"))
        self.language.activated.connect(self._language)
        form.addRow(tr("Language"), self.language)
        prefs.body.addLayout(form)
        prefs.body.addWidget(muted(tr("A new language applies the next time XPay Desk starts.")))
        bottom.addWidget(prefs, 1)
        self.limits_card = Card(tr("Your limits"))
        self.limits_form = QFormLayout()
        self.limits_card.body.addLayout(self.limits_form)
        self.limits_card.body.addWidget(
            muted(tr("A guard rail against mistakes on one desktop, not access control."))
        )
        bottom.addWidget(self.limits_card, 1)
        self.root.addLayout(bottom)
        row = QHBoxLayout()
        self.test_openid = QLineEdit()
        self.test_openid.setPlaceholderText(tr("Optional: an openid whose session key to check"))
        test = button(tr("Test connection"), kind="primary")
        test.clicked.connect(self.test_connection)
        row.addWidget(self.test_openid, 1)
        row.addWidget(test)
        self.root.addLayout(row)
        self.root.addStretch(1)

    def on_ready(self) -> None:
        desk = self.ctx.desk
        assert desk is not None
        p = desk.profile
        current = QSettings().value("language", self.ctx.lang)
        self.language.setCurrentIndex(max(self.language.findData(current), 0))
        for label, value in (
            (N_("Name"), p.name),
            ("appid", p.appid),
            (N_("Environment"), p.env.label),
            ("api_base", p.api_base),
            (N_("Coins per yuan"), str(p.coin_rate)),
            (N_("Operator"), p.operator),
            (N_("Role"), p.role),
            (N_("Mirror"), str(p.mirror_path)),
            (N_("Profile file"), str(p.source or "—")),
        ):
            shown = QLabel(value)
            shown.setWordWrap(True)
            self.profile_form.addRow(tr(label), shown)
        from core.profiles import SECRET_FIELDS

        for n, name in enumerate(SECRET_FIELDS):
            secret = p.secrets.get(name)
            state = (
                f"{secret.value.hint()} · {tr(SOURCES[secret.source])}" if secret else tr("not set")
            )
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(tr("new value"))
            edit.setAccessibleName(name)
            save = button(tr("Store in keyring"))
            save.clicked.connect(lambda _=False, f=name, e=edit: self._store(f, e))
            self.secret_grid.addWidget(QLabel(name), n, 0)
            self.secret_grid.addWidget(muted(state), n, 1)
            self.secret_grid.addWidget(edit, n, 2)
            self.secret_grid.addWidget(save, n, 3)
        limits = desk.ops.policy.limits
        for key in ("gift", "deduct", "refund", "daily_gift", "daily_deduct", "daily_refund"):
            value = getattr(limits, key)
            shown = fmt.fen(value) if "refund" in key else fmt.coins(value)
            self.limits_form.addRow(key, QLabel(shown))

    def _store(self, field: str, edit: QLineEdit) -> None:
        desk = self.ctx.desk
        if desk is None or not edit.text():
            return
        from core.profiles import store_secret

        try:
            store_secret(desk.profile.name, field, edit.text())
        except Exception as exc:
            self.inline.error(exc)
            return
        edit.clear()  # never shown back
        self.inline.show_message(
            "ok",
            tr(
                "{field} stored in the OS keyring; it applies the next time the profile is opened."
            ).format(field=field),
        )

    def _language(self) -> None:
        QSettings().setValue("language", self.language.currentData())
        self.inline.show_message("ok", tr("A new language applies the next time XPay Desk starts."))

    def test_connection(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        self.busy.start()
        self.ctx.runner.run(
            desk.test_connection(self.test_openid.text().strip() or None),
            on_done=lambda steps: (
                self.busy.stop(),
                self.inline.show_message("ok", "\n".join(steps)),
            ),
            on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
        )
