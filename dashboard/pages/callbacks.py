"""Callback inspector: paste the URL (or query, or a log line) and the body; the verdict, the error
in plain words, the decoded event as a tree and as text, the reply WeChat expects, and save."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.callbacks.events import TIME_FIELDS
from dashboard import fmt
from dashboard.i18n import N_, tr
from dashboard.pages.base import Page
from dashboard.vocabulary import kind_and_quantity, word
from dashboard.widgets import Badge, button, muted

# money fields of the xpay pushes (reference §7.5), in fen
FEN_FIELDS = frozenset({"OrigPrice", "ActualPrice", "RefundFee", "PayFee", "OrderFee", "Fee"})


def meaning(key: str, value: Any, section: str = "") -> str:
    """What a push field's value means to an operator: a unix time as a Beijing date, fen as
    yuan, the event and the environment in words; "" where the value speaks for itself."""
    number = value if isinstance(value, int) else None
    if number is None and isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    if key in TIME_FIELDS and number:
        return fmt.when(number)
    if key in FEN_FIELDS and number is not None:
        return fmt.fen(number)
    if key == "Event":
        return word("push_event", value)
    if key == "Env" and number is not None:
        return word("env", number)
    if key == "Quantity" and number is not None:  # coins of a top-up, items of a purchase
        return fmt.coins(number) if section == "CoinInfo" else kind_and_quantity("item", number)
    return ""


class CallbackPage(Page):
    name = "callbacks"
    heading = N_("Callback inspector")

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.query = QLineEdit()
        self.query.setPlaceholderText(
            tr("Paste the callback URL, its query string, or a server log line")
        )
        self.query.setAccessibleName(tr("Callback URL or query"))
        self.root.addWidget(self.query)
        split = QSplitter()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText(
            tr("Paste the POST body (JSON or XML); empty for a GET URL verification")
        )
        self.body.setAccessibleName(tr("Body"))
        left_layout.addWidget(self.body)
        row = QHBoxLayout()
        self.decode_button = button(tr("Verify and decode"), kind="primary", shortcut="Ctrl+Return")
        self.decode_button.clicked.connect(self.decode)
        self.save_button = button(tr("Save to mirror"))
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        row.addWidget(self.decode_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        self.verdict = Badge()
        self.verdict.hide()
        row.addWidget(self.verdict)
        left_layout.addLayout(row)
        split.addWidget(left)
        tabs = QTabWidget()
        self.tree = QTreeWidget()
        # WeChat's field names and values as sent; beside them what they mean (times as Beijing
        # dates, fen as yuan, events and environments in words)
        self.tree.setHeaderLabels([tr("Field"), tr("Value"), tr("Meaning")])
        self.tree.setColumnWidth(0, 200)
        self.tree.setColumnWidth(1, 220)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.reply = QPlainTextEdit()
        self.reply.setReadOnly(True)
        tabs.addTab(self.tree, tr("Event"))
        tabs.addTab(self.text, tr("Decrypted text"))
        tabs.addTab(self.reply, tr("Expected reply"))
        split.addWidget(tabs)
        split.setSizes([520, 520])
        self.root.addWidget(split, 1)
        self.root.addWidget(
            muted(
                tr(
                    "Checks run in WeChat's order: query, EncodingAESKey, body, "
                    "msg_signature, Encrypt, signature, base64, length, padding, "
                    "msg_len, appid, UTF-8. The profile's Token, key and appid "
                    "are used."
                )
            )
        )

    def carry(self) -> dict[str, str]:
        return {"query": self.query.text(), "body": self.body.toPlainText()}

    def restore(self, kept: dict[str, str]) -> None:
        self.query.setText(kept.get("query", ""))
        self.body.setPlainText(kept.get("body", ""))

    def decode(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        result, error, reply = desk.decode_push(self.query.text().strip(), self.body.toPlainText())
        self.tree.clear()
        self.verdict.show()
        self.save_button.setEnabled(True)
        if error is not None:
            self.verdict.set(
                f"{word('push_verdict', 'reject')} · {word('push_error', error.kind)}", "red"
            )
            self.inline.show_message("error", f"{error.message_zh}\n{error.message_en}")
            self.text.setPlainText("")
            self.reply.setPlainText("")
            return
        assert result is not None
        self.inline.hide()
        self.verdict.set(
            f"{word('push_verdict', 'accept')} · {word('push_mode', result.mode)} · "
            f"{word('push_mode', result.format or '')}",
            "green",
        )
        if result.key_used == "previous":
            self.inline.show_message(
                "warn",
                tr("Decrypted with the previous EncodingAESKey: a key rotation is in progress."),
            )
        message = result.message or result.echo or ""
        try:
            self.text.setPlainText(json.dumps(json.loads(message), ensure_ascii=False, indent=2))
        except ValueError:
            self.text.setPlainText(message)
        self.reply.setPlainText(reply)
        if result.event is not None:
            self._fill(self.tree.invisibleRootItem(), result.event.fields)
            self.tree.expandAll()

    def _fill(self, parent: QTreeWidgetItem, data: dict[str, Any], section: str = "") -> None:

        for key, value in data.items():
            item = QTreeWidgetItem(
                parent,
                [
                    str(key),
                    "" if isinstance(value, dict) else str(value),
                    "" if isinstance(value, dict) else meaning(str(key), value, section),
                ],
            )
            if isinstance(value, dict):
                self._fill(item, value, str(key))

    def save(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        added = desk.save_push(self.query.text().strip(), self.body.toPlainText())
        self.save_button.setEnabled(False)
        self.ctx.notify.emit(
            "ok",
            tr("Push saved to the mirror") if added else tr("This push was already in the mirror"),
        )
        self.ctx.changes.emit({"pushes", "orders", "refunds"})
