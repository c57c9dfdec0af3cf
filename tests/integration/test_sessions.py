"""Browser sessions: signing out ends this device's session only (a copy of its cookie stops
working too); "sign out everywhere" and a password change end them all; however busy, a
session ends SESSION_MAX_HOURS after sign-in."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import AuditEvent, EndedSession
from complaints.services import tokens
from tests.conftest import NOW
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _signed_in(app, user):
    browser = app.test_client()
    db.session.commit()
    g.pop("_login_user", None)  # see _out
    answer = browser.post("/login", data={"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    assert not _out(browser)
    return browser


def _out(browser) -> bool:
    # The tests' app context is shared by every request, and Flask-Login keeps the user
    # it loaded in `g`: forget it, so that this browser's cookie is what is read.
    g.pop("_login_user", None)
    answer = browser.get("/agency/")
    return answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_signing_out_ends_this_device_only(app, make_user):
    head = make_user("agency_head")
    office, phone = _signed_in(app, head), _signed_in(app, head)
    cookie = office.get_cookie("session").value
    office.post("/logout")
    assert _out(office)
    assert not _out(phone)  # the other device goes on
    thief = app.test_client()
    thief.set_cookie("session", cookie)  # a copy of the signed-out cookie
    assert _out(thief)
    assert db.session.scalar(select(db.func.count()).select_from(EndedSession)) == 1


def test_signing_out_everywhere_ends_every_device(app, make_user):
    head = make_user("agency_head")
    office, phone = _signed_in(app, head), _signed_in(app, head)
    page = office.get("/account/password").get_data(as_text=True)
    assert 'data-testid="logout-everywhere"' in page
    answer = office.post("/logout/everywhere")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert _out(office) and _out(phone)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.chain == f"user:{head.id}", AuditEvent.action == "sessions_ended"))
    assert _signed_in(app, head)  # signing in again works


def test_signing_out_everywhere_keeps_api_tokens_unless_asked(app, make_user):
    head = make_user("agency_head")
    kept, _row = tokens.issue_token(head, NOW)
    office = _signed_in(app, head)
    page = office.get("/account/password").get_data(as_text=True)
    assert 'data-testid="revoke-tokens"' in page  # one live token: the box is offered
    office.post("/logout/everywhere")
    assert tokens.user_for_token(kept, NOW) == head  # an integration on it goes on

    office = _signed_in(app, head)
    tokens.issue_token(head, NOW)
    answer = office.post("/logout/everywhere", data={"revoke_tokens": "1"},
                         follow_redirects=True)
    assert "Đã thu hồi 2 mã truy cập API." in answer.get_data(as_text=True)
    assert tokens.user_for_token(kept, NOW) is None
    assert tokens.live_count(head, NOW) == 0
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"user:{head.id}", AuditEvent.action == "sessions_ended")
        .order_by(AuditEvent.id.desc())).first()
    assert json.loads(event.data)["tokens_revoked"] == 2

    office = _signed_in(app, head)  # nothing left to revoke: no box
    assert 'data-testid="revoke-tokens"' not in office.get("/account/password").get_data(
        as_text=True)


def test_a_busy_session_ends_after_the_maximum_hours(app, make_user, monkeypatch):
    head = make_user("agency_head")
    browser = _signed_in(app, head)
    hours = app.config["SESSION_MAX_HOURS"]
    # A request every 20 minutes keeps it from idling out ...
    for minutes in range(20, int(hours * 60 - 6), 20):
        monkeypatch.setattr(clock, "now", lambda m=minutes: NOW + timedelta(minutes=m))
        assert not _out(browser), minutes
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=hours - 0.1))
    assert not _out(browser)
    # ... not past the maximum.
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=hours + 0.1))
    assert _out(browser)


def test_ended_sessions_are_forgotten_once_they_would_have_expired(app, make_user,
                                                                    monkeypatch):
    head = make_user("agency_head")
    _signed_in(app, head).post("/logout")
    hours = app.config["SESSION_MAX_HOURS"]
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=hours + 1))
    _signed_in(app, head).post("/logout")
    assert db.session.scalar(select(db.func.count()).select_from(EndedSession)) == 1
