"""The developer's tools over the team server (pushes decoded and signatures explained with the
merchant's keys, which stay on the server), and the connection test."""

from __future__ import annotations

from core.remote.base import RemoteBase


class Tools(RemoteBase):
    pass
