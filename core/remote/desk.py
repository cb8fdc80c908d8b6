"""RemoteDesk: core.desk.Desk's interface over the team server. The same method names,
arguments and result types, so the dashboard and the CLI do not know which kind they hold; the
merchant's secrets, the mirror and WeChat stay on the server."""

from __future__ import annotations

import httpx

from core.profiles import TeamProfile
from core.remote.base import Auth
from core.remote.complaints import ComplaintsRemote
from core.remote.events import Events
from core.remote.jobs import Jobs
from core.remote.lookup import Lookup
from core.remote.money import Money
from core.remote.reads import Reads
from core.remote.session import verify_for
from core.remote.tools import Tools


class RemoteDesk(Reads, Money, Jobs, ComplaintsRemote, Tools, Events, Lookup):
    team = True  # what team mode adds (login, approvals, the connection banner) checks this

    def __init__(
        self,
        profile: TeamProfile,
        *,
        auth: Auth,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        # one TLS context per process and CA file (building one reads the whole CA bundle)
        verify = verify_for(profile)
        super().__init__(
            profile.server,
            auth=auth,
            transport=transport,
            async_transport=async_transport,
            verify=verify,
        )
        # role, appid, env and coin rate as the server says (GET /me): never a key
        try:
            me = self.get("/me")
        except BaseException:
            self._http.close()  # the async client has opened nothing yet
            raise
        self.profile = profile.with_me(me)

    @property
    def env_label(self) -> str:
        return self.profile.env.name.lower()
