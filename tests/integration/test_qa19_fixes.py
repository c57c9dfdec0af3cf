"""QA round 19, security: each test failed before its fix (tokens of a locked account,
sign-out, PIN guessing per tracking code, a moved head's old reports, a cluster's subject,
password guessing on the password page, rate limits behind the proxy, session renewal at
sign-in, a GET that changed the account)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Cluster, User
from complaints.services import intake, workflow
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.test_escalation_world import *  # noqa: F403  (world, routed_case)
from tests.integration.test_escalation_world import receive_matter

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _json_text(r) -> str:
    import json
    return json.dumps(r.get_json(), ensure_ascii=False)


def _sign_in(client, user):
    db.session.commit()
    r = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code in (302, 303), r.status_code
    return r


def _denunciation(world, loc_code, name="Phạm Bímật Tốcáo", to="SO-A"):
    data = intake.CaseData(
        kind="denunciation", field_code="land", subject="Tố cáo cán bộ nhận hối lộ",
        content="Nội dung tố cáo", locality_code=loc_code,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 11, 2),
                                     petitioners=[intake.PetitionerData(
                                         full_name=name, id_number="031299887766",
                                         phone="0987001122",
                                         address="Số 77 ngõ Canary, Hải Phòng")]))
    case, _pin = intake.receive_case(data, world.reception, NOW, TODAY)
    if to:
        workflow.route(case, to, world.reception, NOW, TODAY, decided_on=date(2026, 11, 3))
    db.session.commit()
    return case


# --- session handling -----------------------------------------------------------------------


def test_logout_voids_a_copied_session_cookie(client, world):
    """Sign-out must end the session server-side: a cookie copied before sign-out (a shared
    PC, a stolen cookie) must not keep working afterwards."""
    _sign_in(client, world.head_a)
    raw, _data = client.session_cookie()
    assert client.get("/agency/").status_code == 200
    client.post("/logout")
    assert client.get("/agency/").status_code == 302  # this browser is signed out
    client.set_cookie("session", raw)  # the attacker replays the copied cookie
    replay = client.get("/agency/")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"], \
        "a session cookie copied before sign-out still opens the agency's pages"


def test_sign_in_rotates_the_pre_sign_in_session(app, client, world):
    """Session fixation: what was planted in the session before sign-in (here the CSRF
    token) must not survive sign-in."""
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    _raw, before = client.session_cookie()
    db.session.commit()
    r = client.post("/login", data={"username": world.head_a.username, "password": PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 302
    _raw, after = client.session_cookie()
    assert after.get("csrf_token") != before.get("csrf_token"), \
        "the CSRF secret chosen before sign-in is kept in the signed-in session"


# --- GET that changes state / CSRF ----------------------------------------------------------


def test_language_switch_by_get_does_not_change_the_account(client, world):
    """A GET (an <img src="/lang/en"> on any page) must not change stored state."""
    _sign_in(client, world.head_a)
    before = db.session.get(User, world.head_a.id).locale
    client.get("/lang/en")
    db.session.expire_all()
    assert db.session.get(User, world.head_a.id).locale == before, \
        "GET /lang/en rewrote the account's stored language"


# --- open redirects ---------------------------------------------------------------------------


# --- headers ----------------------------------------------------------------------------------


# --- API tokens -------------------------------------------------------------------------------


# --- PIN brute force --------------------------------------------------------------------------


def test_pin_guesses_from_many_addresses_are_throttled_per_case(app, client, world,
                                                                make_case):
    """A 6-digit PIN falls to guessing from many addresses unless the tracking code itself
    stops taking guesses after a number of failures."""
    case = make_case(actor=world.reception)
    db.session.commit()
    code, pin = case.tracking_code, case.test_pin
    wrong = [f"{(int(pin) + i) % 10**6:06d}" for i in range(1, 61)]
    for i, guess in enumerate(wrong):
        client.post("/cong-dan/tra-cuu", data={"tracking_code": code, "secret": guess},
                    environ_base={"REMOTE_ADDR": f"10.0.{i // 5}.{i % 5 + 1}"})
    client.post("/cong-dan/ho-so/thoat")
    r = client.post("/cong-dan/tra-cuu", data={"tracking_code": code, "secret": pin},
                    environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 429, \
        "60 wrong PINs from 12 addresses, then the right one opens the case: no per-case limit"
    assert 'data-testid="code-paused"' in r.text


# --- IDOR -------------------------------------------------------------------------------------


def test_cluster_list_for_a_head_shows_no_subject_of_another_agencys_case(
        client, world, make_locality):
    """A mass cluster spanning two agencies: head B's clusters list must not show the
    subject of the earlier case held by agency A."""
    loc = make_locality()
    cases = []
    for i, on in enumerate([date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4),
                            date(2026, 11, 5), date(2026, 11, 6)]):
        subject = ("Ô nhiễm bãi rác thôn Hai BIMATSOA" if i == 0
                   else "Ô nhiễm bãi rác thôn Hai")
        c = receive_matter(world, loc, subject, [f"Người {i}"], on)
        cases.append(c)
    db.session.flush()
    workflow.route(cases[0], "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 11, 7))
    for c in cases[1:]:
        workflow.route(c, "SO-B", world.reception, NOW, TODAY, decided_on=date(2026, 11, 7))
    db.session.commit()
    assert db.session.scalars(select(Cluster)).first() is not None
    _sign_in(client, world.head_b)
    html = client.get("/inspection/clusters").text
    assert "Ô nhiễm" in html
    assert "BIMATSOA" not in html, "head B reads the subject of agency A's case"
    csv = client.get("/inspection/clusters?export=csv").text
    assert "BIMATSOA" not in csv


# --- XSS --------------------------------------------------------------------------------------


# --- batch 2 ------------------------------------------------------------------------------


def test_current_password_guessing_on_the_password_page_locks_the_account(client, world):
    """Whoever holds a signed-in session (a PC left open) must not be able to guess the
    account's password without limit on the change-password page: wrong current passwords
    count towards the sign-in lockout."""
    _sign_in(client, world.head_a)
    answers = [client.post("/account/password", data={
        "old_password": f"guess-number-{i}", "new_password": "Một-mật-khẩu-mới-9",
        "confirm": "Một-mật-khẩu-mới-9"}).status_code for i in range(5)]
    # Four refusals, then the lockout (LOGIN_MAX_FAILURES, 5) ends the session.
    assert answers == [422, 422, 422, 422, 302]
    db.session.expire_all()
    user = db.session.get(User, world.head_a.id)
    assert user.locked_until is not None
    after = client.get("/agency/")
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def test_a_moved_head_no_longer_downloads_the_old_agencys_report(app, client, world,
                                                                  make_user, tmp_path):
    from complaints.models import ReportJob
    from complaints.services import admin as admin_service

    admin = make_user("admin", None, "quantri19")
    app.config["REPORT_DIR"] = str(tmp_path / "reports")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "report-1-00000000000000aa.xlsx").write_bytes(b"PK\x03\x04")
    job = ReportJob(requested_by_id=world.head_a.id, kind="workbook",
                    root_agency_id=world.a.id, period_kind="quarter",
                    period_start=date(2026, 9, 15), period_end=date(2026, 12, 14),
                    status="done", progress=100, filename="report-1-00000000000000aa.xlsx")
    db.session.add(job)
    db.session.commit()
    _sign_in(client, world.head_a)
    assert client.get(f"/inspection/reports/jobs/{job.id}/download").status_code == 200
    client.post("/logout")
    admin_service.update_user(world.head_a, admin_service.UserChanges(
        "Giám đốc", None, "agency_head", "SO-B"), admin, NOW)
    db.session.commit()
    _sign_in(client, world.head_a)
    r = client.get(f"/inspection/reports/jobs/{job.id}/download")
    assert r.status_code in (403, 404), \
        "a head moved to agency B still downloads agency A's case workbook"
    r = client.get(f"/inspection/reports/jobs/{job.id}/status")
    assert r.status_code in (403, 404)
    # Nor is it listed among their reports, with a link that would end in "forbidden".
    assert f"/reports/jobs/{job.id}/" not in client.get("/inspection/reports/mine").text


# --- batch 3 ------------------------------------------------------------------------------


def test_a_token_of_a_locked_account_does_not_come_back_on_reactivation(client, world,
                                                                         make_user):
    """An account locked because it was stolen: the thief's API token must not work again
    when the admin opens the account again (the sessions of that time do not)."""
    from complaints.services import admin as admin_service

    admin = make_user("admin", None, "quantri19")
    db.session.commit()
    raw = client.post("/api/v1/tokens", json={"username": world.head_a.username,
                                              "password": PASSWORD}).get_json()["token"]
    h = {"Authorization": f"Bearer {raw}"}
    _sign_in(client, world.head_a)
    cookie, _d = client.session_cookie()
    admin_service.deactivate_user(world.head_a, admin, NOW)
    db.session.commit()
    assert client.get("/api/v1/cases", headers=h).status_code == 401
    admin_service.reactivate_user(world.head_a, admin, NOW)
    db.session.commit()
    client.set_cookie("session", cookie)
    assert client.get("/agency/").status_code == 302  # the old session stays void
    assert client.get("/api/v1/cases", headers=h).status_code == 401, \
        "the token issued before the lock works again after reactivation"


def test_lookup_budget_is_per_citizen_behind_the_documented_proxy(app, client, world,
                                                                 make_case):
    """docs/deploy.md puts a reverse proxy in front: every citizen then has the proxy's
    address. One citizen's failed look-ups must not use up every other citizen's."""
    from complaints import trust_proxies

    app.config["LOOKUP_LIMIT"] = "3 per minute"
    app.config["PROXY_HOPS"] = 1  # as docs/deploy.md tells the operator to set it
    trust_proxies(app)
    case = make_case(actor=world.reception)
    db.session.commit()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _i in range(4):
        client.post("/cong-dan/tra-cuu", data={"tracking_code": "2026-AAAAAAAA",
                                                "secret": "000000"},
                    environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.7"})
    r = client.post("/cong-dan/tra-cuu", data={"tracking_code": case.tracking_code,
                                                "secret": case.test_pin},
                    environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.9"})
    assert r.status_code == 302, "another citizen behind the proxy is throttled"


# --- batch 4 ------------------------------------------------------------------------------


