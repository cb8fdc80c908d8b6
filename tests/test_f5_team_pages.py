"""QA T1 9: a team viewer's Audit and Reconciliation pages say why they are closed on their own
buttons (no Run report, Verify chain or Export to click into a refusal, no "choose a period"
under it); a finance operator's stay open. A real team server process."""

from __future__ import annotations

from core.operations.policy import PAGE_ROLES
from core.server.deps import APPROVERS, FINANCE
from tests.serverfixtures import team, team_sim  # noqa: F401  (fixtures)
from tests.test_dashboard_team import team_window  # noqa: F401  (a fixture)

WAIT = 20_000


def test_the_pages_say_what_the_server_refuses():
    assert PAGE_ROLES["audit"] == APPROVERS and PAGE_ROLES["reconciliation"] == FINANCE


def test_a_viewer_sees_why_audit_and_reconciliation_are_closed(team, team_window, qtbot):  # noqa: F811
    window = team_window(team, "vera")
    window.go("audit")
    audit = window.pages["audit"]
    qtbot.waitUntil(lambda: not audit.inline.isHidden(), timeout=WAIT)
    why = "the viewer role may not use the audit log"
    assert audit.inline.text.text() == why
    assert all(not w.isEnabled() and w.toolTip() == why for w in audit.controls)
    window.go("reconcile")
    recon = window.pages["reconcile"]
    why = "the viewer role may not use reconciliation"
    assert not recon.run.isEnabled() and recon.run.toolTip() == why
    assert not recon.export.isEnabled() and recon.export.toolTip() == why
    assert recon.chart.empty_text() == why  # not "Choose a period and run the report"


def test_finance_keeps_them_open(team, team_window, qtbot):  # noqa: F811
    window = team_window(team, "fay")
    window.go("reconcile")
    recon = window.pages["reconcile"]
    assert recon.run.isEnabled() and recon.preset.isEnabled()
    assert recon.chart.empty_text() == "Choose a period and run the report"
    window.go("audit")
    audit = window.pages["audit"]
    assert all(w.isEnabled() for w in audit.controls)


def test_the_push_inspector_saves_to_the_team_store_on_a_team_desk(team, team_sim, team_window):  # noqa: F811
    team_sim.user_pays("oT1teamStoreWords0000000001", coins=600)
    push = team_sim.delivered[-1]
    window = team_window(team, "sam")
    window.go("callbacks")
    page = window.pages["callbacks"]
    page.query.setText(push.query)
    page.body.setPlainText(push.body)
    page.decode()
    assert page.save_button.text() == "Save to the team's store"


def test_the_chip_says_demo_when_wechat_is_the_simulator(team, team_window):  # noqa: F811
    window = team_window(team, "vera")
    assert window.ctx.desk.profile.simulated
    assert window.env_chip.text() == "Demo"


def test_settings_lists_a_team_profile_as_its_server_says(team, team_window, tmp_path):  # noqa: F811
    config = tmp_path / "profiles.toml"
    config.write_text(
        f'[profiles.team]\nserver = "{team.url}"\noperator = "fay"\n\n'
        f'[profiles.other]\nserver = "{team.url}"\noperator = "sam"\n',
        encoding="utf-8",
    )
    window = team_window(team, "fay")
    window.ctx.config_path = config
    page = window.pages["settings"]
    page.reload_profiles()
    model = page.profiles_model
    rows = {model.row_dict(r)["name"]: model.row_dict(r) for r in range(model.rowCount())}
    open_now, other = rows["team"], rows["other"]
    assert open_now["role"] == "Finance" and open_now["appid"].startswith("wx")
    assert open_now["env_label"] == "Sandbox"
    assert other["role"] == other["appid"] == other["env_label"] == "— (shown after login)"
