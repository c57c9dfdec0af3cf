"""Two requests appending to one case's audit chain at once both succeed, in order."""

from __future__ import annotations

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import audit
from tests.conftest import NOW
from tests.factories import run_at_once


def test_concurrent_appends_to_one_chain_do_not_collide(app, make_case):
    case = make_case()
    db.session.commit()
    case_id = case.id
    failures = run_at_once(app, 4, lambda i: audit.record(
        f"case:{case_id}", "identity_viewed", None, NOW, {"n": i}, case_id=case_id))
    assert failures == []
    db.session.expire_all()
    seqs = list(db.session.scalars(select(AuditEvent.seq).where(
        AuditEvent.chain == f"case:{case_id}").order_by(AuditEvent.seq)))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 5
    checked, breaks = audit.verify_chains(f"case:{case_id}")
    assert breaks == []
