"""XPay Desk core: everything that is not Qt (client, signing, simulator, callbacks, mirror, CLI)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("xpaydesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
