"""The main window: left navigation, pages on the right."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QListWidget, QMainWindow, QSplitter, QStackedWidget

PAGES = [
    ("用户", "Users"),
    ("订单", "Orders"),
    ("退款与回收", "Refunds & clawbacks"),
    ("对账", "Reconciliation"),
    ("回调解析", "Callback inspector"),
    ("签名调试", "Signature debugger"),
    ("审计日志", "Audit log"),
    ("设置", "Settings"),
]


class MainWindow(QMainWindow):
    def __init__(self, *, demo: bool = False) -> None:
        super().__init__()
        self.setWindowTitle("XPay Desk 虚拟支付工作台" + (" — 演示模式 DEMO" if demo else ""))
        self.nav = QListWidget()
        self.nav.setAccessibleName("导航 Navigation")
        self.stack = QStackedWidget()
        for zh, en in PAGES:
            self.nav.addItem(zh)
            self.stack.addWidget(QLabel(f"{zh} / {en}"))
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        splitter = QSplitter()
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self.nav.setCurrentRow(0)
        self.resize(1200, 760)
