from dashboard.main_window import PAGES, MainWindow


def test_main_window_has_every_page(qtbot):
    window = MainWindow(demo=True)
    qtbot.addWidget(window)
    assert window.nav.count() == window.stack.count() == len(PAGES) == 9  # Complaints: Ctrl+9
    window.nav.setCurrentRow(3)
    assert window.stack.currentIndex() == 3
    assert "DEMO" in window.windowTitle()


def test_a_window_saved_tiny_reopens_at_a_readable_size(qtbot):
    from PySide6.QtCore import QSettings

    settings = QSettings()
    before = settings.value("window/geometry")
    try:
        tiny = MainWindow(demo=True)
        qtbot.addWidget(tiny)
        tiny.resize(400, 200)
        settings.setValue("window/geometry", tiny.saveGeometry())
        window = MainWindow(demo=True)
        qtbot.addWidget(window)
        available = window.screen().availableGeometry()
        assert window.width() == min(1280, available.width())
        assert window.height() == min(800, available.height())
    finally:
        if before is None:
            settings.remove("window/geometry")
        else:
            settings.setValue("window/geometry", before)
