"""Money actions over the team server, approvals included."""

from __future__ import annotations

from core.remote.base import RemoteBase


class Money(RemoteBase):
    pass
