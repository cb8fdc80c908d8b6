"""The main window: left navigation (Ctrl+1..8), a top bar with the profile, environment chip,
global search (Ctrl+K), pending-operations indicator and operator; the sandbox/demo banner; the
pages; drag-and-drop imports; window geometry that persists."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QPoint, QSettings, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core import __version__
from dashboard import fmt, theme
from dashboard.context import AppContext
from dashboard.i18n import N_, tr
from dashboard.lifetimes import retire
from dashboard.models import Col, RowsModel
from dashboard.pages.base import Page
from dashboard.vocabulary import word

if TYPE_CHECKING:
    from dashboard.imports import ImportDialog
from dashboard.widgets import Badge, Inline, Table, button, muted


@dataclass(frozen=True)
class PageSpec:
    """A page known by name and heading; its module loads the first time it is shown."""

    name: str
    heading: str
    module: str
    cls: str

    def load(self) -> type[Page]:
        page: type[Page] = getattr(importlib.import_module(self.module), self.cls)
        return page


PAGE_CLASSES = [
    PageSpec("users", N_("Users"), "dashboard.pages.users", "UsersPage"),
    PageSpec("orders", N_("Orders"), "dashboard.pages.orders", "OrdersPage"),
    PageSpec("refunds", N_("Refunds & clawbacks"), "dashboard.pages.refunds", "RefundsPage"),
    PageSpec("reconcile", N_("Reconciliation"), "dashboard.pages.reconcile", "ReconPage"),
    PageSpec("callbacks", N_("Callback inspector"), "dashboard.pages.callbacks", "CallbackPage"),
    PageSpec("signatures", N_("Signature debugger"), "dashboard.pages.signatures", "SignaturePage"),
    PageSpec("audit", N_("Audit log"), "dashboard.pages.audit", "AuditPage"),
    PageSpec("settings", N_("Settings"), "dashboard.pages.settings", "SettingsPage"),
    PageSpec("complaints", N_("Complaints"), "dashboard.pages.complaints", "ComplaintsPage"),
]
PAGES = [(c.name, c.heading) for c in PAGE_CLASSES]
# what team mode adds: in the navigation only when the desk is a team desk
TEAM_PAGE_CLASSES = [
    PageSpec("approvals", N_("Approvals"), "dashboard.pages.approvals", "ApprovalsPage"),
]
PENDING_COLUMNS = [
    Col("id", "#", "int", 50),
    Col("action", "Action", "word", 110, vocab="action"),
    Col("wechat_id", "Id sent to WeChat", "id", 170),
    Col("openid", "openid", "id", 140),
    Col("amount_label", "Yuan or coins", "text", 100),
    Col("state", "State", "word", 130, vocab="state"),
    Col("message", "Message", "text", 300),
]


class LazyPages(dict[str, Page]):
    """Pages are built the first time they are shown or asked for: the window paints sooner."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self._window = window

    def __missing__(self, name: str) -> Page:
        specs = self._window.page_specs
        index = [c.name for c in specs].index(name)
        page = specs[index].load()(self._window.ctx)
        self[name] = page
        stack = self._window.stack
        placeholder = stack.widget(index)
        stack.insertWidget(index, page)
        stack.removeWidget(placeholder)
        placeholder.deleteLater()
        if self._window.ctx.desk is not None:
            page.on_ready()
        return page


