"""Two letters joined to one case at once: each request read the case before any lock and
wrote `last_petition_on` from what it had read, so the one committed second wrote its own
date over the first's, a later one lost. The mass-petition check finds a matter's cases by
that date: a case whose latest letter was forgotten could drop out of its 30 days. The date
is now computed in the UPDATE, from the row as it stands."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import Case, User
from complaints.services import intake
from tests.conftest import NOW, TODAY
from tests.integration.qa72_helpers import TIMEOUT, run_threads
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import receive_matter

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _letter(on: date, name: str) -> intake.PetitionData:
    return intake.PetitionData(channel="mail", received_on=on, content=f"Thư của {name}",
                               petitioners=[intake.PetitionerData(full_name=name)])


def test_a_later_letter_joined_first_is_not_overwritten_by_an_earlier_one(world, make_locality,
                                                                          app):
    loc = make_locality("31090")
    case = receive_matter(world, loc, "Đường thôn Bắc ngập nước", ["Lê Văn An"],
                          date(2026, 11, 2))
    db.session.commit()
    case_id, clerk_id = case.id, world.reception.id
    read, first_done = threading.Event(), threading.Event()

    def later() -> None:  # received 20/11, committed first
        read.wait(timeout=TIMEOUT)
        intake.add_petition(db.session.get(Case, case_id), _letter(date(2026, 11, 20), "Bình"),
                            db.session.get(User, clerk_id), NOW, TODAY)

    def earlier() -> None:  # received 10/11: read the case before the later one committed
        joined = db.session.get(Case, case_id)
        assert joined.last_petition_on == date(2026, 11, 2)
        read.set()
        first_done.wait(timeout=TIMEOUT)
        intake.add_petition(joined, _letter(date(2026, 11, 10), "Cường"),
                            db.session.get(User, clerk_id), NOW, TODAY)

    def later_then_signal() -> None:
        later()
        db.session.commit()
        first_done.set()

    failures = run_threads(app, [later_then_signal, earlier])[1]
    assert failures == []
    db.session.expire_all()
    joined = db.session.get(Case, case_id)
    assert len(joined.petitions) == 3
    assert joined.last_petition_on == date(2026, 11, 20)


def test_a_letter_received_before_the_latest_keeps_the_latest_date(world, make_locality):
    loc = make_locality("31090")
    case = receive_matter(world, loc, "Đường thôn Bắc ngập nước", ["Lê Văn An"],
                          date(2026, 11, 2))
    intake.add_petition(case, _letter(date(2026, 11, 20), "Bình"), world.reception, NOW, TODAY)
    assert case.last_petition_on == date(2026, 11, 20)
    intake.add_petition(case, _letter(date(2026, 11, 10), "Cường"), world.reception, NOW, TODAY)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Case, case.id).last_petition_on == date(2026, 11, 20)
