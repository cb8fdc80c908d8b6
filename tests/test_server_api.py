"""The team server over real HTTP: a server process (uvicorn) on loopback, the simulator as
WeChat, operators with argon2id passwords and TOTP, roles, four-eyes approvals."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time

import httpx
import pyotp

from tests.serverfixtures import ROOT, server_cli, team, team_sim  # noqa: F401  (fixtures)
from tests.simfixtures import ALICE, BOB

API = "/api/v1"


def audit_rows(team, action):  # noqa: F811
    with team.mirror() as m:
        return [dict(r) for r in m.all("SELECT * FROM audit WHERE action = ? ORDER BY id", action)]


def intents(team, request_key):  # noqa: F811
    with team.mirror() as m:
        return [dict(r) for r in m.all("SELECT * FROM intents WHERE request_key = ?", request_key)]


cli = server_cli


def test_openapi_describes_the_v1_api(team):  # noqa: F811
    with team.client() as http:
        paths = http.get("/openapi.json").json()["paths"]
    assert {f"{API}/login", f"{API}/gift", f"{API}/refund", f"{API}/pending"} <= set(paths)
    assert f"{API}/approvals/{{approval_id}}/approve" in paths


def test_login_with_password_and_totp_then_me(team):  # noqa: F811
    with team.client() as http:
        r = team.login(http, "sam")
        assert r.status_code == 200
        me = http.get(f"{API}/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    body = me.json()
    assert (body["name"], body["role"]) == ("sam", "support")
    # the merchant's public facts for the desktop's header, and never a key
    assert set(body["profile"]) == {"name", "appid", "env", "coin_rate", "offer_id", "simulated"}
    assert body["profile"]["simulated"] is True  # the team fixture's WeChat is the simulator
    assert body["profile"]["appid"].startswith("wx") and body["profile"]["coin_rate"] > 0
    assert r.json()["expires_in"] == 900
    assert any(row["operator"] == "sam" for row in audit_rows(team, "login"))


def test_a_wrong_code_is_refused_and_audited(team):  # noqa: F811
    with team.client() as http:
        r = http.post(
            f"{API}/login",
            json={"name": "vera", "password": team.people["vera"].password, "totp": "000000"},
        )
    assert r.status_code == 401 and r.json()["error"]["kind"] == "login_failed"
    assert any(row["operator"] == "vera" for row in audit_rows(team, "login_failed"))


def test_a_spent_totp_code_does_not_log_in_twice(team):  # noqa: F811
    with team.client() as http:
        first = team.login(http, "fred")
        spent = pyotp.TOTP(team.people["fred"].totp_secret).at(team.steps["fred"] * 30)
        replay = http.post(
            f"{API}/login",
            json={"name": "fred", "password": team.people["fred"].password, "totp": spent},
        )
    assert first.status_code == 200 and replay.status_code == 401


def test_no_token_and_a_bad_token_are_401(team):  # noqa: F811
    with team.client() as http:
        assert http.get(f"{API}/me").status_code == 401
        bad = http.get(f"{API}/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "Traceback" not in bad.text


def test_refresh_rotates_and_a_used_refresh_token_is_dead(team):  # noqa: F811
    with team.client() as http:
        tokens = team.login(http, "ada").json()
        fresh = http.post(f"{API}/refresh", json={"refresh_token": tokens["refresh_token"]})
        reused = http.post(f"{API}/refresh", json={"refresh_token": tokens["refresh_token"]})
        old = http.get(f"{API}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        new = http.get(
            f"{API}/me", headers={"Authorization": f"Bearer {fresh.json()['access_token']}"}
        )
    assert fresh.status_code == 200 and reused.status_code == 401
    assert old.status_code == 401 and new.json()["name"] == "ada"


def test_logout_ends_the_session(team):  # noqa: F811
    with team.client() as http:
        tokens = team.login(http, "vera").json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert http.post(f"{API}/logout", headers=auth).status_code == 200
        assert http.get(f"{API}/me", headers=auth).status_code == 401
        r = http.post(f"{API}/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401
    assert any(row["operator"] == "vera" for row in audit_rows(team, "logout"))


def test_a_viewers_gift_is_403_and_audited(team):  # noqa: F811
    with team.client() as http:
        r = http.post(
            f"{API}/gift",
            headers=team.token("vera"),
            json={"openid": ALICE, "amount": 10, "reason": "r", "request_key": "vera-1"},
        )
    assert r.status_code == 403 and r.json()["error"]["en"].startswith("the viewer role")
    assert intents(team, "vera-1") == []
    refused = [row for row in audit_rows(team, "refused") if row["operator"] == "vera"]
    assert refused and json.loads(refused[-1]["params"])["endpoint"] == "gift"


def test_a_support_gift_moves_coins_through_the_engine_once(team, team_sim):  # noqa: F811
    team_sim.add_user(ALICE)
    before = team_sim.state.account(1, ALICE)["balance"]
    body = {"openid": ALICE, "amount": 300, "reason": "活动补偿", "request_key": "sam-gift-1"}
    with team.client() as http:
        r = http.post(f"{API}/gift", headers=team.token("sam"), json=body)
        again = http.post(f"{API}/gift", headers=team.token("sam"), json=body)
    assert r.status_code == 200 and r.json()["state"] == "done"
    assert again.json()["result"]["intent_id"] == r.json()["result"]["intent_id"]
    assert team_sim.state.account(1, ALICE)["balance"] == before + 300
    (intent,) = intents(team, "sam-gift-1")
    assert intent["operator"] == "sam" and intent["state"] == "done"


def test_a_float_amount_is_refused_before_anything(team):  # noqa: F811
    with team.client() as http:
        r = http.post(
            f"{API}/gift",
            headers=team.token("sam"),
            json={"openid": ALICE, "amount": 1.5, "reason": "r", "request_key": "float-1"},
        )
    assert r.status_code == 422 and intents(team, "float-1") == []


def test_finance_may_not_gift(team):  # noqa: F811
    with team.client() as http:
        r = http.post(
            f"{API}/gift",
            headers=team.token("fay"),
            json={"openid": ALICE, "amount": 10, "reason": "r", "request_key": "fay-gift"},
        )
    assert r.status_code == 403 and intents(team, "fay-gift") == []


def test_user_lookup_orders_and_pending_read_the_mirror(team, team_sim):  # noqa: F811
    team_sim.add_user(BOB)
    with team.client() as http:
        http.post(
            f"{API}/gift",
            headers=team.token("sam"),
            json={"openid": BOB, "amount": 5, "reason": "r", "request_key": "bob-1"},
        )
        user = http.get(f"{API}/users/{BOB}", params={"live": "false"}, headers=team.token("vera"))
        orders = http.get(f"{API}/orders", params={"count": 5}, headers=team.token("vera"))
        pending = http.get(f"{API}/pending", headers=team.token("vera"))
    assert user.status_code == 200
    assert any(e["kind"] == "gift" and e["amount"] == 5 for e in user.json()["timeline"])
    assert orders.status_code == 200 and orders.json()["total"] >= 0
    assert pending.status_code == 200 and isinstance(pending.json(), list)


def test_a_large_gift_waits_for_approval_and_nobody_approves_their_own(team, team_sim):  # noqa: F811
    team_sim.add_user(ALICE)
    before = team_sim.state.account(1, ALICE)["balance"]
    body = {"openid": ALICE, "amount": 1500, "reason": "大额补偿", "request_key": "ada-big-1"}
    with team.client() as http:
        asked = http.post(f"{API}/gift", headers=team.token("ada"), json=body)
        assert asked.status_code == 202 and asked.json()["state"] == "awaiting_approval"
        approval_id = asked.json()["approval"]["id"]
        assert intents(team, "ada-big-1") == []  # nothing written, nothing sent yet
        own = http.post(
            f"{API}/approvals/{approval_id}/approve",
            headers=team.token("ada"),
            json={"reason": "ok"},
        )
        by_support = http.post(
            f"{API}/approvals/{approval_id}/approve",
            headers=team.token("sam"),
            json={"reason": "ok"},
        )
        waiting = http.get(f"{API}/approvals", headers=team.token("fay")).json()
        ok = http.post(
            f"{API}/approvals/{approval_id}/approve",
            headers=team.token("fay"),
            json={"reason": "核对过投诉"},
        )
        twice = http.post(
            f"{API}/approvals/{approval_id}/approve",
            headers=team.token("fred"),
            json={"reason": "again"},
        )
    assert own.status_code == 403 and own.json()["error"]["kind"] == "self_approval"
    assert by_support.status_code == 403
    assert approval_id in [a["id"] for a in waiting]
    assert ok.status_code == 200 and ok.json()["approval"]["decided_by"] == "fay"
    assert twice.status_code == 409
    assert team_sim.state.account(1, ALICE)["balance"] == before + 1500
    (intent,) = intents(team, "ada-big-1")
    assert intent["operator"] == "ada" and intent["state"] == "done"
    (row,) = [r for r in audit_rows(team, "approve") if approval_id in r["params"]]
    assert (
        row["operator"] == "fay" and json.loads(row["params"])["wechat_id"] == intent["wechat_id"]
    )


def test_a_rejected_request_never_moves_money(team):  # noqa: F811
    body = {"openid": ALICE, "amount": 1500, "reason": "r", "request_key": "sam-big-1"}
    with team.client() as http:
        asked = http.post(f"{API}/gift", headers=team.token("sam"), json=body).json()
        no_reason = http.post(
            f"{API}/approvals/{asked['approval']['id']}/reject",
            headers=team.token("fred"),
            json={"reason": ""},
        )
        r = http.post(
            f"{API}/approvals/{asked['approval']['id']}/reject",
            headers=team.token("fred"),
            json={"reason": "金额不符"},
        )
    assert no_reason.status_code == 422
    assert r.status_code == 200 and r.json()["approval"]["state"] == "rejected"
    assert r.json()["approval"]["decision_reason"] == "金额不符"
    assert intents(team, "sam-big-1") == []
    assert any(row["operator"] == "fred" for row in audit_rows(team, "reject"))


def test_an_expired_request_cannot_be_approved(team):  # noqa: F811
    body = {"openid": ALICE, "amount": 1200, "reason": "r", "request_key": "sam-late-1"}
    with team.client() as http:
        asked = http.post(f"{API}/gift", headers=team.token("sam"), json=body).json()
        approval_id = asked["approval"]["id"]
        with team.mirror() as m, m.transaction() as conn:  # an hour has passed
            conn.execute(
                "UPDATE srv_approvals SET expires_at = created_at - 1 WHERE id = ?", (approval_id,)
            )
        listed = http.get(f"{API}/approvals", params={"all": "true"}, headers=team.token("fay"))
        r = http.post(
            f"{API}/approvals/{approval_id}/approve",
            headers=team.token("fay"),
            json={"reason": "late"},
        )
    assert {a["id"]: a["state"] for a in listed.json()}[approval_id] == "expired"
    assert r.status_code == 409 and intents(team, "sam-late-1") == []


def test_disabling_an_operator_ends_their_sessions_at_once(team):  # noqa: F811
    auth = team.token("dora")
    with team.client() as http:
        assert http.get(f"{API}/me", headers=auth).status_code == 200
        done = cli("operator", "disable", "dora", "--json", "--config", str(team.config))
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["sessions_ended"] >= 1
        r = http.get(f"{API}/me", headers=auth)
        relogin = team.login(http, "dora")
    assert r.status_code == 401 and relogin.status_code == 401


def test_operator_add_prints_a_password_and_totp_enrolment_once(team):  # noqa: F811
    done = cli(
        "operator", "add", "nina", "--role", "support", "--json", "--config", str(team.config)
    )
    assert done.returncode == 0, done.stderr
    enrolment = json.loads(done.stdout)
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/")
    assert enrolment["totp_secret"] in enrolment["otpauth_uri"]
    listed = cli("operator", "list", "--json", "--config", str(team.config))
    assert {"name": "nina", "role": "support", "disabled": False, "limits": {}} in json.loads(
        listed.stdout
    )
    with team.mirror() as m:
        row = m.one("SELECT pw_hash FROM srv_operators WHERE name = 'nina'")
    assert row["pw_hash"].startswith("$argon2id$") and enrolment["password"] not in row["pw_hash"]
    twice = cli("operator", "add", "nina", "--role", "support", "--config", str(team.config))
    assert twice.returncode != 0 and "already exists" in twice.stderr
    assert "Traceback" not in twice.stderr


def test_no_password_totp_secret_or_token_in_the_audit_log(team):  # noqa: F811
    with team.mirror() as m:
        text = json.dumps([dict(r) for r in m.all("SELECT * FROM audit")], ensure_ascii=False)
    for enrolment in team.people.values():
        assert enrolment.password not in text and enrolment.totp_secret not in text
    for header in team.tokens.values():
        assert header["Authorization"].split()[1] not in text


@contextlib.contextmanager
def pushing_to(team, sim):  # noqa: F811
    """The simulated WeChat posts its pushes to the server's push URL meanwhile."""
    sim.config.push.url = f"{team.url}/wechat/push"
    try:
        yield
    finally:
        sim.config.push.url = None


