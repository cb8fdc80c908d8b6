"""Settings: the profiles in the profiles file (create, edit, open another), the open profile,
secrets written to the OS keyring (never shown back in full), language (applies at once: the
window reopens), limits, and a connection test (token, then a checksession round trip). The
profiles list works without an open profile: a first start with no file lands here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QLineEdit

from dashboard import fmt
from dashboard.i18n import N_, tr
from dashboard.lifetimes import retire
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.vocabulary import word
from dashboard.widgets import Card, Table, button, muted

PROFILE_COLUMNS = [
    Col("name", "Name", "text", 160),
    Col("kind_label", "Kind", "text", 70),
    Col("env_label", "Environment", "text", 110),
    Col("appid", "appid", "text", 170),
    Col("server", "Team server", "text", 200),
    Col("role", "Role", "text", 120),
    Col("marks", "Notes", "text", 200),
]
KIND_WORDS = {"solo": N_("Solo"), "team": N_("Team")}


def step_words(step: str) -> str:
    """A connection test step (core.desk.test_connection) in the operator's words."""
    if step.startswith("access_token"):
        return tr("WeChat accepted the access_token and the pay_sig")
    if step.startswith("checksession:"):
        state = {"fresh": "fresh", "stale": "stale"}.get(step.split(":", 1)[1].strip(), "missing")
        return tr("Session key check: {state}").format(state=word("session_key", state))
    return step


