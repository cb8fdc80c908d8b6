"""Reads over the team server: users, orders (keyset pages), refunds, pending, search, audit."""

from __future__ import annotations

from core.remote.base import RemoteBase


class Reads(RemoteBase):
    pass
