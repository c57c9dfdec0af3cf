"""QA round 96 (reliability): /health's job errors, the outbox give-up, the orphan prune's
last look, daily jobs missed by a restart, and the report download's caching."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import OperationalError

from complaints import clock, jobs
from complaints.extensions import db
from complaints.models import JobRun
from complaints.services import escalation
from tests.conftest import NOW


def test_health_publishes_a_job_errors_kind_not_its_sql_or_parameters(app, client,
                                                                         monkeypatch):
    """D2: anyone may read /health; a failed statement's text (SQL, addresses) stays in
    the log and the JobRun row."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: NOW.date())

    def locked(*args, **kwargs):
        raise OperationalError(
            "INSERT OR IGNORE INTO notifications (email_to, subject) VALUES (?, ?)",
            [("truong.phong@so-tnmt.gov.vn", "Hồ sơ quá hạn")],
            sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(escalation, "escalate_due", locked)
    jobs.sweep(app)

    response = client.get("/health")
    body = response.get_data(as_text=True)
    assert response.get_json()["scheduler"]["sweep"]["last_error"] == "OperationalError"
    assert "truong.phong@so-tnmt.gov.vn" not in body
    assert "INSERT OR IGNORE" not in body and "database is locked" not in body
    # The operator's copy keeps the detail.
    assert "database is locked" in db.session.get(JobRun, "sweep").last_error
