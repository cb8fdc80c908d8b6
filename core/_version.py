"""The one place the version lives (pyproject reads it; the About box, --version and the
installers show it)."""

__version__ = "0.1.0"
