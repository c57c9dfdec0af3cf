"""Fault tests: the database down for a while, the attachment store full, a sweep crashing.

(The SMTP server refusing then accepting is in test_notifications.py.)
"""

from __future__ import annotations

import errno
import io
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from complaints import create_app, jobs
from complaints.extensions import db
from complaints.models import (
    Attachment,
    AuditEvent,
    Case,
    Escalation,
    JobRun,
    Notification,
)
from complaints.services import attachments, audit, escalation, workflow
from tests.conftest import IS_POSTGRES, NOW, TODAY, config_for_tests
from tests.integration.reception_helpers import PDF, PNG, intake_form, person, upload

GENERIC_500 = "Đã có lỗi xảy ra. Dữ liệu đã lưu không bị mất"
DISK_FULL = "ổ đĩa đầy hoặc lỗi ghi"


pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _files(root: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in Path(root).rglob("*") if p.is_file()}


def _chains_intact() -> None:
    _checked, breaks = audit.verify_chains()
    assert breaks == []


# --- (a) The database refusing connections for a while -------------------------------------

@pytest.mark.skipif(IS_POSTGRES, reason="uses an unreachable SQLite path")
def test_database_down_answers_a_clear_error_then_recovers(tmp_path):
    db_dir = tmp_path / "not-yet"  # SQLite cannot open a file in a missing directory
    app = create_app(config_for_tests(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_dir / 'x.db'}",
        UPLOAD_DIR=str(tmp_path / "attachments"),
        # As in production: errors become error pages instead of reaching the test.
        TESTING=False, PROPAGATE_EXCEPTIONS=False))
    client = app.test_client()

    # A page that reads the database: the generic error page, no traceback, nothing leaked.
    response = client.get("/cong-dan/gui-don")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert GENERIC_500 in html
    assert "Traceback" not in html and "OperationalError" not in html and "sqlite" not in html
    # The API answers the same in JSON.
    response = client.get("/api/v1/cases", headers={"Authorization": "Bearer x"})
    assert response.status_code == 503
    assert response.get_json() == {"error": response.get_json()["error"], "status": 503}
    assert GENERIC_500 in response.get_json()["error"]
    # Monitoring sees it.
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == {"ok": False}

    # The database comes back: the same process serves again, without a restart.
    db_dir.mkdir()
    with app.app_context():
        from complaints.services.seed import seed_reference_data

        db.create_all()
        seed_reference_data(NOW)
        db.session.commit()
    assert client.get("/cong-dan/gui-don").status_code == 200
    assert client.get("/health").get_json()["database"] == {"ok": True}
    with app.app_context():
        db.engine.dispose()


# --- (b) The attachment store full or unwritable ---------------------------------------------

def _disk_fills_after(monkeypatch, writes_ok: int) -> None:
    """Let `writes_ok` attachment writes succeed, then fail each with ENOSPC at fsync."""
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] > writes_ok:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(attachments.os, "fsync", fsync)


@pytest.fixture
def online_desk(make_agency, make_user):
    agency = make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    make_user("reception", agency=agency)
    db.session.commit()
    return agency


def _public_form(subject: str) -> dict:
    return {"kind": "complaint", "field": "land", "locality_code": "", "subject": subject,
            "content": "Đề nghị xem xét quyết định thu hồi đất số 12.",
            "full_name": "Lê Thị Ngọc", "phone": "0912345678", "email": "ngoc@example.vn",
            "address": "12 Lê Lợi", "id_number": "031234567890", "consent": "y",
            "website": ""}