class SettingsPage(Page):
    name = "settings"
    heading = N_("Settings")

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.root.addWidget(self._profiles_card())
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
        self.language.setCurrentIndex(max(self.language.findData(ctx.lang), 0))
        self.language.activated.connect(self._language)
        form.addRow(tr("Language"), self.language)
        prefs.body.addLayout(form)
        prefs.body.addWidget(muted(tr("Choosing a language reopens the window in it.")))
        bottom.addWidget(prefs, 1)
        self.limits_card = Card(tr("Your limits"))
        self.limits_form = QFormLayout()
        self.limits_card.body.addLayout(self.limits_form)
        self.limits_note = muted(
            tr("A guard rail against mistakes on one desktop, not access control.")
        )
        self.limits_card.body.addWidget(self.limits_note)
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
        # what describes the open profile stays hidden until one is open (a first start has none)
        self.profile_only = [
            self.profile_card,
            self.secret_card,
            self.limits_card,
            self.test_openid,
            test,
        ]
        for widget in self.profile_only:
            widget.setVisible(ctx.desk is not None)

    def _profiles_card(self) -> Card:
        card = Card(tr("Profiles"))
        self.profiles_path = muted("")
        self.profiles_path.setWordWrap(True)
        card.body.addWidget(self.profiles_path)
        self.profiles_model = RowsModel(PROFILE_COLUMNS, parent=self)
        self.profiles = Table("profiles")
        self.profiles.setModel(self.profiles_model)
        for n, col in enumerate(PROFILE_COLUMNS):
            self.profiles.setColumnWidth(n, col.width)
        self.profiles.setMaximumHeight(28 * 3 + 30)
        self.profiles.doubleClicked.connect(lambda _index: self.open_profile())
        card.body.addWidget(self.profiles)
        row = QHBoxLayout()
        for text, slot, kind in (
            (tr("New profile…"), self.new_profile, "primary"),
            (tr("Edit…"), self.edit_profile, ""),
            (tr("Open this profile"), self.open_profile, ""),
        ):
            widget = button(text, kind=kind)
            widget.clicked.connect(slot)
            row.addWidget(widget)
        row.addStretch(1)
        card.body.addLayout(row)
        self.reload_profiles()
        return card

    def reload_profiles(self) -> None:
        from core.profile_store import read_profile_tables
        from core.profiles import default_config_path

        path = self.ctx.config_path or default_config_path()
        try:
            self.profile_tables, default = read_profile_tables(path)
        except Exception as exc:  # a broken file: said here, the list stays empty
            self.profile_tables, default = {}, None
            self.inline.error(exc)
        desk = self.ctx.desk
        current = desk.profile.name if desk and not self.ctx.demo else None
        rows = []
        if desk is not None and self.ctx.demo:  # built at each start, in a temporary folder
            rows.append(
                {
                    "name": desk.profile.name,
                    "kind_label": tr("Solo"),
                    "env_label": self._env_words(desk.profile.env.value),
                    "appid": desk.profile.appid,
                    "role": word("role", desk.profile.role),
                    "marks": tr("temporary, rebuilt at each demo start") + " · " + tr("open now"),
                    "demo": True,
                }
            )
        for name, table in self.profile_tables.items():
            marks = [tr("opens at start")] if name == default else []
            if name == current:
                marks.append(tr("open now"))
            env = str(table.get("env", ""))
            if "server" in table:  # a team profile: the server decides appid, env and role
                from core.profiles import UNTIL_LOGIN

                known = desk.profile if desk is not None and name == current else None
                unknown = UNTIL_LOGIN[1] if fmt.lang() == "en" else UNTIL_LOGIN[0]
                rows.append(
                    {
                        "name": name,
                        "kind_label": tr("Team"),
                        "env_label": self._env_words(known.env.value) if known else unknown,
                        "appid": known.appid if known else unknown,
                        "server": f"{table.get('operator', '')} @ {table['server']}",
                        "role": word("role", known.role) if known else unknown,
                        "marks": " · ".join(marks),
                    }
                )
                continue
            rows.append(
                {
                    "name": name,
                    "kind_label": tr("Solo"),
                    "env_label": {"sandbox": tr("Sandbox"), "production": tr("Production")}.get(
                        env, env
                    ),
                    "appid": str(table.get("appid", "")),
                    "server": "",
                    "role": word("role", str(table.get("role", "support"))),
                    "marks": " · ".join(marks),
                }
            )
        self.profiles_model.set_rows(rows)
        said = (
            tr("Profiles file: {path}").format(path=path)
            if rows
            else tr("No profiles yet in {path}. Create one with “New profile…”.").format(path=path)
        )
        if desk is not None and self.ctx.demo:  # two files: the operator's, and the demo's
            said += "\n" + tr("The demo runs from a temporary file: {path}").format(
                path=desk.profile.source or "—"
            )
        self.profiles_path.setText(said)

    def _env_words(self, env: object) -> str:
        """The environment in the list and in the detail alike: a demo is a sandbox profile on
        the simulator, so both say "Sandbox · Demo"."""
        words = word("env", env)
        return f"{words} · {tr('Demo')}" if self.ctx.demo else words

    def _chosen_profile(self) -> str | None:
        index = self.profiles.currentIndex()
        if not index.isValid():
            self.inline.show_message("warn", tr("Choose a profile in the list first."))
            return None
        row = self.profiles_model.row_dict(index.row())
        if row.get("demo"):
            self.inline.show_message(
                "warn", tr("The demo profile is built at each start; create your own instead.")
            )
            return None
        return str(row["name"])

    def new_profile(self) -> None:
        self._profile_dialog(None)

    def edit_profile(self) -> None:
        name = self._chosen_profile()
        if name is not None:
            self._profile_dialog(name)

    def _profile_dialog(self, name: str | None) -> None:
        from dashboard.profile_dialog import ProfileDialog

        dialog = ProfileDialog(
            self.ctx,
            parent=self,
            name=name,
            table=self.profile_tables.get(name, {}) if name else None,
            on_saved=self._saved,
        )
        dialog.open()  # window-modal without a nested event loop
        retire(getattr(self, "profile_dialog", None))  # the last one, closed
        self.profile_dialog = dialog

    def _saved(self, name: str) -> None:
        self.ctx.changes.emit({"profiles"})  # the top bar's switcher lists it too
        self.reload_profiles()
        self.inline.show_message(
            "ok",
            tr("Profile {name} saved. Open it with “Open this profile”.").format(name=name),
        )

    def open_profile(self) -> None:
        name = self._chosen_profile()
        if name is not None:
            self.ctx.request_reopen(profile=name)

    def on_ready(self) -> None:
        self.reload_profiles()
        for widget in self.profile_only:
            widget.setVisible(True)
        desk = self.ctx.desk
        assert desk is not None
        if getattr(desk, "team", False):
            self._team_ready(desk)
            return
        p = desk.profile
        for label, value in (
            (N_("Name"), p.name),
            (N_("Kind"), tr("Solo")),
            ("appid", p.appid),
            (N_("Environment"), self._env_words(p.env.value)),
            (N_("API address"), p.api_base),
            (N_("Coins per yuan"), str(p.coin_rate)),
            (N_("Operator"), p.operator),
            (N_("Role"), word("role", p.role)),
            (N_("Mirror"), str(p.mirror_path)),
            (N_("Profile file"), str(p.source or "—")),
        ):
            self._detail(label, value)
        from core.profiles import SECRET_FIELDS

        for n, name in enumerate(SECRET_FIELDS):
            secret = p.secrets.get(name)
            state = (
                f"{secret.value.hint()} · {word('secret_source', secret.source)}"
                if secret
                else tr("not set")
            )
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(tr("new value"))
            edit.setAccessibleName(word("secret", name))
            save = button(tr("Store in keyring"))
            save.clicked.connect(lambda _=False, f=name, e=edit: self._store(f, e))
            self.secret_grid.addWidget(QLabel(word("secret", name)), n, 0)
            self.secret_grid.addWidget(muted(state), n, 1)
            self.secret_grid.addWidget(edit, n, 2)
            self.secret_grid.addWidget(save, n, 3)
        limits = desk.ops.policy.limits
        for key in ("gift", "deduct", "refund", "daily_gift", "daily_deduct", "daily_refund"):
            value = getattr(limits, key)
            shown = fmt.fen(value) if "refund" in key else fmt.coins(value)
            self.limits_form.addRow(word("limit", key), QLabel(shown))

    def _detail(self, label: str, value: str) -> None:
        shown = QLabel(value)
        shown.setWordWrap(True)
        self.profile_form.addRow(tr(label), shown)

    def _team_ready(self, desk: Any) -> None:
        """A team desk: the server, who is logged in and what the server says of the merchant;
        no keys here (the server keeps them), the limits as the server applies them to me."""
        p = desk.profile
        for label, value in (
            (N_("Name"), p.name),
            (N_("Kind"), tr("Team")),
            (N_("Team server"), p.server),
            (N_("Operator"), p.operator),
            (N_("Role"), word("role", p.role)),
            ("appid", p.appid),
            (N_("Environment"), self._env_words(p.env.value)),
            (N_("Coins per yuan"), str(p.coin_rate)),
            (N_("Profile file"), str(p.source or "—")),
        ):
            self._detail(label, value)
        self.secret_card.setVisible(False)  # a team desktop holds no merchant secret
        from core.operations.policy import ROLE_ACTIONS

        # the server applies them (and refuses the actions the role may not do at all): only
        # what this role may do is listed
        self.limits_note.setText(
            tr("The team server applies these limits to every action you take.")
        )
        mine = [a for a in ("gift", "deduct", "refund") if a in ROLE_ACTIONS.get(p.role, ())]
        if not mine:
            self.limits_form.addRow(
                QLabel(tr("Your role ({role}) moves no money.").format(role=word("role", p.role)))
            )
        try:
            for action in mine:
                per_action, left = desk.limit_left(action)
                money = fmt.fen if action == "refund" else fmt.coins
                daily = f"{word('limit', f'daily_{action}')} · {tr('left today')}"
                for label, value in ((word("limit", action), per_action), (daily, left)):
                    shown = tr("no limit") if value is None else money(value)
                    self.limits_form.addRow(label, QLabel(shown))
        except Exception as exc:  # the server away: said here, the rest of the page stands
            self.inline.error(exc)

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
            ).format(field=word("secret", field)),
        )

    def _language(self) -> None:
        lang = str(self.language.currentData())
        QSettings().setValue("language", lang)
        if lang != self.ctx.lang and not self.ctx.request_reopen(lang=lang):
            self.language.setCurrentIndex(max(self.language.findData(self.ctx.lang), 0))

    def test_connection(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        self.busy.start()
        self.ctx.runner.run(
            desk.test_connection(self.test_openid.text().strip() or None),
            on_done=lambda steps: (
                self.busy.stop(),
                self.inline.show_message("ok", "\n".join(step_words(s) for s in steps)),
            ),
            on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
        )
