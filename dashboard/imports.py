"""Imports: files dropped on the window or chosen in a dialog, with a progress bar and cancel."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from dashboard.context import AppContext
from dashboard.i18n import N_, tr
from dashboard.widgets import Inline, button

if TYPE_CHECKING:
    from core.mirror.importing import ImportReport

KINDS = [
    ("orders", N_("vk-pay / uni-pay order export")),
    ("bill", N_("WeChat bill or order export")),
    ("pushes", N_("Saved pushes (folder or JSON lines)")),
    ("session-keys", N_("Session keys (CSV or JSON lines)")),
]


def guess_kind(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir():
        return "pushes"
    if "session" in name or "key" in name:
        return "session-keys"
    if name.endswith((".csv", ".csv.gz", ".gz", ".zip")) or "bill" in name:
        return "bill"
    if "push" in name:
        return "pushes"
    return "orders"


class _Progress(QObject):
    moved = Signal(int, int)  # crosses from the worker thread to the UI thread
    counted = Signal(str, int, int)  # (phase, rows done, rows total)


def eta_text(elapsed: float, share: float) -> str:
    """The time left ("about N s left") from the time so far and the share done."""
    if share <= 0.02 or elapsed < 1.0:
        return ""
    left = elapsed * (1 - share) / share
    return tr("about {seconds} s left").format(seconds=f"{left:,.0f}")


class ImportDialog(QDialog):
    def __init__(self, ctx: AppContext, paths: list[Path], parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx, self.paths = ctx, paths
        self.setWindowTitle(tr("Import"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow(tr("Files"), QLabel("\n".join(p.name for p in paths)))
        self.kind = QComboBox()
        for key, label in KINDS:
            self.kind.addItem(tr(label), key)
        self.kind.setCurrentIndex([k for k, _ in KINDS].index(guess_kind(paths[0])))
        self.kind.setAccessibleName(tr("Kind of file"))
        form.addRow(tr("Kind of file"), self.kind)
        layout.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        layout.addWidget(self.progress)
        self.status = QLabel()  # rows read or written, and the time left
        self.status.setAccessibleName(tr("Import progress"))
        layout.addWidget(self.status)
        self.result = Inline()
        layout.addWidget(self.result)
        buttons = QDialogButtonBox()
        self.start = button(tr("Import"), kind="primary")
        self.cancel = button(tr("Cancel"))
        buttons.addButton(self.start, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)
        self.start.clicked.connect(self.run)
        self.cancel.clicked.connect(self._cancel)
        self._stop = threading.Event()
        self._signal = _Progress(self)  # owned here: deleted with the dialog, on the GUI thread
        self._signal.moved.connect(self._moved)
        self._signal.counted.connect(self._counted)
        self.reports: list[ImportReport] = []
        self.running = False
        self._started = 0.0
        self._phase_started = 0.0
        self._phase = ""
        self._share = 0.0  # of the file read

    def _moved(self, done: int, total: int) -> None:
        """Bytes of the file read: the first 70 % of the bar."""
        if total and self._phase != "writing":
            self._share = min(done / total, 1.0)
            self.progress.setValue(int(700 * self._share))

    def _counted(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self._phase:
            self._phase, self._phase_started = phase, now
        if phase == "writing" and total:
            share = done / total
            self.progress.setValue(700 + int(300 * share))
            text = tr("Writing: {done} of {total} rows").format(
                done=f"{done:,}", total=f"{total:,}"
            )
            left = eta_text(now - self._phase_started, share)
        else:
            text = tr("Reading: {rows} rows").format(rows=f"{done:,}")
            left = eta_text(now - self._started, self._share)
        self.status.setText(f"{text} · {left}" if left else text)

    def run(self) -> None:
        assert self.ctx.desk is not None
        self.running = True
        self._started = time.monotonic()
        self.start.setEnabled(False)
        self.kind.setEnabled(False)
        self.ctx.runner.run(
            self._import_all(),
            on_done=self._done,
            on_error=self._failed,
            changes={"orders", "refunds", "pushes", "ledger"},
        )

    async def _import_all(self) -> list[ImportReport]:
        assert self.ctx.desk is not None
        kind = self.kind.currentData()
        for path in self.paths:
            self.reports.append(
                await self.ctx.desk.import_file(
                    kind,
                    path,
                    progress=self._signal.moved.emit,
                    cancel=self._stop,
                    rows=self._signal.counted.emit,
                )
            )
        return self.reports

    def _done(self, reports: list[ImportReport]) -> None:
        self.running = False
        self.progress.setValue(1000)
        lines = []
        for r in reports:
            lines.append(
                tr(
                    "{name}: {added} added, {updated} updated, {unchanged} unchanged, "
                    "{rejected} rejected"
                ).format(
                    name=Path(r.path).name,
                    added=r.added,
                    updated=r.updated,
                    unchanged=r.unchanged,
                    rejected=r.rejected_total,
                )
            )
            lines += [f"  {tr('line')} {x.line}: {x.reason}" for x in r.rejected[:10]]
            if r.rejected_total > 10:
                lines.append(
                    "  " + tr("{more} more rejected rows").format(more=f"{r.rejected_total - 10:,}")
                )
        self.result.show_message(
            "warn" if any(r.rejected_total for r in reports) else "ok", "\n".join(lines)
        )
        self.cancel.setText(tr("Close"))

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.result.error(exc)
        self.cancel.setText(tr("Close"))

    def _cancel(self) -> None:
        if self.running:
            self._stop.set()  # the import rolls back: nothing half-written
        else:
            self.reject()