def test_public_submission_with_the_disk_full_saves_nothing(app, client, online_desk,
                                                            monkeypatch):
    # What was saved before: a submission with a PNG.
    data = _public_form("Lần đầu") | {"attachments": [(io.BytesIO(PNG), "anh.png")]}
    response = client.post("/cong-dan/gui-don", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    before = _files(app.config["UPLOAD_DIR"])
    first = db.session.scalar(select(Case))
    assert len(before) == 1 and _count(Attachment) == 1

    # The disk fills up between the two files of the next submission.
    _disk_fills_after(monkeypatch, writes_ok=1)
    data = _public_form("Lần hai") | {"attachments": [(io.BytesIO(PDF), "don.pdf"),
                                                      (io.BytesIO(PDF + b"%2"), "them.pdf")]}
    response = client.post("/cong-dan/gui-don", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422  # the form again, with a clear message
    assert DISK_FULL in html
    assert "Lần hai" in html  # what the citizen typed is kept
    db.session.expire_all()
    assert _count(Case) == 1 and _count(Attachment) == 1  # no case, no attachment row
    assert _files(app.config["UPLOAD_DIR"]) == before  # no new file, the old one intact
    assert db.session.scalar(select(Case)).tracking_code == first.tracking_code
    _chains_intact()


def test_reception_intake_with_the_disk_full_keeps_earlier_cases(app, client, make_user,
                                                                 make_locality, login,
                                                                 monkeypatch):
    officer = make_user("reception")
    ward = make_locality("11311", name="Phường Lê Chân")
    login(officer)
    data = intake_form(ward.code, [person(1)], TODAY)
    data["petition_scans"] = [upload(PNG, "scan.png")]
    response = client.post("/reception/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    before = _files(app.config["UPLOAD_DIR"])
    saved = db.session.scalar(select(Attachment))

    _disk_fills_after(monkeypatch, writes_ok=0)
    data = intake_form(ward.code, [person(2)], TODAY, subject="Đơn thứ hai")
    data["petition_scans"] = [upload(PDF, "don.pdf")]
    response = client.post("/reception/new", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert DISK_FULL in html and "Đơn thứ hai" in html
    db.session.expire_all()
    assert _count(Case) == 1 and _count(Attachment) == 1
    assert _files(app.config["UPLOAD_DIR"]) == before  # temp file removed, old blob intact
    with client.get(f"/reception/attachments/{saved.id}") as download:
        assert download.status_code == 200 and download.data == PNG


# --- (c) The escalation job crashing mid-run -------------------------------------------------

@pytest.fixture
def overdue_cases(make_agency, make_user, make_case):
    """Six complaints routed to a department on 02/10/2026 and never accepted."""
    province = make_agency("UBND", level="province", name="UBND tỉnh")
    make_agency("TTT", parent=province, name="Thanh tra tỉnh", is_inspectorate=True)
    desk = make_agency("BTCD", parent=province, name="Ban Tiếp công dân")
    dept = make_agency("SO-A", parent=province, name="Sở A")
    reception = make_user("reception", desk, "tiepdan")
    head = make_user("agency_head", dept, "giamdoc_a")
    head.email = "giamdoc.a@so-a.gov.vn"
    make_user("agency_head", province, "chutich")
    cases = []
    for _ in range(6):
        case = make_case(actor=reception, received_on=date(2026, 10, 1))
        workflow.route(case, "SO-A", reception, NOW, TODAY, decided_on=date(2026, 10, 2))
        cases.append(case)
    db.session.commit()
    return cases


def _case_state(case_id: int) -> tuple[int, int, int, int]:
    """(escalations, 'escalated' audit events, notifications, escalation level) of a case."""
    escalations = db.session.scalar(select(func.count(Escalation.id))
                                    .where(Escalation.case_id == case_id))
    events = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "escalated"))
    notes = db.session.scalar(select(func.count(Notification.id))
                              .where(Notification.case_id == case_id,
                                     Notification.escalation_id.is_not(None)))
    level = db.session.scalar(select(Case.escalation_level).where(Case.id == case_id))
    return escalations, events, notes, level


def test_sweep_crash_mid_chunk_leaves_no_case_half_escalated(app, overdue_cases, monkeypatch):
    as_of = date(2027, 2, 1)  # months past every acceptance deadline
    ids = [c.id for c in overdue_cases]
    before = {i: _case_state(i) for i in ids}
    assert all(state[:3] == (0, 0, 0) for state in before.values())

    # The second chunk dies after its escalation rows and audit events are written, while
    # its notifications are being inserted.
    real_insert = escalation._Writer.insert
    seen = {"notifications": 0}

    def crashing_insert(self, table, columns, rows, ignore_duplicates=False):
        if table == "notifications":
            seen["notifications"] += 1
            if seen["notifications"] == 2:
                raise RuntimeError("worker killed mid-chunk")
        return real_insert(self, table, columns, rows, ignore_duplicates)

    monkeypatch.setattr(escalation._Writer, "insert", crashing_insert)

    def sweep():
        return escalation.escalate_due(as_of, NOW, chunk_size=2, commit=db.session.commit)

    assert jobs.run_job(app, "sweep", sweep) is None  # the job caught and recorded it
    db.session.expire_all()
    run = db.session.get(JobRun, "sweep")
    assert run.last_error == "RuntimeError: worker killed mid-chunk"
    assert run.last_success_at is None

    after = {i: _case_state(i) for i in ids}
    done = [i for i in ids if after[i][0]]
    untouched = [i for i in ids if not after[i][0]]
    assert len(done) == 2 and len(untouched) == 4  # the first chunk only
    for i in done:  # fully escalated: its row, its audit event, its notifications, its level
        escalations, events, notes, level = after[i]
        assert escalations == 1 and events == 1 and notes >= 1 and level >= 1
    for i in untouched:  # nothing of the crashed chunk survived
        assert after[i] == before[i]
    _chains_intact()

    # The next run (the fault gone) completes and adds nothing twice.
    monkeypatch.setattr(escalation._Writer, "insert", real_insert)
    summary = jobs.run_job(app, "sweep", sweep)
    assert summary is not None and summary.escalated == 4
    db.session.expire_all()
    run = db.session.get(JobRun, "sweep")
    assert run.last_error is None and run.last_success_at is not None
    final = {i: _case_state(i) for i in ids}
    for i in ids:
        escalations, events, notes, level = final[i]
        assert escalations == 1 and events == 1 and notes >= 1 and level >= 1
    assert {i: final[i] for i in done} == {i: after[i] for i in done}
    _chains_intact()


def test_sqlite_durability_follows_the_setting(monkeypatch, tmp_path):
    import sqlite3

    from complaints import _sqlite_pragmas

    for setting, expected in (("FULL", 2), ("normal", 1), ("nonsense", 1)):
        monkeypatch.setenv("SQLITE_SYNCHRONOUS", setting)
        connection = sqlite3.connect(tmp_path / "d.db")
        _sqlite_pragmas(connection, None)
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == expected
        connection.close()