def pushes_of(team, query):  # noqa: F811
    with team.mirror() as m:
        return [dict(r) for r in m.all("SELECT * FROM pushes WHERE raw_query = ?", query)]


def test_a_push_posted_twice_is_stored_once_and_applied(team, team_sim):  # noqa: F811
    team_sim.add_user(ALICE)
    with pushing_to(team, team_sim):
        team_sim.user_pays(ALICE, coins=600)
    wire = team_sim.delivered[-1]
    assert "HTTP 200" in wire.delivered
    again = httpx.post(
        f"{team.url}/wechat/push?{wire.query}",
        content=wire.body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert again.status_code == 200 and again.json()["ErrCode"] == 0  # WeChat's retry: acked
    (row,) = pushes_of(team, wire.query)
    assert row["verdict"] == "accept" and row["openid"] == ALICE
    with team.client() as http:
        orders = http.get(
            f"{API}/orders", params={"openid": ALICE}, headers=team.token("vera")
        ).json()
    assert row["order_id"] in [o["order_id"] for o in orders["rows"]]  # applied to the mirror


def test_a_forged_push_is_refused(team, team_sim):  # noqa: F811
    team_sim.add_user(ALICE)
    team_sim.user_pays(ALICE, coins=100)  # not posted anywhere: forged below
    wire = team_sim.delivered[-1]
    forged = wire.query.replace("msg_signature=", "msg_signature=0")
    r = httpx.post(f"{team.url}/wechat/push?{forged}", content=wire.body.encode())
    assert r.status_code == 400 and r.text.startswith("rejected")
    assert [p["verdict"] for p in pushes_of(team, forged)] == ["reject"]


def read_events(response, count):
    found, current = [], {}
    for line in response.iter_lines():
        if line.startswith("id: "):
            current["id"] = int(line[4:])
        elif line.startswith("event: "):
            current["event"] = line[7:]
        elif line.startswith("data: "):
            current["data"] = json.loads(line[6:])
        elif line == "" and current:
            found.append(current)
            current = {}
            if len(found) == count:
                return found
    raise AssertionError(found)


def test_events_stream_live_pushes_and_catch_up_after_a_reconnect(team, team_sim):  # noqa: F811
    team_sim.add_user(BOB)
    auth = team.token("vera")
    with team.client() as http:
        with http.stream("GET", f"{API}/events", headers=auth) as live:
            assert live.status_code == 200
            with pushing_to(team, team_sim):
                team_sim.user_pays(BOB, coins=100)
                team_sim.user_pays(BOB, coins=200)
            first, second = read_events(live, 2)
        assert first["event"] == "push" and first["data"]["openid"] == BOB
        assert second["id"] > first["id"]
        # the desktop was away after the first event: it reconnects with the last id it saw
        with http.stream(
            "GET", f"{API}/events", headers={**auth, "Last-Event-ID": str(first["id"])}
        ) as back:
            (caught,) = read_events(back, 1)
    assert caught["id"] == second["id"] and caught["data"]["openid"] == BOB


def test_wechats_url_verification_is_echoed_only_when_signed(team, team_sim):  # noqa: F811
    token, ts, nonce = team_sim.config.push.token, "1700000000", "42"
    signature = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
    query = f"signature={signature}&timestamp={ts}&nonce={nonce}&echostr=hello-wechat"
    ok = httpx.get(f"{team.url}/wechat/push?{query}")
    bad = httpx.get(f"{team.url}/wechat/push?{query.replace('signature=', 'signature=0')}")
    assert ok.status_code == 200 and ok.text == "hello-wechat"
    assert bad.status_code == 400 and "hello-wechat" not in bad.text


def test_a_refund_through_the_server_then_resolve_settles_it(team, team_sim):  # noqa: F811
    team_sim.add_user(ALICE)
    with pushing_to(team, team_sim):
        team_sim.user_pays(ALICE, coins=600)
    order_id = pushes_of(team, team_sim.delivered[-1].query)[0]["order_id"]
    with team.client() as http:
        found = http.get(f"{API}/search", params={"term": order_id}, headers=team.token("vera"))
        left = http.get(f"{API}/orders/{order_id}", headers=team.token("vera")).json()
        left_fee = left["order"]["left_fee"]
        body = {
            "order_id": order_id,
            "refund_fee": 100,
            "left_fee": left_fee,
            "reason": "投诉退款",
            "request_key": "sam-refund-1",
        }
        refused = http.post(f"{API}/refund", headers=team.token("vera"), json=body)
        r = http.post(f"{API}/refund", headers=team.token("sam"), json=body)
        no_resolve = http.post(f"{API}/pending/resolve", headers=team.token("vera"))
        state, deadline = "", time.monotonic() + 10
        while state != "done" and time.monotonic() < deadline:  # WeChat finishes it in 0.2 s
            time.sleep(0.2)
            settled = http.post(f"{API}/pending/resolve", headers=team.token("sam"))
            assert settled.status_code == 200
            state = intents(team, "sam-refund-1")[0]["state"]
    assert order_id in [hit["id"] for hit in found.json()]
    assert refused.status_code == 403 and no_resolve.status_code == 403
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "refunding"
    (intent,) = intents(team, "sam-refund-1")
    assert intent["operator"] == "sam" and intent["state"] == "done"
    assert team_sim.state.order_row(order_id)["left_fee"] == left_fee - 100


CAROL = "oCarol_0000000000000000000003"


def test_a_key_from_the_backend_runs_the_clawback_waiting_for_login(team, team_sim):  # noqa: F811
    made = cli("backend", "add", "game", "--json", "--config", str(team.config))
    assert made.returncode == 0, made.stderr
    backend = {"Authorization": f"Bearer {json.loads(made.stdout)['token']}"}
    team_sim.add_user(CAROL)
    with pushing_to(team, team_sim):
        team_sim.user_pays(CAROL, coins=600)
    order_id = pushes_of(team, team_sim.delivered[-1].query)[0]["order_id"]
    body = {
        "order_id": order_id,
        "refund_fee": 600,
        "left_fee": 600,
        "reason": "r",
        "request_key": "carol-refund",
        "clawback": True,
    }
    with team.client() as http:
        assert http.post(f"{API}/refund", headers=team.token("sam"), json=body).status_code == 200
        claws, deadline = [], time.monotonic() + 10
        while not claws and time.monotonic() < deadline:  # the refund finishes, then its clawback
            time.sleep(0.2)
            http.post(f"{API}/pending/resolve", headers=team.token("sam"))
            with team.mirror() as m:
                claws = m.all(
                    "SELECT * FROM intents WHERE action = 'clawback' AND openid = ?", CAROL
                )
        assert [c["state"] for c in claws] == ["needs_login"]  # no key for Carol yet
        assert team_sim.state.account(1, CAROL)["balance"] == 600
        fresh, _alive, _ = team_sim.state.session_key_state(CAROL)
        as_operator = http.post(
            "/backend/v1/session-key",
            headers=team.token("ada"),
            json={"openid": CAROL, "session_key": fresh},
        )
        bad = http.post(
            "/backend/v1/session-key", headers=backend, json={"openid": CAROL, "session_key": "x"}
        )
        r = http.post(
            "/backend/v1/session-key", headers=backend, json={"openid": CAROL, "session_key": fresh}
        )
        user = http.get(
            f"{API}/users/{CAROL}", params={"live": "false"}, headers=team.token("vera")
        )
    assert as_operator.status_code == 401 and bad.status_code == 422
    assert r.status_code == 200 and r.json()["stored"] is True
    assert [c["state"] for c in r.json()["clawbacks"]] == ["done"], r.text
    assert team_sim.state.account(1, CAROL)["balance"] == 0
    assert fresh not in r.text and fresh not in user.text
    assert user.json()["session"]["source"] == "backend"
    revoked = cli("backend", "revoke", "game", "--config", str(team.config))
    assert revoked.returncode == 0
    again = httpx.post(
        f"{team.url}/backend/v1/session-key",
        headers=backend,
        json={"openid": CAROL, "session_key": fresh},
    )
    assert again.status_code == 401


def test_a_refused_request_never_repeats_a_password_or_key_it_was_sent(team):  # noqa: F811
    secret = "S3cret-" + "k" * 300
    with team.client() as http:
        login = http.post(f"{API}/login", json={"name": "sam", "password": secret, "totp": "1"})
        key = http.post(
            "/backend/v1/session-key",
            headers=team.token("ada"),
            json={"openid": ALICE, "session_key": secret},
        )
    assert login.status_code == 422 and key.status_code == 422
    assert "S3cret" not in login.text and "S3cret" not in key.text
    assert "password" in login.json()["error"]["en"]


def test_concurrent_requests_keep_the_audit_chain_whole(team):  # noqa: F811
    from concurrent.futures import ThreadPoolExecutor

    from core.mirror import audit

    auth = team.token("vera")

    def refused_read(_n):
        with team.client() as http:
            return http.get(f"{API}/audit", headers=auth).status_code

    before = len(audit_rows(team, "refused"))
    with ThreadPoolExecutor(32) as pool:
        codes = list(pool.map(refused_read, range(300)))
    assert codes == [403] * 300
    assert len(audit_rows(team, "refused")) == before + 300
    with team.mirror() as m:
        assert audit.verify(m).ok


def test_server_toml_limits_override_a_roles_defaults(team):  # noqa: F811
    body = {"openid": ALICE, "amount": 1900, "reason": "r", "request_key": "sam-over-limit"}
    with team.client() as http:  # support's default per-action gift limit is 2000; here 1800
        r = http.post(f"{API}/gift", headers=team.token("sam"), json=body)
    assert r.status_code == 403 and "1,800" in r.json()["error"]["en"]
    assert intents(team, "sam-over-limit") == []


def test_events_carry_approval_requests_and_decisions(team):  # noqa: F811
    body = {"openid": ALICE, "amount": 1300, "reason": "r", "request_key": "sam-event-1"}
    auth = team.token("fay")
    with team.client() as http, http.stream("GET", f"{API}/events", headers=auth) as live:
        asked = http.post(f"{API}/gift", headers=team.token("sam"), json=body).json()
        http.post(
            f"{API}/approvals/{asked['approval']['id']}/reject",
            headers=team.token("fay"),
            json={"reason": "no"},
        )
        waiting, decided = read_events(live, 2)
    assert waiting["data"]["id"] == decided["data"]["id"] == asked["approval"]["id"]
    assert (
        waiting["data"]["state"] == "awaiting_approval" and waiting["data"]["requested_by"] == "sam"
    )
    assert decided["data"]["state"] == "rejected" and decided["data"]["decided_by"] == "fay"
