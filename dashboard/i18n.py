"""Translations: English source strings, Qt Linguist .ts files in resources/translations, compiled
to .qm at build time (make, packaging). zh_CN is the default, following the OS locale."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

from core.lang import default_lang

CONTEXT = "XPayDesk"
LANGUAGES = ("zh_CN", "en")


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    base = Path(frozen) if frozen else Path(__file__).resolve().parents[1]
    return base / "resources"


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def N_(text: str) -> str:
    """Marks a string for extraction; tr() translates it where it is shown."""
    return text


def default_language() -> str:
    """The same rule as the command line's (core.lang), Qt's system locale where no locale
    variable is set."""
    return default_lang(system=QLocale.system().name())


def _compiled(lang: str) -> Path | None:
    folder = resources_dir() / "translations"
    qm, ts = folder / f"xpaydesk_{lang}.qm", folder / f"xpaydesk_{lang}.ts"
    if qm.exists() and (not ts.exists() or qm.stat().st_mtime >= ts.stat().st_mtime):
        return qm
    # a source checkout that skipped `make`: compile now if the Qt tool is at hand (imported
    # here: subprocess costs 15 ms of start-up for a case an installed app never meets)
    import shutil
    import subprocess

    tool = shutil.which("pyside6-lrelease") or str(
        Path(sys.executable).with_name("pyside6-lrelease")
    )
    if ts.exists() and Path(tool).exists():
        subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=False)
    return qm if qm.exists() else None


_qt_translator: list[QTranslator] = []  # Qt's own (file dialogs, standard buttons), if any

# Qt's own texts that qtbase_zh_CN.qm (as PySide6 ships it) lacks: Qt 6 gave the file dialog's
# labels an accelerator ("&Look in:"), the translation still has the old "Look in:"
QT_GAPS: dict[str, dict[tuple[str, str], str]] = {
    "zh_CN": {
        ("QFileDialog", "&Look in:"): "查找范围(&L)：",
        ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
    },
}


class _QtGaps(QTranslator):
    def __init__(self, texts: dict[tuple[str, str], str], parent: QCoreApplication) -> None:
        super().__init__(parent)
        self.texts = texts

    def isEmpty(self) -> bool:  # Qt's name
        return False

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        return self.texts.get((context, source))


def install_qt(lang: str) -> bool:
    """Qt's own texts (file dialogs, message box buttons, the text edit menu) in the operator's
    language, from the qtbase translations PySide6 ships; replaces the previous language's."""
    app = QCoreApplication.instance()
    while _qt_translator:
        old = _qt_translator.pop()
        if app is not None:
            app.removeTranslator(old)
    if lang == "en" or app is None:
        return False
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)  # owned by the application, deleted on its thread
    if not translator.load(f"qtbase_{lang}", folder):
        translator.deleteLater()
        return False
    app.installTranslator(translator)
    _qt_translator.append(translator)
    gaps = QT_GAPS.get(lang)
    if gaps:
        extra = _QtGaps(gaps, app)
        app.installTranslator(extra)  # installed last: asked first
        _qt_translator.append(extra)
    return True


def last_folder() -> str:
    """Where the operator last opened or saved a file: every file dialog starts there."""
    return str(QSettings().value("files/last_folder", "") or "")


def remember_folder(path: str | Path) -> None:
    if str(path):
        chosen = Path(path)
        QSettings().setValue("files/last_folder", str(chosen if chosen.is_dir() else chosen.parent))


def install(lang: str) -> QTranslator | None:
    """Loads and installs the translator; keep the returned object alive."""
    qm = _compiled(lang)
    if qm is None:
        return None
    install_qt(lang)
    translator = QTranslator()
    if not translator.load(str(qm)):
        return None
    app = QCoreApplication.instance()
    if app is not None:
        app.installTranslator(translator)
    return translator
