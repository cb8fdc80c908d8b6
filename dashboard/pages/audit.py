"""Audit log: filterable, the hash chain checked, exported to CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit

from dashboard.i18n import N_, tr
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.widgets import Table, button, muted

COLUMNS = [
    Col("id", "#", "int", 50),
    Col("at", "When", "time", 150),
    Col("operator", "Operator", "text", 90),
    Col("action", "Action", "text", 110),
    Col("openid", "openid", "id", 140),
    Col("result", "Result", "text", 70),
    Col("errcode", "errcode", "text", 80),
    Col("params", "Parameters", "text", 400),
]


class AuditPage(Page):
    name = "audit"
    heading = N_("Audit log")
    watches = frozenset({"audit"})

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        bar = QHBoxLayout()
        self.openid = QLineEdit()
        self.openid.setPlaceholderText(tr("Filter by openid"))
        self.action = QLineEdit()
        self.action.setPlaceholderText(tr("Filter by action (gift, refund…)"))
        for edit in (self.openid, self.action):
            edit.setAccessibleName(edit.placeholderText())
            edit.returnPressed.connect(self.refresh)
        verify = button(tr("Verify chain"), kind="primary")
        verify.clicked.connect(self.verify)
        export = button(tr("Export CSV…"))
        export.clicked.connect(self.export)
        for widget in (self.openid, self.action, verify, export):
            bar.addWidget(widget)
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
        if self.ctx.desk is not None:
            self.model.set_rows(
                self.ctx.desk.audit_rows(
                    openid=self.openid.text().strip() or None,
                    action=self.action.text().strip() or None,
                )
            )

    def verify(self) -> None:
        if self.ctx.desk is None:
            return
        report = self.ctx.desk.verify_audit()
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
            self, tr("Export audit log"), "audit.csv", "CSV (*.csv)"
        )
        if path:
            rows = self.ctx.desk.export_audit(Path(path))
            self.ctx.notify.emit("ok", tr("{n} rows exported").format(n=rows))
