"""Signature debugger: uri, body and keys; the exact signed message with its whitespace made
visible, both signatures, and which part differs from a pasted value."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QLineEdit, QPlainTextEdit

from core import signing
from dashboard.i18n import N_, tr
from dashboard.pages.base import Page
from dashboard.widgets import Badge, button, muted


class SignaturePage(Page):
    name = "signatures"
    heading = N_("Signature debugger")

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        form = QFormLayout()
        self.uri = QLineEdit("/xpay/query_user_balance")
        self.body = QPlainTextEdit('{"openid": "xxx", "user_ip": "127.0.0.1", "env": 0}')
        self.body.setMaximumHeight(110)
        self.app_key = QLineEdit()
        self.app_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.app_key.setPlaceholderText(tr("Empty: the profile's AppKey for its environment"))
        self.session_key = QLineEdit()
        self.session_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.session_key.setPlaceholderText(tr("Optional: the user's session_key text"))
        self.compare = QLineEdit()
        self.compare.setPlaceholderText(tr("Optional: the pay_sig or signature you sent"))
        for label, widget in (
            (N_("uri"), self.uri),
            (N_("Body"), self.body),
            (N_("AppKey"), self.app_key),
            (N_("Session key"), self.session_key),
            (N_("Compare with"), self.compare),
        ):
            widget.setAccessibleName(tr(label))
            form.addRow(tr(label), widget)
        self.root.addLayout(form)
        run = button(tr("Sign"), kind="primary", shortcut="Ctrl+Return")
        run.clicked.connect(self.sign)
        self.root.addWidget(run)
        self.verdict = Badge()
        self.verdict.hide()
        self.root.addWidget(self.verdict)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setAccessibleName(tr("Result"))
        self.root.addWidget(self.output, 1)
        self.root.addWidget(
            muted(
                tr(
                    "pay_sig = HMAC-SHA256(AppKey, uri + '&' + body); signature "
                    "= HMAC-SHA256(session_key text, body). The body must be the "
                    "exact bytes sent."
                )
            )
        )

    def carry(self) -> dict[str, str]:
        """What was typed, never the keys (they are secrets: typed again after a switch)."""
        return {
            "uri": self.uri.text(),
            "body": self.body.toPlainText(),
            "compare": self.compare.text(),
        }

    def restore(self, kept: dict[str, str]) -> None:
        self.uri.setText(kept.get("uri", self.uri.text()))
        self.body.setPlainText(kept.get("body", self.body.toPlainText()))
        self.compare.setText(kept.get("compare", ""))

    def sign(self) -> None:
        desk = self.ctx.desk
        uri, body = self.uri.text(), self.body.toPlainText()
        app_key = self.app_key.text() or None
        session_key = self.session_key.text() or None
        if desk is not None:
            report = desk.explain_signature(uri, body, app_key=app_key, session_key=session_key)
        else:
            report = signing.explain(uri, body, app_key=app_key, session_key=session_key)
        lines = [
            tr("Signed message (whitespace shown):"),
            signing.visible_whitespace(report.pay_sig_message),
            "",
            f"pay_sig:   {report.pay_sig or tr('(no AppKey)')}",
            f"signature: {report.signature or tr('(no session key)')}",
        ]
        lines += ["", *[f"⚠ {w}" for w in report.warnings]] if report.warnings else []
        given = self.compare.text().strip()
        if given:
            candidates = [s for s in (report.pay_sig, report.signature) if s]
            if any(signing.signatures_match(s, given) for s in candidates):
                self.verdict.set(tr("Matches"), "green")
            else:
                why = signing.compare_signature(candidates[0], given) if candidates else ""
                self.verdict.set(tr("Differs"), "red")
                lines += ["", why or ""]
            self.verdict.show()
        else:
            self.verdict.hide()
        self.output.setPlainText("\n".join(lines))
