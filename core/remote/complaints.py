"""Complaints (用户投诉) over the team server."""

from __future__ import annotations

from core.remote.base import RemoteBase


class ComplaintsRemote(RemoteBase):
    pass
