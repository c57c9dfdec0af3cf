"""Acceptances kept to the credit of the agency that gave them (models.StageSpell): a move
that takes an accepted case away starts its acceptance stage again at the next agency, and
the scorecard must not lose the first agency's acceptance, late or on time.

Units: province P, department D, commune C, desk DESK. Complaint acceptance is 7 working
days from routing (domain.md): routed Fri 02/10/2026, due Tue 13/10.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from complaints.cli.scorecard import group as scorecard_cli
from complaints.extensions import db
from complaints.models import Agency, ScorecardBuiltDay, StageSpell
from complaints.services import scorecard, scorecard_summary, stage_spells, workflow
from tests.conftest import TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

OCT_NOV = (date(2026, 10, 1), date(2026, 11, 30))


def _on(day):
    return datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)


def _do(fn, *args, on):
    return fn(*args, _on(on), on, decided_on=on)


@pytest.fixture
def world(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="D", parent=p, level="department", name="Sở")
    make_agency(code="C", parent=p, level="commune", name="Xã")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban TCD")
    r = make_user("reception", agency=desk)

    def new(received=date(2026, 10, 2)):
        return make_case(r, kind="complaint", received_on=received, today=received,
                         now=_on(received))

    return {"new": new, "reception": r, "inspector": make_user("inspector")}


def _accepted_late_by_d(world):
    case = world["new"]()
    _do(workflow.route, case, "D", None, on=date(2026, 10, 2))
    _do(workflow.accept, case, None, on=date(2026, 10, 14))  # one working day late
    db.session.commit()
    return case


def _figures(world) -> dict[str, tuple[int, int, int]]:
    """(accepted, on time, average working days to accept) per agency code."""
    return {c.agency.code: (c.metrics.accepted, c.metrics.accepted_on_time,
                            c.metrics.working_days.get("acceptance"))
            for c in scorecard.scorecards(world["inspector"], *OCT_NOV, TODAY)}


def _accepts(world) -> dict[str, tuple[int, int]]:
    return {code: v[:2] for code, v in _figures(world).items() if v[0]}


def test_a_transfer_keeps_the_late_acceptance_with_the_agency_that_gave_it(world):
    case = _accepted_late_by_d(world)
    assert _accepts(world) == {"D": (1, 0)}
    _do(workflow.transfer, case, "C", "Thuộc thẩm quyền xã", None, on=date(2026, 10, 20))
    _do(workflow.accept, case, None, on=date(2026, 10, 21))  # C: on time
    db.session.commit()
    assert _accepts(world) == {"D": (1, 0), "C": (1, 1)}
    spell = db.session.scalar(select(StageSpell))
    assert (spell.start_on, spell.due_on, spell.met_on, spell.left_on) == (
        date(2026, 10, 2), date(2026, 10, 13), date(2026, 10, 14), date(2026, 10, 20))


def test_a_return_and_a_lead_designation_keep_it_too(world):
    case = _accepted_late_by_d(world)
    _do(workflow.return_case, case, "Không thuộc thẩm quyền", "C", None, on=date(2026, 10, 16))
    _do(workflow.route, case, "C", None, on=date(2026, 10, 19))
    _do(workflow.accept, case, None, on=date(2026, 10, 20))
    db.session.commit()
    d = db.session.scalar(select(Agency).where(Agency.code == "D"))
    workflow.move_to_lead(case, d, None, date(2026, 10, 22), "Giao Sở chủ trì",
                          _on(date(2026, 10, 22)))
    db.session.commit()
    assert _accepts(world) == {"D": (1, 0), "C": (1, 1)}
    assert db.session.scalar(select(db.func.count()).select_from(StageSpell)) == 2


def test_a_move_before_acceptance_keeps_nothing(world):
    case = world["new"]()
    _do(workflow.route, case, "D", None, on=date(2026, 10, 2))
    _do(workflow.transfer, case, "C", "Thuộc thẩm quyền xã", None, on=date(2026, 10, 5))
    db.session.commit()
    assert db.session.scalars(select(StageSpell)).all() == []
    assert _accepts(world) == {}


def test_the_built_summary_is_unlisted_and_counts_the_kept_acceptance(world):
    """A day already summarised (the nightly job) is recounted when the move keeps an
    acceptance on it, and the rebuilt summary says what the live count says."""
    case = _accepted_late_by_d(world)
    scorecard_summary.rebuild(TODAY)
    db.session.commit()
    assert db.session.get(ScorecardBuiltDay, date(2026, 10, 14)) is not None
    _do(workflow.transfer, case, "C", "Thuộc thẩm quyền xã", None, on=date(2026, 10, 20))
    db.session.commit()
    assert db.session.get(ScorecardBuiltDay, date(2026, 10, 14)) is None
    live = _figures(world)
    scorecard_summary.rebuild(TODAY, only_dirty=True)
    db.session.commit()
    assert db.session.get(ScorecardBuiltDay, date(2026, 10, 14)) is not None
    assert _figures(world) == live
    assert _accepts(world) == {"D": (1, 0)}


def test_recovery_rebuilds_the_spells_of_earlier_moves_once(world, app):
    """Moves made before spells were kept: the recovery pairs acceptances with moves from
    the routings and the audit trail and finds what the workflow keeps now."""
    first = _accepted_late_by_d(world)
    _do(workflow.transfer, first, "C", "Thuộc thẩm quyền xã", None, on=date(2026, 10, 20))
    second = world["new"](date(2026, 10, 5))
    _do(workflow.route, second, "C", None, on=date(2026, 10, 5))
    _do(workflow.accept, second, None, on=date(2026, 10, 6))
    _do(workflow.return_case, second, "Không thuộc thẩm quyền", "D", None,
        on=date(2026, 10, 8))
    db.session.commit()
    columns = (StageSpell.case_id, StageSpell.agency_id, StageSpell.stage,
               StageSpell.start_on, StageSpell.due_on, StageSpell.met_on, StageSpell.left_on)
    kept = sorted(db.session.execute(select(*columns)).all())
    assert len(kept) == 2
    figures = _figures(world)
    db.session.execute(delete(StageSpell))
    db.session.commit()
    assert _accepts(world) == {}
    result = CliRunner().invoke(scorecard_cli, ["recover-acceptances"], obj=app.cli)
    assert result.exit_code == 0, result.output
    assert "Recovered 2 " in result.output
    assert sorted(db.session.execute(select(*columns)).all()) == kept
    assert _figures(world) == figures
    assert stage_spells.recover() == 0  # idempotent
