"""Two requests appending to one case's audit chain at once both succeed, in order."""

from __future__ import annotations

import threading

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import audit
from tests.conftest import NOW


def test_concurrent_appends_to_one_chain_do_not_collide(app, make_case):
    case = make_case()
    db.session.commit()
    case_id = case.id
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def append(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                audit.record(f"case:{case_id}", "identity_viewed", None, NOW, {"n": i},
                             case_id=case_id)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001  (reported below)
                failures.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=append, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    db.session.expire_all()
    seqs = list(db.session.scalars(select(AuditEvent.seq).where(
        AuditEvent.chain == f"case:{case_id}").order_by(AuditEvent.seq)))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 5
    checked, breaks = audit.verify_chains(f"case:{case_id}")
    assert breaks == []
