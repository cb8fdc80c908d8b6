from dashboard.main_window import PAGES, MainWindow


def test_main_window_has_every_page(qtbot):
    window = MainWindow(demo=True)
    qtbot.addWidget(window)
    assert window.nav.count() == window.stack.count() == len(PAGES) == 8
    window.nav.setCurrentRow(3)
    assert window.stack.currentIndex() == 3
    assert "DEMO" in window.windowTitle()
