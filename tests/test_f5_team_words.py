"""QA T1 9: a viewer's refused attempt on a user's timeline says what was tried (the action and
the amount, said once) and why it was refused; against a real team server process."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import XPayDeskError
from dashboard.pages.users import entry_words
from tests.remotefixtures import remote_desk
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)

VIC = "oT1refusedVic00000000000001"


def test_a_refused_attempt_on_the_timeline_says_what_was_tried(team, team_sim):  # noqa: F811
    team_sim.add_user(VIC)

    async def scenario():
        vera, sam = remote_desk(team, "vera"), remote_desk(team, "sam")
        try:
            with pytest.raises(XPayDeskError):
                await vera.gift(VIC, 1200, reason="试试", request_key="t1-9-viewer-gift")
            view = await sam.lookup_user(VIC, live=False)
            return [e for e in view.timeline if e.info.get("action") == "refused"]
        finally:
            await vera.close()
            await sam.close()

    (entry,) = asyncio.run(scenario())
    event, status, details = entry_words(entry)
    assert event == "Gift coins"  # what was tried, not "Refused" twice
    assert status.startswith("Refused: ") and "viewer" in status.lower()
    assert "vera" in details and "1,200" in details


def test_a_role_refusal_names_the_role_and_the_page_in_words(team):  # noqa: F811
    vera = remote_desk(team, "vera")
    try:
        with pytest.raises(XPayDeskError) as caught:
            vera.audit_rows()
    finally:
        asyncio.run(vera.close())
    zh, en = caught.value.message_zh, caught.value.message_en
    assert "只读" in zh and "审计日志" in zh and "viewer " not in zh and "audit" not in zh
    assert en == "the viewer role may not use the audit log"
