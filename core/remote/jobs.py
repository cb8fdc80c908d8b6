"""Long jobs over the team server: imports (uploaded), reconciliation, reports and exports
(downloaded)."""

from __future__ import annotations

from core.remote.base import RemoteBase


class Jobs(RemoteBase):
    pass
