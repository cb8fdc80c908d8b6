"""Audit log: filterable, the hash chain checked, exported to CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLineEdit

from core import vocabulary
from core.mirror.audit import MONEY_ACTIONS, operator_words, unit_action
from dashboard import fmt
from dashboard.i18n import N_, last_folder, remember_folder, tr
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.vocabulary import word
from dashboard.widgets import Table, button, muted

COLUMNS = [
    Col("id", "#", "int", 50),
    Col("at", "When", "time", 150),
    Col("operator", "Operator", "text", 90),
    Col("action", "Action", "word", 110, vocab="action"),
    Col("openid", "openid", "id", 140),
    Col("result", "Result", "word", 120, vocab="audit_result"),
    Col("errcode", "errcode", "text", 80),
    Col("summary", "Details", "text", 400),
]
# what an audit row's parameters say, in words (the raw JSON is in the tooltip and the export)
PARAM_WORDS = {
    "wechat_id": N_("Id sent to WeChat"),
    "target": N_("Concerns"),
    "reason": N_("Reason"),
    "note": N_("Note"),
    "refund_reason": N_("WeChat refund reason"),
    "attempt": N_("Attempt"),
    "error": N_("Error"),
    "complaint_id": N_("Complaint id"),
    "response_content": N_("Answer"),
}
# actions that move no coins and no money: their amount (0) is not said
NO_AMOUNT = frozenset({"deliver", "complaint_response", "complaint_complete", "probe"})


def describe(action: str, params_json: str) -> str:
    """An audit row's parameters as a sentence: amounts with their unit, states as words."""
    try:
        params = json.loads(params_json or "{}")
    except ValueError:
        return params_json
    if not isinstance(params, dict):
        return str(params)
    parts = []
    unit = unit_action(action, params)  # a request, approval or refusal: what it was of
    if unit != action:
        parts.append(word("action" if unit in vocabulary.ACTION else "endpoint", unit))
    amount = params.get("amount")
    if isinstance(amount, int) and unit not in NO_AMOUNT:
        parts.append(fmt.fen(amount) if unit in MONEY_ACTIONS else fmt.coins(amount))
    if params.get("state"):
        parts.append(word("state", params["state"]))
    for key, label in PARAM_WORDS.items():
        value = params.get(key)
        if key in ("reason", "error") and isinstance(value, str):
            value = fmt.own_language(value)  # the desk's own "中文 / English" reason
        if value not in (None, "", 0) and not (key == "attempt" and value == 1):
            parts.append(f"{tr(label)} {value}")
    for key in ("requested_by", "decision_reason"):  # a team decision: whose request, and why
        value = params.get(key)
        if isinstance(value, str) and value:
            parts.append(f"{word('param', key)} {fmt.own_language(value)}")
    images = params.get("images")
    if isinstance(images, list) and images:
        parts.append(tr("Images attached: {n}").format(n=len(images)))
    return " · ".join(str(p) for p in parts)


ACTIONS = (
    "gift",
    "deduct",
    "cancel_deduction",
    "refund",
    "clawback",
    "deliver",
    "complaint_response",
    "complaint_complete",
)


class AuditPage(Page):
    name = "audit"
    heading = N_("Audit log")
    watches = frozenset({"audit"})

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        bar = QHBoxLayout()
        self.openid = QLineEdit()
        self.openid.setPlaceholderText(tr("Filter by openid"))
        self.openid.setAccessibleName(self.openid.placeholderText())
        self.openid.returnPressed.connect(self.refresh)
        self.action = QComboBox()
        self.action.setAccessibleName(tr("Filter by action"))
        self.action.addItem(tr("All actions"), "")
        for code in ACTIONS:
            self.action.addItem(word("action", code), code)
        self.action.currentIndexChanged.connect(self.refresh)
        verify = button(tr("Verify chain"), kind="primary")
        verify.clicked.connect(self.verify)
        export = button(tr("Export CSV…"))
        export.clicked.connect(self.export)
        for widget in (self.openid, self.action, verify, export):
            bar.addWidget(widget)
        self.controls = (self.openid, self.action, verify, export)
        self.root.addLayout(bar)
        self.table = Table("audit")
        self.model = RowsModel(COLUMNS, parent=self)
        self.table.setModel(self.model)
        for n, col in enumerate(COLUMNS):
            self.table.setColumnWidth(n, col.width)
        self.root.addWidget(self.table, 1)
        self.root.addWidget(
            muted(
                tr(
                    "Each row's hash covers the one before it: an edited, "
                    "deleted or reordered row breaks the chain. A guard "
                    "against accidents on one desktop, not access control."
                )
            )
        )

    def on_ready(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        from dashboard.roles import block, refused_page

        why = refused_page(self.ctx.desk, "audit")
        block(self.controls, why)
        if why:  # a team role that may not read it: said once, no empty table to guess at
            self.inline.show_message("warn", why)
            self.model.set_rows([])
            return
        if self.ctx.desk is not None:
            from core.errors import XPayDeskError

            try:
                rows = self.ctx.desk.audit_rows(
                    openid=self.openid.text().strip() or None,
                    action=self.action.currentData() or None,
                )
            except XPayDeskError as exc:  # a team viewer may not read it; a server away
                self.inline.error(exc)
                self.model.set_rows([])
                return
            for row in rows:
                row["summary"] = describe(row["action"], row["params"])
                row["operator"] = operator_words(row["operator"], fmt.lang())
            self.model.set_rows(rows)

    def verify(self) -> None:
        if self.ctx.desk is None:
            return
        from core.errors import XPayDeskError

        try:
            report = self.ctx.desk.verify_audit()
        except XPayDeskError as exc:
            self.inline.error(exc)
            return
        if report.ok:
            self.inline.show_message("ok", tr("Chain intact: {n} rows").format(n=report.rows))
        else:
            self.inline.show_message(
                "error", tr("The chain is broken:") + "\n" + "\n".join(report.problems)
            )

    def export(self) -> None:
        if self.ctx.desk is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Export audit log"), str(Path(last_folder()) / "audit.csv"), "CSV (*.csv)"
        )
        if path:
            remember_folder(path)
            from core.errors import XPayDeskError

            try:
                rows = self.ctx.desk.export_audit(Path(path))
            except XPayDeskError as exc:
                self.inline.error(exc)
                return
            self.ctx.notify.emit("ok", tr("{n} rows exported").format(n=rows))
