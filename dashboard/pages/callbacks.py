"""Callback inspector: paste the URL (or query, or a log line) and the body; the verdict, the error
in plain words, the decoded event as a tree and as text, the reply WeChat expects, and save."""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
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
        self.old_minutes = 0  # the decoded push's age past the replay window (0: fresh)
        self.confirming = False  # the operator was told it may be a replay; next press saves
        row.addWidget(self.decode_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        self.verdict = Badge()
        self.verdict.hide()
        row.addWidget(self.verdict)
        left_layout.addLayout(row)
        # what the push means, in a sentence: paid how much and when, for which order (a link
        # to it), and what the mirror says about that order
        self.summary = QLabel()
        self.summary.setObjectName("pushSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.summary.linkActivated.connect(self._open_link)
        self.summary.hide()
        left_layout.addWidget(self.summary)
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

    rejected = False
    linked_order = ""

    def _meaning(self, event: Any) -> str:
        """The push in one sentence: what WeChat says happened, to which order (a link), and
        what the mirror says about that order."""
        self.linked_order = ""
        if event is None:
            return tr("A URL verification: WeChat checks the server; no payment in it.")
        order_id = event.out_trade_no
        link = f'<a href="order">{html.escape(order_id)}</a>' if order_id else "—"
        paid = event.wechat_pay.paid_time if event.wechat_pay else None
        moment = (
            fmt.when((paid or event.create_time).timestamp())
            if (paid or event.create_time)
            else "—"
        )
        amount = fmt.fen(event.amount_fen)
        if event.event in ("xpay_coin_pay_notify", "xpay_goods_deliver_notify"):
            quantity = event.purchase.quantity if event.purchase else None
            what = kind_and_quantity(
                "coin" if event.event == "xpay_coin_pay_notify" else "item", quantity
            )
            said = tr("WeChat says: the user paid {amount} ({what}) at {time}, order {order}.")
            said = said.format(amount=amount, what=what, time=moment, order=link)
        elif event.event == "xpay_refund_notify":
            outcome = (
                tr("succeeded")
                if event.succeeded
                else tr("failed: {why}").format(why=html.escape(event.ret_msg or "—"))
            )
            said = tr("WeChat says: refund {refund} of {amount} for order {order} {outcome}.")
            said = said.format(
                refund=html.escape(event.mch_refund_id or "—"),
                amount=amount,
                order=link,
                outcome=outcome,
            )
        else:
            said = tr("WeChat says: {event}, order {order}.").format(
                event=word("push_event", event.event), order=link
            )
        if not order_id:
            return said
        self.linked_order = order_id
        desk = self.ctx.desk
        detail = desk.order_detail(order_id) if desk is not None else None
        if detail is None:
            here = (
                tr("This order is not in the mirror yet; saving the push adds it.")
                if event.event in ("xpay_coin_pay_notify", "xpay_goods_deliver_notify")
                else tr("This order is not in the mirror.")
            )
        else:
            here = tr("In the mirror: {status}, paid {paid}.").format(
                status=word("order_status", detail["order"]["status"]),
                paid=fmt.fen(detail["order"]["paid_fee"]),
            )
        return f"{said}<br>{here}"

    def _open_link(self, _link: str) -> None:
        if self.linked_order:
            self.ctx.navigate.emit("orders", self.linked_order)

    def open_push(self, raw: str) -> None:
        """A push saved in the mirror (a timeline entry's record): pasted back and decoded."""
        try:
            saved = json.loads(raw)
        except ValueError:
            return
        if isinstance(saved, dict):
            query, body = str(saved.get("query") or ""), str(saved.get("body") or "")
            self.restore({"query": query, "body": body})
            self.decode()

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
        self.rejected = error is not None
        self.old_minutes, self.confirming = 0, False
        if error is not None:
            self.verdict.set(
                f"{word('push_verdict', 'reject')} · {word('push_error', error.kind)}", "red"
            )
            self.inline.show_message("error", fmt.two(error.message_zh, error.message_en))
            # kept for support, marked rejected; never saved as if genuine
            self.save_button.setText(tr("Keep as rejected (changes nothing)"))
            self.summary.setText(
                tr(
                    "Not trusted: this push failed the checks, so nothing in it tells whether "
                    "the user paid. Ask WeChat (Orders page, Refresh from WeChat)."
                )
            )
            self.summary.show()
            self.text.setPlainText("")
            self.reply.setPlainText("")
            return
        assert result is not None
        self.save_button.setText(self._words("save_team") if self._team() else tr("Save to mirror"))
        self.old_minutes = self._old_minutes(result.event)
        self.confirming = False
        self.inline.hide()
        self.summary.setText(self._meaning(result.event))
        self.summary.setVisible(bool(self.summary.text()))
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
            # ids and values whole, never elided in the middle (an openid is compared by eye)
            for column, least in ((0, 200), (1, 220)):
                self.tree.resizeColumnToContents(column)
                self.tree.setColumnWidth(column, max(least, self.tree.columnWidth(column)))
            # the meaning whole too (a Beijing time, an event's name): wide enough, scrolled
            self.tree.resizeColumnToContents(2)

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

    def _team(self) -> bool:
        return bool(getattr(self.ctx.desk, "team", False))

    @staticmethod
    def _words(key: str, **values: object) -> str:
        from core.mirror.pushes import SAVE_WORDS

        zh, en = SAVE_WORDS[key]
        return (en if fmt.lang() == "en" else zh).format(**values)

    def _old_minutes(self, event: Any) -> int:
        """Minutes since WeChat made the push when that is past the replay window, else 0."""
        from core.mirror.pushes import push_age, replay_window

        if self.ctx.desk is None or event is None:
            return 0
        age = push_age(event, self.ctx.desk.now())
        return age // 60 if age > replay_window() else 0

    def save(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        if not self.rejected and self.old_minutes and not self.confirming:
            # perhaps a replay: said, and saved only on a second, deliberate press
            self.confirming = True
            self.save_button.setText(self._words("old_button", minutes=self.old_minutes))
            self.inline.show_message("warn", self._words("old_warning", minutes=self.old_minutes))
            return
        added = desk.save_push(self.query.text().strip(), self.body.toPlainText())
        self.save_button.setEnabled(False)
        if self.rejected:
            self.ctx.notify.emit(
                "warn",
                tr("Rejected push kept, marked rejected: it changed nothing in the mirror")
                if added
                else tr("This rejected push was already kept"),
            )
            return
        if self._team():
            said = self._words("saved_team" if added else "already_team")
        else:
            said = (
                tr("Push saved to the mirror")
                if added
                else tr("This push was already in the mirror")
            )
        self.ctx.notify.emit("ok", said)
        self.ctx.changes.emit({"pushes", "orders", "refunds"})
