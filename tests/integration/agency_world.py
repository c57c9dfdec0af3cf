"""Fixtures of the agency decision tests (QA round 13): an agency with two heads and two
officers, another agency, a desk, and routed cases."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.services import audit, workflow
from tests.conftest import NOW, TODAY


@pytest.fixture
def world(make_agency, make_user):
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân",
                       is_reception_desk=True)
    so = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    other = make_agency(code="SO-XD", parent=province, name="Sở Xây dựng")
    return {
        "province": province, "desk": desk, "so": so, "other": other,
        "reception": make_user("reception", agency=desk, username="tiepdan"),
        "head": make_user("agency_head", agency=so, username="giamdoc"),
        "head2": make_user("agency_head", agency=so, username="phogiamdoc"),
        "officer": make_user("agency_officer", agency=so, username="chuyenvien"),
        "officer2": make_user("agency_officer", agency=so, username="chuyenvien2"),
        "other_head": make_user("agency_head", agency=other, username="giamdocxd"),
        "other_officer": make_user("agency_officer", agency=other, username="cvxd"),
        "province_head": make_user("agency_head", agency=province, username="chutich"),
    }


@pytest.fixture
def routed(world, make_case):
    """Cases received 02/11, routed to SO-TNMT on 20/11/2026."""
    def make(kind="complaint", accept=False, **kw) -> Case:
        case = make_case(actor=world["reception"], kind=kind, **kw)
        workflow.route(case, "SO-TNMT", world["reception"], NOW, TODAY,
                       decided_on=date(2026, 11, 20))
        if accept:
            workflow.accept(case, world["head"], NOW, TODAY, decided_on=date(2026, 11, 23))
        db.session.commit()
        return case
    return make


def fresh(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def events(case: Case) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.chain == f"case:{case.id}").order_by(AuditEvent.seq)))


def chain_ok(case: Case) -> bool:
    _n, breaks = audit.verify_chains(f"case:{case.id}")
    return breaks == []


def signer_ids(case: Case) -> list[int]:
    c = fresh(case)
    return [s.petitioner_id for p in c.petitions for s in p.signers]


def in_other_session(app, work):
    """Run work() in its own app context/session on another thread and commit: another
    user's request landing between this request's read and its write."""
    failures = []

    def run():
        with app.app_context():
            try:
                work()
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert not failures, failures
