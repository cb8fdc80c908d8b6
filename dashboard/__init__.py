"""XPay Desk dashboard: a thin PySide6 shell over `core` (no HTTP and no SQL in here)."""

import os

os.environ.setdefault("QT_API", "pyside6")  # qasync picks its Qt binding from this
