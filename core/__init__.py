"""XPay Desk core: everything that is not Qt (client, signing, simulator, callbacks, mirror, CLI)."""

from core._version import __version__

__all__ = ["__version__"]
