"""GET /health: database, scheduler's last sweep and outbox backlog, without signing in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints import clock, create_app
from complaints.extensions import db
from complaints.models import JobRun, Notification
from tests.conftest import IS_POSTGRES, NOW, config_for_tests


@pytest.fixture
def at_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _email(key: str, created_at, status: str = "pending", channel: str = "email"):
    db.session.add(Notification(dedupe_key=key, channel=channel, email_to="a@example.vn",
                                subject="Tình trạng hồ sơ", body="…", status=status,
                                created_at=created_at))


def test_health_without_sign_in_on_an_empty_system(client, at_now):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["database"] == {"ok": True}
    assert body["scheduler"]["sweep"]["last_success_at"] is None
    assert body["scheduler"]["sweep"]["stale"] is True
    assert body["status"] == "degraded"  # no sweep has ever run
    assert body["outbox"]["pending"] == 0 and body["outbox"]["oldest_pending_at"] is None
    assert body["outbox"]["failed"] == 0


def test_health_reports_last_sweep_and_outbox_backlog(client, at_now):
    db.session.add(JobRun(name="sweep", last_started_at=NOW - timedelta(minutes=5, seconds=3),
                          last_success_at=NOW - timedelta(minutes=5)))
    db.session.add(JobRun(name="outbox", last_started_at=NOW - timedelta(minutes=1),
                          last_error="SMTPServerDisconnected: refused"))
    _email("a", NOW - timedelta(hours=2))
    _email("b", NOW - timedelta(minutes=10))
    _email("c", NOW - timedelta(days=3), status="sent")  # delivered: not a backlog
    _email("d", NOW - timedelta(days=3), channel="in_app")  # not an e-mail
    _email("e", NOW - timedelta(days=6), status="failed")  # given up: counted, not waiting
    _email("f", NOW - timedelta(days=6), status="failed", channel="in_app")
    db.session.commit()

    body = client.get("/health").get_json()
    sweep = body["scheduler"]["sweep"]
    assert sweep["seconds_since_success"] == 300 and sweep["stale"] is False
    assert sweep["last_success_at"].startswith("2026-12-01T02:55:00")
    # An e-mail undelivered for two hours with the outbox job failing is a fault (QA round
    # 18): beyond OUTBOX_STALE_MINUTES (60) the status is degraded.
    assert body["status"] == "degraded" and body["outbox"]["stale"] is True
    assert body["outbox"]["pending"] == 2
    assert body["outbox"]["oldest_pending_seconds"] == 7200
    assert body["outbox"]["failed"] == 1
    assert body["outbox"]["job"]["last_error"].startswith("SMTPServerDisconnected")


def test_health_marks_a_stopped_scheduler_as_degraded_but_up(client, at_now, app):
    db.session.add(JobRun(name="sweep", last_success_at=NOW - timedelta(hours=3)))
    db.session.commit()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["scheduler"]["sweep"]["stale"] is True


@pytest.mark.skipif(IS_POSTGRES, reason="uses an unreachable SQLite path")
def test_health_is_503_when_the_database_is_unreachable(tmp_path, at_now):
    broken = create_app(config_for_tests(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}"))
    response = broken.test_client().get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down" and body["database"] == {"ok": False}


def test_health_is_503_when_a_query_fails(client, at_now, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from complaints.web.health import checks

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(checks.db.session, "execute", refuse)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == {"ok": False}


def test_health_reports_the_audit_seal_and_a_stopped_one(client, at_now):
    db.session.add(JobRun(name="sweep", last_success_at=NOW - timedelta(minutes=1)))
    db.session.commit()
    body = client.get("/health").get_json()
    seal = body["scheduler"]["audit_seal"]
    assert seal["last_success_at"] is None and seal["stale"] is False  # not sealed yet
    assert body["status"] == "ok"
    db.session.add(JobRun(name="audit_seal", last_success_at=NOW - timedelta(days=3)))
    db.session.commit()
    body = client.get("/health").get_json()
    assert body["scheduler"]["audit_seal"]["stale"] is True and body["status"] == "degraded"