class PendingDialog(QDialog):
    """Unknown and in-flight operations; "resolve now" settles them safely. "Abandon" closes the
    selected one if it provably never reached WeChat (the desk refuses any other), with a note
    kept in the audit log."""

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(tr("Pending operations"))
        self.resize(860, 360)
        layout = QVBoxLayout(self)
        self.total = QLabel()  # the counter's own words and number: the same things counted
        self.total.setAccessibleName(tr("Pending operations"))
        layout.addWidget(self.total)
        self.model = RowsModel(PENDING_COLUMNS, parent=self)
        table = Table("pending")
        table.setModel(self.model)
        layout.addWidget(table)
        self.table = table
        # an empty list says so in a sentence, not with an empty grid
        self.empty = muted(tr("Nothing to resolve: no operation is pending."))
        self.empty.hide()
        layout.addWidget(self.empty)
        resolve = button(tr("Resolve now"), kind="primary")
        resolve.clicked.connect(self.resolve)
        layout.addWidget(resolve)
        self.resolve_button = resolve
        abandon_row = QHBoxLayout()
        self.note = QLineEdit()
        self.note.setPlaceholderText(
            tr("Why abandon the selected operation (kept in the audit log)")
        )
        self.note.setAccessibleName(tr("Note"))
        self.abandon_button = button(tr("Abandon (never sent to WeChat)"))
        self.abandon_button.clicked.connect(self.abandon)
        abandon_row.addWidget(self.note, 1)
        abandon_row.addWidget(self.abandon_button)
        layout.addLayout(abandon_row)
        self.inline = Inline()
        layout.addWidget(self.inline)
        self.note.textChanged.connect(self._update_abandon)
        table.selectionModel().selectionChanged.connect(self._update_abandon)
        self.complaints = button(tr("Open complaints: {n}").format(n=0))
        self.complaints.clicked.connect(lambda: self._leave_for("complaints"))
        layout.addWidget(self.complaints)
        self.approvals = button(tr("Waiting for my approval: {n}").format(n=0))
        self.approvals.clicked.connect(lambda: self._leave_for("approvals"))
        layout.addWidget(self.approvals)
        self.approvals.setVisible(bool(getattr(ctx.desk, "team", False)))  # team mode only
        if getattr(parent, "_update_pending", None) is None:
            self.reload()  # else the window fills it once it is shown (MainWindow._show_pending)

    def _leave_for(self, page: str) -> None:
        """A link to a page: the page opens and this list closes (it stood over the page)."""
        self.parent().go(page)  # type: ignore[attr-defined]
        self.close()

    def reload(self) -> None:
        """Asks the window to count again: the counter and this list show one count."""
        update = getattr(self.parent(), "_update_pending", None)
        if update is not None:
            update()
        else:
            self.show_counts(*pending_counts(self.ctx.desk))

    def show_counts(self, intents: list[Any], complaints: int, approvals: int) -> None:
        """The rows and counts the window's counter was just made of."""
        rows = [i.as_dict() for i in intents]
        for row in rows:  # refunds are in fen, everything else in coins
            amount = int(row.get("amount") or 0)
            row["amount_label"] = (
                fmt.fen(amount) if row["action"] == "refund" else fmt.coins(amount)
            )
            row["message"] = fmt.own_language(str(row.get("message") or ""))
        self.model.set_rows(rows)
        total = len(rows) + complaints + approvals
        self.total.setText(
            tr("Pending: {n}").format(n=total)
            + " · "
            + tr("{ops} operations not finished, {complaints} open complaints").format(
                ops=len(rows), complaints=complaints
            )
            + (
                " · " + tr("Requests waiting for your approval: {n}").format(n=approvals)
                if self.approvals.isVisibleTo(self)
                else ""
            )
        )
        self.complaints.setText(tr("Open complaints: {n}").format(n=complaints))
        self.approvals.setText(tr("Waiting for my approval: {n}").format(n=approvals))
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.resolve_button.setEnabled(bool(rows))
        self.resolve_button.setToolTip(
            "" if rows else tr("Nothing to resolve: no operation is pending.")
        )
        self._update_abandon()

    def _selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return int(self.model.row_dict(rows[0].row())["id"]) if rows else None

    def _update_abandon(self, *_args: object) -> None:
        self.abandon_button.setEnabled(
            self._selected_id() is not None and bool(self.note.text().strip())
        )

    def abandon(self) -> None:
        intent_id = self._selected_id()
        if self.ctx.desk is None or intent_id is None or not self.note.text().strip():
            return
        self.abandon_button.setEnabled(False)

        def done(_result: object) -> None:
            self.note.clear()
            self.inline.show_message("ok", tr("Abandoned: nothing was sent to WeChat."))
            self.reload()

        self.ctx.runner.run(
            self.ctx.desk.abandon(intent_id, note=self.note.text().strip()),
            on_done=done,
            on_error=self._abandon_refused,
            changes={"pending", "ledger", "refunds", "audit"},
        )

    def _abandon_refused(self, exc: BaseException) -> None:
        self.inline.error(exc)  # e.g. it may have reached WeChat: resolve it instead
        self._update_abandon()

    def resolve(self) -> None:
        if self.ctx.desk is not None and self.model.count():
            self.ctx.runner.run(
                self.ctx.desk.resolve(),
                on_done=lambda _r: self.reload(),
                changes={"pending", "ledger", "refunds", "audit"},
            )


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext | None = None, *, demo: bool = False) -> None:
        super().__init__()
        if ctx is None:
            from dashboard.tasks import TaskRunner

            ctx = AppContext(TaskRunner(), demo=demo)
        # the window owns its context and task runner: they die with it, on the GUI thread
        # (dashboard.lifetimes), never when some thread's garbage collection frees them
        if ctx.parent() is None:
            ctx.setParent(self)
        if ctx.runner.parent() is None:
            ctx.runner.setParent(ctx)
        self.ctx = ctx
        self.setWindowTitle(tr("XPay Desk") + (" — " + tr("DEMO") if ctx.demo else ""))
        self.setAcceptDrops(True)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._top_bar())
        # the matches float over the page under the search field: a list in the layout pushed
        # the page down and grew the window off the screen
        self.matches.setParent(central)
        self.matches.hide()
        from dashboard.connection import ConnectionBanner

        self.page_specs = list(PAGE_CLASSES)  # + TEAM_PAGE_CLASSES once a team desk is ready
        self.stack = QStackedWidget()
        # team mode: the server cannot be reached (money actions paused), at the very top
        self.connection = ConnectionBanner(ctx, self)
        outer.insertWidget(0, self.connection)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        outer.addWidget(self.banner)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setAccessibleName(tr("Navigation"))
        self.nav.setFixedWidth(180)
        self.nav.setIconSize(QSize(18, 18))
        self.pages = LazyPages(self)
        for n, cls in enumerate(PAGE_CLASSES, start=1):
            self.stack.addWidget(QWidget())  # a placeholder until the page is first shown
            self.nav.addItem(f"{tr(cls.heading)}")
            self.nav.item(n - 1).setToolTip(f"Ctrl+{n}")
            QShortcut(QKeySequence(f"Ctrl+{n}"), self, lambda i=n - 1: self.nav.setCurrentRow(i))
        self.nav.currentRowChanged.connect(self._show_page)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)
        self.nav.setCurrentRow(0)
        self._menus()
        self.statusBar().showMessage(tr("Ready"))
        ctx.notify.connect(self._notify)
        ctx.ready.connect(self._ready)
        ctx.navigate.connect(self.go)  # a page opens another (reconciliation -> an order)
        ctx.changes.connect(self._changed)
        ctx.runner.failed.connect(self._unexpected)
        QShortcut(QKeySequence("Ctrl+K"), self, self._focus_search)
        self._restore_geometry()

    def _show_page(self, row: int) -> None:
        try:
            self.pages[self.page_specs[row].name]  # builds it on first use
        finally:  # the page the sidebar highlights is on screen, even if its first read failed
            self.stack.setCurrentIndex(row)
        self.matches.hide()  # a list of search matches belongs to the search, not the page

    # ---- chrome -------------------------------------------------------------------------------

    def _top_bar(self) -> QWidget:
        bar = QWidget()
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(10, 6, 10, 6)
        self.profile_box = QComboBox()
        self.profile_box.setAccessibleName(tr("Profile"))
        self.profile_box.setMinimumWidth(140)
        # as wide as its longest name, also one filled after the window was first shown
        self.profile_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.profile_box.setPlaceholderText(tr("No profile"))
        self.profile_box.setToolTip(tr("Profile: choosing another reopens the window on it"))
        self.profile_box.activated.connect(self._switch_profile)
        self.env_chip = Badge()
        self.env_chip.hide()  # until a profile is open
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            tr("Search openid, order id, WeChat order id, refund id… (Ctrl+K)")
        )
        self.search.setAccessibleName(tr("Search"))
        self.search.returnPressed.connect(self._search)
        # "nothing found" stays until the operator types again
        self.search_note = QLabel()
        self.search_note.setStyleSheet(f"color: {theme.RED};")
        self.search_note.hide()
        self.search.textEdited.connect(lambda _text: self.search_note.hide())
        # the start of an id matching several: listed under the bar to choose from
        self.matches = QListWidget()
        self.matches.setObjectName("matches")
        self.matches.setAccessibleName(tr("Matches"))
        self.matches.setMaximumHeight(150)
        self.matches.hide()
        self.matches.itemActivated.connect(self._open_match)
        QShortcut(QKeySequence("Esc"), self.matches, self.matches.hide)
        self.search.textEdited.connect(lambda _text: self.matches.hide())
        self.pending_button = QToolButton()
        self.pending_button.setAccessibleName(tr("Pending operations"))
        self.pending_button.clicked.connect(self._show_pending)
        self.operator = QLabel()
        layout.addWidget(self.profile_box)
        layout.addWidget(self.env_chip)
        layout.addWidget(self.search, 1)
        layout.addWidget(self.search_note)
        layout.addWidget(self.pending_button)
        layout.addWidget(self.operator)
        self._update_pending()
        return bar

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu(tr("&File"))
        file_menu.addAction(tr("Import…"), QKeySequence("Ctrl+I"), self._choose_import)
        file_menu.addAction(tr("Quit"), QKeySequence.StandardKey.Quit, self.close)
        help_menu = self.menuBar().addMenu(tr("&Help"))
        help_menu.addAction(tr("Open log folder"), self._open_logs)
        help_menu.addAction(tr("About XPay Desk"), self._about)

    def _ready(self) -> None:
        desk = self.ctx.desk
        assert desk is not None
        p = desk.profile
        self._fill_profiles(p.name)
        self.env_chip.show()
        if self.ctx.demo or getattr(p, "simulated", False):  # the simulator: play money
            self.env_chip.set(tr("Demo"), "orange")
            self.banner.setText(tr("DEMO MODE — simulated WeChat, no real money"))
            self.banner.show()
        elif p.env.value == 1:
            self.env_chip.set(tr("Sandbox"), "orange")
            self.banner.setText(tr("SANDBOX — test environment"))
            self.banner.show()
        else:
            self.env_chip.set(tr("Production"), "green")
        self.operator.setText(f"{tr('Operator')}: {p.operator}")
        self._team_pages(bool(getattr(desk, "team", False)))
        self._update_pending()
        from dashboard.following import DeskChanges

        if getattr(self, "_desk_changes", None) is not None:
            self._desk_changes.stop()
        # refunds in flight followed by the desk; what moved refreshes the pages by itself
        self._desk_changes = DeskChanges(self.ctx, desk, self)
        self.statusBar().showMessage(tr("Profile {name} ready").format(name=p.name), 5000)
        # open complaints count as pending work: ask WeChat for them now, not when the page opens
        # (on a team server only a role that may refresh them asks: a viewer would be refused)
        if getattr(desk, "team", False) and p.role not in ("support", "finance", "admin"):
            return
        self.ctx.runner.run(
            desk.sync_complaints(),
            on_error=lambda e: self.statusBar().showMessage(
                "⚠ " + tr("Could not refresh complaints: ") + str(getattr(e, "message_zh", e)),
                8000,
            ),
            changes={"complaints"},
        )

    def _team_pages(self, team: bool) -> None:
        """The Approvals page: in the navigation of a team desk only (after the solo pages)."""
        for spec in TEAM_PAGE_CLASSES:
            if team and spec not in self.page_specs:
                self.page_specs.append(spec)
                self.stack.addWidget(QWidget())  # a placeholder until the page is first shown
                self.nav.addItem(tr(spec.heading))
            if spec in self.page_specs:
                self.nav.item(self.page_specs.index(spec)).setHidden(not team)

    def _fill_profiles(self, current: str | None) -> None:
        """The open profile first, then the others in the profiles file (solo and team, as
        core lists them); choosing one reopens the window on it."""
        from core.desks import profile_choices

        try:
            names = [choice.name for choice in profile_choices(self.ctx.config_path)]
        except Exception:  # a broken file is reported on the Settings page
            names = []
        self.profile_box.blockSignals(True)
        self.profile_box.clear()
        if current is not None:
            self.profile_box.addItem(current, None)
        for name in names:
            if name != current or self.ctx.demo:
                self.profile_box.addItem(name, name)
        self.profile_box.setCurrentIndex(0 if current is not None else -1)
        self.profile_box.blockSignals(False)

    def _changed(self, what: set[str]) -> None:
        self._update_pending()
        if "profiles" in what:
            self._fill_profiles(self.ctx.desk.profile.name if self.ctx.desk else None)

    def _switch_profile(self, index: int) -> None:
        name = self.profile_box.itemData(index)
        if name is not None and not self.ctx.request_reopen(profile=name):
            self.profile_box.setCurrentIndex(0 if self.ctx.desk is not None else -1)

    def _update_pending(self) -> None:
        from core.errors import XPayDeskError

        desk = self.ctx.desk
        try:
            intents, complaints, approvals = pending_counts(desk)
        except XPayDeskError:  # a team server away, with no earlier answer: the count stays
            return
        dialog = getattr(self, "_pending_dialog", None)
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.show_counts(intents, complaints, approvals)  # the same count, same moment
        operations = len(intents)
        count = operations + complaints + approvals
        self.pending_button.setText(tr("Pending: {n}").format(n=count))
        tip = tr("{ops} operations not finished, {complaints} open complaints").format(
            ops=operations, complaints=complaints
        )
        if approvals:
            tip += "\n" + tr("Requests waiting for your approval: {n}").format(n=approvals)
        self.pending_button.setToolTip(tip)
        self.pending_button.setStyleSheet(
            f"color: {theme.ORANGE}; font-weight: 600;" if count else ""
        )

    def _show_pending(self) -> None:
        retire(getattr(self, "_pending_dialog", None))  # the last one, closed
        dialog = PendingDialog(self.ctx, self)
        self._pending_dialog = dialog
        dialog.show()  # non-modal
        dialog.reload()  # shown: counted with the counter
        self.connection.update_state()  # its money buttons held too while the server is away

    def _notify(self, kind: str, text: str) -> None:
        self.statusBar().showMessage(("✔ " if kind == "ok" else "⚠ ") + text, 8000)

    def _unexpected(self, exc: BaseException) -> None:
        from dashboard.connection import ended_text, is_login_required

        if is_login_required(exc) and self.ctx.desk is not None:
            # the server ended the session: not unexpected; the banner offers to log in again
            self.connection.session_ended()
            self.statusBar().showMessage("⛔ " + ended_text(), 15000)
            return
        said = getattr(exc, "message", None)  # the core's errors: the operator's language
        text = said(fmt.lang()) if callable(said) else f"{type(exc).__name__}: {exc}"
        self.statusBar().showMessage(
            "⚠ " + tr("Unexpected error (details in the log): ") + str(text), 15000
        )

    def startup_failed(self, exc: BaseException) -> None:
        """No profile, a broken file, no keyring: said on the Settings page, where a profile is
        created or fixed, not in a modal."""
        self.go("settings")
        page = self.pages["settings"]
        page.inline.error(exc)
        # those messages say what to do themselves (a team login: log in again, or switch)
        if getattr(exc, "kind", "") not in ("mirror_damaged", "login_required"):
            page.inline.text.setText(
                page.inline.text.text()
                + "\n\n"
                + tr("Create or fix a profile below, or start with --demo to try XPay Desk.")
            )
        self._fill_profiles(None)
        said = getattr(exc, "message", None)  # the core's errors: the operator's language
        text = said(fmt.lang()) if callable(said) else f"{type(exc).__name__}: {exc}"
        self.statusBar().showMessage("⚠ " + tr("No profile open: ") + str(text))

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search(self) -> None:
        """Enter: one match opens its page with its row selected; several (the start of an id)
        are listed to choose from; none says so until the operator types again."""
        desk = self.ctx.desk
        term = self.search.text().strip()
        self.search_note.hide()
        self.matches.hide()
        if desk is None or not term:
            return
        from dashboard.offline import ServerUnreachable, unreachable_empty

        try:
            hits = desk.search(term)
        except ServerUnreachable:  # a team server away: not "nothing found"
            self.search_note.setText(unreachable_empty())
            self.search_note.show()
            return
        distinct = list({(h.kind, h.id): h for h in hits}.values())
        if not distinct:
            if term.startswith("o") and len(term) >= 20:
                self.go("users", term)
                return
            self.search_note.setText(tr("Nothing found for {term}").format(term=term))
            self.search_note.show()
            return
        if len(distinct) == 1 or distinct[0].id == term:
            self.open_hit(distinct[0])
            return
        kinds = {
            "order": word("action", "order"),
            "refund": word("action", "refund"),
            "user": tr("User"),
            "ledger": tr("Coin record"),
        }
        self.matches.clear()
        for hit in distinct[:20]:
            owner = f"  ·  {fmt.elide(hit.openid)}" if hit.kind != "user" else ""
            item = QListWidgetItem(f"{kinds[hit.kind]}  {hit.id}{owner}")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            item.setToolTip(hit.openid)
            self.matches.addItem(item)
        self.matches.setCurrentRow(0)
        self._place_matches()
        self.matches.show()
        self.matches.raise_()
        self.matches.setFocus()

    def _place_matches(self) -> None:
        """Under the search field, over the page, as wide as the field (at least 420 px) and as
        tall as its rows (at most 150 px): the layout and the window keep their size."""
        central = self.matches.parentWidget()
        if central is None:
            return
        corner = self.search.mapTo(central, QPoint(0, self.search.height()))
        rows = self.matches.count()
        height = min(
            150, rows * max(self.matches.sizeHintForRow(0), 1) + 2 * self.matches.frameWidth()
        )
        width = min(max(self.search.width(), 420), central.width() - corner.x())
        self.matches.setGeometry(corner.x(), corner.y(), width, height)

    def _open_match(self, item: QListWidgetItem) -> None:
        self.matches.hide()
        self.open_hit(item.data(Qt.ItemDataRole.UserRole))

    def open_hit(self, hit: Any) -> None:
        if hit.kind == "user":
            self.go("users", hit.openid)
        elif hit.kind == "refund":
            self.go("refunds", hit.id)
        elif hit.kind == "ledger":  # a gift, deduction, cancellation or clawback id
            self.go("users", hit.openid)
            self.pages["users"].select_when_shown = hit.id  # type: ignore[attr-defined]
        else:
            self.go("orders", hit.id)
            self.pages["orders"].select_order(hit.id, hit.openid)  # type: ignore[attr-defined]

    def go(self, page: str, target: str = "") -> None:
        names = [c.name for c in self.page_specs]
        self.nav.setCurrentRow(names.index(page))
        widget = self.pages[page]
        if page == "users" and target:
            widget.show_user(target)  # type: ignore[attr-defined]
        elif page == "orders" and target.startswith("openid:"):
            widget.show_user_orders(target[len("openid:") :])  # type: ignore[attr-defined]
        elif page == "orders" and target:
            widget.show_order(target)  # type: ignore[attr-defined]
        elif page == "callbacks" and target:  # a saved push: {"query", "body", ...}
            widget.open_push(target)  # type: ignore[attr-defined]
        elif page in ("refunds", "complaints") and target:
            widget.select(target)  # type: ignore[attr-defined]

    # ---- what a language switch keeps ----------------------------------------------------------

    def carry_state(self) -> dict[str, Any]:
        """The open page, the user on the Users page and what was pasted or typed on the tool
        pages: the window reopened in another language shows the same."""
        state: dict[str, Any] = {"page": self.page_specs[self.nav.currentRow()].name}
        for name, page in self.pages.items():
            keep = getattr(page, "carry", None)
            if callable(keep):
                state[name] = keep()
        return state

    def restore_state(self, state: dict[str, Any]) -> None:
        for name, kept in state.items():
            if name != "page" and kept:
                self.pages[name].restore(kept)  # type: ignore[attr-defined]
        names = [c.name for c in self.page_specs]
        if state.get("page") in names:
            self.nav.setCurrentRow(names.index(state["page"]))

    # ---- files ----------------------------------------------------------------------------------

    def dragEnterEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.import_files(paths)

    def _choose_import(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from dashboard.i18n import last_folder, remember_folder

        names, _ = QFileDialog.getOpenFileNames(self, tr("Import"), last_folder())
        if names:
            remember_folder(names[0])
            self.import_files([Path(n) for n in names])

    def import_files(self, paths: list[Path]) -> ImportDialog | None:
        from dashboard.imports import ImportDialog

        if self.ctx.desk is None:
            return None
        dialog = ImportDialog(self.ctx, paths, self)
        dialog.open()
        previous = getattr(self, "_import_dialog", None)
        if previous is not None and not previous.running:  # a running import finishes first
            retire(previous)
        self._import_dialog = dialog
        return dialog

    def _open_logs(self) -> None:
        from dashboard.app import log_dir

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))

    def _about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(tr("About XPay Desk"))
        box.setText(
            f"XPay Desk 虚拟支付工作台 {__version__}\n"
            + tr("Operations console for WeChat Mini Program virtual payment.")
        )
        box.open()  # non-modal for the event loop: never exec()

    # ---- geometry -------------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        """The last size and place, unless it is too small to read (a window saved while
        hidden or offscreen comes back at its bare minimum) or off every screen."""
        geometry = QSettings().value("window/geometry")
        restored = geometry is not None and self.restoreGeometry(geometry)  # type: ignore[arg-type]
        available = self.screen().availableGeometry()
        usable = self.width() >= 960 and self.height() >= 600
        if not (restored and usable and available.intersects(self.frameGeometry())):
            self.resize(min(1280, available.width()), min(800, available.height()))

    def save_state(self) -> None:
        QSettings().setValue("window/geometry", self.saveGeometry())
        for page in self.pages.values():
            for table in page.findChildren(Table):
                table.save_layout()

    def closeEvent(self, event: Any) -> None:
        if getattr(self, "_desk_changes", None) is not None:
            self._desk_changes.stop()
        self.save_state()
        super().closeEvent(event)


def pending_counts(desk: Any) -> tuple[list[Any], int, int]:
    """What the pending counter counts, asked once: the operations not finished (their
    intents, the list's rows), the open complaints, and the requests waiting for my approval
    (team mode). Raises XPayDeskError when a team server is away with no earlier answer."""
    if desk is None:
        return [], 0, 0
    return list(desk.pending()), desk.open_complaint_count(), _waiting_for_me(desk)


def _waiting_for_me(desk: Any) -> int:
    """Approval requests this operator may decide (a team desk; a solo desk has none). Said
    as 0 while the server is away and no earlier answer is at hand."""
    count = getattr(desk, "approvals_waiting_for_me", None)
    if desk is None or not getattr(desk, "team", False) or count is None:
        return 0
    from core.errors import XPayDeskError

    try:
        return int(count())
    except XPayDeskError:
        return 0


__all__ = ["PAGES", "MainWindow"]
