"""Table models. `RowsModel` shows a list of rows; `OrdersModel` is lazy over the whole mirror:
it holds the row count and fetches 200-row pages on demand (random access through the core's
anchor-indexed pager), so a million orders open at once and scroll to the end without loading
them all; sorting and filtering happen in SQL."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from dashboard import fmt, theme
from dashboard.i18n import tr
from dashboard.vocabulary import kind_and_quantity, word

if TYPE_CHECKING:
    from core.mirror.queries import OrderFilter, OrderPager, OrderSort

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()  # the invalid index: the root of a table
COLOURS = {
    "green": theme.GREEN,
    "red": theme.RED,
    "orange": theme.ORANGE,
    "blue": theme.BLUE,
    "grey": theme.GREY,
}


@dataclass(frozen=True)
class Col:
    key: str
    title: str  # English source text; translated when shown
    kind: str = "text"  # text | id | fen | coins | signed | time | rel | status | int | badge
    #                     | word (a code value, shown as its glossary word) | quantity
    width: int = 120
    vocab: str = ""  # for kind "word": the core.vocabulary table


def display(col: Col, value: Any, row: dict[str, Any]) -> str:
    if value is None or value == "":
        return "—" if col.kind not in ("text", "id") else ""
    if col.kind == "fen":
        return fmt.fen(int(value))
    if col.kind == "coins":
        return fmt.coins(int(value))
    if col.kind == "signed":
        unit = row.get("unit", "fen")
        amount = int(value)
        return (fmt.fen(amount) if unit == "fen" else fmt.coins(amount)) if unit else str(amount)
    if col.kind == "time":
        return fmt.when(int(value))
    if col.kind == "rel":
        return fmt.relative(int(value))
    if col.kind == "status":
        return fmt.status_text(int(value))[0]
    if col.kind == "id":
        return fmt.elide(str(value))
    if col.kind == "int":
        return f"{int(value):,}"
    if col.kind == "badge":
        return tr(str(value))
    if col.kind == "word":
        return word(col.vocab, value)
    if col.kind == "quantity":  # coins for a top-up, items for an item purchase
        return kind_and_quantity(str(row.get("kind", "coin")), int(value))
    return str(value)


def colour(col: Col, value: Any, row: dict[str, Any]) -> str | None:
    if col.kind == "status" and value is not None:
        return fmt.status_text(int(value))[1]
    if col.kind == "signed" and value is not None:  # a failed one moved nothing: grey
        return row.get(f"{col.key}_colour") or ("red" if int(value) < 0 else "green")
    if col.kind == "badge":
        return row.get(f"{col.key}_colour")
    return None


class ColumnsModel(QAbstractTableModel):
    """What both models share: columns described by `Col`, rows as dicts by index."""

    columns: list[Col]

    def count(self) -> int:
        raise NotImplementedError

    def row_dict(self, row: int) -> dict[str, Any]:
        raise NotImplementedError

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else self.count()

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return tr(self.columns[section].title)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self.count()):
            return None
        return cell_data(self.columns[index.column()], self.row_dict(index.row()), role)


class RowsModel(ColumnsModel):
    """A list of rows. Give it a parent (the page or view that shows it): a model owned only by
    Python is deleted wherever its wrapper is freed, a worker thread included (dashboard.lifetimes).
    """

    def __init__(
        self,
        columns: list[Col],
        rows: list[dict[str, Any]] | None = None,
        *,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows: list[dict[str, Any]] = rows or []

    def count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_table(self, columns: list[Col], rows: list[dict[str, Any]]) -> None:
        """New columns and rows in one reset: a view keeps its model and its widgets."""
        self.beginResetModel()
        self.columns = columns
        self.rows = rows
        self.endResetModel()

    def row_dict(self, row: int) -> dict[str, Any]:
        return self.rows[row]


def cell_data(col: Col, row: dict[str, Any], role: int) -> Any:
    value = row.get(col.key)
    if role == Qt.ItemDataRole.DisplayRole:
        return display(col, value, row)
    if role == Qt.ItemDataRole.ToolTipRole:
        if col.kind == "rel":
            return fmt.when(value)
        if col.kind in ("id", "text") and value:
            return str(value)
        if col.kind == "word" and value not in (None, ""):  # the whole word, however narrow
            return display(col, value, row)
        return None
    if role == Qt.ItemDataRole.TextAlignmentRole:
        if col.kind in ("fen", "coins", "signed", "int", "quantity"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if role == Qt.ItemDataRole.ForegroundRole:
        name = colour(col, value, row)
        return QBrush(QColor(COLOURS[name])) if name else None
    if role == Qt.ItemDataRole.UserRole:
        return value
    return None


ORDER_COLUMNS = [
    Col("order_id", "Merchant order id", "id", 150),
    Col("openid", "openid", "id", 150),
    Col("kind", "Kind", "word", 90, vocab="order_kind"),
    Col("quantity", "Coins or items", "quantity", 100),
    Col("paid_fee", "Paid", "fen", 90),
    Col("left_fee", "Refundable", "fen", 90),
    Col("status", "Status", "status", 130),
    Col("create_time", "Created", "time", 150),
    Col("paid_time", "Paid at", "time", 150),
    Col("wx_order_id", "WeChat order id", "id", 150),
    Col("channel_order_id", "Channel order id", "id", 140),
    Col("wxpay_order_id", "WeChat Pay id", "id", 140),
    Col("source", "Source", "word", 100, vocab="source"),
    Col("env", "Environment", "word", 60, vocab="env"),
]
SORT_KEYS = {"create_time", "paid_time", "paid_fee", "order_id", "status", "left_fee"}
PAGE = 200


# runs work() off the UI thread, then done(result) or failed(exc) on it
Background = Callable[
    [Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None
]


def anchor_pass(pager: Any) -> Callable[[], Any] | None:
    """The work that brings a list's anchors off the UI thread, for the pager's
    `install_anchors`: a solo pager's one pass over a second connection to its mirror, or a
    team desk's pager asking the server, which finds them, and waiting (`prepare_anchors`).
    None when there is no such way (an in-memory mirror has no second connection)."""
    mirror = getattr(pager, "mirror", None)
    if mirror is None:  # a team desk's pager: the server finds them
        prepare: Callable[[], Any] | None = getattr(pager, "prepare_anchors", None)
        return prepare
    reader = mirror.reader()
    if reader is None:
        return None

    def work() -> dict[int, tuple[Any, ...]]:
        try:
            return pager.compute_anchors(reader)  # type: ignore[no-any-return]
        finally:
            reader.close()

    return work


class OrdersModel(ColumnsModel):
    """Holds pages of rows, fetched when a view asks for them. Under a filter, the first jump
    past the first page needs every anchor of the filtered list (one pass: seconds at a million
    orders); with `background` given that pass runs off the UI thread (on a solo desk on its own
    connection, on a team desk on the server, a worker waiting for its word), the rows show
    empty meanwhile and fill in when it ends (`preparing` tells the view)."""

    preparing = Signal(bool)
    failed = Signal(object)  # the background pass failed: the view says so

    def __init__(
        self,
        pager_factory: Any,
        *,
        cache_pages: int = 20,  # 4,000 rows, ~4 MB at most: far more than a screen scrolls
        background: Background | None = None,
        parent: QObject | None = None,
    ) -> None:
        from core.mirror.queries import OrderFilter, OrderSort

        super().__init__(parent)
        self.columns = ORDER_COLUMNS
        self._factory = pager_factory  # (OrderFilter, OrderSort) -> OrderPager
        self.filt = OrderFilter()
        self.sort_spec = OrderSort()
        self._pager: OrderPager = pager_factory(self.filt, self.sort_spec)
        self._pages: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self._cache_pages = cache_pages
        self._total = self._pager.total
        self._background = background
        self._preparing_for: OrderPager | None = None

    # ---- lifecycle -----------------------------------------------------------------------

    def reload(self, filt: OrderFilter | None = None, sort: OrderSort | None = None) -> None:
        self.beginResetModel()
        self.filt = filt or self.filt
        self.sort_spec = sort or self.sort_spec
        self._pager = self._factory(self.filt, self.sort_spec)
        if self._preparing_for is not None:  # its result is for the old list: ignored
            self._preparing_for = None
            self.preparing.emit(False)
        self._pages.clear()
        self._total = self._pager.total
        self.endResetModel()

    def _page(self, number: int) -> list[dict[str, Any]]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        if self._pager.needs_anchors(number * PAGE) and self._prepare_in_background():
            return []  # not cached: asked again when the anchors are in
        page = self._pager.rows(number * PAGE, PAGE)
        self._pages[number] = page
        if len(self._pages) > self._cache_pages:  # memory stays flat while scrolling
            self._pages.popitem(last=False)
        return page

    @property
    def is_preparing(self) -> bool:
        return self._preparing_for is not None

    def _prepare_in_background(self) -> bool:
        """Starts (once per pager) the anchor pass in the background; False when there is no
        background or no pass to run off the UI thread (an in-memory mirror): then rows() waits
        for it."""
        pager = self._pager
        if self._preparing_for is pager:
            return True
        if self._background is None:
            return False
        work = anchor_pass(pager)
        if work is None:
            return False
        self._preparing_for = pager
        self.preparing.emit(True)

        def finish() -> None:
            if self._preparing_for is pager:
                self._preparing_for = None
                self.preparing.emit(False)

        def done(anchors: Any) -> None:
            finish()
            if pager is self._pager:  # else the filter or sort changed meanwhile
                pager.install_anchors(anchors)
                if self._total:
                    last = self.index(self._total - 1, len(self.columns) - 1)
                    self.dataChanged.emit(self.index(0, 0), last)

        def failed(exc: BaseException) -> None:
            finish()
            if getattr(pager, "mirror", None) is not None:
                self._background = None  # the next ask computes in place
            # a team desk's server went away or refused: asked again at the next deep page
            self.failed.emit(exc)

        self._background(work, done, failed)
        return True

    def row_dict(self, row: int) -> dict[str, Any]:
        page = self._page(row // PAGE)
        offset = row % PAGE
        return page[offset] if offset < len(page) else {}

    @property
    def pages_loaded(self) -> int:
        return len(self._pages)

    def count(self) -> int:
        return self._total

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        from core.mirror.queries import OrderSort

        key = self.columns[column].key if 0 <= column < len(self.columns) else "create_time"
        if key not in SORT_KEYS:
            key = "create_time"
        self.reload(sort=OrderSort(key, descending=order == Qt.SortOrder.DescendingOrder))
