"""The look: Fusion, WeUI colours, light and dark following the OS, a CJK-capable font."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from dashboard.i18n import resources_dir

GREEN = "#07C160"
RED = "#FA5151"
ORANGE = "#FA9D3B"
BLUE = "#576B95"
GREY = "#8C8C8C"
UI_FONTS = ["Microsoft YaHei UI", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei"]


def is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return bool(hints.colorScheme() == Qt.ColorScheme.Dark)


def load_fonts() -> None:
    """Fonts shipped in resources/fonts cover machines without a CJK font."""
    folder = resources_dir() / "fonts"
    if folder.is_dir():
        for font in sorted(folder.iterdir()):
            if font.suffix.lower() in (".ttf", ".otf", ".ttc"):
                QFontDatabase.addApplicationFont(str(font))
    families = set(QFontDatabase.families())
    for name in UI_FONTS:
        if name in families:
            font = QFont(name, 10)
            QApplication.setFont(font)
            break


def apply(app: QApplication) -> None:
    app.setStyle("Fusion")
    dark = is_dark()
    palette = QPalette()
    base, text, window = (
        ("#191919", "#E6E6E6", "#202020") if dark else ("#FFFFFF", "#1A1A1A", "#F7F7F7")
    )
    palette.setColor(QPalette.ColorRole.Window, QColor(window))
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#262626" if dark else "#FAFAFA"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
    palette.setColor(QPalette.ColorRole.Text, QColor(text))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(text))
    palette.setColor(QPalette.ColorRole.Button, QColor("#2C2C2C" if dark else "#FFFFFF"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(GREEN))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#FFFFFF"))
    palette.setColor(QPalette.ColorRole.Link, QColor(BLUE))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(GREY))
    app.setPalette(palette)
    border = "rgba(255,255,255,0.12)" if dark else "rgba(0,0,0,0.1)"
    app.setStyleSheet(f"""
        QListWidget#nav {{ border: none; font-size: 11pt; padding-top: 8px; }}
        QListWidget#nav::item {{ padding: 10px 14px; }}
        QListWidget#nav::item:selected {{ background: {GREEN}; color: white; border-radius: 4px; }}
        QFrame#card {{ border: 1px solid {border}; border-radius: 6px; }}
        QLabel#pageTitle {{ font-size: 14pt; font-weight: 600; }}
        QLabel#figure {{ font-size: 15pt; font-weight: 600; }}
        QLabel#muted {{ color: {GREY}; }}
        QLabel#banner {{ background: {ORANGE}; color: white; font-weight: 600; padding: 4px; }}
        QLabel#chip {{ border-radius: 9px; padding: 1px 8px; color: white; }}
        QFrame#inlineError {{ background: rgba(250,81,81,0.10); border: 1px solid {RED};
                              border-radius: 4px; }}
        QFrame#inlineOk {{ background: rgba(7,193,96,0.10); border: 1px solid {GREEN};
                           border-radius: 4px; }}
        QFrame#inlineWarn {{ background: rgba(250,157,59,0.12); border: 1px solid {ORANGE};
                             border-radius: 4px; }}
        QPushButton#primary {{ background: {GREEN}; color: white; border: none;
                               padding: 5px 14px; border-radius: 4px; }}
        QPushButton#primary:disabled {{ background: rgba(7,193,96,0.4); }}
        QPushButton#danger {{ background: {RED}; color: white; border: none;
                              padding: 5px 14px; border-radius: 4px; }}
        QPushButton#danger:disabled {{ background: rgba(250,81,81,0.4); }}
        QTableView {{ gridline-color: {border}; }}
    """)
