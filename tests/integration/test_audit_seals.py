"""Seals over the audit trail catch what the chains cannot: a chain's last events cut off,
or a whole chain deleted; `flask audit verify` and the daily job use them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from complaints import jobs
from complaints.extensions import db
from complaints.models import AuditEvent, JobRun
from complaints.services import audit, audit_seals
from tests.conftest import NOW, audit_unguarded

LATER = NOW + timedelta(hours=2)  # past the margin: what NOW wrote can be sealed


def _events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def test_seal_covers_old_enough_events_once(app, make_case):
    cases = [make_case() for _ in range(3)]
    db.session.commit()
    assert audit_seals.seal(NOW) is None  # nothing an hour old yet
    first = audit_seals.seal(LATER)
    db.session.commit()
    assert first is not None and first.seq == 1 and first.from_id == 0
    assert first.events == _events() - 1  # every event but the seal itself
    assert audit_seals.seal(LATER) is None  # nothing new
    # A later event is covered by the next seal, which starts where the first ended.
    audit.record_case(cases[0], "identity_viewed", None, LATER, {"via": "test"})
    db.session.commit()
    second = audit_seals.seal(LATER + timedelta(hours=2))
    db.session.commit()
    assert (second.seq, second.from_id) == (2, first.upto_id)
    assert second.events == 2  # the first seal's own event and the new one
    assert audit_seals.verify_seals() == (2, [])
    assert audit.verify_chains()[1] == []
    assert audit_seals.latest().hash == second.hash


def test_a_cut_off_chain_end_passes_the_chains_but_not_the_seal(app, make_case):
    case = make_case()
    audit.record_case(case, "identity_viewed", None, NOW, {"via": "test"})
    db.session.commit()
    sealed = audit_seals.seal(LATER)
    db.session.commit()
    last = db.session.scalar(select(AuditEvent).where(AuditEvent.case_id == case.id)
                             .order_by(AuditEvent.seq.desc()).limit(1))
    with audit_unguarded():  # someone with the database's own rights
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == last.id))
        db.session.commit()
    assert audit.verify_chains()[1] == []  # what is left of the chain still links up
    checked, breaks = audit_seals.verify_seals()
    assert checked == 1 and len(breaks) == 1
    assert (breaks[0].from_id, breaks[0].upto_id) == (sealed.from_id, sealed.upto_id)
    assert "removed" in breaks[0].problem


def test_cli_seal_and_verify(app, runner, make_case, fixed_clock):
    make_case()
    db.session.commit()
    assert runner.invoke(args=["audit", "seal"]).output.strip() == "nothing to seal"
    result = runner.invoke(args=["audit", "seal", "--margin-minutes", "0"])
    assert result.exit_code == 0 and result.output.startswith("seal 1: events (0, ")
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "checked 1 seals, 0 broken; latest seal 1" in verified.output
    whole = db.session.scalar(select(AuditEvent.chain).where(AuditEvent.chain != "seal"))
    with audit_unguarded():  # a whole chain deleted
        db.session.execute(delete(AuditEvent).where(AuditEvent.chain == whole))
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "BROKEN seal=1" in broken.output


def test_daily_job_seals_and_records_its_run(app, make_case, monkeypatch):
    make_case()
    db.session.commit()
    monkeypatch.setattr("complaints.clock.now", lambda: LATER)
    result = jobs.seal_audit(app)
    assert result is not None and result.seq == 1
    run = db.session.get(JobRun, "audit_seal")
    assert run.last_success_at is not None and run.last_error is None
    assert jobs.seal_audit(app) is None  # a second run (or scheduler) finds nothing to do


def test_two_schedulers_sealing_at_once_write_one_seal(app, make_case):
    import threading

    make_case()
    db.session.commit()
    barrier = threading.Barrier(2)
    results, failures = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(audit_seals.seal(LATER))
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001  (reported below)
                failures.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    assert sorted(r is None for r in results) == [False, True]
    db.session.expire_all()
    assert audit_seals.verify_seals() == (1, [])


def test_admin_home_shows_the_latest_seal_to_copy(app, client, login, make_user, make_case):
    login(make_user("admin"))
    assert "Chưa có lần niêm phong nào" in client.get("/admin/").get_data(as_text=True)
    make_case()
    db.session.commit()
    sealed = audit_seals.seal(LATER)
    db.session.commit()
    page = client.get("/admin/").get_data(as_text=True)
    assert f'data-testid="seal-hash">{sealed.hash}</code>' in page
    assert "03/12/2026" not in page and "01/12/2026" in page  # the day it was sealed
