"""Intakes about one matter at once: none lost, every chain whole, and the matter clustered
exactly once, with every case in it and escalated once as mass — on SQLite (one writer at a
time) and on PostgreSQL (the matter settled under an advisory lock) alike."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Cluster, Escalation
from complaints.services import audit, intake
from tests.conftest import NOW, TODAY
from tests.factories import run_at_once
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)


def test_concurrent_intakes_of_one_matter(app, world, make_locality):  # noqa: F811
    loc = make_locality("31004")
    db.session.commit()
    reception_id, loc_code = world.reception.id, loc.code
    threads_n, per_thread = 4, 3
    codes: list[str] = []

    def receive(t: int) -> None:
        actor = db.session.get(type(world.reception), reception_id)
        for i in range(per_thread):
            person = intake.PetitionerData(full_name=f"Người {t}-{i}")
            data = intake.CaseData(
                kind="complaint", field_code="land",
                subject="Bồi thường giải phóng mặt bằng đường ven biển",
                content="Nội dung", locality_code=loc_code,
                petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 11, 20),
                                             petitioners=[person]))
            code = intake.receive_case(data, actor, NOW, TODAY)[0].tracking_code
            db.session.commit()
            codes.append(code)

    assert run_at_once(app, threads_n, receive) == []
    db.session.expire_all()
    cases = list(db.session.scalars(select(Case).where(Case.tracking_code.in_(codes))
                                    .order_by(Case.id)))
    assert len(cases) == threads_n * per_thread == len(codes)
    for case in cases:
        assert audit.verify_chains(f"case:{case.id}")[1] == []
    # Settled one after another: the fifth person makes the matter mass (the four before
    # are clustered with it), later petitions join that one cluster.
    assert db.session.scalar(select(db.func.count()).select_from(Cluster)) == 1
    assert all(c.flag_mass for c in cases)
    assert len({c.cluster_id for c in cases}) == 1
    mass = list(db.session.scalars(select(Escalation.case_id)
                                   .where(Escalation.reason == "mass")))
    assert sorted(mass) == [c.id for c in cases]
