"""User complaints (用户投诉): the open ones, the one to answer soonest first with the time left;
each with its user, order, negotiation history and the user's evidence; answer with text and
images, offer a refund from the complaint (the refund dialog pre-filled), complete it. A refresh,
or a complaint push saved or imported, brings new ones."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QWidget,
)

from dashboard import fmt
from dashboard.i18n import N_, tr
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.widgets import Card, IdLabel, Table, button, muted

if TYPE_CHECKING:
    from core.complaints import ComplaintRow, ComplaintView

COLUMNS = [
    Col("left_label", "Time left", "badge", 150),
    Col("state_label", "State", "text", 150),
    Col("problem_label", "Problem", "text", 130),
    Col("openid", "openid", "id", 140),
    Col("order_id", "Order", "id", 150),
    Col("amount", "Amount paid", "fen", 90),
    Col("complained_at", "Complained", "time", 150),
    Col("detail", "What the user wrote", "text", 260),
]
STATES = {
    "PENDING": N_("Awaiting first answer"),
    "PROCESSING": N_("In progress"),
    "PROCESSED": N_("Complete"),
}
PROBLEMS = {
    "REFUND": N_("Refund requested"),
    "SERVICE_NOT_WORK": N_("Benefit not working"),
    "OTHERS": N_("Other"),
}
TAGS = {"TRUSTED": N_("Trusted user (fast refund)"), "HIGH_RISK": N_("High-risk complaint")}
STEPS = {
    "USER_CREATE_COMPLAINT": N_("User complained"),
    "USER_CONTINUE_COMPLAINT": N_("User complained again"),
    "USER_RESPONSE": N_("User replied"),
    "PLATFORM_RESPONSE": N_("WeChat Pay replied"),
    "MERCHANT_RESPONSE": N_("We answered"),
    "MERCHANT_CONFIRM_COMPLETE": N_("We marked it complete"),
    "USER_REVOKE_COMPLAINT": N_("User withdrew the complaint"),
    "USER_COMFIRM_COMPLAINT": N_("User confirmed it is solved"),
    "PLATFORM_HELP_APPLICATION": N_("WeChat Pay asked to help"),
    "USER_APPLY_PLATFORM_HELP": N_("User asked WeChat Pay for help"),
    "MERCHANT_APPROVE_REFUND": N_("We approved a refund"),
    "MERCHANT_REFUSE_RERUND": N_("We refused a refund"),
    "USER_SUBMIT_SATISFACTION": N_("User rated the handling"),
    "COMPLAINT_FULL_REFUNDED_SYSTEM_MESSAGE": N_("Fully refunded"),
    "COMPLAINT_PARTIAL_REFUNDED_SYSTEM_MESSAGE": N_("Partly refunded"),
    "COMPLAINT_REFUND_RECEIVED_SYSTEM_MESSAGE": N_("The user received the refund"),
}
OTHER_STEP = N_("System message")
IMAGE_FILTER = N_("Images (*.png *.jpg *.jpeg *.bmp)")


def time_left(seconds: int) -> tuple[str, str]:
    """("3 h 20 min left", colour): red when late, orange within 6 hours."""
    hours, rest = divmod(abs(seconds), 3600)
    minutes = rest // 60
    if seconds < 0:
        return tr("overdue by {h} h {m} min").format(h=hours, m=minutes), "red"
    text = tr("{h} h {m} min left").format(h=hours, m=minutes)
    return text, "orange" if seconds < 6 * 3600 else "grey"


class ComplaintsPage(Page):
    name = "complaints"
    heading = N_("Complaints")
    watches = frozenset({"complaints", "pushes"})

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.view: ComplaintView | None = None
        self.images: list[Path] = []
        self.file_dialog: QFileDialog | None = None
        self.dialog: Any = None
        self._wanted = ""
        self._synced_pushes = False
        self.now = 0  # the time the countdowns were computed at (the list's refresh)
        # the countdowns move on: list and detail recomputed together each minute
        self._minute = QTimer(self)
        self._minute.setInterval(60_000)
        self._minute.timeout.connect(self._tick)
        self._minute.start()
        bar = QHBoxLayout()
        self.summary = muted("")
        self.refresh_button = button(tr("Refresh from WeChat"), shortcut="F5")
        self.refresh_button.clicked.connect(self.sync)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.refresh_button)
        self.root.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = Table("complaints")
        self.model = RowsModel(COLUMNS, parent=self)
        self.table.setModel(self.model)
        for n, col in enumerate(COLUMNS):
            self.table.setColumnWidth(n, col.width)
        self.table.selectionModel().currentRowChanged.connect(self._select)
        split.addWidget(self.table)
        # the detail scrolls when the window is small: its own minimum grew the window
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._detail_pane())
        split.addWidget(scroll)
        split.setSizes([260, 440])
        self.root.addWidget(split, 1)
        self.empty = muted(
            tr(
                "No open complaints. Refresh from WeChat, or save a complaint push, to bring new ones."
            )
        )
        self.root.addWidget(self.empty)
        self._show(None)

    # ---- layout -------------------------------------------------------------------------------

    def _detail_pane(self) -> QWidget:
        pane = QWidget()
        columns = QHBoxLayout(pane)
        columns.setContentsMargins(0, 0, 0, 0)
        about = Card(tr("Complaint"))
        form = QFormLayout()
        self.complaint_id = IdLabel()
        self.user = IdLabel()
        self.open_user = button(tr("Open user"))
        self.open_user.clicked.connect(self._open_user)
        user_row = QHBoxLayout()
        user_row.addWidget(self.user, 1)
        user_row.addWidget(self.open_user)
        self.order = IdLabel()
        self.order_info = QLabel()
        self.order_info.setWordWrap(True)
        self.state = QLabel()
        self.due = QLabel()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(tr("Complaint id"), self.complaint_id)
        form.addRow(tr("User"), user_row)
        form.addRow(tr("Order"), self.order)
        form.addRow("", self.order_info)
        form.addRow(tr("State"), self.state)
        form.addRow(tr("Deadline"), self.due)
        form.addRow(tr("Problem"), self.problem)
        form.addRow(tr("What the user wrote"), self.detail)
        about.body.addLayout(form)
        about.body.addWidget(muted(tr("Negotiation history")))
        self.history = QListWidget()
        self.history.setAccessibleName(tr("Negotiation history"))
        self.history.setWordWrap(True)
        about.body.addWidget(self.history, 1)
        about.body.addWidget(muted(tr("The user's evidence")))
        self.evidence = QListWidget()
        self.evidence.setAccessibleName(tr("The user's evidence"))
        self.evidence.setMaximumHeight(80)
        self.evidence.setToolTip(tr("Double-click an image to see it"))
        self.evidence.itemActivated.connect(self.show_evidence)
        about.body.addWidget(self.evidence)
        # the image opens in a window of its own: shown in the pane it collapsed the complaint
        # list to one row and grew the main window
        self.preview = QLabel(self, Qt.WindowType.Window)
        self.preview.setAccessibleName(tr("Evidence image"))
        self.preview.setWindowTitle(tr("The user's evidence"))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.hide()
        columns.addWidget(about, 3)

        act = Card(tr("Answer the user"))
        self.answer = QPlainTextEdit()
        self.answer.setAccessibleName(tr("Answer"))
        self.answer.setPlaceholderText(
            tr("What the user will read in WeChat (at most 200 characters)")
        )
        self.answer.textChanged.connect(self._update_actions)
        self.count = muted("")
        act.body.addWidget(self.answer, 1)
        act.body.addWidget(self.count)
        self.image_list = QListWidget()
        self.image_list.setAccessibleName(tr("Images to send"))
        self.image_list.setMaximumHeight(70)
        act.body.addWidget(self.image_list)
        images_row = QHBoxLayout()
        self.add_image = button(tr("Add image…"))
        self.add_image.clicked.connect(self.choose_images)
        self.clear_images = button(tr("Remove images"))
        self.clear_images.clicked.connect(lambda: self.set_images([]))
        images_row.addWidget(self.add_image)
        images_row.addWidget(self.clear_images)
        images_row.addStretch(1)
        act.body.addLayout(images_row)
        self.why = muted("")
        act.body.addWidget(self.why)
        actions = QHBoxLayout()
        self.send = button(tr("Send answer"), kind="primary")
        self.send.clicked.connect(self.respond)
        self.refund = button(tr("Offer a refund…"), kind="danger")
        self.refund.clicked.connect(self.offer_refund)
        self.complete = button(tr("Mark complete…"))
        self.complete.clicked.connect(self.ask_complete)
        for widget in (self.send, self.refund, self.complete):
            widget.setAutoDefault(False)
            actions.addWidget(widget)
        act.body.addLayout(actions)
        columns.addWidget(act, 2)
        return pane

    # ---- data ---------------------------------------------------------------------------------

    def on_ready(self) -> None:
        self.refresh()
        if may_sync(self.ctx.desk):
            self.sync()
        else:  # a team viewer: the server would refuse (and audit) the request
            self.refresh_button.setEnabled(False)
            self.refresh_button.setToolTip(
                tr("Your role cannot ask WeChat: support, finance and admin operators can.")
            )

    def _tick(self) -> None:
        if self.isVisible() and self.ctx.desk is not None:
            self.refresh()

    def refresh(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        from dashboard.offline import ServerUnreachable, stale_note, unreachable_empty

        try:
            rows = desk.open_complaints()
        except ServerUnreachable:  # a team server away, nothing kept: what is shown stays
            held = self.model.rowCount()
            self.summary.setText(stale_note(desk) if held else unreachable_empty())
            self.empty.setVisible(False)  # not known to be empty
            return
        # one reading of the clock for the list and the detail: they said 54 and 53 minutes
        self.now = now = int(self.ctx.clock())
        shown = []
        for r in rows:
            row = r.as_dict()
            left, colour = time_left(r.seconds_left(now))
            row["left_label"] = left
            row["left_label_colour"] = colour
            row["state_label"] = tr(STATES.get(r.state, "In progress"))
            row["problem_label"] = tr(PROBLEMS.get(r.problem_type, "Other"))
            shown.append(row)
        current = self._current_id()
        self.model.set_rows(shown)
        self.empty.setVisible(not shown)
        late = sum(1 for r in rows if r.seconds_left(now) < 0)
        self.summary.setText(
            tr("{n} open complaints, {late} overdue").format(n=len(rows), late=late)
        )
        ids = [r.complaint_id for r in rows]
        if current in ids:
            self.table.selectRow(ids.index(current))
        elif ids:
            self.table.selectRow(0)
        else:
            self._show(None)
        if any(r.problem_type == "" and r.amount == 0 for r in rows) and not self._synced_pushes:
            self._synced_pushes = True  # a push told us of one: fetch it in full, once
            self.sync()

    def sync(self) -> None:
        desk = self.ctx.desk
        if desk is None or not may_sync(desk):
            return
        self.busy.start()
        self.refresh_button.setEnabled(False)

        def done(report: Any) -> None:
            self.busy.stop()
            self.refresh_button.setEnabled(True)
            self._synced_pushes = False
            if report.new:
                self.ctx.notify.emit("ok", tr("{n} new complaints").format(n=len(report.new)))

        def failed(exc: BaseException) -> None:
            self.busy.stop()
            self.refresh_button.setEnabled(True)
            self.inline.error(exc)

        self.ctx.runner.run(
            desk.sync_complaints(), on_done=done, on_error=failed, changes={"complaints"}
        )

    def _current_id(self) -> str:
        index = self.table.currentIndex()
        return str(self.model.row_dict(index.row())["complaint_id"]) if index.isValid() else ""

    def _select(self) -> None:
        complaint_id = self._current_id()
        if not complaint_id or self.ctx.desk is None:
            return
        if self.view is not None and self.view.row.complaint_id == complaint_id:
            return
        self._wanted = complaint_id
        self.busy.start()
        self.ctx.runner.run(
            self.ctx.desk.complaint(complaint_id),
            on_done=self._loaded,
            on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
        )

    def select(self, complaint_id: str) -> None:
        ids = [self.model.row_dict(r)["complaint_id"] for r in range(self.model.rowCount())]
        if complaint_id in ids:
            self.table.selectRow(ids.index(complaint_id))

    def _loaded(self, view: ComplaintView) -> None:
        self.busy.stop()
        if view.row.complaint_id != self._wanted:
            return  # the operator has moved on
        self.inline.hide()
        self._show(view)

    def _show(self, view: ComplaintView | None) -> None:
        changed = (
            view is None
            or self.view is None
            or (view.row.complaint_id != self.view.row.complaint_id)
        )
        self.view = view
        row: ComplaintRow | None = view.row if view else None
        self.complaint_id.set(row.complaint_id if row else "")
        self.user.set(row.openid if row else "")
        self.order.set(row.order_id if row else "")
        self.order_info.setText(self._order_text(view) if view else "")
        self.state.setText(tr(STATES.get(row.state, "In progress")) if row else "")
        if row:
            left, colour = time_left(row.seconds_left(self.now or int(self.ctx.clock())))
            what = tr("first answer") if row.due_for == "answer" else tr("completion")
            self.due.setText(f"{what}: {fmt.when(row.due_at)} · {left}")
            self.due.setStyleSheet("color: #FA5151;" if colour == "red" else "")
        else:
            self.due.setText("")
        problem = ""
        if row:
            problem = tr(PROBLEMS.get(row.problem_type, "Other"))
            if row.apply_refund_amount:
                problem += " · " + tr("asks for {amount}").format(
                    amount=fmt.fen(row.apply_refund_amount)
                )
            problem += "".join(" · " + tr(TAGS[t]) for t in row.tags if t in TAGS)
            if row.user_waiting:
                problem += " · " + tr("the user wrote again and waits for an answer")
        self.problem.setText(problem)
        self.detail.setText(row.detail if row else "")
        self.history.clear()
        self.evidence.clear()
        self.preview.clear()
        self.preview.hide()
        if view:
            for h in view.history:
                images = sum(len(m.media_url) for m in h.complaint_media_list)
                step = tr(STEPS.get(h.operate_type, OTHER_STEP))
                text = f"{h.operate_time.replace('T', ' ')[:19]} · {step}"
                if h.operate_details:
                    text += f"\n{h.operate_details}"
                if images:
                    text += "\n" + tr("Images attached: {n}").format(n=images)
                self.history.addItem(text)
            for n, url in enumerate(view.evidence, start=1):
                self.evidence.addItem(tr("Image {n}").format(n=n))
                self.evidence.item(n - 1).setToolTip(url)
                self.evidence.item(n - 1).setData(Qt.ItemDataRole.UserRole, url)
            if not view.evidence:
                self.evidence.addItem(tr("The user sent no images."))
        if changed:
            self.answer.clear()
            self.set_images([])
        self._update_actions()

    def _order_text(self, view: ComplaintView) -> str:
        o = view.order
        if o is None:
            return view.order_error or tr("The order is not in the mirror.")
        kind = tr("coin top-up") if o["kind"] == "coin" else tr("item purchase")
        status, _colour = fmt.status_text(int(o["status"]))
        return tr("{kind} · paid {paid} · refundable {left} · {status}").format(
            kind=kind, paid=fmt.fen(o["paid_fee"]), left=fmt.fen(o["left_fee"]), status=status
        )

    # ---- answering ----------------------------------------------------------------------------

    def _problem(self) -> str:
        from core.complaints import MAX_TEXT

        row = self.view.row if self.view else None
        if row is None:
            return tr("Choose a complaint.")
        if row.state == "PROCESSED":
            return tr("This complaint is complete.")
        text = self.answer.toPlainText().strip()
        if not text:
            return tr("Write the answer the user will read.")
        if len(text) > MAX_TEXT:
            return tr("At most {n} characters.").format(n=MAX_TEXT)
        return ""

    def _update_actions(self) -> None:
        from core.complaints import MAX_TEXT

        running = bool(self.property("running"))
        problem = self._problem()
        self.count.setText(
            tr("{n} / {max} characters").format(
                n=len(self.answer.toPlainText().strip()), max=MAX_TEXT
            )
        )
        self.send.setEnabled(not problem and not running)
        self.send.setToolTip(problem)
        self.why.setText(problem if self.view else "")
        open_ = self.view is not None and self.view.row.state != "PROCESSED"
        self.complete.setEnabled(open_ and not running)
        order = self.view.order if self.view else None
        refundable = bool(order and order["left_fee"] > 0)
        self.refund.setEnabled(refundable and not running)
        self.refund.setToolTip("" if refundable else tr("Nothing left to refund on this order."))
        self.open_user.setEnabled(bool(self.view and self.view.row.openid))
        for widget in (self.add_image, self.clear_images, self.answer):
            widget.setEnabled(open_ and not running)

    def choose_images(self) -> None:
        folder = str(QSettings().value("complaints/last_folder", "") or "")
        dialog = QFileDialog(self, tr("Choose images for the answer"), folder, tr(IMAGE_FILTER))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.filesSelected.connect(lambda names: self.add_images([Path(n) for n in names]))
        dialog.open()  # non-modal for the event loop: never exec()
        self.file_dialog = dialog

    def add_images(self, paths: list[Path]) -> None:
        from core.complaints import check_images
        from core.errors import XPayDeskError

        if paths:
            QSettings().setValue("complaints/last_folder", str(paths[0].parent))
        try:
            check_images([*self.images, *paths])
        except XPayDeskError as exc:
            self.inline.error(exc)
            return
        self.inline.hide()
        self.set_images([*self.images, *paths])

    def set_images(self, paths: list[Path]) -> None:
        self.images = paths
        self.image_list.clear()
        for path in paths:
            self.image_list.addItem(path.name)
            self.image_list.item(self.image_list.count() - 1).setToolTip(str(path))
        self.image_list.setVisible(bool(paths))
        self.clear_images.setVisible(bool(paths))

    def _running(self, on: bool) -> None:
        self.setProperty("running", on)
        if on:
            self.busy.start()
        else:
            self.busy.stop()
        self._update_actions()

    def respond(self) -> None:
        if self._problem() or self.view is None or self.ctx.desk is None:
            return
        complaint_id = self.view.row.complaint_id
        self._running(True)
        self.ctx.runner.run(
            self.ctx.desk.respond_complaint(
                complaint_id, self.answer.toPlainText(), list(self.images)
            ),
            on_done=lambda r: self._acted(r, tr("Answer sent to the user")),
            on_error=self._act_failed,
            changes={"complaints", "audit"},
        )

    def ask_complete(self) -> None:
        if self.view is None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("Mark complete — {id}").format(id=self.view.row.complaint_id))
        box.setText(
            tr(
                "Mark this complaint complete at WeChat? Do it only when the user's problem is "
                "solved: a user who complains again counts as a repeated complaint."
            )
        )
        self.confirm_complete = box.addButton(
            tr("Confirm: mark complete"), QMessageBox.ButtonRole.AcceptRole
        )
        cancel = box.addButton(tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)  # Enter never completes
        self.confirm_complete.clicked.connect(self._complete)
        box.open()  # non-modal for the event loop: never exec()
        self.dialog = box

    def _complete(self) -> None:
        if self.view is None or self.ctx.desk is None:
            return
        self._running(True)
        self.ctx.runner.run(
            self.ctx.desk.complete_complaint(self.view.row.complaint_id),
            on_done=lambda r: self._acted(r, tr("Complaint marked complete")),
            on_error=self._act_failed,
            changes={"complaints", "audit"},
        )

    def _acted(self, result: Any, message: str) -> None:
        self._running(False)
        self.ctx.notify.emit("ok", f"{result.complaint_id}: {message}")
        self.inline.show_message("ok", message)
        self.view = None  # reload it: the history has our answer now
        self._wanted = ""
        self.refresh()
        if result.state == "PROCESSED":
            self.answer.clear()
            self.set_images([])
        else:
            self._select()

    def _act_failed(self, exc: BaseException) -> None:
        self._running(False)
        self.inline.error(exc)

    def show_evidence(self, item: Any) -> None:
        url = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not url or self.view is None or self.ctx.desk is None:
            return
        complaint_id = self.view.row.complaint_id

        def shown(data: bytes) -> None:
            self.busy.stop()
            if self.view is None or self.view.row.complaint_id != complaint_id:
                return
            pixmap = QPixmap()
            if not pixmap.loadFromData(data):
                self.inline.show_message("warn", tr("The image could not be read."))
                return
            screen = self.screen().availableGeometry()
            self.preview.setPixmap(
                pixmap.scaled(
                    min(pixmap.width(), screen.width() * 2 // 3),
                    min(pixmap.height(), screen.height() * 2 // 3),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            self.preview.adjustSize()
            self.preview.show()

        self.busy.start()
        self.ctx.runner.run(
            self.ctx.desk.complaint_evidence(complaint_id, str(url)),
            on_done=shown,
            on_error=lambda e: (self.busy.stop(), self.inline.error(e)),
        )

    # ---- going elsewhere ----------------------------------------------------------------------

    def _open_user(self) -> None:
        window = self.window()
        if self.view is not None and hasattr(window, "go"):
            window.go("users", self.view.row.openid)

    def offer_refund(self) -> None:
        """The refund dialog, pre-filled: the complaint's order, the amount asked for (or what is
        left), and the complaint as the reason."""
        view, desk = self.view, self.ctx.desk
        if view is None or desk is None or view.order is None:
            return
        from dashboard.dialogs import MoneyDialog

        row = view.row
        dialog = MoneyDialog(
            self.ctx,
            "refund",
            row.openid,
            parent=self,
            orders=desk.user_orders(row.openid),
            order_id=row.order_id,
            on_done=lambda _r: self._select(),
        )
        left = int(view.order["left_fee"])
        if row.apply_refund_amount:
            dialog.yuan.setValue(min(row.apply_refund_amount, left) / 100)
        dialog.reason.setCurrentText(tr("User complaint {id}").format(id=row.complaint_id))
        self.refund.setEnabled(False)
        dialog.finished.connect(lambda _r: self._update_actions())
        dialog.open()
        self.dialog = dialog  # keep it alive while it is open


__all__ = ["ComplaintsPage"]


def may_sync(desk: Any) -> bool:
    """Asking WeChat for complaints: any solo desk; on a team server support, finance and
    admin (a viewer reads what the server has)."""
    if desk is None or not getattr(desk, "team", False):
        return True
    return str(getattr(desk.profile, "role", "")) in ("support", "finance", "admin")
