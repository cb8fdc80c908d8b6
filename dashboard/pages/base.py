"""What every page has: a title, an inline banner, a busy bar, and a refresh when data changes."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from dashboard.context import AppContext
from dashboard.widgets import Busy, Inline, title


class Page(QWidget):
    name = ""  # navigation key
    heading = ""  # English source text
    watches: frozenset[str] = frozenset()  # which changes make this page refresh

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setAccessibleName(self.heading)
        self.root = QVBoxLayout(self)
        self.root.setContentsMargins(16, 12, 16, 12)
        self.root.setSpacing(8)
        from dashboard.i18n import tr

        self.root.addWidget(title(tr(self.heading)))
        self.inline = Inline()
        self.root.addWidget(self.inline)
        self.busy = Busy()
        self.root.addWidget(self.busy)
        ctx.ready.connect(self.on_ready)
        ctx.changes.connect(self._changed)

    def on_ready(self) -> None:
        """The Desk is there: load what the page shows."""

    def refresh(self) -> None:
        """Reload from the mirror (cheap reads only)."""

    def _changed(self, what: set[str]) -> None:
        if self.ctx.desk is not None and what & self.watches:
            self.refresh()
